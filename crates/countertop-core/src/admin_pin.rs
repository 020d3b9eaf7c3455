//! The rules of the staff PIN: what a new PIN may look like, and how wrong guesses lock the
//! panel. Hashing and storage live in the store adapter; this is only the policy, with time
//! passed in, so every lockout step is tested without waiting.

use std::time::{Duration, Instant};

/// The PIN a terminal ships with. It is documented (README, panel banner) and the panel asks
/// staff to change it for as long as it is in use.
pub const DEFAULT_PIN: &str = "1234";

/// Wrong guesses allowed before the first lockout.
pub const FREE_TRIES: u32 = 5;

/// The first lockout; each further wrong guess doubles it, up to `MAX_LOCKOUT`.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
pub const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

pub const MIN_LENGTH: usize = 4;
pub const MAX_LENGTH: usize = 8;

/// How long the panel stays locked after `failures` consecutive wrong guesses.
pub fn lockout_for(failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(FREE_TRIES)?;
    let doubled = FIRST_LOCKOUT.checked_mul(1u32.checked_shl(beyond.min(31)).unwrap_or(u32::MAX));
    Some(doubled.map_or(MAX_LOCKOUT, |d| d.min(MAX_LOCKOUT)))
}

/// What became of one PIN entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinAttempt {
    Accepted,
    /// Wrong, and this many guesses remain before a lockout.
    Refused {
        tries_left: u32,
    },
    /// Wrong (or entered while locked): nothing is checked until `until`.
    LockedOut {
        until: Instant,
    },
}

/// Counts consecutive wrong guesses and the lockout they earn. The failure count is persisted
/// by the caller, so that a power cycle does not hand out five fresh guesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinGuard {
    failures: u32,
    locked_until: Option<Instant>,
}

impl PinGuard {
    /// Restores the guard after a restart: a terminal that was locked stays locked for the
    /// full step again, counted from `now`.
    pub fn new(failures: u32, now: Instant) -> Self {
        PinGuard {
            failures,
            locked_until: lockout_for(failures).map(|d| now + d),
        }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When the lockout ends, if one is running at `now`.
    pub fn locked_until(&self, now: Instant) -> Option<Instant> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Whether a PIN may be checked at all at `now` (a locked guard does not even hash it).
    pub fn may_try(&self, now: Instant) -> bool {
        self.locked_until(now).is_none()
    }

    /// Records the result of checking a PIN. While locked, the entry is refused and not
    /// counted, so tapping during a lockout does not make it longer.
    pub fn record(&mut self, correct: bool, now: Instant) -> PinAttempt {
        if let Some(until) = self.locked_until(now) {
            return PinAttempt::LockedOut { until };
        }
        if correct {
            self.failures = 0;
            self.locked_until = None;
            return PinAttempt::Accepted;
        }
        self.failures = self.failures.saturating_add(1);
        match lockout_for(self.failures) {
            Some(duration) => {
                let until = now + duration;
                self.locked_until = Some(until);
                PinAttempt::LockedOut { until }
            }
            None => PinAttempt::Refused {
                tries_left: FREE_TRIES - self.failures,
            },
        }
    }
}

/// Why a new PIN was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinRuleError {
    #[error("a PIN has {MIN_LENGTH} to {MAX_LENGTH} digits")]
    Length,
    #[error("a PIN has digits only")]
    NotDigits,
    #[error("a PIN of one repeated digit or a straight run is too easy to guess")]
    TooSimple,
    #[error("the new PIN must differ from the default PIN")]
    Default,
}

/// Checks a PIN staff want to set.
pub fn validate_new_pin(pin: &str) -> Result<(), PinRuleError> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinRuleError::NotDigits);
    }
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&pin.len()) {
        return Err(PinRuleError::Length);
    }
    if pin == DEFAULT_PIN {
        return Err(PinRuleError::Default);
    }
    let digits: Vec<i8> = pin.bytes().map(|b| (b - b'0') as i8).collect();
    let steps: Vec<i8> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    let uniform = steps.iter().all(|s| *s == steps[0]);
    if uniform && matches!(steps[0], -1..=1) {
        return Err(PinRuleError::TooSimple);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_guesses_then_a_growing_lockout() {
        let start = Instant::now();
        let mut guard = PinGuard::new(0, start);
        for left in (1..FREE_TRIES).rev() {
            assert_eq!(
                guard.record(false, start),
                PinAttempt::Refused { tries_left: left }
            );
        }
        let first = start + Duration::from_secs(30);
        assert_eq!(
            guard.record(false, start),
            PinAttempt::LockedOut { until: first }
        );
        assert!(!guard.may_try(start + Duration::from_secs(29)));
        // Entries during the lockout neither count nor extend it, and a right PIN is refused.
        assert_eq!(
            guard.record(true, start + Duration::from_secs(10)),
            PinAttempt::LockedOut { until: first }
        );
        assert_eq!(guard.failures(), 5);
        // After it, one more wrong guess locks at once, for twice as long.
        let later = first + Duration::from_secs(1);
        assert!(guard.may_try(later));
        assert_eq!(
            guard.record(false, later),
            PinAttempt::LockedOut {
                until: later + Duration::from_secs(60)
            }
        );
        let later = later + Duration::from_secs(61);
        assert_eq!(
            guard.record(false, later),
            PinAttempt::LockedOut {
                until: later + Duration::from_secs(120)
            }
        );
        // The right PIN after the lockout opens and resets the count.
        let later = later + Duration::from_secs(121);
        assert_eq!(guard.record(true, later), PinAttempt::Accepted);
        assert_eq!(guard.failures(), 0);
        assert_eq!(
            guard.record(false, later),
            PinAttempt::Refused { tries_left: 4 }
        );
    }

    #[test]
    fn lockout_is_capped_and_never_overflows() {
        assert_eq!(lockout_for(4), None);
        assert_eq!(lockout_for(5), Some(FIRST_LOCKOUT));
        assert_eq!(lockout_for(9), Some(Duration::from_secs(480)));
        assert_eq!(lockout_for(10), Some(MAX_LOCKOUT));
        assert_eq!(lockout_for(u32::MAX), Some(MAX_LOCKOUT));
    }

    #[test]
    fn a_restart_keeps_a_lockout() {
        let boot = Instant::now();
        let guard = PinGuard::new(6, boot);
        assert_eq!(
            guard.locked_until(boot),
            Some(boot + Duration::from_secs(60))
        );
        assert!(PinGuard::new(4, boot).may_try(boot));
    }

    #[test]
    fn new_pin_rules() {
        assert_eq!(validate_new_pin("2580"), Ok(()));
        assert_eq!(validate_new_pin("90817263"), Ok(()));
        assert_eq!(validate_new_pin("123"), Err(PinRuleError::Length));
        assert_eq!(validate_new_pin("123456789"), Err(PinRuleError::Length));
        assert_eq!(validate_new_pin("12a4"), Err(PinRuleError::NotDigits));
        assert_eq!(validate_new_pin("١٢٣٤"), Err(PinRuleError::NotDigits));
        assert_eq!(validate_new_pin(DEFAULT_PIN), Err(PinRuleError::Default));
        assert_eq!(validate_new_pin("7777"), Err(PinRuleError::TooSimple));
        assert_eq!(validate_new_pin("98765"), Err(PinRuleError::TooSimple));
        assert_eq!(validate_new_pin("3456"), Err(PinRuleError::TooSimple));
        assert_eq!(validate_new_pin("1357"), Ok(()));
    }
}
