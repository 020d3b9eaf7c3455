//! Burn-in guard and night schedule: when the idle screen moves its content by a few pixels
//! and dims, and when it goes dark for the night. Pure: the monotonic time and the local time
//! of day are passed in, and `next_change` says when to look again, so the screen changes only
//! at those moments and draws nothing in between.

use std::fmt;
use std::time::{Duration, Instant};

/// Seconds in a day.
const DAY: u32 = 24 * 60 * 60;
/// A night edge is looked at again at least this often, so a clock set forward or back (or
/// a change to summer time) is noticed within minutes.
const EDGE_RECHECK: Duration = Duration::from_secs(10 * 60);

/// The positions the content steps through, in units of the shift distance: around the centre,
/// so each pixel row and column spends as much time in every place and none stays lit.
const PATTERN: [(i8, i8); 8] = [
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
];

/// A local time of day, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time of day; write it as HH:MM, 00:00 to 23:59")]
pub struct BadTimeOfDay(pub String);

impl TimeOfDay {
    /// `None` past the end of the day.
    pub fn from_hms(hours: u32, minutes: u32, seconds: u32) -> Option<TimeOfDay> {
        (hours < 24 && minutes < 60 && seconds < 60)
            .then_some(TimeOfDay(hours * 3600 + minutes * 60 + seconds))
    }

    /// "22:00", "7:30".
    pub fn parse(text: &str) -> Result<TimeOfDay, BadTimeOfDay> {
        let bad = || BadTimeOfDay(text.to_owned());
        let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
        let number = |s: &str| -> Result<u32, BadTimeOfDay> {
            if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        if minutes.len() != 2 {
            return Err(bad());
        }
        TimeOfDay::from_hms(number(hours)?, number(minutes)?, 0).ok_or_else(bad)
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    /// How long from `self` until the clock next shows `other` (a full day when they are equal).
    fn until(self, other: TimeOfDay) -> u32 {
        match (other.0 + DAY - self.0) % DAY {
            0 => DAY,
            s => s,
        }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 3600, self.0 / 60 % 60)
    }
}

/// The screen is off from `off` until `on`, local time (across midnight when `off` is later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NightSchedule {
    pub off: TimeOfDay,
    pub on: TimeOfDay,
}

impl NightSchedule {
    pub fn is_night(&self, now: TimeOfDay) -> bool {
        if self.off <= self.on {
            self.off <= now && now < self.on
        } else {
            now >= self.off || now < self.on
        }
    }

    /// Seconds until the screen should next go off or come on.
    fn until_next_edge(&self, now: TimeOfDay) -> u32 {
        now.until(self.off).min(now.until(self.on))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnInConfig {
    /// How long the idle screen stays as it is (since it came up or was last touched) before
    /// it starts moving and dims; at night, before it goes off.
    pub idle_after: Duration,
    /// How long the content stays in one place.
    pub shift_every: Duration,
    /// How far the content moves, in pixels, each way.
    pub shift_px: u8,
    /// How bright the guarded idle screen is, in percent of normal.
    pub dim_percent: u8,
    pub night: Option<NightSchedule>,
}

impl Default for BurnInConfig {
    fn default() -> Self {
        BurnInConfig {
            idle_after: Duration::from_secs(5 * 60),
            shift_every: Duration::from_secs(60),
            shift_px: 6,
            dim_percent: 60,
            night: None,
        }
    }
}

/// What the screen does to protect itself right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    /// Where the idle content is drawn, relative to its place, in pixels.
    pub offset_x: i32,
    pub offset_y: i32,
    /// Brightness of the content in percent (100: as it is).
    pub brightness_percent: u8,
    /// Night: nothing is shown (black; the backlight off where there is one).
    pub screen_off: bool,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            offset_x: 0,
            offset_y: 0,
            brightness_percent: 100,
            screen_off: false,
        }
    }
}

/// Tracks how long the idle screen has been left alone.
#[derive(Debug, Clone)]
pub struct BurnInGuard {
    config: BurnInConfig,
    /// Since when the idle screen has been up untouched; `None` while another screen is up.
    idle_since: Option<Instant>,
}

impl BurnInGuard {
    pub fn new(config: BurnInConfig) -> Self {
        BurnInGuard {
            config,
            idle_since: None,
        }
    }

    pub fn config(&self) -> &BurnInConfig {
        &self.config
    }

