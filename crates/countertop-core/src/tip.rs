//! Tip options offered with a payment request and the shopper's choice among them.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// At most this many preset buttons of each kind fit the tip screen in both orientations.
pub const MAX_PRESETS: usize = 4;
/// A tip above this share of the amount is refused as a likely typing slip.
pub const MAX_TIP_BP: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TipOptions {
    /// Percentage presets in basis points (1500 = 15 %).
    #[serde(default)]
    pub percentages_bp: Vec<u32>,
    /// Fixed-amount presets in minor units of the payment currency.
    #[serde(default)]
    pub fixed_minor: Vec<i64>,
    /// Whether the shopper may type an amount (or a total including the tip).
    #[serde(default)]
    pub allow_custom: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TipChoice {
    NoTip,
    Percent(u32),
    Fixed(i64),
    Custom(i64),
    /// The shopper typed the total to pay; everything above the amount is the tip.
    TotalIncludingTip(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TipError {
    #[error("at most {MAX_PRESETS} presets of each kind are allowed")]
    TooManyPresets,
    #[error("a tip preset must be above zero and at most 100 %")]
    BadPreset,
    #[error("that tip option was not offered")]
    NotOffered,
    #[error("the tip cannot be negative")]
    Negative,
    #[error("the tip cannot be more than the amount itself")]
    TooLarge,
    #[error("the total cannot be less than the amount due")]
    TotalBelowAmount,
}

impl TipOptions {
    pub fn validate(&self, amount: Money) -> Result<(), TipError> {
        if self.percentages_bp.len() > MAX_PRESETS || self.fixed_minor.len() > MAX_PRESETS {
            return Err(TipError::TooManyPresets);
        }
        if self
            .percentages_bp
            .iter()
            .any(|&bp| bp == 0 || bp > MAX_TIP_BP)
        {
            return Err(TipError::BadPreset);
        }
        if self.fixed_minor.iter().any(|&m| m <= 0 || m > amount.minor) {
            return Err(TipError::BadPreset);
        }
        Ok(())
    }

    /// The preset buttons in screen order: percentages first, then fixed amounts.
    pub fn presets(&self) -> Vec<TipChoice> {
        let percent = self.percentages_bp.iter().map(|&bp| TipChoice::Percent(bp));
        percent
            .chain(self.fixed_minor.iter().map(|&m| TipChoice::Fixed(m)))
            .collect()
    }

    /// The tip a choice amounts to on `amount`, if the choice was offered.
    pub fn tip_for(&self, amount: Money, choice: TipChoice) -> Result<Money, TipError> {
        let tip_minor = match choice {
            TipChoice::NoTip => 0,
            TipChoice::Percent(bp) if self.percentages_bp.contains(&bp) => {
                amount.percent_bp(bp).map_err(|_| TipError::TooLarge)?.minor
            }
            TipChoice::Fixed(minor) if self.fixed_minor.contains(&minor) => minor,
            TipChoice::Custom(minor) if self.allow_custom => minor,
            TipChoice::TotalIncludingTip(total) if self.allow_custom => {
                if total < amount.minor {
                    return Err(TipError::TotalBelowAmount);
                }
                total - amount.minor
            }
            _ => return Err(TipError::NotOffered),
        };
        if tip_minor < 0 {
            return Err(TipError::Negative);
        }
        if tip_minor > amount.minor {
            return Err(TipError::TooLarge);
        }
        Ok(Money::new(tip_minor, amount.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::from_code("EUR").unwrap())
    }

    fn options() -> TipOptions {
        TipOptions {
            percentages_bp: vec![1000, 1500, 2000],
            fixed_minor: vec![100],
            allow_custom: true,
        }
    }

    #[test]
    fn every_tip_mode_computes_its_tip() {
        let o = options();
        let amount = eur(4_250);
        assert_eq!(o.tip_for(amount, TipChoice::NoTip).unwrap(), eur(0));
        assert_eq!(
            o.tip_for(amount, TipChoice::Percent(1500)).unwrap(),
            eur(638)
        );
        assert_eq!(o.tip_for(amount, TipChoice::Fixed(100)).unwrap(), eur(100));
        assert_eq!(o.tip_for(amount, TipChoice::Custom(321)).unwrap(), eur(321));
        assert_eq!(
            o.tip_for(amount, TipChoice::TotalIncludingTip(5_000))
                .unwrap(),
            eur(750)
        );
    }

    #[test]
    fn choices_that_were_not_offered_or_are_absurd_are_refused() {
        let o = TipOptions {
            allow_custom: false,
            ..options()
        };
        let amount = eur(1_000);
        assert_eq!(
            o.tip_for(amount, TipChoice::Percent(1800)),
            Err(TipError::NotOffered)
        );
        assert_eq!(
            o.tip_for(amount, TipChoice::Custom(5)),
            Err(TipError::NotOffered)
        );
        let o = options();
        assert_eq!(
            o.tip_for(amount, TipChoice::Custom(-1)),
            Err(TipError::Negative)
        );
        assert_eq!(
            o.tip_for(amount, TipChoice::Custom(1_001)),
            Err(TipError::TooLarge)
        );
        assert_eq!(
            o.tip_for(amount, TipChoice::TotalIncludingTip(999)),
            Err(TipError::TotalBelowAmount)
        );
    }

    #[test]
    fn presets_come_in_screen_order() {
        assert_eq!(
            options().presets(),
            vec![
                TipChoice::Percent(1000),
                TipChoice::Percent(1500),
                TipChoice::Percent(2000),
                TipChoice::Fixed(100)
            ]
        );
    }

    #[test]
    fn presets_are_validated() {
        let amount = eur(1_000);
        assert!(options().validate(amount).is_ok());
        let too_many = TipOptions {
            percentages_bp: vec![1, 2, 3, 4, 5],
            ..Default::default()
        };
        assert_eq!(too_many.validate(amount), Err(TipError::TooManyPresets));
        let zero = TipOptions {
            percentages_bp: vec![0],
            ..Default::default()
        };
        assert_eq!(zero.validate(amount), Err(TipError::BadPreset));
    }
}
