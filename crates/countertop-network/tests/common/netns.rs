//! A network lab: the real NetworkManager in a network namespace of its own, veth pairs to
//! peer namespaces that serve DHCP (dnsmasq), all on a private dbus-daemon. Namespaces are
//! named uniquely per test and deleted on drop (with whatever still runs inside them), even
//! when the test panics. The host's interfaces, NetworkManager and D-Bus are never touched.

use std::path::PathBuf;

use futures_util::StreamExt;
use std::process::Command;
use std::time::Duration;

use super::{
    PrivateBus, Process, TempDir, require_program, require_root, run, unique, wait_for_name,
};

pub const NM_BUS_NAME: &str = "org.freedesktop.NetworkManager";

/// Its settings are exported and `Startup` is over.
async fn networkmanager_ready(connection: &zbus::Connection) -> bool {
    let listed = connection
        .call_method(
            Some(NM_BUS_NAME),
            "/org/freedesktop/NetworkManager/Settings",
            Some("org.freedesktop.NetworkManager.Settings"),
            "ListConnections",
            &(),
        )
        .await
        .is_ok();
    let startup = connection
        .call_method(
            Some(NM_BUS_NAME),
            "/org/freedesktop/NetworkManager",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.NetworkManager", "Startup"),
        )
        .await
        .ok()
        .and_then(|reply| {
            reply
                .body()
                .deserialize::<zbus::zvariant::OwnedValue>()
                .ok()
        })
        .and_then(|value| bool::try_from(value).ok());
    listed && startup == Some(false)
}

