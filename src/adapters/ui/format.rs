//! Money and percentages as the shopper reads them, in the language on screen. The patterns,
//! symbols and separators are CLDR's, through ICU4X's compiled data: "€1,234.50" in English,
//! "€ 1.234,50" in Dutch, "1 234,50 kr" in Swedish, "$1,234.50" for TWD in Taiwan.

use std::cell::RefCell;
use std::rc::Rc;

use countertop_core::{Language, Money};
use fixed_decimal::Decimal;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::percent::formatter::PercentFormatter;
use icu_locale_core::Locale;

/// Formatters are built once per language and currency and kept for the thread (the UI thread
/// formats every cart line on every change).
type Key = (Language, [u8; 3]);

/// Built formatters (or `None` where ICU4X has no data) by key.
type Cache<K, T> = RefCell<Vec<(K, Option<Rc<T>>)>>;

thread_local! {
    static CURRENCY: Cache<Key, CurrencyFormatter<DecimalFormatter>> = const { RefCell::new(Vec::new()) };
    static PERCENT: Cache<Language, PercentFormatter<DecimalFormatter>> = const { RefCell::new(Vec::new()) };
    static DECIMAL: Cache<Language, DecimalFormatter> = const { RefCell::new(Vec::new()) };
}

/// The formatter for `key` from `cache`, built by `build` the first time.
fn cached<K: PartialEq + Copy + 'static, T: 'static>(
    cache: &'static std::thread::LocalKey<Cache<K, T>>,
    key: K,
    build: impl FnOnce() -> Option<T>,
) -> Option<Rc<T>> {
    cache.with_borrow_mut(|cache| {
        if let Some((_, formatter)) = cache.iter().find(|(k, _)| *k == key) {
            return formatter.clone();
        }
        let built = build().map(Rc::new);
        cache.push((key, built.clone()));
        built
    })
}

fn locale(language: Language) -> Locale {
    // Every tag the core hands out is valid BCP 47.
    language.tag().parse().unwrap_or(Locale::UNKNOWN)
}

fn currency_formatter(
    language: Language,
    money: Money,
) -> Option<Rc<CurrencyFormatter<DecimalFormatter>>> {
    let code = money.currency.code();
    let key: Key = (language, code.as_bytes().try_into().ok()?);
    cached(&CURRENCY, key, || {
        let built = CurrencyType::try_from_str(code).ok().and_then(|currency| {
            CurrencyFormatter::try_new_symbol(
                (&locale(language)).into(),
                currency,
                Default::default(),
            )
            .ok()
        });
        if built.is_none() {
            tracing::warn!(%language, code, "no CLDR currency format; the ISO code is shown");
        }
        built
    })
}

/// The amount as a decimal: minor units shifted by the currency's exponent.
fn decimal(minor: i64, exponent: u8) -> Decimal {
    let mut value = Decimal::from(minor);
    value.multiply_pow10(-i16::from(exponent));
    value
}

/// "€1,234.50" (en), "€ 1.234,50" (nl), "1 234,50 kr" (sv), "¥1,234.50" (zh-CN, CNY).
pub fn format_money(money: Money, language: Language) -> String {
    let value = decimal(money.minor, money.currency.exponent());
    match currency_formatter(language, money) {
        Some(formatter) => formatter.format_fixed_decimal(&value).to_string(),
        None => format!("{} {}", money.currency.code(), money.to_decimal_string()),
    }
}

/// A cart quantity in thousandths as the language writes decimals: "2", "0.35" (en, zh),
/// "0,35" (nl, sv).
pub fn format_quantity(quantity_milli: u64, language: Language) -> String {
    let mut value = Decimal::from(quantity_milli);
    value.multiply_pow10(-3);
    value.absolute.trim_end();
    let formatter = cached(&DECIMAL, language, || {
        DecimalFormatter::try_new((&locale(language)).into(), Default::default()).ok()
    });
    match formatter {
        Some(formatter) => formatter.format(&value).to_string(),
        None => value.to_string(),
    }
}

/// "15%" (en, nl, zh), "15 %" (sv), "12.5%" from basis points.
pub fn format_percent(basis_points: u32, language: Language) -> String {
    let mut value = Decimal::from(basis_points);
    value.multiply_pow10(-2);
    value.absolute.trim_end();
    let formatter = cached(&PERCENT, language, || {
        PercentFormatter::try_new((&locale(language)).into(), Default::default()).ok()
    });
    match formatter {
        Some(formatter) => formatter.format(&value).to_string(),
        None => format!("{value} %"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countertop_core::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    /// CLDR puts no-break spaces where a line must not break; written visibly here.
    fn shown(text: String) -> String {
        text.replace(['\u{a0}', '\u{202f}'], " ")
    }

    #[test]
    fn money_follows_the_language_on_screen() {
        use Language::*;
        let cases = [
            (English, money(123_450, "EUR"), "€1,234.50"),
            (Dutch, money(123_450, "EUR"), "€ 1.234,50"),
            (Swedish, money(123_450, "SEK"), "1 234,50 kr"),
            (ChineseTraditional, money(123_450, "TWD"), "$1,234.50"),
            (ChineseSimplified, money(123_450, "CNY"), "¥1,234.50"),
            (English, money(-100, "EUR"), "-€1.00"),
            (Dutch, money(-100, "EUR"), "€ -1,00"),
            (Swedish, money(340, "EUR"), "3,40 €"),
            (English, money(1_200, "JPY"), "¥1,200"),
            (English, money(5, "USD"), "$0.05"),
            (Dutch, money(5, "USD"), "US$ 0,05"),
        ];
        for (language, amount, expected) in cases {
            assert_eq!(
                shown(format_money(amount, language)),
                expected,
                "{language} {amount:?}"
            );
        }
    }

    #[test]
    fn amounts_never_break_across_lines() {
        assert_eq!(
            format_money(money(123_450, "SEK"), Language::Swedish),
            "1\u{a0}234,50\u{a0}kr"
        );
    }

    #[test]
    fn quantities_use_the_language_s_decimal_separator() {
        assert_eq!(format_quantity(2_000, Language::English), "2");
        assert_eq!(format_quantity(350, Language::English), "0.35");
        assert_eq!(format_quantity(350, Language::Swedish), "0,35");
        assert_eq!(format_quantity(1_250, Language::Dutch), "1,25");
        assert_eq!(format_quantity(1_500, Language::ChineseSimplified), "1.5");
    }

    #[test]
    fn percentages_follow_the_language_and_drop_trailing_zeros() {
        assert_eq!(format_percent(1500, Language::English), "15%");
        assert_eq!(format_percent(1250, Language::English), "12.5%");
        assert_eq!(format_percent(1205, Language::Dutch), "12,05%");
        assert_eq!(shown(format_percent(1500, Language::Swedish)), "15 %");
        assert_eq!(format_percent(2000, Language::ChineseTraditional), "20%");
    }
}
