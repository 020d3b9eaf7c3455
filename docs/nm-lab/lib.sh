# Common helpers for the nm-lab scripts. Source it; do not run it.
# Everything lives under $LAB (a fresh temp dir) and in network namespaces
# named ${PFX}*; the EXIT trap removes them again.
set -u
PFX=${PFX:-nmlab}
LAB=$(mktemp -d /tmp/nm-lab/run.XXXXXX)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$LAB/system_bus_socket"
PIDS=()
NSS=()

log() { printf '\n### [%s] %s\n' "$(date +%T.%3N)" "$*"; }

cleanup() {
    local rc=$?
    log "cleanup"
    # stop everything we started, newest first, by PID only
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do
        kill "${PIDS[$i]}" 2>/dev/null
    done
    sleep 1
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do
        kill -9 "${PIDS[$i]}" 2>/dev/null
    done
    for ns in "${NSS[@]}"; do
        # kill leftovers that live in *our* namespaces only (e.g. NM children)
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    [ "${KEEP_LAB:-0}" = 1 ] || rm -rf "$LAB"
    echo "cleanup done (rc=$rc)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- private system bus -------------------------------------------------
start_private_bus() {
    mkdir -p "$LAB/udev-rules"; cp /usr/lib/udev/rules.d/*.rules "$LAB/udev-rules/" 2>/dev/null
    cat >"$LAB/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$LAB/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$LAB/bus.conf" --nofork --nopidfile >"$LAB/bus.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do [ -S "$LAB/system_bus_socket" ] && break; sleep 0.1; done
    echo "private system bus: $DBUS_SYSTEM_BUS_ADDRESS (pid ${PIDS[-1]})"
}

# ---- namespaces / veth ----------------------------------------------------
add_ns() { ip netns add "$1"; NSS+=("$1"); ip -n "$1" link set lo up; }

# veth_pair NM_NS NM_IF PEER_NS PEER_IF PEER_CIDR
veth_pair() {
    local nmns=$1 nmif=$2 pns=$3 pif=$4 cidr=$5
    # created directly inside the target namespaces with their final names
    # (a veth renamed after the udev "add" event keeps NM_UNMANAGED=1 from
    # 85-nm-unmanaged.rules, which only spares veths named eth[0-9]*)
    ip link add name "$nmif" netns "$nmns" type veth peer name "$pif" netns "$pns"
    ip -n "$pns" addr add "$cidr" dev "$pif"
    ip -n "$pns" link set "$pif" up
}

# dnsmasq_start PEER_NS PEER_IF RANGE_START RANGE_END ROUTER DNS TAG
dnsmasq_start() {
    local pns=$1 pif=$2 a=$3 b=$4 gw=$5 dns=$6 tag=$7
    ip netns exec "$pns" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --user=root --group=root --port=0 --bind-interfaces --interface="$pif" \
        --except-interface=lo \
        --dhcp-range="$a,$b,255.255.255.0,10m" \
        --dhcp-option=option:router,"$gw" \
        --dhcp-option=option:dns-server,"$dns" \
        --dhcp-option=option:domain-name,"$tag.test" \
        --dhcp-leasefile="$LAB/dnsmasq-$tag.leases" \
        --pid-file="$LAB/dnsmasq-$tag.pid" \
        --log-dhcp --log-facility="$LAB/dnsmasq-$tag.log" ${DNSMASQ_EXTRA:-} &
    PIDS+=($!)
}

# ---- NetworkManager -------------------------------------------------------
# write_nm_conf [extra ini text appended]
write_nm_conf() {
    mkdir -p "$LAB/nm/conf.d" "$LAB/nm/sysconf.d" "$LAB/nm/system-connections"
    chmod 700 "$LAB/nm/system-connections"
    cat >"$LAB/nm/NetworkManager.conf" <<EOF
[main]
plugins=keyfile
no-auto-default=*
dns=none
rc-manager=unmanaged
hostname-mode=none
auth-polkit=false
systemd-resolved=false

[keyfile]
path=$LAB/nm/system-connections

[logging]
level=INFO
${1:-}
EOF
}

# start_nm NS MODE
# NM runs inside NS, in its own private mount+UTS namespace where /run and
# /var/lib/NetworkManager are tmpfs (so nothing on the host is written).
# MODE:
#   rosys  - /sys re-bind-mounted read-only => NM's platform runs WITHOUT udev
#            (nm_linux_platform_new: use_udev only if /sys is not a read-only fs)
#   plain  - nothing special (baseline: device stays unmanaged, waits for udev)
#   udevd  - private systemd-udevd (private /run/udev, private /dev tmpfs,
#            only the net-related udev rules), then udevadm trigger+settle
#   fakedb - hand-written /run/udev/data/n<ifindex> for every link, no udevd
start_nm() {
    local ns=$1 mode=${2:-rosys}
    ip netns exec "$ns" unshare --mount --uts --propagation private sh -c '
        set -e
        mode=$1; lab=$2; shift 2
        mount -t tmpfs -o mode=755 tmpfs /run
        mount -t tmpfs -o mode=755 tmpfs /var/lib/NetworkManager
        case $mode in
        rosys) mount -o remount,bind,ro /sys ;;
        udevd)
            # private /dev so udevd can never touch the host devtmpfs
            mount -t tmpfs -o mode=755 tmpfs /dev
            mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5
            mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
            # only net rules (others could act on host uevents)
            mount -t tmpfs tmpfs /usr/lib/udev/rules.d
            mount -t tmpfs tmpfs /etc/udev/rules.d
            for r in 75-net-description 80-net-setup-link 84-nm-drivers 85-nm-unmanaged; do
                cp "$lab/udev-rules/$r.rules" /usr/lib/udev/rules.d/ 2>/dev/null || true
            done
            printf "%s\n" "SUBSYSTEM==\"net\", TAG+=\"systemd\"" > /usr/lib/udev/rules.d/99-lab.rules
            mkdir -p /run/udev
            /lib/systemd/systemd-udevd --resolve-names=never >"$lab/udevd.log" 2>&1 &
            for i in $(seq 50); do [ -S /run/udev/control ] && break; sleep 0.1; done
            udevadm trigger --subsystem-match=net --action=add
            udevadm settle --timeout=10
            ls -l /run/udev/data/ > "$lab/udevdb.txt" 2>&1; cat /run/udev/data/n* >> "$lab/udevdb.txt" 2>&1 || true
            ;;
        fakedb)
            mkdir -p /run/udev/data
            now=$(awk "{printf \"%.0f\", \$1*1000000}" /proc/uptime)
            for d in /sys/class/net/*; do
                i=$(cat $d/ifindex); n=${d##*/}
                drv=$(basename "$(readlink $d/device/driver 2>/dev/null)" 2>/dev/null || true)
                [ -n "$drv" ] || drv=$(ethtool -i $n 2>/dev/null | sed -n "s/^driver: //p")
                printf "I:%s\nE:ID_NET_DRIVER=%s\nE:NM_UNMANAGED=0\nG:systemd\nQ:systemd\nV:1\n" "$now" "${drv:-veth}" > /run/udev/data/n$i
            done
            ls -l /run/udev/data/ > "$lab/udevdb.txt"; cat /run/udev/data/n* >> "$lab/udevdb.txt"
            ;;
        esac
        exec NetworkManager --no-daemon --debug "$@" \
            --config="$lab/nm/NetworkManager.conf" \
            --config-dir="$lab/nm/conf.d" --system-config-dir="$lab/nm/sysconf.d" \
            --intern-config=/var/lib/NetworkManager/NetworkManager-intern.conf \
            --state-file=/var/lib/NetworkManager/NetworkManager.state \
            --pid-file=/run/NetworkManager.pid
    ' sh "$mode" "$LAB" ${NM_EXTRA_ARGS:-} >"$LAB/nm.log" 2>&1 &
    PIDS+=($!)
    NM_START=$(date +%s.%N)
    for _ in $(seq 150); do
        busctl --system status org.freedesktop.NetworkManager >/dev/null 2>&1 && break
        sleep 0.1
    done
    busctl --system get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager \
        org.freedesktop.NetworkManager Version 2>/dev/null | sed "s/^/NM on private bus after $(elapsed $NM_START), Version /"
}

# wait_for CMD... : poll (0.2 s) up to $WAIT_MAX seconds for CMD to succeed
wait_for() {
    local t=0 max=${WAIT_MAX:-30}
    while ! "$@" >/dev/null 2>&1; do
        sleep 0.2; t=$((t+1))
        [ $t -ge $((max*5)) ] && { echo "TIMEOUT waiting for: $*"; return 1; }
    done
    return 0
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f s", b-a}'; }
