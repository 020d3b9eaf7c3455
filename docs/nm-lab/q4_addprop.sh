#!/bin/bash
# Q4 add-on: fill in real-NM properties the template lacks (PrimaryConnection, Device.Ip4Config)
. /tmp/nm-lab/lib.sh
start_private_bus
/usr/bin/python3 -m dbusmock --template networkmanager -p '{"Version": "1.42.4", "Connectivity": 1}' >$LAB/mock.out 2>&1 &
PIDS+=($!)
WAIT_MAX=10 wait_for busctl --system status org.freedesktop.NetworkManager
O=/org/freedesktop/NetworkManager; NM=org.freedesktop.NetworkManager; M=org.freedesktop.DBus.Mock
c() { gdbus call --system --dest $NM --object-path "$@"; }
c $O --method org.freedesktop.DBus.Properties.Get $NM Version
c $O --method org.freedesktop.DBus.Properties.Get $NM Connectivity
c $O --method $M.AddProperty $NM PrimaryConnection "<objectpath '/'>"
c $O --method $M.AddProperty $NM Metered "<uint32 4>"
D=$(c $O --method $M.AddEthernetDevice e0 eth0 100 | sed -E "s/^\('(.*)',\)$/\1/")
c $O --method $M.AddObject $O/IP4Config/1 $NM.IP4Config "{'AddressData': <[{'address': <'10.77.1.145'>, 'prefix': <uint32 24>}]>, 'Gateway': <'10.77.1.1'>, 'NameserverData': <[{'address': <'10.77.1.53'>}]>}" "[]"
c $D --method $M.AddProperty $NM.Device Ip4Config "<objectpath '$O/IP4Config/1'>"
c $O --method org.freedesktop.DBus.Properties.Get $NM PrimaryConnection
c $D --method org.freedesktop.DBus.Properties.Get $NM.Device Ip4Config
c $O/IP4Config/1 --method org.freedesktop.DBus.Properties.GetAll $NM.IP4Config
