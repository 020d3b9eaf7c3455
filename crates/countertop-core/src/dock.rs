//! Reading the dock switch: Linux input events (EV_SW / SW_DOCK) in, "docked or not" out.
//! Kept pure so it is tested with synthetic events; the evdev reader is a thin adapter.

/// The kernel's event type and code numbers (linux/input-event-codes.h).
pub const EV_SYN: u16 = 0x00;
pub const EV_SW: u16 = 0x05;
pub const SYN_REPORT: u16 = 0;
pub const SYN_DROPPED: u16 = 3;
pub const SW_DOCK: u16 = 0x05;

/// One input event as the kernel delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockAction {
    /// Nothing to do yet.
    None,
    /// The dock state changed (true = docked).
    Changed(bool),
    /// The kernel dropped events: read the switch state from the device again.
    Resync,
}

/// Follows the switch. A value only counts once its report is complete (SYN_REPORT), so a
/// half-delivered batch never flips the screen, and repeats of the same state are ignored.
#[derive(Debug, Clone, Default)]
pub struct DockTracker {
    current: Option<bool>,
    pending: Option<bool>,
    dropping: bool,
}

impl DockTracker {
    /// Starts from a state read from the device (`EVIOCGSW`).
    pub fn with_state(docked: bool) -> Self {
        DockTracker {
            current: Some(docked),
            pending: None,
            dropping: false,
        }
    }

    pub fn docked(&self) -> Option<bool> {
        self.current
    }

    pub fn feed(&mut self, event: RawEvent) -> DockAction {
        match (event.kind, event.code) {
            (EV_SYN, SYN_DROPPED) => {
                // Everything up to the next report is unreliable; the state must be re-read.
                self.dropping = true;
                self.pending = None;
                DockAction::Resync
            }
            (EV_SYN, SYN_REPORT) => {
                if std::mem::take(&mut self.dropping) {
                    return DockAction::None;
                }
                match self.pending.take() {
                    Some(docked) if self.current != Some(docked) => {
                        self.current = Some(docked);
                        DockAction::Changed(docked)
                    }
                    _ => DockAction::None,
                }
            }
            (EV_SW, SW_DOCK) if !self.dropping => {
                self.pending = Some(event.value != 0);
                DockAction::None
            }
            _ => DockAction::None,
        }
    }

    /// After a resync: the state read from the device.
    pub fn resynced(&mut self, docked: bool) -> DockAction {
        if self.current == Some(docked) {
            return DockAction::None;
        }
        self.current = Some(docked);
        DockAction::Changed(docked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(value: i32) -> RawEvent {
        RawEvent {
            kind: EV_SW,
            code: SW_DOCK,
            value,
        }
    }
    const REPORT: RawEvent = RawEvent {
        kind: EV_SYN,
        code: SYN_REPORT,
        value: 0,
    };
    const DROPPED: RawEvent = RawEvent {
        kind: EV_SYN,
        code: SYN_DROPPED,
        value: 0,
    };

    #[test]
    fn a_switch_change_counts_at_the_report() {
        let mut t = DockTracker::with_state(true);
        assert_eq!(t.feed(sw(0)), DockAction::None);
        assert_eq!(t.docked(), Some(true));
        assert_eq!(t.feed(REPORT), DockAction::Changed(false));
        assert_eq!(t.feed(sw(1)), DockAction::None);
        assert_eq!(t.feed(REPORT), DockAction::Changed(true));
    }

    #[test]
    fn repeats_bounces_and_other_switches_are_ignored() {
        let mut t = DockTracker::with_state(true);
        assert_eq!(t.feed(sw(1)), DockAction::None);
        assert_eq!(t.feed(REPORT), DockAction::None);
        // Bounce inside one report: only the last value counts.
        t.feed(sw(0));
        t.feed(sw(1));
        assert_eq!(t.feed(REPORT), DockAction::None);
        let lid = RawEvent {
            kind: EV_SW,
            code: 0x00,
            value: 1,
        };
        t.feed(lid);
        assert_eq!(t.feed(REPORT), DockAction::None);
        let key = RawEvent {
            kind: 0x01,
            code: SW_DOCK,
            value: 0,
        };
        t.feed(key);
        assert_eq!(t.feed(REPORT), DockAction::None);
    }

    #[test]
    fn dropped_events_ask_for_a_resync() {
        let mut t = DockTracker::with_state(true);
        t.feed(sw(0));
        assert_eq!(t.feed(DROPPED), DockAction::Resync);
        t.feed(sw(1));
        assert_eq!(t.feed(REPORT), DockAction::None);
        assert_eq!(t.resynced(false), DockAction::Changed(false));
        assert_eq!(t.resynced(false), DockAction::None);
    }

    #[test]
    fn an_unknown_start_learns_from_the_first_report() {
        let mut t = DockTracker::default();
        t.feed(sw(1));
        assert_eq!(t.feed(REPORT), DockAction::Changed(true));
    }
}
