#!/bin/bash
# Q2: NM (no-udev via read-only /sys) gets DHCPv4 address, gateway, DNS from
# dnsmasq in a peer netns; show the D-Bus objects on the private bus.
# Usage: ./q2_dhcp.sh [rosys|udevd]
. /tmp/nm-lab/lib.sh
MODE=${1:-rosys}
start_private_bus
add_ns ${PFX}nm; add_ns ${PFX}p1
veth_pair ${PFX}nm eth0 ${PFX}p1 vp1 10.77.1.1/24
dnsmasq_start ${PFX}p1 vp1 10.77.1.100 10.77.1.150 10.77.1.1 10.77.1.53,10.77.1.54 dock
# connectivity-check endpoint inside the peer namespace
mkdir -p $LAB/www; printf 'NetworkManager is online\n' > $LAB/www/check.txt
ip netns exec ${PFX}p1 /usr/bin/python3 -m http.server 80 --bind 10.77.1.1 --directory $LAB/www >$LAB/http1.log 2>&1 &
PIDS+=($!)
write_nm_conf '
[connectivity]
enabled=true
uri=http://10.77.1.1/check.txt
response=NetworkManager is online
interval=30'
start_nm ${PFX}nm $MODE
WAIT_MAX=10 wait_for sh -c "nmcli -g GENERAL.STATE device show eth0 | grep -q '^30'"
nmcli device status

log "nmcli con add + con up (DHCP)"
nmcli con add type ethernet ifname eth0 con-name dock ipv4.method auto ipv6.method disabled \
      connection.autoconnect no
T0=$(date +%s.%N)
nmcli -w 30 con up dock
echo "nmcli con up returned after $(elapsed $T0)"
grep -E 'dhcp4 \(eth0\)|device \(eth0\): Activation|policy: set' $LAB/nm.log | sed 's/^<[a-z]*> *//'

log "nmcli view"
nmcli -f GENERAL.STATE,GENERAL.CONNECTION,IP4 device show eth0
nmcli -f DHCP4 device show eth0 | head -12
ip -n ${PFX}nm -4 addr show eth0; ip -n ${PFX}nm route
echo "-- dnsmasq leases:"; cat $LAB/dnsmasq-dock.leases

log "D-Bus objects (busctl --system, private bus)"
NM=org.freedesktop.NetworkManager
busctl --system tree $NM | head -30
for p in State Connectivity ConnectivityCheckEnabled ConnectivityCheckUri PrimaryConnection Devices ActiveConnections; do
  printf '%-26s ' "$p"; busctl --system get-property $NM /org/freedesktop/NetworkManager $NM $p
done
DEV=$(busctl --system call $NM /org/freedesktop/NetworkManager $NM GetDeviceByIpIface s eth0 | awk '{print $2}' | tr -d '"')
echo "device object: $DEV"
for p in Interface DeviceType State Managed Udi Driver Ip4Config Dhcp4Config ActiveConnection Ip4Connectivity; do
  printf '%-18s ' "$p"; busctl --system get-property $NM $DEV $NM.Device $p
done
AC=$(busctl --system get-property $NM $DEV $NM.Device ActiveConnection | awk '{print $2}' | tr -d '"')
IP4=$(busctl --system get-property $NM $DEV $NM.Device Ip4Config | awk '{print $2}' | tr -d '"')
DH4=$(busctl --system get-property $NM $DEV $NM.Device Dhcp4Config | awk '{print $2}' | tr -d '"')
echo "-- ActiveConnection $AC"
busctl --system introspect $NM $AC $NM.Connection.Active | grep -E '^\.(Id|Type|State|Default|Devices|Ip4Config|Uuid) '
echo "-- Ip4Config $IP4"
busctl --system introspect $NM $IP4 $NM.IP4Config | grep -E '^\.(AddressData|Gateway|NameserverData|Domains|RouteData) '
echo "-- Dhcp4Config $DH4 (Options, trimmed)"
busctl --system get-property --json=pretty $NM $DH4 $NM.DHCP4Config Options | grep -E '"(ip_address|routers|domain_name_servers|domain_name|dhcp_lease_time|dhcp_server_identifier)"' -A2 | grep -E '"(ip_address|routers|domain_name_servers|domain_name|dhcp_lease_time|dhcp_server_identifier)"|"data"'
echo "-- the same via gdbus:"
gdbus call --system --dest $NM --object-path $IP4 --method org.freedesktop.DBus.Properties.Get $NM.IP4Config AddressData
gdbus call --system --dest $NM --object-path /org/freedesktop/NetworkManager --method $NM.CheckConnectivity
echo "-- connectivity check requests seen by the peer's http server:"; cat $LAB/http1.log
