#!/bin/bash
# Q4: python-dbusmock 'networkmanager' template on a private system bus.
. /tmp/nm-lab/lib.sh
PY=/usr/bin/python3          # Debian's python3 (python3-dbusmock lives there, not in pyenv)
NM=org.freedesktop.NetworkManager
MOCK=org.freedesktop.DBus.Mock
O=/org/freedesktop/NetworkManager
start_private_bus
log "start: $PY -m dbusmock --template networkmanager   (DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS)"
$PY -c 'import dbusmock; print("python-dbusmock", dbusmock.__version__)'
$PY -m dbusmock --template networkmanager -l $LAB/mock-calls.log >$LAB/mock.out 2>&1 &
PIDS+=($!)
WAIT_MAX=10 wait_for busctl --system status $NM
gdbus monitor --system --dest $NM >$LAB/signals.txt 2>&1 &
PIDS+=($!)
sleep 0.5

c() { gdbus call --system --dest $NM --object-path "$@"; }
ay() { printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed -E 's/^ //; s/ $//; s/ /, 0x/g; s/^/[byte 0x/; s/$/]/'; }  # SSID as GVariant ay without trailing NUL
val() { sed -E "s/^\('?(.*)'?,\)$/\1/; s/'//g"; }   # ('x',) -> x

log "template (Mock) methods + manager API of the installed version"
busctl --system introspect $NM $O $MOCK | grep -E '^\.' | awk '{printf "  %-26s %-8s in=%-12s out=%s\n",$1,$2,$3,$4}'
busctl --system introspect $NM $O $NM | grep -E '^\.' | awk '{printf "  %-30s %-8s %-14s %s %s %s\n",$1,$2,$3,$4,$5,$6}'
echo "  object tree:"; busctl --system tree $NM | sed 's/^/  /'

log "AddWiFiDevice / AddEthernetDevice / AddAccessPoint"
WDEV=$(c $O --method $MOCK.AddWiFiDevice wlan0dev wlan0 30 | val); echo "wifi device: $WDEV"
EDEV=$(c $O --method $MOCK.AddEthernetDevice eth0dev eth0 20 | val); echo "eth device:  $EDEV"
# AddAccessPoint(dev, name, ssid, bssid, mode(2=infra), freq MHz, max bitrate kb/s, strength %, security flags)
AP1=$(c $O --method $MOCK.AddAccessPoint $WDEV ap_shop ShopWiFi 00:11:22:33:44:55 2 2437 54000 82 0x100 | val); echo "PSK AP:  $AP1"
AP2=$(c $O --method $MOCK.AddAccessPoint $WDEV ap_guest Guest 00:11:22:33:44:66 2 5180 54000 40 0 | val); echo "open AP: $AP2"
AP3=$(c $O --method $MOCK.AddAccessPoint $WDEV ap_real RealRSN 00:11:22:33:44:77 2 5500 54000 60 0x188 | val); echo "AP with realistic RsnFlags 0x188: $AP3"
c $WDEV --method $NM.Device.Wireless.GetAllAccessPoints
c $AP1 --method org.freedesktop.DBus.Properties.GetAll $NM.AccessPoint

log "AddAndActivateConnection for the WPA-PSK AP (with a psk; any psk)"
c $O --method $NM.AddAndActivateConnection \
  "{'connection': {'id': <'ShopWiFi'>, 'type': <'802-11-wireless'>}, '802-11-wireless': {'ssid': <$(ay ShopWiFi)>}, '802-11-wireless-security': {'key-mgmt': <'wpa-psk'>, 'psk': <'definitely-wrong-password'>}}" \
  $WDEV $AP1
echo "device State: $(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device State)  ActiveConnection: $(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device ActiveConnection)"
AC=$(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device ActiveConnection | sed -E "s/.*objectpath '([^']*)'.*/\1/")
c $AC --method org.freedesktop.DBus.Properties.GetAll $NM.Connection.Active
CONN=$(c $AC --method org.freedesktop.DBus.Properties.Get $NM.Connection.Active Connection | sed -E "s/.*objectpath '([^']*)'.*/\1/")
echo "-- stored settings ($CONN) - note: psk was dropped, the mock rebuilt them from the AP:"
c $CONN --method $NM.Settings.Connection.GetSettings
c $CONN --method $NM.Settings.Connection.GetSecrets 802-11-wireless-security

log "pitfall: gdbus b'..' literals carry a trailing NUL -> SSID matches no AP"
c $O --method $NM.AddAndActivateConnection "{'802-11-wireless': {'ssid': <b'ShopWiFi'>}}" $WDEV $AP1 2>&1 | cut -c1-200

log "AddAndActivateConnection on the AP with RsnFlags=0x188 (what a real WPA2 AP reports)"
c $O --method $NM.AddAndActivateConnection "{'802-11-wireless': {'ssid': <$(ay RealRSN)>}}" $WDEV $AP3 2>&1 | grep -E 'Error|KeyError|ValueError|objectpath' | cut -c1-200

log "AddAndActivateConnection with specific_object '/' (let NM pick the AP)"
c $O --method $NM.AddAndActivateConnection "{'802-11-wireless': {'ssid': <$(ay Guest)>}}" $WDEV / 2>&1 | grep -E 'Error|KeyError|ValueError|objectpath' | cut -c1-200

