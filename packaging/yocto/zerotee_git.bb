# zerotee: one camera, many processes, no pixel copies.
# A recipe sketch for an i.MX BSP layer (meta-imx, GStreamer 1.22 fork). See README.md here.
SUMMARY = "Zero-copy camera frame bus, supervisor, recorder, RTSP and AI workers"
HOMEPAGE = "https://example.invalid/zerotee"
LICENSE = "CLOSED"
# Replace with the project's license and its checksum once it has one, e.g.
# LICENSE = "MIT"
# LIC_FILES_CHKSUM = "file://LICENSE;md5=..."

SRC_URI = "git://git.example.invalid/zerotee.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

inherit cmake qt6-cmake pkgconfig systemd python3native

DEPENDS = " \
    qtbase qtdeclarative qtmultimedia qthttpserver qtbase-native \
    gstreamer1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-bad gstreamer1.0-rtsp-server \
    libdrm tomlplusplus opencv systemd mosquitto python3 python3-numpy \
"

# The plugin goes where this GStreamer looks for it (${libdir}/gstreamer-1.0, no multiarch).
EXTRA_OECMAKE += " \
    -DZEROTEE_GST_PLUGIN_DIR=${baselib}/gstreamer-1.0 \
    -DCMAKE_BUILD_TYPE=Release \
"

SYSTEMD_SERVICE:${PN} = "zerotee.service"
SYSTEMD_AUTO_ENABLE:${PN} = "disable"

# The default configuration is a conffile: local edits survive upgrades.
CONFFILES:${PN} = "${sysconfdir}/zerotee/zerotee.toml"

# CMake installs the unit to ${prefix}/lib/systemd/system, which is ${systemd_system_unitdir}
# on usrmerge distros; move it on the others.
do_install:append() {
    if [ "${prefix}/lib/systemd/system" != "${systemd_system_unitdir}" ] && \
       [ -d ${D}${prefix}/lib/systemd/system ]; then
        install -d ${D}${systemd_system_unitdir}
        mv ${D}${prefix}/lib/systemd/system/* ${D}${systemd_system_unitdir}/
        rmdir --ignore-fail-on-non-empty ${D}${prefix}/lib/systemd/system
    fi
}

FILES:${PN} += " \
    ${libdir}/gstreamer-1.0/libgstzerotee.so \
    ${datadir}/zerotee \
    ${systemd_system_unitdir}/zerotee.service \
"
# The plugin is a module, not a versioned library: keep it out of -dev.
FILES_SOLIBSDEV = ""
INSANE_SKIP:${PN} += "dev-so"

# Elements the pipelines load at run time (not linked, so not found by shlibdeps).
RDEPENDS:${PN} = " \
    gstreamer1.0-plugins-base-videotestsrc gstreamer1.0-plugins-base-videoconvertscale \
    gstreamer1.0-plugins-base-videorate gstreamer1.0-plugins-base-playback \
    gstreamer1.0-plugins-good-video4linux2 gstreamer1.0-plugins-good-multifile \
    gstreamer1.0-plugins-good-matroska gstreamer1.0-plugins-good-isomp4 \
    gstreamer1.0-plugins-good-rtp gstreamer1.0-plugins-good-rtpmanager \
    gstreamer1.0-plugins-bad-videoparsersbad \
    gstreamer1.0-rtsp-server \
    gstreamer1.0-tools \
    qtdeclarative-qmlplugins \
"
# i.MX hardware elements for the imx8mp profile: imxvideoconvert_g2d and vpuenc_h264 come from
# NXP's imx-gst1.0-plugin; v4l2h264enc (Hantro through vsi_v4l2) from -good's video4linux2.
RRECOMMENDS:${PN}:append:mx8mp-nxp-bsp = " imx-gst1.0-plugin imx-gpu-g2d"
# Software encoder where no hardware one is present (needs LICENSE_FLAGS_ACCEPTED = "commercial").
RRECOMMENDS:${PN} += "gstreamer1.0-plugins-ugly-x264"
