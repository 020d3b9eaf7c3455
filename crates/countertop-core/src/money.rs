//! Money as integer minor units tagged with an ISO 4217 currency. Never floating point:
//! a payment terminal must add up to the cent, every time.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency: three upper-case ASCII letters and the number of minor-unit digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Currencies the terminal knows. The exponent follows ISO 4217 except where card schemes settle
/// otherwise; unknown codes are refused rather than guessed, because a wrong exponent would
/// charge 100 times too much or too little.
const KNOWN: &[(&str, u8)] = &[
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("NOK", 2),
    ("NZD", 2),
    ("PLN", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("TWD", 2),
    ("USD", 2),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    #[error("amounts in {0} and {1} cannot be combined")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount is out of range")]
    Overflow,
    #[error("{0:?} is not an amount in this currency")]
    BadAmount(String),
}

impl Currency {
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        KNOWN
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(known, exponent)| {
                let b = known.as_bytes();
                Currency {
                    code: [b[0], b[1], b[2]],
                    exponent: *exponent,
                }
            })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.chars().take(8).collect()))
    }

    pub fn code(&self) -> &str {
        // Only built from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of digits after the decimal separator.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// How many minor units make one major unit (100 for EUR, 1 for JPY).
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }

    pub fn symbol(&self) -> &'static str {
        match self.code() {
            "EUR" => "€",
            "USD" | "AUD" | "CAD" | "NZD" | "SGD" | "HKD" => "$",
            "TWD" => "NT$",
            "GBP" => "£",
            "CNY" | "JPY" => "¥",
            "KRW" => "₩",
            "SEK" | "NOK" | "DKK" => "kr",
            "CHF" => "CHF",
            "PLN" => "zł",
            _ => "",
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(code: String) -> Result<Self, MoneyError> {
        Currency::from_code(&code)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units (cents) of one currency. May be negative (a discount line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Multiplies by `numerator / denominator`, rounding half away from zero. Used for
    /// quantities in thousandths and rates in basis points.
    pub fn mul_ratio(self, numerator: i64, denominator: i64) -> Result<Money, MoneyError> {
        if denominator <= 0 {
            return Err(MoneyError::Overflow);
        }
        let product = i128::from(self.minor) * i128::from(numerator);
        let den = i128::from(denominator);
        let half = den / 2;
        let rounded = if product >= 0 {
            (product + half) / den
        } else {
            (product - half) / den
        };
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// `basis_points / 10_000` of this amount (1500 bp = 15 %), rounded half up.
    pub fn percent_bp(self, basis_points: u32) -> Result<Money, MoneyError> {
        self.mul_ratio(i64::from(basis_points), 10_000)
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// Parses "12.50", "12.5" or "12" in this currency; more decimals than the currency has are
    /// refused rather than rounded.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let bad = || MoneyError::BadAmount(text.chars().take(32).collect());
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let exponent = usize::from(currency.exponent);
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > exponent
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<exponent$}")
                .parse()
                .map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(currency.minor_per_major())
            .and_then(|m| m.checked_add(fraction))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount as a plain decimal string without symbol or grouping ("1234.50", "-0.05",
    /// "1200" for JPY). Locale-aware formatting for shoppers lives in the UI layer.
    pub fn to_decimal_string(&self) -> String {
        let per = self.currency.minor_per_major();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if self.currency.exponent == 0 {
            return format!("{sign}{abs}");
        }
        let per = per as u64;
        format!(
            "{sign}{}.{:0width$}",
            abs / per,
            abs % per,
            width = usize::from(self.currency.exponent)
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::from_code("EUR").unwrap())
    }

    #[test]
    fn unknown_currency_is_refused() {
        assert!(matches!(
            Currency::from_code("XXX"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(Currency::from_code("eur").is_err());
    }

    #[test]
    fn decimal_strings_follow_the_exponent() {
        assert_eq!(eur(123_450).to_decimal_string(), "1234.50");
        assert_eq!(eur(-5).to_decimal_string(), "-0.05");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::new(1200, jpy).to_decimal_string(), "1200");
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let usd = Money::new(1, Currency::from_code("USD").unwrap());
        assert!(matches!(
            eur(1).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(..))
        ));
    }

    #[test]
    fn ratios_round_half_away_from_zero() {
        assert_eq!(eur(1000).percent_bp(1250).unwrap().minor, 125);
        assert_eq!(eur(5).mul_ratio(1, 2).unwrap().minor, 3);
        assert_eq!(eur(-5).mul_ratio(1, 2).unwrap().minor, -3);
        assert_eq!(eur(999).mul_ratio(333, 1000).unwrap().minor, 333);
    }

    #[test]
    fn decimal_amounts_parse_exactly() {
        let euro = Currency::from_code("EUR").unwrap();
        assert_eq!(Money::parse_decimal("12.5", euro), Ok(eur(1250)));
        assert_eq!(Money::parse_decimal("0.05", euro), Ok(eur(5)));
        assert_eq!(Money::parse_decimal("7", euro), Ok(eur(700)));
        assert!(Money::parse_decimal("1.234", euro).is_err());
        assert!(Money::parse_decimal("1,20", euro).is_err());
        assert!(Money::parse_decimal("", euro).is_err());
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::parse_decimal("1200", jpy).map(|m| m.minor), Ok(1200));
        assert!(Money::parse_decimal("1.5", jpy).is_err());
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MAX).mul_ratio(3, 1), Err(MoneyError::Overflow));
    }
}
