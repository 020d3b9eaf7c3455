//! The screen's brightness through the kernel's backlight class
//! (`/sys/class/backlight/<device>/brightness`, scaled by its `max_brightness`), as an actor:
//! the orchestrator sends the level it wants, the actor writes it and reports failures. The
//! image's udev rule lets the `countertop` group write `brightness`; nothing else needs
//! privileges. The class directory is injectable, so tests use a folder laid out like sysfs.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

pub const CLASS_DIR: &str = "/sys/class/backlight";

#[derive(Debug, thiserror::Error)]
pub enum BacklightError {
    #[error("no backlight in {0}")]
    NoDevice(PathBuf),
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} does not hold a positive number: {text:?}")]
    BadValue { path: PathBuf, text: String },
    #[error("could not set the brightness in {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the orchestrator asks of the backlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacklightRequest {
    /// Brightness in percent; 0 turns the light off (night).
    Level(u8),
}

/// One backlight device.
#[derive(Debug, Clone)]
pub struct Backlight {
    dir: PathBuf,
    max: u32,
}

impl Backlight {
    /// The first backlight under `class_dir` (sorted by name, so the choice is stable).
    pub fn find(class_dir: &Path) -> Result<Backlight, BacklightError> {
        let mut devices: Vec<PathBuf> = std::fs::read_dir(class_dir)
            .map_err(|_| BacklightError::NoDevice(class_dir.to_owned()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|dir| dir.join("max_brightness").exists())
            .collect();
        devices.sort();
        let dir = devices
            .into_iter()
            .next()
            .ok_or_else(|| BacklightError::NoDevice(class_dir.to_owned()))?;
        Backlight::open(dir)
    }

    pub fn open(dir: PathBuf) -> Result<Backlight, BacklightError> {
        let path = dir.join("max_brightness");
        let text = std::fs::read_to_string(&path).map_err(|source| BacklightError::Read {
            path: path.clone(),
            source,
        })?;
        let max = text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|max| *max > 0)
            .ok_or_else(|| BacklightError::BadValue {
                path,
                text: text.trim().chars().take(32).collect(),
            })?;
        // Writable by us (the image's udev rule), or brightness is not offered at all.
        let brightness = dir.join("brightness");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&brightness)
            .map_err(|source| BacklightError::Write {
                path: brightness,
                source,
            })?;
        Ok(Backlight { dir, max })
    }

    /// The raw value for `percent`: 0 is off; anything above stays at least 1, so a dim
    /// setting never turns the light off by rounding.
    pub fn raw(&self, percent: u8) -> u32 {
        let percent = u64::from(percent.min(100));
        if percent == 0 {
            return 0;
        }
        let raw = (percent * u64::from(self.max) + 50) / 100;
        u32::try_from(raw).unwrap_or(self.max).clamp(1, self.max)
    }

    pub fn set(&self, percent: u8) -> Result<(), BacklightError> {
        let path = self.dir.join("brightness");
        std::fs::write(&path, self.raw(percent).to_string())
            .map_err(|source| BacklightError::Write { path, source })
    }
}

/// Applies each requested level until the channel closes. Only the latest pending level is
/// written, so a slider dragged quickly costs one write, not a queue of them.
/// A level that cannot be written is logged and the screen stays as it was (nothing on the
/// shopper screens depends on it).
pub async fn run(backlight: Backlight, mut requests: mpsc::Receiver<BacklightRequest>) {
    let mut last = None;
    while let Some(mut request) = requests.recv().await {
        while let Ok(newer) = requests.try_recv() {
            request = newer;
        }
        let BacklightRequest::Level(percent) = request;
        if last == Some(percent) {
            continue;
        }
        let device = backlight.clone();
        let written = tokio::task::spawn_blocking(move || device.set(percent)).await;
        match written {
            Ok(Ok(())) => last = Some(percent),
            Ok(Err(error)) => tracing::warn!(%error, "backlight not set"),
            Err(error) => tracing::warn!(%error, "backlight writer stopped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysfs(max: &str) -> (PathBuf, PathBuf) {
        let root = std::env::temp_dir().join(format!(
            "countertop-backlight-{}-{}",
            std::process::id(),
            max.trim()
        ));
        let _ = std::fs::remove_dir_all(&root);
        let device = root.join("intel_backlight");
        std::fs::create_dir_all(&device).unwrap();
        std::fs::write(device.join("max_brightness"), max).unwrap();
        std::fs::write(device.join("brightness"), "0\n").unwrap();
        (root, device)
    }

    fn brightness(device: &Path) -> String {
        std::fs::read_to_string(device.join("brightness")).unwrap()
    }

    #[test]
    fn levels_are_scaled_by_the_devices_maximum() {
        let (root, device) = sysfs("937\n");
        let light = Backlight::find(&root).unwrap();
        light.set(100).unwrap();
        assert_eq!(brightness(&device), "937");
        light.set(50).unwrap();
        assert_eq!(brightness(&device), "469");
        light.set(0).unwrap();
        assert_eq!(brightness(&device), "0");
        // Dim never rounds down to off.
        let coarse = Backlight {
            dir: device.clone(),
            max: 7,
        };
        assert_eq!(coarse.raw(5), 1);
        assert_eq!(coarse.raw(200), 7);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn no_backlight_or_a_broken_one_is_an_error_not_a_panic() {
        let missing = std::env::temp_dir().join("countertop-no-such-backlight-class");
        assert!(matches!(
            Backlight::find(&missing),
            Err(BacklightError::NoDevice(_))
        ));
        let (root, _device) = sysfs("zero");
        let error = Backlight::find(&root).unwrap_err();
        assert!(matches!(error, BacklightError::BadValue { .. }), "{error}");
        let (root0, _) = sysfs("0");
        assert!(Backlight::find(&root0).is_err());
        let _ = std::fs::remove_dir_all(root);
        let _ = std::fs::remove_dir_all(root0);
    }

    #[tokio::test]
    async fn the_actor_writes_the_levels_and_survives_a_failed_write() {
        let (root, device) = sysfs("255");
        let light = Backlight::find(&root).unwrap();
        let (tx, rx) = mpsc::channel(8);
        let actor = tokio::spawn(run(light, rx));
        tx.send(BacklightRequest::Level(40)).await.unwrap();
        tx.send(BacklightRequest::Level(0)).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(brightness(&device), "0");
        // A device that went away: the write fails, the actor carries on.
        std::fs::remove_dir_all(&root).unwrap();
        tx.send(BacklightRequest::Level(80)).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        std::fs::create_dir_all(&device).unwrap();
        std::fs::write(device.join("brightness"), "0").unwrap();
        tx.send(BacklightRequest::Level(100)).await.unwrap();
        drop(tx);
        actor.await.unwrap();
        assert_eq!(brightness(&device), "255");
        let _ = std::fs::remove_dir_all(&root);
    }
}
