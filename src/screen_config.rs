//! The `[screen]` section: the idle screen's burn-in guard, the night schedule and where the
//! backlight is.

use std::path::PathBuf;
use std::time::Duration;

use countertop_core::{BurnInConfig, NightSchedule, TimeOfDay};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ScreenConfig {
    /// Seconds the idle screen stays as it is before it starts moving and dims (and, at night,
    /// before it goes off); counted again from every touch.
    pub guard_after_s: u64,
    /// Seconds the idle content stays in one place.
    pub shift_every_s: u64,
    /// How far the idle content moves each way, in pixels (at most 20).
    pub shift_px: u8,
    /// How bright the guarded idle screen is, in percent (10 to 100).
    pub dim_percent: u8,
    /// Local times between which the idle screen is off, e.g. `{ off = "22:00", on = "07:00" }`.
    pub night: Option<NightConfig>,
    /// Where the kernel lists backlights; the first one found is used.
    pub backlight_class_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NightConfig {
    pub off: String,
    pub on: String,
}

impl Default for ScreenConfig {
    fn default() -> Self {
        let d = BurnInConfig::default();
        ScreenConfig {
            guard_after_s: d.idle_after.as_secs(),
            shift_every_s: d.shift_every.as_secs(),
            shift_px: d.shift_px,
            dim_percent: d.dim_percent,
            night: None,
            backlight_class_dir: PathBuf::from(crate::adapters::backlight::CLASS_DIR),
        }
    }
}

impl ScreenConfig {
    /// Refuses values the screen cannot honour, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if self.shift_px > 20 {
            return Err("screen.shift_px: at most 20 pixels".into());
        }
        if !(10..=100).contains(&self.dim_percent) {
            return Err("screen.dim_percent: 10 to 100".into());
        }
        if self.shift_every_s == 0 {
            return Err("screen.shift_every_s: at least 1 second".into());
        }
        self.night_schedule().map(|_| ())
    }

    fn night_schedule(&self) -> Result<Option<NightSchedule>, String> {
        let Some(night) = &self.night else {
            return Ok(None);
        };
        let off = TimeOfDay::parse(&night.off).map_err(|e| format!("screen.night.off: {e}"))?;
        let on = TimeOfDay::parse(&night.on).map_err(|e| format!("screen.night.on: {e}"))?;
        if off == on {
            return Err("screen.night: off and on are the same time".into());
        }
        Ok(Some(NightSchedule { off, on }))
    }

    pub fn burn_in(&self) -> BurnInConfig {
        BurnInConfig {
            idle_after: Duration::from_secs(self.guard_after_s),
            shift_every: Duration::from_secs(self.shift_every_s.max(1)),
            shift_px: self.shift_px.min(20),
            dim_percent: self.dim_percent.clamp(10, 100),
            // Checked in `AppConfig::parse`; a config built in code with a bad night has none.
            night: self.night_schedule().ok().flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppConfig;
    use std::path::Path;

    #[test]
    fn the_night_schedule_and_guard_reach_the_core() {
        let text = "[screen]\nguard_after_s = 120\nshift_px = 3\nnight = { off = \"22:30\", on = \"06:45\" }\n";
        let config = AppConfig::parse(text, Path::new("c")).unwrap();
        let burn_in = config.screen.burn_in();
        assert_eq!(burn_in.idle_after, Duration::from_secs(120));
        assert_eq!(burn_in.shift_px, 3);
        let night = burn_in.night.unwrap();
        assert_eq!(
            (night.off.to_string(), night.on.to_string()),
            ("22:30".into(), "06:45".into())
        );
    }

    #[test]
    fn bad_screen_settings_are_refused_naming_the_key() {
        for (text, key) in [
            (
                "[screen]\nnight = { off = \"25:00\", on = \"07:00\" }\n",
                "screen.night.off",
            ),
            (
                "[screen]\nnight = { off = \"22:00\", on = \"7\" }\n",
                "screen.night.on",
            ),
            (
                "[screen]\nnight = { off = \"22:00\", on = \"22:00\" }\n",
                "screen.night",
            ),
            ("[screen]\nshift_px = 50\n", "screen.shift_px"),
            ("[screen]\ndim_percent = 0\n", "screen.dim_percent"),
            ("[screen]\nshift_every_s = 0\n", "screen.shift_every_s"),
        ] {
            let error = AppConfig::parse(text, Path::new("c")).unwrap_err();
            assert!(error.to_string().contains(key), "{text}: {error}");
        }
    }
}