    /// A new screen came up (`idle`: it is the idle screen), or the shopper or staff touched
    /// the screen: everything shows as normal again, and the wait starts over.
    pub fn activity(&mut self, idle: bool, now: Instant) {
        self.idle_since = idle.then_some(now);
    }

    /// The idle screen is still up and `now` is later: keeps the time it came up.
    pub fn screen_shown(&mut self, idle: bool, now: Instant) {
        match (idle, self.idle_since) {
            (true, None) => self.idle_since = Some(now),
            (false, Some(_)) => self.idle_since = None,
            _ => {}
        }
    }

    pub fn protection(&self, now: Instant, local: TimeOfDay) -> Protection {
        let Some(since) = self.idle_since else {
            return Protection::default();
        };
        let Some(guarded_for) = now
            .checked_duration_since(since)
            .and_then(|idle| idle.checked_sub(self.config.idle_after))
        else {
            return Protection::default();
        };
        if self.config.night.is_some_and(|n| n.is_night(local)) {
            return Protection {
                screen_off: true,
                brightness_percent: 0,
                ..Protection::default()
            };
        }
        let (dx, dy) = PATTERN[(self.step(guarded_for) % PATTERN.len() as u64) as usize];
        let px = i32::from(self.config.shift_px);
        Protection {
            offset_x: i32::from(dx) * px,
            offset_y: i32::from(dy) * px,
            brightness_percent: self.config.dim_percent.min(100),
            screen_off: false,
        }
    }

    /// When `protection` may next differ; `None` while it cannot change by itself (another
    /// screen is up). Between now and then nothing on screen moves.
    pub fn next_change(&self, now: Instant, local: TimeOfDay) -> Option<Instant> {
        let since = self.idle_since?;
        let guarded_from = since + self.config.idle_after;
        if now < guarded_from {
            return Some(guarded_from);
        }
        let edge = self.config.night.map(|night| {
            let wait = Duration::from_secs(u64::from(night.until_next_edge(local)));
            now + wait.min(EDGE_RECHECK)
        });
        if self.config.night.is_some_and(|n| n.is_night(local)) {
            return edge;
        }
        let shift = (self.config.shift_every > Duration::ZERO).then(|| {
            let step = self.step(now - guarded_from);
            let next = u32::try_from(step + 1).unwrap_or(u32::MAX);
            guarded_from + self.config.shift_every.saturating_mul(next)
        });
        match (shift, edge) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn step(&self, guarded_for: Duration) -> u64 {
        if self.config.shift_every.is_zero() {
            return 0;
        }
        (guarded_for.as_millis() / self.config.shift_every.as_millis()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: u32, minutes: u32) -> TimeOfDay {
        TimeOfDay::from_hms(hours, minutes, 0).unwrap()
    }

    fn guard(night: Option<NightSchedule>) -> BurnInGuard {
        BurnInGuard::new(BurnInConfig {
            idle_after: Duration::from_secs(300),
            shift_every: Duration::from_secs(60),
            shift_px: 4,
            dim_percent: 50,
            night,
        })
    }

    #[test]
    fn times_of_day_parse_and_refuse_clearly() {
        assert_eq!(TimeOfDay::parse("22:00"), Ok(at(22, 0)));
        assert_eq!(TimeOfDay::parse("7:05"), Ok(at(7, 5)));
        for bad in [
            "24:00", "12:60", "12", "12:5", "-1:00", "ab:cd", "", "1:00:00",
        ] {
            let error = TimeOfDay::parse(bad).unwrap_err();
            assert!(error.to_string().contains("HH:MM"), "{bad}: {error}");
        }
        assert_eq!(at(7, 5).to_string(), "07:05");
    }

    #[test]
    fn the_night_spans_midnight_or_not() {
        let overnight = NightSchedule {
            off: at(22, 0),
            on: at(7, 0),
        };
        assert!(overnight.is_night(at(23, 0)) && overnight.is_night(at(3, 0)));
        assert!(overnight.is_night(at(22, 0)) && !overnight.is_night(at(7, 0)));
        assert!(!overnight.is_night(at(12, 0)));
        let afternoon = NightSchedule {
            off: at(13, 0),
            on: at(14, 0),
        };
        assert!(afternoon.is_night(at(13, 30)) && !afternoon.is_night(at(14, 30)));
        assert_eq!(overnight.until_next_edge(at(21, 0)), 3600);
        assert_eq!(overnight.until_next_edge(at(6, 0)), 3600);
    }

    #[test]
    fn the_idle_screen_is_left_alone_until_the_idle_time_has_passed() {
        let t0 = Instant::now();
        let mut g = guard(None);
        let noon = at(12, 0);
        assert_eq!(
            g.next_change(t0, noon),
            None,
            "no idle screen, nothing timed"
        );
        g.activity(true, t0);
        assert_eq!(
            g.protection(t0 + Duration::from_secs(299), noon),
            Protection::default()
        );
        assert_eq!(g.next_change(t0, noon), Some(t0 + Duration::from_secs(300)));
        let guarded = g.protection(t0 + Duration::from_secs(300), noon);
        assert_eq!((guarded.offset_x, guarded.offset_y), (4, 0));
        assert_eq!(guarded.brightness_percent, 50);
        assert!(!guarded.screen_off);
    }

    #[test]
    fn the_content_steps_once_a_shift_period_around_its_place_and_only_then() {
        let t0 = Instant::now();
        let mut g = guard(None);
        let noon = at(12, 0);
        g.activity(true, t0);
        let start = t0 + Duration::from_secs(300);
        let mut seen = Vec::new();
        let mut now = start;
        for _ in 0..PATTERN.len() {
            let p = g.protection(now, noon);
            seen.push((p.offset_x, p.offset_y));
            let next = g.next_change(now, noon).unwrap();
            assert_eq!(next - now, Duration::from_secs(60));
            // Nothing changes before the next step.
            assert_eq!(g.protection(next - Duration::from_millis(1), noon), p);
            assert_ne!(g.protection(next, noon), p);
            now = next;
        }
        let mut distinct = seen.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), PATTERN.len(), "{seen:?}");
        assert!(seen.iter().all(|(x, y)| x.abs() <= 4 && y.abs() <= 4));
        // After a full round it starts again.
        assert_eq!(g.protection(now, noon).offset_x, seen[0].0);
    }

