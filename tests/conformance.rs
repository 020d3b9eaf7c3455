//! `countertop-pos conformance` against the real terminal binary: every scenario passes on an
//! unpaired terminal, and the suite reports FAIL and exits non-zero when the terminal is not
//! what the contract asks for (here: already paired, so the pairing scenarios cannot hold).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn conformance(uri: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countertop-pos"))
        .args(["conformance", "--uri", uri, "--payment-timeout-s", "30"])
        .output()
        .expect("run countertop-pos conformance")
}

#[test]
fn the_conformance_suite_passes_against_the_real_terminal_and_fails_loudly_otherwise() {
    let dir = std::env::temp_dir().join(format!("countertop-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut terminal = Command::new(env!("CARGO_BIN_EXE_countertop"))
        .args([
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--health-listen",
            "127.0.0.1:0",
            "--advertise",
            "127.0.0.1",
            "--no-discovery",
        ])
        // Slow enough for a cancel to catch the payment waiting for a card, usually; the
        // suite accepts either order of the race.
        .args([
            "--sim-card-delay-ms",
            "800",
            "--sim-gateway-latency-ms",
            "100",
            "--sim-cards",
            "approve",
        ])
        .arg("--state-dir")
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start countertop");
    let mut lines = BufReader::new(terminal.stdout.take().unwrap()).lines();
    let uri = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| l.strip_prefix("pairing-uri: ").map(str::to_owned))
        .expect("pairing payload");
    std::thread::spawn(move || for _ in lines {});

    let first = conformance(&uri);
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    let verdicts: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
        .collect();
    let outcome = first.status;

    let second = conformance(&uri);
    let again = String::from_utf8_lossy(&second.stdout).into_owned();
    let _ = terminal.kill();
    let _ = terminal.wait();
    let _ = std::fs::remove_dir_all(&dir);

    assert!(
        outcome.success() && verdicts.len() >= 10 && verdicts.iter().all(|l| l.starts_with("PASS")),
        "conformance failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for scenario in [
        "pairing refusals",
        "unauthenticated messages are refused",
        "malformed messages",
        "oversized frame",
        "duplicate payment id",
        "cancel races",
        "status after disconnect",
    ] {
        assert!(
            verdicts.contains(&format!("PASS {scenario}").as_str()),
            "{scenario} missing:\n{stdout}"
        );
    }
    assert!(
        !second.status.success(),
        "a paired terminal passed:\n{again}"
    );
    assert!(again.contains("FAIL welcome comes first"), "{again}");
}
