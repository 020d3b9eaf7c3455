//! The dock switch. A reader (evdev on the device) turns the input device into `DockEvent`s;
//! `interpret` follows them with the core's pure `DockTracker` and tells the orchestrator.
//! Tests inject events into the same channel.

#[cfg(target_os = "linux")]
mod evdev_reader;

use std::path::PathBuf;
use std::time::Duration;

use countertop_core::Input;
use countertop_core::dock::{DockAction, DockTracker, RawEvent};
use serde::Deserialize;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockEvent {
    Raw(RawEvent),
    /// The switch state read from the device (at start and after dropped events).
    State(bool),
}

/// Whether the device has a dock switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DockMode {
    /// Use the switch if the input device exists, else behave as docked (development machines).
    #[default]
    Auto,
    /// The device must have one: until it can be read, the terminal counts as undocked.
    Required,
    /// No dock switch: always docked.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DockSettings {
    pub mode: DockMode,
    /// The input device; the image's udev rule makes this link.
    pub device: PathBuf,
    /// Or find the input device by its name.
    pub name: Option<String>,
}

impl Default for DockSettings {
    fn default() -> Self {
        DockSettings {
            mode: DockMode::Auto,
            device: PathBuf::from("/dev/input/countertop-dock"),
            name: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DockError {
    #[error("the dock switch device {0} could not be opened: {1}")]
    Open(String, std::io::Error),
    #[error("no input device named {0:?}")]
    NotFound(String),
    #[error("{0} has no dock switch (SW_DOCK)")]
    NoSwitch(String),
    #[error("reading the dock switch failed: {0}")]
    Read(std::io::Error),
    #[error("dock switches are only read on Linux")]
    Unsupported,
}

/// Follows dock events and reports each change to the orchestrator.
pub async fn interpret(mut events: mpsc::Receiver<DockEvent>, inputs: mpsc::Sender<Input>) {
    let mut tracker = DockTracker::default();
    while let Some(event) = events.recv().await {
        let action = match event {
            DockEvent::Raw(raw) => tracker.feed(raw),
            DockEvent::State(docked) => tracker.resynced(docked),
        };
        if let DockAction::Changed(docked) = action {
            tracing::info!(docked, "dock state changed");
            if inputs.send(Input::Docked(docked)).await.is_err() {
                return;
            }
        }
    }
}

/// Starts the dock adapter as configured.
pub fn start(settings: DockSettings, inputs: mpsc::Sender<Input>) {
    if settings.mode == DockMode::None {
        return;
    }
    let (tx, rx) = mpsc::channel(32);
    tokio::spawn(interpret(rx, inputs));
    tokio::spawn(async move {
        loop {
            match read(&settings, tx.clone()).await {
                Ok(()) => return,
                Err(error) if settings.mode == DockMode::Auto => {
                    tracing::info!(%error, "no dock switch; the terminal counts as docked");
                    return;
                }
                Err(error) => {
                    // Safe side: no store data and no payments until the switch can be read.
                    tracing::error!(%error, "dock switch unreadable; showing the undocked screen");
                    if tx.send(DockEvent::State(false)).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

#[cfg(target_os = "linux")]
async fn read(settings: &DockSettings, tx: mpsc::Sender<DockEvent>) -> Result<(), DockError> {
    evdev_reader::run(settings, tx).await
}

#[cfg(not(target_os = "linux"))]
async fn read(_settings: &DockSettings, _tx: mpsc::Sender<DockEvent>) -> Result<(), DockError> {
    Err(DockError::Unsupported)
}
