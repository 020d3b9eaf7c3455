//! Adyen's official Node.js client (`@adyen/api-library`, its `TerminalLocalAPI` and
//! `TerminalLocalAPIUnencrypted`) against the real `countertop` binary's nexo listener: a
//! payment, a declined one, a status query after a dropped connection, an abort, diagnosis, an
//! unsupported service, a wrong key (tests/nexo/client.js). Then the same SaleTransactionID over
//! Countertop's own protocol, and a payment id from that protocol over nexo: each charged once.
//!
//! Needs Node.js and npm (`scripts/install-deps test` installs them); the library is installed
//! from tests/nexo/package-lock.json into target/nexo-node. Missing either fails the test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the pinned library into target/nexo-node (once; `npm ci` is skipped when the
/// installed version is the pinned one).
fn node_modules() -> PathBuf {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "Node.js is not installed: run scripts/install-deps test (Debian's nodejs and npm)"
    );
    let dir = workspace().join("target/nexo-node");
    std::fs::create_dir_all(&dir).unwrap();
    let installed = dir.join("node_modules/@adyen/api-library/package.json");
    let lock = std::fs::read_to_string(workspace().join("tests/nexo/package-lock.json")).unwrap();
    let wanted = std::fs::read_to_string(workspace().join("tests/nexo/package.json")).unwrap();
    let current = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
    if !installed.exists() || current != wanted {
        std::fs::write(dir.join("package.json"), &wanted).unwrap();
        std::fs::write(dir.join("package-lock.json"), &lock).unwrap();
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "npm ci of @adyen/api-library failed in {}: is npm installed (scripts/install-deps test) and the npm registry reachable?",
            dir.display()
        );
    }
    dir.join("node_modules")
}

fn node(modules: &Path, log: &Path, port: u16, ca: &str, scenario: &str) -> String {
    let output = Command::new("node")
        .arg(workspace().join("tests/nexo/client.js"))
        .args([&port.to_string(), ca, "CT-0001", scenario])
        .env("NODE_PATH", modules)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the Node.js client failed ({scenario}):\n{stdout}\n{}\nterminal log: {}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(log).unwrap_or_default()
    );
    stdout
}

fn pos(credentials: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_countertop-pos"))
        .arg("--credentials")
        .arg(credentials)
        .args(args)
        .output()
        .expect("run countertop-pos");
    assert!(
        output.status.success(),
        "countertop-pos {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Authorizations the simulated gateway received for one payment id (its ledger file).
fn authorizations(ledger: &Path, payment_id: &str) -> usize {
    let needle = format!("\"payment_id\":\"{payment_id}\"");
    std::fs::read_to_string(ledger)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("Answer") && l.contains(&needle))
        .count()
}

/// Stops the terminal however the test ends, so a failed assertion leaves no process behind.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn adyen_node_client_pays_aborts_and_asks_status_without_double_charges() {
    let modules = node_modules();
    let dir = std::env::temp_dir().join(format!("countertop-nexo-node-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("countertop.toml");
    std::fs::write(
        &config,
        r#"
[dock]
mode = "none"
[network]
enabled = false
[nexo]
enabled = true
bind = "127.0.0.1"
port = 0
key_identifier = "CryptoKeyIdentifier12345"
key_version = 1
passphrase = "p@ssw0rd123456"
allow_unencrypted = true
"#,
    )
    .unwrap();
    let ledger = dir.join("gateway-ledger.jsonl");
    let mut terminal = Running(
        Command::new(env!("CARGO_BIN_EXE_countertop"))
            .args([
                "--headless",
                "--listen",
                "127.0.0.1:0",
                "--health-listen",
                "127.0.0.1:0",
            ])
            .args(["--advertise", "127.0.0.1", "--no-discovery"])
            .args([
                "--sim-card-delay-ms",
                "800",
                "--sim-gateway-latency-ms",
                "200",
            ])
            .args(["--sim-cards", "approve,insufficient-funds,approve,approve"])
            .arg("--sim-gateway-ledger")
            .arg(&ledger)
            .arg("--config")
            .arg(&config)
            .arg("--state-dir")
            .arg(dir.join("state"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("terminal.log")).unwrap())
            .spawn()
            .expect("start countertop"),
    );
    let mut lines = BufReader::new(terminal.0.stdout.take().unwrap()).lines();
    let (mut uri, mut nexo) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("pairing-uri: ") {
            uri = Some(rest.to_owned());
        }
        if let Some(rest) = line.strip_prefix("nexo-listening: ") {
            nexo = Some(rest.to_owned());
        }
        if uri.is_some() && nexo.is_some() {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let nexo = nexo.expect("the terminal prints where nexo listens");
    let (port, ca) = nexo
        .strip_prefix("port=")
        .and_then(|r| r.split_once(" ca="))
        .expect("nexo-listening: port=P ca=PATH");
    let port: u16 = port.parse().unwrap();

    let output = node(&modules, &dir.join("terminal.log"), port, ca, "all");
    for step in [
        "ok payment approved",
        "ok payment declined",
        "ok status after a dropped connection",
        "ok abort",
        "ok diagnosis",
        "ok unsupported service",
        "ok wrong key refused",
        "ok unencrypted variant",
    ] {
        assert!(output.contains(step), "missing '{step}' in:\n{output}");
    }
    let approval = output
        .lines()
        .find_map(|l| l.strip_prefix("approval nexo-pay-1 "))
        .expect("approval code of nexo-pay-1")
        .to_owned();
    assert_eq!(
        authorizations(&ledger, "nexo-pay-3"),
        1,
        "a dropped connection never charges twice"
    );
    assert_eq!(
        authorizations(&ledger, "nexo-pay-4"),
        0,
        "an aborted payment never reached the gateway"
    );

    // The same SaleTransactionID over Countertop's own protocol: the recorded approval, no charge.
    let credentials = dir.join("pos.json");
    pos(
        &credentials,
        &["pair", "--uri", uri.as_deref().expect("pairing payload")],
    );
    let again = pos(
        &credentials,
        &["pay", "--id", "nexo-pay-1", "--amount", "1234"],
    );
    assert!(again.contains("\"status\": \"approved\""), "{again}");
    assert!(
        again.contains(&format!("\"auth_code\": \"{approval}\"")),
        "{again}"
    );
    assert_eq!(authorizations(&ledger, "nexo-pay-1"), 1);

    // And the other way: a payment made over Countertop's protocol, asked again over nexo.
    let first = pos(
        &credentials,
        &["pay", "--id", "link-pay-1", "--amount", "500"],
    );
    assert!(first.contains("\"status\": \"approved\""), "{first}");
    let repeat = node(
        &modules,
        &dir.join("terminal.log"),
        port,
        ca,
        "repeat:link-pay-1:5",
    );
    assert!(repeat.contains("\"Result\":\"Success\""), "{repeat}");
    assert_eq!(authorizations(&ledger, "link-pay-1"), 1);

    drop(terminal);
    let _ = std::fs::remove_dir_all(&dir);
}
