#!/usr/bin/env bash
# Host packages of the device rig: QEMU 10 (virtio-multitouch-pci, QMP input-send-event),
# debootstrap and e2fsprogs for the guest image, zbar to read QR codes off the screendumps, PIL
# to compare them with the headless renderer's pictures, tesseract to read the panel's text off
# the screendumps, gcc for the static dock-switch helper.
#
# The base image ships qemu-utils 10 from <suite>-backports, which Breaks the suite's own
# qemu-system-common 7.2, so qemu-system-x86 comes from backports too: through a temporary
# sources file under $RIG_DIR (nothing is written under /etc). The mirror is the one apt
# already uses; no host name is written here.
set -euo pipefail
RIG_DIR=${RIG_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/device/lib.sh
. "$here/lib.sh"

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
qemu_ok() {
  command -v qemu-system-x86_64 >/dev/null &&
    qemu-system-x86_64 -device help 2>/dev/null | grep -q virtio-multitouch-pci
}
wanted=(debootstrap e2fsprogs python3 python3-pil zbar-tools tesseract-ocr tesseract-ocr-eng qemu-utils gcc libc6-dev)
missing=()
for p in "${wanted[@]}"; do have "$p" || missing+=("$p"); done
if qemu_ok && ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
mirror=$(debian_mirror)
suite=$(. /etc/os-release; echo "$VERSION_CODENAME")
mkdir -p "$RIG_DIR/apt"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite-backports main" \
  > "$RIG_DIR/apt/backports.list"
# The machine's own sources (sources.list.d) stay in; backports.list takes sources.list's place.
apt_bpo=(-o "Dir::Etc::SourceList=$RIG_DIR/apt/backports.list" -o DPkg::Lock::Timeout=900)
t0=$(date +%s)
$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_bpo[@]}" update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_bpo[@]}" install -y -qq --no-install-recommends \
  -t "$suite-backports" qemu-system-x86 qemu-utils
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
  --no-install-recommends debootstrap e2fsprogs python3 python3-pil zbar-tools tesseract-ocr tesseract-ocr-eng gcc libc6-dev
qemu_ok || { echo "qemu-system-x86_64 has no virtio-multitouch-pci (QEMU 10 needed)" >&2; exit 1; }
echo "device rig host packages installed in $(( $(date +%s) - t0 ))s: $(qemu-system-x86_64 --version | head -1)"
