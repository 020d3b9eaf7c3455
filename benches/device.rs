//! Device figures, from the device rig (tests/device): the kiosk in a QEMU guest under the
//! layer's own unit file, on a DRM display. Printed, not asserted:
//! - boot to first frame (kernel start to the pairing screen on the display) and unit start to
//!   first frame;
//! - how closely the display matches the headless renderer.
//!
//! `cargo bench --bench device` runs the rig (several minutes: it boots the guest under TCG) and
//! prints its figures. Under `cargo test` it prints the figures of the last rig run, if any,
//! labelled as such.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let figures = root.join("target/device-rig/out/figures.json");
    if std::env::args().any(|a| a == "--bench") {
        let status = Command::new(root.join("tests/device/run"))
            .status()
            .expect("run tests/device/run");
        println!(
            "device rig: {}",
            if status.success() {
                "every check passed"
            } else {
                "some checks FAILED"
            }
        );
    } else {
        println!(
            "countertop device figures (from the last device rig run; `cargo bench --bench device` runs it)"
        );
    }
    match std::fs::read_to_string(&figures) {
        Ok(text) => {
            let parsed: serde_json::Value =
                serde_json::from_str(&text).expect("figures.json is JSON");
            let object = parsed.as_object().expect("figures.json holds an object");
            for (name, value) in object {
                println!("  {name}: {value}");
            }
        }
        Err(_) => println!("  no device rig run yet ({} is missing)", figures.display()),
    }
}
