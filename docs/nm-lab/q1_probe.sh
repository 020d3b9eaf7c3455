#!/bin/bash
# Q1 probe: ./q1_probe.sh MODE   (MODE = plain | rosys | udevd | fakedb)
. /tmp/nm-lab/lib.sh
MODE=${1:-rosys}
NM_EXTRA_ARGS="--log-level=DEBUG --log-domains=PLATFORM,CORE,DEVICE"
start_private_bus
add_ns ${PFX}nm; add_ns ${PFX}p1
IF0=${IF0:-eth0}
veth_pair ${PFX}nm $IF0 ${PFX}p1 vp1 10.77.1.1/24
if [ "$MODE" = plain ]; then
  # the two things already tried by hand, for the record
  write_nm_conf '
[device-lab]
match-device=interface-name:eth0
managed=1'
else
  write_nm_conf
fi
start_nm ${PFX}nm $MODE
sleep 3
echo "== mode=$MODE"
if [ "$MODE" = plain ]; then
  echo "-- nmcli device set eth0 managed yes:"; nmcli device set $IF0 managed yes; echo "rc=$?"; sleep 1
fi
nmcli device status
nmcli -f GENERAL.DEVICE,GENERAL.UDI,GENERAL.DRIVER,GENERAL.STATE,GENERAL.NM-MANAGED device show $IF0
grep -E 'platform-linux: create|udev-add|unmanaged ->|placeholder' $LAB/nm.log | head -8
[ -f $LAB/udevdb.txt ] && { echo "-- udev db:"; cat $LAB/udevdb.txt; }
[ -f $LAB/udevd.log ] && { echo "-- udevd log:"; head -5 $LAB/udevd.log; }
true
echo "-- hotplug: adding a second veth (eth1) while NM runs"
add_ns ${PFX}p2
veth_pair ${PFX}nm eth1 ${PFX}p2 vp2 10.77.2.1/24
sleep 2
nmcli -f GENERAL.DEVICE,GENERAL.UDI,GENERAL.STATE,GENERAL.NM-MANAGED device show eth1
