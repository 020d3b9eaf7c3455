//! Shared harness for the integration tests: prerequisites that fail loudly, a temp dir,
//! processes killed on drop, a private dbus-daemon, waiting for a bus name, and a reader of
//! the actor's events with timeouts. Nothing here touches the host's D-Bus, NetworkManager or
//! interfaces: every daemon gets its own bus socket in a temp dir.
#![allow(dead_code)] // each test binary uses a different part

pub mod netns;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use countertop_network::{NetworkConfig, NetworkEvent, NetworkRequest};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How to get what a test needs, for the failure message.
pub const INSTALL_HINT: &str = "run `scripts/install-deps test` (as root)";

/// Fails the test (never skips it) unless it runs as root.
pub fn require_root(why: &str) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let euid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .expect("Uid line in /proc/self/status");
    assert_eq!(euid, "0", "this test must run as root: {why}");
}

/// The absolute path of `program`, or a failure naming the Debian package to install.
pub fn require_program(program: &str, package: &str) -> PathBuf {
    let candidates: Vec<PathBuf> = if program.starts_with('/') {
        vec![PathBuf::from(program)]
    } else {
        let path = std::env::var("PATH").unwrap_or_default();
        path.split(':')
            .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .map(|dir| Path::new(dir).join(program))
            .collect()
    };
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is missing: install the Debian package `{package}` ({INSTALL_HINT})"
            )
        })
}

/// Debian's python3 with python3-dbusmock (not a pyenv `python3` earlier in PATH).
pub fn require_dbusmock() -> PathBuf {
    let python = require_program("/usr/bin/python3", "python3");
    let ok = Command::new(&python)
        .args(["-c", "import dbusmock"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python-dbusmock is missing: install the Debian package `python3-dbusmock` ({INSTALL_HINT})"
    );
    python
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (in this process or another) uses at the same time.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A directory removed on drop, kept (and named on stderr) when the test panicked, so its
/// daemon logs can be read.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique("countertop-network-"));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test failed: logs kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A child process killed (by its own pid) and reaped on drop.
pub struct Process {
    name: String,
    child: Child,
}

impl Process {
    /// Spawns `command` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Process {
        let out = File::create(log).expect("create log file");
        let err = out.try_clone().expect("clone log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Process {
            name: name.to_owned(),
            child,
        }
    }

    pub fn from_child(name: &str, child: Child) -> Process {
        Process {
            name: name.to_owned(),
            child,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has already exited (it crashed on start).
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.name);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a short command to completion, failing the test with its output if it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A dbus-daemon of its own (config and socket in a temp dir), standing in for the system bus.
pub struct PrivateBus {
    pub address: String,
    daemon: Process,
    pub dir: TempDir,
}

impl PrivateBus {
    pub fn start() -> PrivateBus {
        let daemon_path = require_program("dbus-daemon", "dbus");
        let dir = TempDir::new();
        let socket = dir.join("system_bus_socket");
        let config = dir.join("bus.conf");
        // Everyone may own and call anything: the only clients are this test's.
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .expect("write bus config");
        let mut child = Command::new(daemon_path)
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(dir.join("bus.log")).expect("bus log"))
            .spawn()
            .expect("start dbus-daemon");
        // The daemon prints its address once it listens: that line is the readiness signal.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let daemon = Process::from_child("dbus-daemon", child);
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("dbus-daemon did not start within 10 s");
        assert!(
            line.starts_with("unix:"),
            "dbus-daemon printed no address: {line:?}"
        );
        PrivateBus {
            address: format!("unix:path={}", socket.display()),
            daemon,
            dir,
        }
    }

    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .expect("bus address")
            .build()
            .await
            .expect("connect to the private bus")
    }
}

/// Waits (on NameOwnerChanged, not by polling) until `name` has an owner on the bus.
pub async fn wait_for_name(connection: &zbus::Connection, name: &'static str, timeout: Duration) {
    let dbus = zbus::fdo::DBusProxy::new(connection)
        .await
        .expect("DBus proxy");
    let mut changes = dbus
        .receive_name_owner_changed_with_args(&[(0, name)])
        .await
        .expect("subscribe");
    let bus_name = zbus::names::BusName::try_from(name).expect("bus name");
    if dbus.name_has_owner(bus_name).await.expect("NameHasOwner") {
        return;
    }
    let appeared = async {
        while let Some(change) = changes.next().await {
            if change.args().is_ok_and(|a| a.new_owner().is_some()) {
                return;
            }
        }
        panic!("bus connection closed while waiting for {name}");
    };
    tokio::time::timeout(timeout, appeared)
        .await
        .unwrap_or_else(|_| panic!("{name} did not appear on the bus within {timeout:?}"));
}

/// The actor under test, with its channels.
pub struct Actor {
    pub requests: mpsc::Sender<NetworkRequest>,
    pub events: Events,
    pub task: JoinHandle<()>,
}

pub fn start_actor(config: NetworkConfig) -> Actor {
    let (requests, request_rx) = mpsc::channel(16);
    let (event_tx, event_rx) = mpsc::channel(64);
    let task = tokio::spawn(countertop_network::run(config, request_rx, event_tx));
    Actor {
        requests,
        events: Events {
            rx: event_rx,
            seen: Vec::new(),
        },
        task,
    }
}

impl Actor {
    pub async fn send(&self, request: NetworkRequest) {
        self.requests
            .send(request)
            .await
            .expect("the actor stopped");
    }
}

/// The actor's events, awaited with timeouts; what was skipped is shown when one never comes.
pub struct Events {
    rx: mpsc::Receiver<NetworkEvent>,
    seen: Vec<NetworkEvent>,
}

impl Events {
    /// The next event matching `accept` (others are skipped), within `timeout`.
    pub async fn expect<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut accept: impl FnMut(&NetworkEvent) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => {
                    let found = accept(&event);
                    self.seen.push(event);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Ok(None) => panic!(
                    "the actor stopped while waiting for {what}; events: {:#?}",
                    self.recent()
                ),
                Err(_) => panic!(
                    "no {what} within {timeout:?}; events meanwhile: {:#?}",
                    self.recent()
                ),
            }
        }
    }

    /// Fails if an event arrives within `quiet`.
    pub async fn expect_none(&mut self, quiet: Duration) {
        if let Ok(Some(event)) = tokio::time::timeout(quiet, self.rx.recv()).await {
            panic!("unexpected event {event:#?}");
        }
    }

    fn recent(&self) -> &[NetworkEvent] {
        let from = self.seen.len().saturating_sub(12);
        &self.seen[from..]
    }
}
