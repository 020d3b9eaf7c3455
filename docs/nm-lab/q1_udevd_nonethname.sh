#!/bin/bash
# Q1 side-check: with a real udevd, a veth NOT named eth[0-9]* gets NM_UNMANAGED=1
# from /usr/lib/udev/rules.d/85-nm-unmanaged.rules. Show that and the overrides.
. /tmp/nm-lab/lib.sh
start_private_bus
add_ns ${PFX}nm; add_ns ${PFX}p1
veth_pair ${PFX}nm dock0 ${PFX}p1 vp1 10.77.1.1/24
write_nm_conf
start_nm ${PFX}nm udevd
sleep 2
echo "-- udev db:"; cat $LAB/udevdb.txt | grep -E 'NM_UNMANAGED|ID_NET_DRIVER'
nmcli -f GENERAL.DEVICE,GENERAL.NM-MANAGED device show dock0
echo "-- nmcli device set dock0 managed yes"; nmcli device set dock0 managed yes; sleep 1
nmcli -f GENERAL.DEVICE,GENERAL.STATE,GENERAL.NM-MANAGED device show dock0