/// A network namespace, deleted on drop after killing the processes left in it (all of them
/// started by this test: the namespace is new and uniquely named).
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn add(role: &str) -> Netns {
        let name = unique(&format!("ctn-{role}-"));
        run("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        run("ip", &["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    /// Runs `ip -n <ns> args...`.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// A command that runs inside this namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name, program]);
        command
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// One uplink: `nm_if` inside NetworkManager's namespace, its peer in a namespace of its own
/// with `subnet.1` and a DHCP server handing out `subnet.100`–`subnet.150`, router
/// `subnet.1`, DNS `subnet.53`.
pub struct Uplink {
    pub nm_if: &'static str,
    pub peer_if: &'static str,
    pub subnet: &'static str,
    pub peer: Netns,
}

impl Uplink {
    pub fn gateway(&self) -> String {
        format!("{}.1", self.subnet)
    }

    pub fn dns(&self) -> String {
        format!("{}.53", self.subnet)
    }

    /// An address handed out by this uplink's DHCP server.
    pub fn leased(&self, address: &str) -> bool {
        address
            .strip_prefix(&format!("{}.", self.subnet))
            .and_then(|host| host.parse::<u8>().ok())
            .is_some_and(|host| (100..=150).contains(&host))
    }

    /// Cable out / back in, seen from the terminal: the peer end goes down or up, so the
    /// terminal's interface loses or regains carrier.
    pub fn set_carrier(&self, up: bool) {
        self.peer
            .ip(&["link", "set", self.peer_if, if up { "up" } else { "down" }]);
    }
}

/// NetworkManager and its uplinks. Fields drop in order: processes first, then namespaces,
/// then the bus and the temp dir.
pub struct Lab {
    processes: Vec<Process>,
    pub uplinks: Vec<Uplink>,
    pub nm_ns: Netns,
    pub bus: PrivateBus,
}

pub struct UplinkSpec {
    pub nm_if: &'static str,
    pub peer_if: &'static str,
    pub subnet: &'static str,
    /// Serve `http://subnet.1/check.txt` for NetworkManager's connectivity check.
    pub connectivity_check: bool,
}

impl Lab {
    pub fn start(specs: &[UplinkSpec]) -> Lab {
        require_root("it creates network namespaces and runs NetworkManager in one");
        let nm = require_program("NetworkManager", "network-manager");
        require_program("dnsmasq", "dnsmasq-base");
        require_program("ip", "iproute2");
        require_program("unshare", "util-linux");
        let python = require_program("/usr/bin/python3", "python3");
        let bus = PrivateBus::start();
        let nm_ns = Netns::add("nm");
        let mut lab = Lab {
            processes: Vec::new(),
            uplinks: Vec::new(),
            nm_ns,
            bus,
        };

        let check_uri = specs
            .iter()
            .find(|s| s.connectivity_check)
            .map(|s| format!("http://{}.1/check.txt", s.subnet));
        for spec in specs {
            let peer = Netns::add("peer");
            // Created directly in their namespaces under their final names.
            run(
                "ip",
                &[
                    "link",
                    "add",
                    "name",
                    spec.nm_if,
                    "netns",
                    &lab.nm_ns.name,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    spec.peer_if,
                    "netns",
                    &peer.name,
                ],
            );
            peer.ip(&[
                "addr",
                "add",
                &format!("{}.1/24", spec.subnet),
                "dev",
                spec.peer_if,
            ]);
            peer.ip(&["link", "set", spec.peer_if, "up"]);
            let uplink = Uplink {
                nm_if: spec.nm_if,
                peer_if: spec.peer_if,
                subnet: spec.subnet,
                peer,
            };
            lab.start_dnsmasq(&uplink);
            if spec.connectivity_check {
                let www = lab.bus.dir.join(&format!("www-{}", spec.nm_if));
                std::fs::create_dir_all(&www).expect("www dir");
                std::fs::write(www.join("check.txt"), "NetworkManager is online\n")
                    .expect("check.txt");
                let mut http = uplink.peer.command(python.to_str().expect("utf-8 path"));
                http.args([
                    "-m",
                    "http.server",
                    "80",
                    "--bind",
                    &uplink.gateway(),
                    "--directory",
                ])
                .arg(&www);
                let log = lab.bus.dir.join(&format!("http-{}.log", spec.nm_if));
                lab.processes
                    .push(Process::spawn("http.server", http, &log));
            }
            lab.uplinks.push(uplink);
        }
        lab.start_networkmanager(&nm, check_uri.as_deref(), specs);
        lab
    }

    fn start_dnsmasq(&mut self, uplink: &Uplink) {
        let dir = &self.bus.dir;
        let s = uplink.subnet;
        let mut dnsmasq = uplink.peer.command("dnsmasq");
        dnsmasq.args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--user=root",
            "--group=root",
            "--port=0",
            "--bind-interfaces",
            "--except-interface=lo",
            // Leases at once instead of after a 3 s ping probe.
            "--no-ping",
            "--log-dhcp",
        ]);
        dnsmasq.arg(format!("--interface={}", uplink.peer_if));
        dnsmasq.arg(format!("--dhcp-range={s}.100,{s}.150,255.255.255.0,10m"));
        dnsmasq.arg(format!("--dhcp-option=option:router,{}", uplink.gateway()));
        dnsmasq.arg(format!("--dhcp-option=option:dns-server,{}", uplink.dns()));
        dnsmasq.arg(format!(
            "--dhcp-leasefile={}",
            dir.join(&format!("dnsmasq-{}.leases", uplink.nm_if))
                .display()
        ));
        dnsmasq.arg(format!(
            "--pid-file={}",
            dir.join(&format!("dnsmasq-{}.pid", uplink.nm_if)).display()
        ));
        let log = dir.join(&format!("dnsmasq-{}.log", uplink.nm_if));
        self.processes
            .push(Process::spawn("dnsmasq", dnsmasq, &log));
    }

    fn start_networkmanager(
        &mut self,
        nm: &PathBuf,
        check_uri: Option<&str>,
        specs: &[UplinkSpec],
    ) {
        let dir: &TempDir = &self.bus.dir;
        let conf_dir = dir.join("nm");
        for sub in ["conf.d", "sysconf.d", "system-connections"] {
            std::fs::create_dir_all(conf_dir.join(sub)).expect("NetworkManager dirs");
        }
        let connectivity = match check_uri {
            Some(uri) => format!(
                "[connectivity]\nenabled=true\nuri={uri}\nresponse=NetworkManager is online\ninterval=30\n"
            ),
            None => "[connectivity]\nenabled=false\n".to_owned(),
        };
        let devices: Vec<String> = specs
            .iter()
            .map(|s| format!("interface-name:{}", s.nm_if))
            .collect();
        // No auto-created profiles (the test makes its own), nothing written to the host's
        // resolv.conf or hostname, no polkit, profiles kept in the temp dir; on carrier loss
        // the link is given up after 1 s instead of 6 s (the terminal's setting too).
        let config = format!(
            "[main]\nplugins=keyfile\nno-auto-default=*\ndns=none\nrc-manager=unmanaged\nhostname-mode=none\n\
             auth-polkit=false\nsystemd-resolved=false\n\n[keyfile]\npath={}\n\n[logging]\nlevel=INFO\n\n{connectivity}\n\
             [device-carrier]\nmatch-device={}\ncarrier-wait-timeout=1000\n",
            conf_dir.join("system-connections").display(),
            devices.join(",")
        );
        std::fs::write(conf_dir.join("NetworkManager.conf"), config).expect("NetworkManager.conf");
        // In its own mount namespace: a read-only /sys makes NetworkManager manage links without
        // udev (there is none here); /run and /var/lib/NetworkManager are private tmpfs.
        let script = r#"set -e
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var/lib/NetworkManager
mount -o remount,bind,ro /sys
nm=$1; conf=$2
exec "$nm" --no-daemon --debug --config="$conf/NetworkManager.conf" --config-dir="$conf/conf.d" \
  --system-config-dir="$conf/sysconf.d" \
  --intern-config=/var/lib/NetworkManager/NetworkManager-intern.conf \
  --state-file=/var/lib/NetworkManager/NetworkManager.state --pid-file=/run/NetworkManager.pid"#;
        let mut command = self.nm_ns.command("unshare");
        command
            .args([
                "--mount",
                "--uts",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
            ])
            .arg(nm)
            .arg(&conf_dir)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus.address);
        let log = dir.join("NetworkManager.log");
        self.processes
            .push(Process::spawn("NetworkManager", command, &log));
    }

    /// Waits until NetworkManager is on the private bus and has finished starting: its name
    /// comes before its objects, so readiness is checked again on each signal it sends.
    pub async fn wait_for_networkmanager(&mut self, connection: &zbus::Connection) {
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .sender(NM_BUS_NAME)
            .expect("sender")
            .build();
        let mut signals = zbus::MessageStream::for_match_rule(rule, connection, Some(1024))
            .await
            .expect("subscribe");
        wait_for_name(connection, NM_BUS_NAME, Duration::from_secs(20)).await;
        let ready = async {
            while !networkmanager_ready(connection).await {
                signals.next().await.expect("bus closed").expect("signal");
            }
        };
        tokio::time::timeout(Duration::from_secs(20), ready)
            .await
            .expect("NetworkManager did not finish starting within 20 s");
        for process in &mut self.processes {
            process.assert_running();
        }
    }

    pub fn uplink(&self, nm_if: &str) -> &Uplink {
        self.uplinks
            .iter()
            .find(|u| u.nm_if == nm_if)
            .expect("uplink")
    }

    /// `ip -4 route show default` inside NetworkManager's namespace.
    pub fn default_routes(&self) -> String {
        self.nm_ns.ip(&["-4", "route", "show", "default"])
    }
}
