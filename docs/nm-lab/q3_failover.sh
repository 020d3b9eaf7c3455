#!/bin/bash
# Q3: two managed ethernets; eth0 = "dock" (preferred), eth1 = stand-in for the
# Wi-Fi path. Route metrics set through NM decide the default route; show
# failover on peer link down / veth deletion and fail-back on restore.
. /tmp/nm-lab/lib.sh
export DNSMASQ_EXTRA=${DNSMASQ_EXTRA---no-ping}
NS=${PFX}nm
start_private_bus
add_ns $NS; add_ns ${PFX}p1; add_ns ${PFX}p2
veth_pair $NS eth0 ${PFX}p1 vp1 10.77.1.1/24
veth_pair $NS eth1 ${PFX}p2 vp2 10.77.2.1/24
dnsmasq_start ${PFX}p1 vp1 10.77.1.100 10.77.1.150 10.77.1.1 10.77.1.53 dock
dnsmasq_start ${PFX}p2 vp2 10.77.2.100 10.77.2.150 10.77.2.1 10.77.2.53 wifi
# CARRIER_WAIT_MS: NM's grace period after carrier loss ([device]
# carrier-wait-timeout, default 6000 ms) before it tears the device down.
if [ -n "${CARRIER_WAIT_MS:-}" ]; then
  write_nm_conf "
[device-carrier]
match-device=interface-name:eth0,interface-name:eth1
carrier-wait-timeout=$CARRIER_WAIT_MS"
else
  write_nm_conf
fi
start_nm $NS ${1:-rosys}
WAIT_MAX=10 wait_for sh -c "nmcli -g GENERAL.STATE device show eth1 | grep -q '^30'"

defroute() { ip -n $NS -4 route show default | tr '\n' ';'; }
primary() {
  local ac; ac=$(busctl --system get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager org.freedesktop.NetworkManager PrimaryConnection | awk '{print $2}' | tr -d '"')
  [ "$ac" = / ] && { echo "PrimaryConnection=/"; return; }
  echo "PrimaryConnection=$ac ($(busctl --system get-property org.freedesktop.NetworkManager $ac org.freedesktop.NetworkManager.Connection.Active Id))"
}
# wait until the first default route goes via $1, print how long it took
wait_default_via() {
  local t0=$(date +%s.%N)
  WAIT_MAX=${2:-60} wait_for sh -c "ip -n $NS -4 route show default | head -1 | grep -q 'dev $1 '" &&
    echo "default route now via $1 after $(elapsed $t0)"
  echo "  routes: $(defroute)"; echo "  $(primary)"
}

log "profiles: dock (metric 100, autoconnect-priority 10) and wifi-standin (metric 600, priority 0)"
nmcli con add type ethernet ifname eth0 con-name dock \
    ipv4.method auto ipv4.route-metric 100 ipv6.method disabled \
    connection.autoconnect yes connection.autoconnect-priority 10
nmcli con add type ethernet ifname eth1 con-name wifi-standin \
    ipv4.method auto ipv4.route-metric 600 ipv6.method disabled \
    connection.autoconnect yes connection.autoconnect-priority 0
# autoconnect kicks in by itself (both devices are 'disconnected' + have a matching profile)
WAIT_MAX=20 wait_for sh -c "nmcli -g GENERAL.STATE device show eth0 | grep -q '^100' && nmcli -g GENERAL.STATE device show eth1 | grep -q '^100'"
nmcli device status
nmcli -f NAME,DEVICE,STATE,AUTOCONNECT-PRIORITY con show
ip -n $NS -4 route
echo "route used for an outside address: $(ip -n $NS route get 192.0.2.10 | head -1)"
primary

log "A) dock link down (peer side: ip -n ${PFX}p1 link set vp1 down)"
ip -n ${PFX}p1 link set vp1 down
sleep 0.5; echo "  0.5 s after link down (NM still in carrier grace period): $(defroute)"
echo "  kernel route choice then: $(ip -n $NS route get 192.0.2.10 | head -1)"
echo "  NM device state then: $(nmcli -g GENERAL.STATE device show eth0)"
wait_default_via eth1
nmcli device status | grep -E 'eth[01]'
grep -E 'device \(eth0\).*(state change|carrier)' $LAB/nm.log | tail -4 | sed 's/^<[a-z]*> *//'

log "A) dock link up again"
ip -n ${PFX}p1 link set vp1 up
wait_default_via eth0
nmcli device status | grep -E 'eth[01]'

log "B) delete the dock veth entirely (ip -n ${PFX}p1 link del vp1 -> eth0 vanishes)"
ip -n ${PFX}p1 link del vp1
wait_default_via eth1
nmcli device status | grep -E 'eth[01]'
log "B) re-create the dock veth (hotplug) -> NM manages it again, autoconnects dock"
veth_pair $NS eth0 ${PFX}p1 vp1 10.77.1.1/24
wait_default_via eth0
nmcli device status | grep -E 'eth[01]'

log "C) swap preference at runtime: make wifi-standin metric 50 and reapply (no reconnect)"
nmcli device modify eth1 ipv4.route-metric 50
sleep 0.5; echo "  routes: $(defroute)"; echo "  $(primary)"
