//! Reads SW_DOCK from a Linux input device with the evdev crate.

use countertop_core::dock::{RawEvent, SYN_DROPPED};
use evdev::{Device, SwitchCode};
use tokio::sync::mpsc;

use super::{DockError, DockEvent, DockSettings};

fn open(settings: &DockSettings) -> Result<Device, DockError> {
    match &settings.name {
        Some(name) => evdev::enumerate()
            .map(|(_, device)| device)
            .find(|device| device.name() == Some(name.as_str()))
            .ok_or_else(|| DockError::NotFound(name.clone())),
        None => Device::open(&settings.device)
            .map_err(|e| DockError::Open(settings.device.display().to_string(), e)),
    }
}

fn docked(device: &Device) -> Result<bool, DockError> {
    Ok(device
        .get_switch_state()
        .map_err(DockError::Read)?
        .contains(SwitchCode::SW_DOCK))
}

pub(super) async fn run(
    settings: &DockSettings,
    tx: mpsc::Sender<DockEvent>,
) -> Result<(), DockError> {
    let device = open(settings)?;
    let label = device.name().unwrap_or("input device").to_owned();
    if !device
        .supported_switches()
        .is_some_and(|s| s.contains(SwitchCode::SW_DOCK))
    {
        return Err(DockError::NoSwitch(label));
    }
    if tx.send(DockEvent::State(docked(&device)?)).await.is_err() {
        return Ok(());
    }
    let mut stream = device.into_event_stream().map_err(DockError::Read)?;
    loop {
        let event = stream.next_event().await.map_err(DockError::Read)?;
        let raw = RawEvent {
            kind: event.event_type().0,
            code: event.code(),
            value: event.value(),
        };
        if tx.send(DockEvent::Raw(raw)).await.is_err() {
            return Ok(());
        }
        if raw.kind == 0 && raw.code == SYN_DROPPED {
            let state = docked(stream.device())?;
            if tx.send(DockEvent::State(state)).await.is_err() {
                return Ok(());
            }
        }
    }
}
