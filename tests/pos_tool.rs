//! The `countertop-pos` tool against a headless terminal process, as a POS developer would use
//! them: pair from the printed payload, send a cart, pay, ask the status.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn run_pos(credentials: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_countertop-pos"))
        .arg("--credentials")
        .arg(credentials)
        .args(args)
        .output()
        .expect("run countertop-pos")
}

fn pos(credentials: &std::path::Path, args: &[&str]) -> String {
    let output = run_pos(credentials, args);
    assert!(
        output.status.success(),
        "countertop-pos {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn pair_cart_pay_and_status_through_the_command_line_tool() {
    let dir = std::env::temp_dir().join(format!("countertop-pos-tool-{}", std::process::id()));
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
        .args([
            "--sim-card-delay-ms",
            "100",
            "--sim-gateway-latency-ms",
            "100",
            "--sim-cards",
            "approve",
        ])
        .arg("--state-dir")
        .arg(dir.join("state"))
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

    let credentials = dir.join("pos.json");
    assert!(pos(&credentials, &["pair", "--uri", &uri]).contains("paired with CT-0001"));
    assert!(pos(&credentials, &["cart"]).contains("cart sent"));
    let result = pos(&credentials, &["pay", "--id", "tool-1", "--amount", "1234"]);
    assert!(result.contains("\"status\": \"approved\""), "{result}");
    assert!(result.contains("\"last4\": \"4242\""), "{result}");
    let status = pos(&credentials, &["status", "--id", "tool-1"]);
    assert!(status.contains("\"status\": \"final\""), "{status}");
    let unknown = pos(&credentials, &["status", "--id", "never-asked"]);
    assert!(unknown.contains("\"status\": \"unknown\""), "{unknown}");

    // The café cart with VAT in its prices: the total is the lines as sent, €45.57 (with 9 %
    // on top it was €49.67). A cent more is refused; the total itself is paid.
    assert!(pos(&credentials, &["cart", "--prices-include-tax"]).contains("cart sent"));
    let over = run_pos(&credentials, &["pay", "--id", "tool-2", "--amount", "4558"]);
    let refusal = String::from_utf8_lossy(&over.stderr);
    assert!(!over.status.success());
    assert!(refusal.contains("more than"), "{refusal}");
    let receipt = "https://receipts.example/r/tool-3";
    let result = pos(
        &credentials,
        &[
            "pay",
            "--id",
            "tool-3",
            "--amount",
            "4557",
            "--receipt-url",
            receipt,
        ],
    );
    assert!(result.contains("\"status\": \"approved\""), "{result}");
    assert!(result.contains("receipt shown"), "{result}");
    // Again for the same sale is fine; for an older one the terminal has moved on.
    assert!(
        pos(
            &credentials,
            &["receipt", "--id", "tool-3", "--url", receipt]
        )
        .contains("receipt shown")
    );
    let late = run_pos(
        &credentials,
        &["receipt", "--id", "tool-1", "--url", receipt],
    );
    assert!(!late.status.success());
    assert!(
        String::from_utf8_lossy(&late.stderr).contains("moved on"),
        "{late:?}"
    );
    let bad = run_pos(
        &credentials,
        &["receipt", "--id", "tool-3", "--url", "ftp://x.example/r"],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("https://"),
        "{bad:?}"
    );

    terminal.kill().unwrap();
    terminal.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