log "AddWiFiConnection + ActivateConnection (open AP)"
GCONN=$(c $O --method $MOCK.AddWiFiConnection $WDEV guest_conn Guest "" | val); echo "connection: $GCONN"
c $O --method $NM.ActivateConnection $GCONN $WDEV $AP2
c $O --method org.freedesktop.DBus.Properties.Get $NM ActiveConnections

log "Settings.AddConnection (real NM API) and GetConnectionByUuid"
NEWC=$(c $O/Settings --method $NM.Settings.AddConnection "{'connection': {'id': <'dock'>, 'type': <'802-3-ethernet'>, 'uuid': <'11111111-2222-3333-4444-555555555555'>}}" | val); echo "added $NEWC"
c $O/Settings --method $NM.Settings.GetConnectionByUuid 11111111-2222-3333-4444-555555555555
c $O/Settings --method $NM.Settings.ListConnections

log "global state / connectivity knobs: SetConnectivity, SetGlobalConnectionState, SetNetworkingEnabled, Enable"
c $O --method $MOCK.SetConnectivity 2        # 2 = PORTAL
c $O --method $MOCK.SetGlobalConnectionState 60   # CONNECTED_SITE
echo "Connectivity=$(c $O --method $NM.CheckConnectivity) State=$(c $O --method $NM.state)"
c $O --method $NM.Enable false; echo "after Enable(false): State=$(c $O --method $NM.state)"
c $O --method $NM.Enable true

log "simulating a wrong password by hand (device -> NEED_AUTH -> FAILED, reason 7 = NO_SECRETS)"
c $O --method $MOCK.SetProperty $WDEV $NM.Device State "<uint32 60>"
c $WDEV --method $MOCK.EmitSignal $NM.Device StateChanged uuu "[<uint32 60>, <uint32 100>, <uint32 0>]"
c $O --method $MOCK.SetProperty $WDEV $NM.Device StateReason "<(uint32 120, uint32 7)>"
c $O --method $MOCK.SetProperty $WDEV $NM.Device State "<uint32 120>"
c $WDEV --method $MOCK.EmitSignal $NM.Device StateChanged uuu "[<uint32 120>, <uint32 60>, <uint32 7>]"
c $AC --method $MOCK.EmitSignal $NM.Connection.Active StateChanged uu "[<uint32 4>, <uint32 9>]"
echo "device State now: $(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device State)"

log "overriding AddAndActivateConnection so a wrong PSK fails (AddMethod with Python code)"
c $O --method $MOCK.AddMethod $NM AddAndActivateConnection 'a{sa{sv}}oo' oo '
psk = args[0].get("802-11-wireless-security", {}).get("psk", "")
if psk != "correct horse":
    dev = objects[args[1]]
    dev.Set("org.freedesktop.NetworkManager.Device", "StateReason", dbus.Struct((dbus.UInt32(120), dbus.UInt32(7))))
    dev.Set("org.freedesktop.NetworkManager.Device", "State", dbus.UInt32(120))
    dev.EmitSignal("org.freedesktop.NetworkManager.Device", "StateChanged", "uuu", [dbus.UInt32(120), dbus.UInt32(30), dbus.UInt32(7)])
    raise dbus.exceptions.DBusException("Secrets were required, but not provided", name="org.freedesktop.NetworkManager.AgentManager.NoSecrets")
ret = self.add_and_activate_connection(self, args[0], args[1], args[2])
'
c $O --method $NM.AddAndActivateConnection "{'802-11-wireless-security': {'key-mgmt': <'wpa-psk'>, 'psk': <'nope'>}}" $WDEV $AP1 2>&1 | cut -c1-200
echo "device State after wrong psk: $(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device State)"
c $O --method $NM.AddAndActivateConnection "{'802-11-wireless-security': {'key-mgmt': <'wpa-psk'>, 'psk': <'correct horse'>}}" $WDEV $AP1
echo "device State after right psk: $(c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device State)"

log "things a real-NM client will miss"
for p in PrimaryConnection PrimaryConnectionType Metered ConnectivityCheckEnabled AllDevices Capabilities; do
  printf '  Manager.%-24s ' $p; c $O --method org.freedesktop.DBus.Properties.Get $NM $p 2>&1 | head -1 | cut -c1-150
done
printf '  Device.%-25s ' Ip4Config; c $WDEV --method org.freedesktop.DBus.Properties.Get $NM.Device Ip4Config 2>&1 | head -1 | cut -c1-150
printf '  %-32s ' GetAllDevices; c $O --method $NM.GetAllDevices 2>&1 | head -1 | cut -c1-150
printf '  %-32s ' RequestScan; c $WDEV --method $NM.Device.Wireless.RequestScan '{}' 2>&1 | head -1 | cut -c1-150
printf '  %-32s ' 'Device.Disconnect'; c $WDEV --method $NM.Device.Disconnect 2>&1 | head -1 | cut -c1-150

log "mock call log ( -l file )"; head -40 $LAB/mock-calls.log
log "signals seen by 'gdbus monitor' (first 40)"; sleep 0.3; grep -v "^Monitoring" $LAB/signals.txt | grep -v MethodCalled | cut -c1-230 | sed -n "1,200p" | grep -E "StateChanged|NewConnection|PropertiesChanged .*(State|ActiveConnections|Connectivity)|InterfacesRemoved|InterfacesAdded .*ActiveConnection" | head -40
