//! A terminal with nothing to do must not burn the CPU: no polling or spinning actor.

use std::process::{Command, Stdio};
use std::time::Duration;

/// User + system CPU time of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("process alive");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn an_idle_headless_terminal_uses_almost_no_cpu() {
    let state = std::env::temp_dir().join(format!("countertop-idle-cpu-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let mut terminal = Command::new(env!("CARGO_BIN_EXE_countertop"))
        .args([
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--health-listen",
            "127.0.0.1:0",
            "--no-discovery",
        ])
        .arg("--state-dir")
        .arg(&state)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start countertop");
    // Let start-up (certificate, journal) finish, then watch two quiet seconds.
    std::thread::sleep(Duration::from_millis(1_500));
    let before = cpu_ticks(terminal.id());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks(terminal.id()) - before;
    terminal.kill().unwrap();
    terminal.wait().unwrap();
    let _ = std::fs::remove_dir_all(&state);
    assert!(
        used < 20,
        "an idle terminal used {used} ticks of CPU in 2 s"
    );
}
