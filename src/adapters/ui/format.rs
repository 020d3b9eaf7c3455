//! Money and percentages as the shopper reads them.

use countertop_core::Money;

/// "€1,234.50", "−€1.00", "¥1,200". Locale-specific placement arrives with translations; this
/// is the neutral form used by the default (English) display.
pub fn format_money(money: Money) -> String {
    let decimal = money.to_decimal_string();
    let plain = decimal.trim_start_matches('-');
    let (whole, fraction) = match plain.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (plain, None),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let number = match fraction {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    };
    let sign = if money.minor < 0 { "−" } else { "" };
    let symbol = money.currency.symbol();
    if symbol.is_empty() {
        format!("{sign}{number} {}", money.currency.code())
    } else if symbol.chars().all(char::is_alphabetic) {
        // Word-like symbols ("kr", "CHF") follow the number.
        format!("{sign}{number} {symbol}")
    } else {
        format!("{sign}{symbol}{number}")
    }
}

/// "15 %", "12.5 %" from basis points.
pub fn format_percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    let rest = basis_points % 100;
    if rest == 0 {
        format!("{whole} %")
    } else {
        let digits = format!("{rest:02}");
        format!("{whole}.{} %", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countertop_core::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    #[test]
    fn money_reads_naturally() {
        assert_eq!(format_money(money(123_450, "EUR")), "€1,234.50");
        assert_eq!(format_money(money(-100, "EUR")), "−€1.00");
        assert_eq!(format_money(money(1_200, "JPY")), "¥1,200");
        assert_eq!(format_money(money(9_900, "SEK")), "99.00 kr");
        assert_eq!(format_money(money(5, "USD")), "$0.05");
    }

    #[test]
    fn percentages_drop_trailing_zeros() {
        assert_eq!(format_percent(1500), "15 %");
        assert_eq!(format_percent(1250), "12.5 %");
        assert_eq!(format_percent(1205), "12.05 %");
    }
}
