# Install layout beyond the programs and the plugin, and the Debian package (CPack DEB).
# See docs/packaging.md. Included last from the top-level CMakeLists.txt, so every target
# (and the optional QML panel) is known here.

# --- Files ---------------------------------------------------------------------------------

# /etc is not under the prefix: for /usr it is /etc (Debian, GNUInstallDirs), for any other
# prefix <prefix>/etc. Decided at install time, because CPack installs with prefix /usr
# whatever prefix this tree was configured with.
install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
        set(_zerotee_etc \"/etc/zerotee\")
    else()
        set(_zerotee_etc \"\${CMAKE_INSTALL_PREFIX}/etc/zerotee\")
    endif()
    file(INSTALL DESTINATION \"\${_zerotee_etc}\" TYPE FILE
        FILES \"${CMAKE_SOURCE_DIR}/resources/zerotee.toml\")
")

# systemd searches <prefix>/lib/systemd/system for /usr and /usr/local alike.
install(FILES ${CMAKE_SOURCE_DIR}/resources/zerotee.service DESTINATION lib/systemd/system)

# Hardware profiles: installed to share/zerotee/profiles and mirrored into the build tree at the
# same place relative to bin/, so build/bin/zerotee --profile NAME finds them as the installed
# program does.
file(GLOB _zerotee_profiles CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/resources/profiles/*.toml)
foreach(_profile IN LISTS _zerotee_profiles)
    get_filename_component(_name ${_profile} NAME)
    configure_file(${_profile} ${CMAKE_BINARY_DIR}/share/zerotee/profiles/${_name} COPYONLY)
endforeach()
install(FILES ${_zerotee_profiles} DESTINATION ${CMAKE_INSTALL_DATADIR}/zerotee/profiles)

file(GLOB _zerotee_man_pages CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/packaging/man/*.1)
install(FILES ${_zerotee_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB _zerotee_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${_zerotee_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The QML panel (issue 7): a static QML module (Zerotee.Panel) compiled into `zerotee`, which
# installs nothing of its own. Should it become a program or a shared QML plugin, install that.
foreach(_panel zerotee-panel zerotee-panelplugin)
    if(TARGET ${_panel})
        get_target_property(_panel_type ${_panel} TYPE)
        if(_panel_type STREQUAL "EXECUTABLE")
            install(TARGETS ${_panel} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
        elseif(_panel_type MATCHES "^(SHARED|MODULE)_LIBRARY$")
            install(TARGETS ${_panel} LIBRARY
                DESTINATION ${CMAKE_INSTALL_LIBDIR}/qt6/qml/Zerotee/Panel)
        endif()
    endif()
endforeach()

# --- Debian package ------------------------------------------------------------------------

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zerotee)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "zerotee")
set(CPACK_PACKAGE_CONTACT "zerotee maintainers <zerotee@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "one camera, many processes, no pixel copies (zero-copy GStreamer frame bus)")
set(CPACK_PACKAGE_DESCRIPTION
    "zerotee owns a camera, shares its frames with other processes over a zero-copy bus\n(DMABUF/memfd passing) and runs a recorder, an RTSP server, an AI worker and any\ngst-launch pipeline as supervised processes. Includes the GStreamer plugin\n(zeroteesink, zeroteesrc), the control tool, a systemd unit, and the client library\n(libzerotee-client: C API, C++ wrapper, pkg-config file, Python package zerotee).")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
# CPack installs with prefix /usr into a staging DESTDIR, so the install-time /etc rule above
# and absolute paths land where dpkg expects them.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries (Qt, GStreamer core, OpenCV, libsystemd, ...) come from dpkg-shlibdeps; the
# plugins the pipelines load at run time are not linked, so they are listed by hand:
#   base: videotestsrc, videoconvert/videoscale, videorate, decodebin (file: sources)
#   good: v4l2src/v4l2h264enc, splitmuxsink, matroskamux/mp4mux, rtph264pay
#   bad:  h264parse, the RTSP push client (rtspclientsink is in rtsp)
#   ugly: x264enc (the software encoder where no hardware one exists)
#   libav: decoders for file: sources
#   gstreamer1.0-tools: gst-launch-1.0 runs the custom workers
#   gstreamer1.0-rtsp: rtspclientsink for RTSP push
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libzerotee-client.so.1 is a public library: a shlibs file and ldconfig triggers.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(_zerotee_depends
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-rtsp)
# The Python client package (zerotee) hands out frames as numpy views, through an extension
# module built for this Python version (python/CMakeLists.txt).
set(_zerotee_recommends opencv-data python3-numpy
    "python3 (>= ${ZEROTEE_PYTHON_VERSION})" "python3 (<< ${ZEROTEE_PYTHON_NEXT_VERSION})")
if(TARGET zerotee-panel)
    # The panel's preview: qml6glsink and the GL elements in front of it, plus the QML modules.
    list(APPEND _zerotee_depends gstreamer1.0-qt6 gstreamer1.0-gl qml6-module-qtquick
        qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-window)
else()
    list(APPEND _zerotee_recommends gstreamer1.0-qt6 gstreamer1.0-gl)
endif()
list(JOIN _zerotee_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
# libmosquitto1 (the MQTT bridge) comes from dpkg-shlibdeps; a broker and the command-line
# clients are only suggested: the broker usually runs elsewhere (docs/mqtt.md).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, mosquitto-clients")
list(JOIN _zerotee_recommends ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)

# The configuration is a conffile: upgrades keep local edits, purge removes it.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "/etc/zerotee/zerotee.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/conffiles)

include(CPack)
