#!/usr/bin/env bash
# Builds the device rig's guest: a Debian minbase root file system with what the kiosk needs at
# run time (systemd + udev, NetworkManager + wpa_supplicant, libinput, xkbcommon, fontconfig),
# what the rig needs around it (hostapd, dnsmasq and iw for the shop's Wi-Fi and LAN, evemu for
# the dock switch, the QEMU guest agent the host drives it through), the Debian kernel and a
# small initramfs, packed into a raw ext4 image with mkfs.ext4 -d (no loop mounts).
#
# The application itself is not in the image: each run copies the freshly built binaries and
# the layer's files (unit, udev rule, NetworkManager configuration) in through a 9p share, so a
# code change needs no image rebuild.
#
#   RIG_DIR/image/rootfs.img, vmlinuz, initrd.img, stamp
set -euo pipefail
RIG_DIR=${RIG_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/device/lib.sh
. "$here/lib.sh"
suite=$(. /etc/os-release; echo "$VERSION_CODENAME")   # the guest runs the host's binaries
out=$RIG_DIR/image
root=$RIG_DIR/rootfs
mkdir -p "$out" "$RIG_DIR/kernel"

packages=(
  systemd systemd-sysv libpam-systemd udev dbus kmod iproute2 iputils-ping procps util-linux
  network-manager wpasupplicant wireless-regdb iw hostapd dnsmasq-base
  libinput10 libxkbcommon0 xkb-data libfontconfig1 fonts-dejavu-core
  qemu-guest-agent evemu-tools e2fsprogs linux-base initramfs-tools zstd
)
# The image is rebuilt when this script or the package list changes.
stamp=$( (cat "$0"; printf '%s\n' "${packages[@]}" "$suite") | sha256sum | cut -c1-16)
if [ -s "$out/rootfs.img" ] && [ -s "$out/vmlinuz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "guest image up to date ($out)"
  exit 0
fi
mirror=$(debian_mirror)
t0=$(date +%s)
step() { echo "[image +$(( $(date +%s) - t0 ))s] $*"; }
unmount_all() {
  for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
  return 0
}
trap unmount_all EXIT

# The versioned kernel package that linux-image-amd64 points at.
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kpkg" ] || { echo "no linux-image-amd64 in apt's lists (apt-get update first)" >&2; exit 1; }
(cd "$RIG_DIR/kernel" && { ls "$kpkg"_*.deb >/dev/null 2>&1 || apt-get download "$kpkg" >/dev/null 2>&1; })
kdeb=$(ls "$RIG_DIR/kernel/$kpkg"_*.deb)
step "kernel package $(basename "$kdeb")"

unmount_all
rm -rf "$root"
include=$(IFS=,; echo "${packages[*]}")
if ! debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" > "$RIG_DIR/debootstrap.log" 2>&1; then
  tail -30 "$RIG_DIR/debootstrap.log" >&2
  exit 1
fi
step "debootstrap done"

# --- configuration -----------------------------------------------------------------------------
echo countertop-rig > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 countertop-rig\n' > "$root/etc/hosts"
echo '/dev/vda / ext4 defaults,noatime 0 1' > "$root/etc/fstab"
# The host's share: binaries, the layer's files and the rig's scripts come in, screendumps and
# logs go out.
echo 'rig /mnt/rig 9p trans=virtio,version=9p2000.L,cache=none,msize=262144,nofail 0 0' >> "$root/etc/fstab"
mkdir -p "$root/mnt/rig"
printf '9pnet_virtio\n9p\n' > "$root/etc/modules-load.d/rig.conf"
chroot "$root" passwd -d root >/dev/null
# A root shell on the console for debugging a run by hand.
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
cat > "$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
UNIT
# Timers and services that only slow an emulated boot down.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
         fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service hostapd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# NetworkManager: the shop side of the rig (its LAN port and the access point's radio) is moved
# into a namespace and must never be managed from the terminal's side.
mkdir -p "$root/etc/NetworkManager/conf.d"
cat > "$root/etc/NetworkManager/conf.d/95-rig.conf" <<'CONF'
[main]
plugins=keyfile
[keyfile]
unmanaged-devices=mac:52:54:00:c0:ff:02;interface-name:wlan0
[device]
wifi.scan-rand-mac-address=no
CONF
# hwsim radios, loaded at boot so NetworkManager sees the terminal's Wi-Fi from the start.
echo 'options mac80211_hwsim radios=2' > "$root/etc/modprobe.d/rig-hwsim.conf"
echo mac80211_hwsim >> "$root/etc/modules-load.d/rig.conf"

# --- kernel and a small initramfs ----------------------------------------------------------------
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo 'MODULES=list' > "$root/etc/initramfs-tools/conf.d/rig.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >> "$root/etc/initramfs-tools/modules"
mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
cp "$kdeb" "$root/tmp/"
if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive dpkg -i "/tmp/$(basename "$kdeb")" > "$RIG_DIR/kernel-install.log" 2>&1; then
  tail -30 "$RIG_DIR/kernel-install.log" >&2
  exit 1
fi
rm -f "$root/tmp/"*.deb
unmount_all
kv=$(ls "$root/lib/modules" | head -1)
for m in virtio-gpu mac80211_hwsim uinput virtio_net 9pnet_virtio virtio_input; do
  find "$root/lib/modules/$kv" -name "$m.ko*" | grep -q . || { echo "kernel $kv lacks module $m" >&2; exit 1; }
done
cp "$root/boot/vmlinuz-$kv" "$out/vmlinuz"
cp "$root/boot/initrd.img-$kv" "$out/initrd.img"
step "kernel $kv"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/usr/share/doc" \
       "$root/usr/share/man" "$root/usr/share/locale" "$root/boot/"*

# --- pack --------------------------------------------------------------------------------------
used=$(du -sm "$root" | cut -f1)
size=$(( used + 768 ))   # room for the binaries, the state directory and logs
rm -f "$out/rootfs.img"
mkfs.ext4 -q -F -L countertop -d "$root" "$out/rootfs.img" "${size}M"
rm -rf "$root"
echo "$stamp" > "$out/stamp"
step "image $out/rootfs.img: $size MiB ($used MiB used)"
