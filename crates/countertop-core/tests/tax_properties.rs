//! Random carts in both tax modes: whatever the lines, quantities, discounts and rates, the
//! screen's figures add up to the cent (docs/tax.md).

use countertop_core::{Cart, Currency, LineItem, Money, TaxMode};
use proptest::prelude::*;

/// Rates seen on real receipts (0, 6, 9, 12, 13, 20, 21, 25 %) and any other up to 100 %.
fn rate() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => prop::sample::select(vec![0u32, 600, 900, 1000, 1200, 1300, 2000, 2100, 2500]),
        1 => 0u32..=10_000,
    ]
}

fn line() -> impl Strategy<Value = (u64, i64, u8, u32)> {
    // Quantity in thousandths (weighed goods too), unit price, discount as a share of the line.
    (1u64..20_000, 0i64..500_000, 0u8..=100, rate())
}

fn items(currency: Currency, raw: &[(u64, i64, u8, u32)]) -> Vec<LineItem> {
    raw.iter()
        .enumerate()
        .map(
            |(i, &(quantity_milli, price, discount_share, tax_rate_bp))| {
                let unit_price = Money::new(price, currency);
                let gross = unit_price
                    .mul_ratio(quantity_milli as i64, 1_000)
                    .unwrap()
                    .minor;
                LineItem {
                    id: i.to_string(),
                    description: format!("Item {i}"),
                    quantity_milli,
                    unit_price,
                    discount_minor: gross * i64::from(discount_share) / 100,
                    tax_rate_bp,
                }
            },
        )
        .collect()
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["EUR", "SEK", "GBP", "AUD", "CNY", "USD", "JPY"])
        .prop_map(|code| Currency::from_code(code).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_inclusive_total_is_exactly_the_lines_as_sent(
        currency in currency(),
        raw in prop::collection::vec(line(), 1..40),
    ) {
        let cart = Cart::from_items_in(currency, TaxMode::Inclusive, items(currency, &raw)).unwrap();
        let sent: i64 = cart.lines().iter().map(|l| l.net.minor).sum();
        prop_assert_eq!(cart.total().minor, sent);
        // The sum of the lines as the shopper sees them is the total.
        let lines: i64 = cart
            .lines()
            .iter()
            .map(|l| l.total(TaxMode::Inclusive).unwrap().minor)
            .sum();
        prop_assert_eq!(lines, cart.total().minor);
        prop_assert_eq!(
            cart.subtotal().minor - cart.discount().minor,
            cart.total().minor
        );
    }

    #[test]
    fn the_inclusive_breakdown_never_exceeds_the_total_and_adds_up(
        currency in currency(),
        raw in prop::collection::vec(line(), 1..40),
    ) {
        let cart = Cart::from_items_in(currency, TaxMode::Inclusive, items(currency, &raw)).unwrap();
        let breakdown = cart.tax_breakdown();
        let tax: i64 = breakdown.iter().map(|g| g.tax.minor).sum();
        let taxed_amount: i64 = breakdown.iter().map(|g| g.amount.minor).sum();
        prop_assert_eq!(tax, cart.tax().minor);
        prop_assert!(tax >= 0);
        prop_assert!(tax <= cart.total().minor);
        prop_assert!(taxed_amount <= cart.total().minor);
        for group in breakdown {
            prop_assert!(group.rate_bp > 0);
            prop_assert!(group.tax.minor <= group.amount.minor);
            // Each rate's tax is its share of the gross, rounded once: within half a minor
            // unit of the exact fraction, so never a cent off.
            let exact_twice = 2 * i128::from(group.amount.minor) * i128::from(group.rate_bp);
            let den = i128::from(10_000 + group.rate_bp);
            let diff = (2 * i128::from(group.tax.minor) * den - exact_twice).abs();
            prop_assert!(diff <= den, "rate {} amount {} tax {}", group.rate_bp, group.amount.minor, group.tax.minor);
        }
        // Rates come once each, lowest first.
        prop_assert!(breakdown.windows(2).all(|w| w[0].rate_bp < w[1].rate_bp));
    }

    #[test]
    fn an_exclusive_total_is_the_lines_plus_their_tax(
        currency in currency(),
        raw in prop::collection::vec(line(), 1..40),
    ) {
        let cart = Cart::from_items_in(currency, TaxMode::Exclusive, items(currency, &raw)).unwrap();
        let lines: i64 = cart
            .lines()
            .iter()
            .map(|l| l.total(TaxMode::Exclusive).unwrap().minor)
            .sum();
        prop_assert_eq!(lines, cart.total().minor);
        prop_assert_eq!(
            cart.subtotal().minor - cart.discount().minor + cart.tax().minor,
            cart.total().minor
        );
        let breakdown_tax: i64 = cart.tax_breakdown().iter().map(|g| g.tax.minor).sum();
        prop_assert_eq!(breakdown_tax, cart.tax().minor);
    }

    #[test]
    fn the_same_lines_upserted_one_by_one_give_the_same_cart(
        currency in currency(),
        inclusive in any::<bool>(),
        raw in prop::collection::vec(line(), 1..20),
    ) {
        let mode = TaxMode::from_prices_include_tax(inclusive);
        let whole = Cart::from_items_in(currency, mode, items(currency, &raw)).unwrap();
        let mut built = Cart::empty_in(currency, mode);
        for item in items(currency, &raw) {
            built.upsert(item).unwrap();
        }
        prop_assert_eq!(built, whole);
    }
}
