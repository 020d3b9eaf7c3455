#!/bin/bash
# Runs in the guest (from the rig's 9p share) once per fresh disk: installs the kiosk exactly as
# meta-countertop's recipes install it, from the layer's own files in the share (layer/), with
# the substitutions the recipes make, then enables the unit so every boot starts it.
set -euo pipefail
RIG_SSID=$1 RIG_PSK=$2
share=/mnt/rig
layer=$share/layer
recipe_dir=$layer/recipes-countertop/countertop
recipe=$(ls "$recipe_dir"/countertop_*.bb)
nm_dir=$layer/recipes-connectivity/countertop-network/files

# The binary (the rig's build has the linuxkms backend; the unit sets SLINT_BACKEND=linuxkms).
install -m 0755 "$share/bin/countertop" /usr/bin/countertop
install -m 0755 "$share/bin/countertop-pos" /usr/local/bin/countertop-pos

# countertop.service and the dock rule, with the recipe's substitutions.
dock_name=$(sed -n 's/^COUNTERTOP_DOCK_INPUT_NAME ?= "\(.*\)"/\1/p' "$recipe")
[ -n "$dock_name" ] || { echo "no COUNTERTOP_DOCK_INPUT_NAME in $recipe" >&2; exit 1; }
sed -e 's,/usr/bin/countertop,/usr/bin/countertop,' "$recipe_dir/files/countertop.service" \
  > /usr/lib/systemd/system/countertop.service
sed -e "s,@DOCK_INPUT_NAME@,$dock_name," "$recipe_dir/files/70-countertop-dock.rules" \
  > /usr/lib/udev/rules.d/70-countertop-dock.rules
echo "$dock_name" > /run/countertop-dock-name
install -m 0644 "$recipe_dir/files/71-countertop-backlight.rules" /usr/lib/udev/rules.d/

# NetworkManager's defaults from countertop-network (vendor directories under /usr/lib).
install -d /usr/lib/NetworkManager/conf.d /usr/lib/NetworkManager/system-connections
install -m 0644 "$nm_dir/90-countertop.conf" /usr/lib/NetworkManager/conf.d/
install -m 0600 "$nm_dir/countertop-ethernet.nmconnection" /usr/lib/NetworkManager/system-connections/

# The service user, with the groups of the recipe's USERADD_PARAM.
groups=$(tr -d '\\\n' < "$recipe" | sed -n 's/.*--groups \([a-z0-9_,-]*\).*/\1/p')
[ -n "$groups" ] || { echo "no --groups in $recipe's USERADD_PARAM" >&2; exit 1; }
for g in ${groups//,/ }; do getent group "$g" >/dev/null || groupadd --system "$g"; done
getent passwd countertop >/dev/null || useradd --system --home-dir /var/lib/countertop --no-create-home \
  --shell /usr/sbin/nologin --user-group --groups "$groups" countertop

# The configuration the rig wrote (the documented example plus the simulator's settings).
install -d /etc/countertop
install -m 0644 "$share/countertop.toml" /etc/countertop/countertop.toml

# The rig's stand-ins for the hardware and the shop, started at every boot before the kiosk:
# the handheld's dock contact (a uinput SW_DOCK device, as a gpio-keys node would be) and the
# shop's LAN and Wi-Fi access point in their namespace.
install -m 0755 "$share/bin/dock-switch" /usr/local/sbin/dock-switch
install -m 0755 "$share/guest/shop.sh" /usr/local/sbin/rig-shop
cat > /etc/systemd/system/rig-dock-switch.service <<UNIT
[Unit]
Description=Device rig: the dock contact (SW_DOCK through uinput)
Before=countertop.service
After=systemd-udevd.service
[Service]
ExecStartPre=/sbin/modprobe uinput
ExecStartPre=/bin/sh -c 'rm -f /run/dock-switch.fifo; mkfifo /run/dock-switch.fifo'
ExecStart=/usr/local/sbin/dock-switch $dock_name /run/dock-switch.fifo
ExecStartPost=/bin/sh -c 'for i in \$(seq 200); do [ -e /dev/input/countertop-dock ] && exit 0; sleep 0.05; done; exit 1'
[Install]
WantedBy=multi-user.target
UNIT
cat > /etc/systemd/system/rig-shop.service <<UNIT
[Unit]
Description=Device rig: the shop's LAN, Wi-Fi access point and DHCP (namespace "shop")
Before=NetworkManager.service countertop.service
After=systemd-modules-load.service systemd-udev-trigger.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/rig-shop "$RIG_SSID" "$RIG_PSK"
TimeoutStartSec=120
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable rig-dock-switch.service rig-shop.service

udevadm control --reload
systemctl daemon-reload
systemctl enable countertop.service
echo "installed: groups=$groups dock=$dock_name"
