//! What the panel shows, as plain data: the UI adapter maps it onto Slint globals.

use countertop_core::admin_pin::PinRuleError;
use countertop_network::{AccessPoint, JoinError, NetworkStatus};

use crate::adapters::link::PosLinkStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinPromptState {
    #[default]
    Enter,
    Checking,
    Wrong {
        tries_left: u32,
    },
    LockedOut {
        seconds: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinChangeState {
    #[default]
    Idle,
    Saving,
    Saved,
    Mismatch,
    Refused(PinRuleError),
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JoinProgress {
    #[default]
    Idle,
    Joining(String),
    Joined(String),
    Failed {
        ssid: String,
        error: JoinError,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkPanel {
    /// `Some(reason)` while NetworkManager cannot be reached.
    pub unavailable: Option<String>,
    pub status: NetworkStatus,
    pub access_points: Vec<AccessPoint>,
    pub scanning: bool,
    pub join: JoinProgress,
    /// The SSID a forget request failed for.
    pub forget_failed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsView {
    pub unlocked: bool,
    pub pin: PinPromptState,
    pub default_pin: bool,
    pub pin_change: PinChangeState,
    pub network: NetworkPanel,
    pub pos: PosLinkStatus,
    /// "4443 (POS), 8080 (health)…" parts: the ports the terminal listens on.
    pub ports: Vec<(&'static str, u16)>,
    /// Grows each time the actor closes the panel itself (staff walked away).
    pub auto_closes: u32,
}