    #[test]
    fn a_touch_or_another_screen_restores_the_screen_and_restarts_the_wait() {
        let t0 = Instant::now();
        let mut g = guard(None);
        let noon = at(12, 0);
        g.activity(true, t0);
        let later = t0 + Duration::from_secs(1000);
        assert_ne!(g.protection(later, noon), Protection::default());
        g.activity(true, later);
        assert_eq!(g.protection(later, noon), Protection::default());
        assert_eq!(
            g.next_change(later, noon),
            Some(later + Duration::from_secs(300))
        );
        g.activity(false, later);
        assert_eq!(
            g.protection(later + Duration::from_secs(9999), noon),
            Protection::default()
        );
        assert_eq!(g.next_change(later, noon), None);
        // The same idle screen shown again keeps its time; a new one starts it.
        g.screen_shown(true, later);
        g.screen_shown(true, later + Duration::from_secs(200));
        assert_eq!(
            g.next_change(later, noon),
            Some(later + Duration::from_secs(300))
        );
    }

    #[test]
    fn at_night_the_idle_screen_goes_off_and_comes_back_in_the_morning() {
        let t0 = Instant::now();
        let night = NightSchedule {
            off: at(22, 0),
            on: at(7, 0),
        };
        let mut g = guard(Some(night));
        g.activity(true, t0);
        let guarded = t0 + Duration::from_secs(300);
        let off = g.protection(guarded, at(23, 0));
        assert!(off.screen_off);
        assert_eq!(off.brightness_percent, 0);
        // Off, it waits for the morning (rechecking the clock now and then), not for shifts.
        assert_eq!(
            g.next_change(guarded, at(23, 0)),
            Some(guarded + EDGE_RECHECK)
        );
        assert_eq!(
            g.next_change(guarded, at(6, 58)),
            Some(guarded + Duration::from_secs(120))
        );
        assert!(!g.protection(guarded, at(7, 0)).screen_off);
        // In the evening the next shift or the night, whichever comes first.
        assert_eq!(
            g.next_change(guarded, at(21, 59)),
            Some(guarded + Duration::from_secs(60))
        );
        // A touch at night: on for the idle time, then off again.
        g.activity(true, guarded);
        assert_eq!(g.protection(guarded, at(23, 0)), Protection::default());
        assert!(
            g.protection(guarded + Duration::from_secs(300), at(23, 5))
                .screen_off
        );
        // A cart or a payment (another screen) always shows, night or not.
        g.activity(false, guarded);
        assert_eq!(
            g.protection(guarded + Duration::from_secs(9999), at(23, 0)),
            Protection::default()
        );
    }
}
