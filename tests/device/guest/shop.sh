#!/bin/bash
# Runs in the guest after each boot: builds the shop around the terminal, in its own network
# namespace "shop": the LAN port at the other end of the terminal's dock cable, the Wi-Fi access
# point (WPA2-PSK, hwsim radio wlan0) bridged with it into one LAN 192.168.50.0/24, DHCP for
# both, and the POS (the reference client) runs in there too. Nothing leaves the guest.
#   shop.sh SSID PASSPHRASE
set -euo pipefail
ssid=$1 psk=$2
shop_mac=52:54:00:c0:ff:02
ip netns list | grep -qw shop && { echo "shop already up"; exit 0; }
ip netns add shop
ip -n shop link set lo up
# The LAN port (QEMU hub peer of the terminal's NIC).
# Early in boot: let udev name the NICs first, then find the shop's by its MAC.
udevadm settle -t 30 || true
lan=""
for _ in $(seq 150); do
  lan=$(ip -o link | awk -v m="$shop_mac" '$0 ~ m {sub(":","",$2); print $2; exit}')
  [ -n "$lan" ] && break
  sleep 0.2
done
[ -n "$lan" ] || { echo "no NIC with $shop_mac" >&2; exit 1; }
ip link set "$lan" netns shop
ip -n shop link add br0 type bridge
ip -n shop link set "$lan" master br0
ip -n shop link set "$lan" up
ip -n shop addr add 192.168.50.1/24 dev br0
ip -n shop link set br0 up
# The access point's radio.
for _ in $(seq 150); do [ -e /sys/class/net/wlan0/phy80211/name ] && break; sleep 0.2; done
iw phy "$(cat /sys/class/net/wlan0/phy80211/name)" set netns name shop
cat > /run/shop-hostapd.conf <<CONF
interface=wlan0
bridge=br0
driver=nl80211
ssid=$ssid
hw_mode=g
channel=6
country_code=US
ieee80211n=1
wmm_enabled=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=$psk
CONF
logs=/run/shop
mkdir -p $logs
timeout 60 ip netns exec shop hostapd -B -P /run/shop-hostapd.pid -f $logs/hostapd.log /run/shop-hostapd.conf
ip netns exec shop dnsmasq --user=root --interface=br0 --bind-interfaces --except-interface=lo \
  --dhcp-range=192.168.50.100,192.168.50.199,255.255.255.0,1h --dhcp-option=3,192.168.50.1 \
  --dhcp-leasefile=/run/shop-dnsmasq.leases --no-resolv --no-hosts --pid-file=/run/shop-dnsmasq.pid \
  --log-dhcp --log-facility=$logs/dnsmasq.log
for _ in $(seq 100); do grep -q AP-ENABLED $logs/hostapd.log 2>/dev/null && break; sleep 0.3; done
grep -q AP-ENABLED $logs/hostapd.log || { echo "the access point did not come up" >&2; exit 1; }
echo "shop up: LAN $lan + Wi-Fi '$ssid' bridged on 192.168.50.1/24"
