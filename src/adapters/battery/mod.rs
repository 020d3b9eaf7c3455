//! Battery level from the kernel's power-supply class (`/sys/class/power_supply/*/capacity`).
//! The kernel offers no change notification for capacity on most fuel gauges, so the level is
//! read every 30 s; the core refuses new payments below its threshold.

use std::path::{Path, PathBuf};
use std::time::Duration;

use countertop_core::Input;
use serde::Deserialize;
use tokio::sync::mpsc;

const READ_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatterySettings {
    /// A power-supply directory (e.g. `/sys/class/power_supply/BAT0`); `None` finds the first
    /// supply of type `Battery`.
    pub path: Option<PathBuf>,
    /// Where power supplies are listed; configurable for tests and odd kernels.
    pub class_dir: PathBuf,
}

impl Default for BatterySettings {
    fn default() -> Self {
        BatterySettings {
            path: None,
            class_dir: PathBuf::from("/sys/class/power_supply"),
        }
    }
}

/// The battery directory to read, if the machine has one.
pub fn find_battery(settings: &BatterySettings) -> Option<PathBuf> {
    if let Some(path) = &settings.path {
        return Some(path.clone());
    }
    let mut supplies: Vec<PathBuf> = std::fs::read_dir(&settings.class_dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    supplies.sort();
    supplies
        .into_iter()
        .find(|dir| std::fs::read_to_string(dir.join("type")).is_ok_and(|t| t.trim() == "Battery"))
}

/// The charge in percent, or `None` when it cannot be read.
pub fn read_capacity(battery: &Path) -> Option<u8> {
    let text = std::fs::read_to_string(battery.join("capacity")).ok()?;
    let value: i64 = text.trim().parse().ok()?;
    Some(value.clamp(0, 100) as u8)
}

/// Reports the battery level to the orchestrator now and every 30 s. Machines without a
/// battery report `None` once (mains powered: never gated).
pub async fn run(settings: BatterySettings, inputs: mpsc::Sender<Input>) {
    let Some(battery) = find_battery(&settings) else {
        let _ = inputs.send(Input::Battery(None)).await;
        return;
    };
    tracing::info!(path = %battery.display(), "watching the battery");
    let mut last = None;
    loop {
        let level = read_capacity(&battery);
        if level != last {
            if inputs.send(Input::Battery(level)).await.is_err() {
                return;
            }
            last = level;
        }
        tokio::time::sleep(READ_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supply(dir: &Path, name: &str, kind: &str, capacity: Option<&str>) {
        let path = dir.join(name);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("type"), format!("{kind}\n")).unwrap();
        if let Some(capacity) = capacity {
            std::fs::write(path.join("capacity"), capacity).unwrap();
        }
    }

    #[test]
    fn the_first_battery_is_found_and_read() {
        let dir = std::env::temp_dir().join(format!("countertop-battery-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        supply(&dir, "AC", "Mains", None);
        supply(&dir, "BAT0", "Battery", Some("7\n"));
        let settings = BatterySettings {
            path: None,
            class_dir: dir.clone(),
        };
        let battery = find_battery(&settings).unwrap();
        assert!(battery.ends_with("BAT0"));
        assert_eq!(read_capacity(&battery), Some(7));
        std::fs::write(battery.join("capacity"), "garbage").unwrap();
        assert_eq!(read_capacity(&battery), None);
        std::fs::write(battery.join("capacity"), "250").unwrap();
        assert_eq!(read_capacity(&battery), Some(100));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_machine_without_battery_reports_none() {
        let settings = BatterySettings {
            path: None,
            class_dir: PathBuf::from("/nonexistent/power_supply"),
        };
        let (tx, mut rx) = mpsc::channel(4);
        run(settings, tx).await;
        assert_eq!(rx.recv().await, Some(Input::Battery(None)));
    }
}
