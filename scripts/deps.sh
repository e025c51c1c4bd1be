#!/usr/bin/env bash
# Installs the Debian 12 packages zerotee needs to build, test and run. Idempotent: when
# everything is already there it changes nothing and touches no network.
set -euo pipefail

PACKAGES=(
    build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev libgtest-dev
    libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
    libgstrtspserver-1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
    gstreamer1.0-libav gstreamer1.0-rtsp gstreamer1.0-qt6 gstreamer1.0-gl
    qt6-base-dev qt6-declarative-dev qt6-multimedia-dev qt6-httpserver-dev qt6-websockets-dev
    qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
    qml6-module-qtmultimedia qml6-module-qttest qt6-qpa-plugins
    qml6-module-qtquick-virtualkeyboard qt6-virtualkeyboard-plugin
    qml6-module-qt-labs-folderlistmodel
    libdrm-dev libsystemd-dev libtomlplusplus-dev libopencv-dev opencv-data python3-onnx
    ffmpeg xvfb x11-utils libgl1-mesa-dri procps openssl python3-matplotlib
    qemu-system-x86 busybox-static v4l-utils
    python3-numpy python3-dev python3-opencv strace
    libmosquitto-dev mosquitto mosquitto-clients
    chromium python3-websocket
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
