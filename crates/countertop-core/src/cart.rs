//! The shopper's cart as the POS describes it, validated and totalled by the terminal so the
//! screen can never show a total that does not add up.
//!
//! A cart's prices either exclude tax (the US and Canada: tax is added on top, per line) or
//! include it (shelf prices in the EU, the UK, Sweden, Australia, China: the total is the sum of
//! the lines exactly as sent, and the tax they contain is shown per rate). The rounding rules and
//! why are in docs/tax.md.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money, MoneyError};

/// Most lines a cart may hold: generous for a supermarket basket, small enough that a hostile
/// POS cannot exhaust the terminal's memory.
pub const MAX_LINES: usize = 2_000;
/// Longest description shown for one line, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 120;
/// Quantities are thousandths so that weighed goods (0.350 kg) need no floating point.
pub const QUANTITY_SCALE: u64 = 1_000;
const MAX_QUANTITY_MILLI: u64 = 1_000_000 * QUANTITY_SCALE;
const MAX_TAX_BP: u32 = 10_000;

/// Whether the line prices the POS sends already contain tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TaxMode {
    /// Tax is added on top of each line (US, Canada). The protocol's default, so POS apps
    /// written before the mode existed keep their totals.
    #[default]
    Exclusive,
    /// Prices include tax (VAT/GST countries): the total is what the lines say.
    Inclusive,
}

impl TaxMode {
    /// The mode for the protocol's `prices_include_tax` flag.
    pub fn from_prices_include_tax(prices_include_tax: bool) -> Self {
        if prices_include_tax {
            TaxMode::Inclusive
        } else {
            TaxMode::Exclusive
        }
    }

    pub fn prices_include_tax(self) -> bool {
        self == TaxMode::Inclusive
    }
}

/// The tax at one rate: for an inclusive cart the "incl. 9 % VAT €0.82" receipt line, for an
/// exclusive cart the tax added at that rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxGroup {
    pub rate_bp: u32,
    /// The lines at this rate after discounts: tax included for an inclusive cart, excluded for
    /// an exclusive one.
    pub amount: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("line {line}: the description is empty")]
    EmptyDescription { line: usize },
    #[error("line {line}: the description is longer than {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong { line: usize },
    #[error("line {line}: the quantity must be above zero and at most one million")]
    BadQuantity { line: usize },
    #[error("line {line}: the unit price must not be negative")]
    NegativePrice { line: usize },
    #[error("line {line}: the discount must be between zero and the line amount")]
    BadDiscount { line: usize },
    #[error("line {line}: the tax rate must be between 0 and 100 %")]
    BadTaxRate { line: usize },
    #[error("line {line}: currency {found} differs from the cart's {expected}")]
    MixedCurrency {
        line: usize,
        expected: Currency,
        found: Currency,
    },
    #[error("the cart has more than {MAX_LINES} lines")]
    TooManyLines,
    #[error("no line with id {0:?}")]
    NoSuchLine(String),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// One line as sent by the POS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// The POS's own id for the line, so it can update or remove it later.
    pub id: String,
    pub description: String,
    /// Thousandths of a unit: 2 pieces = 2000, 0.350 kg = 350.
    pub quantity_milli: u64,
    pub unit_price: Money,
    /// Amount taken off this line (positive number), already agreed at the POS.
    #[serde(default)]
    pub discount_minor: i64,
    /// Tax rate in basis points (2100 = 21 %): added on top of the discounted line amount in a
    /// tax-exclusive cart, contained in it in a tax-inclusive one.
    #[serde(default)]
    pub tax_rate_bp: u32,
}

/// A validated line with its computed amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub item: LineItem,
    /// quantity x unit price, before discount and tax.
    pub gross: Money,
    /// gross - discount: what the line costs before tax is added (exclusive cart) or with its
    /// tax in it (inclusive cart).
    pub net: Money,
    /// Exclusive cart: the tax added to this line. Inclusive cart: the tax this line contains,
    /// for information only; the cart's tax is rounded per rate, not per line (docs/tax.md).
    pub tax: Money,
}

impl PricedLine {
    /// What the line adds to the cart total.
    pub fn total(&self, mode: TaxMode) -> Result<Money, MoneyError> {
        match mode {
            TaxMode::Exclusive => self.net.checked_add(self.tax),
            TaxMode::Inclusive => Ok(self.net),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    currency: Currency,
    tax_mode: TaxMode,
    lines: Vec<PricedLine>,
    subtotal: Money,
    discount: Money,
    tax: Money,
    breakdown: Vec<TaxGroup>,
    total: Money,
}

impl Cart {
    /// An empty tax-exclusive cart.
    pub fn empty(currency: Currency) -> Self {
        Cart::empty_in(currency, TaxMode::Exclusive)
    }

    pub fn empty_in(currency: Currency, tax_mode: TaxMode) -> Self {
        let zero = Money::zero(currency);
        Cart {
            currency,
            tax_mode,
            lines: Vec::new(),
            subtotal: zero,
            discount: zero,
            tax: zero,
            breakdown: Vec::new(),
            total: zero,
        }
    }

    /// Builds a tax-exclusive cart from POS lines (see `from_items_in`).
    pub fn from_items(currency: Currency, items: Vec<LineItem>) -> Result<Self, CartError> {
        Cart::from_items_in(currency, TaxMode::Exclusive, items)
    }

    /// Builds a cart from POS lines, refusing the whole cart if any line is invalid: showing a
    /// partial cart would show the shopper a wrong total.
    pub fn from_items_in(
        currency: Currency,
        tax_mode: TaxMode,
        items: Vec<LineItem>,
    ) -> Result<Self, CartError> {
        if items.len() > MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        let lines = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| price_line(currency, tax_mode, index + 1, item))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cart = Cart::empty_in(currency, tax_mode);
        cart.lines = lines;
        cart.recompute()?;
        Ok(cart)
    }

    /// Adds a line, or replaces the line with the same id (quantity change at the POS).
    pub fn upsert(&mut self, item: LineItem) -> Result<(), CartError> {
        let position = self.lines.iter().position(|l| l.item.id == item.id);
        let line_no = position.map_or(self.lines.len() + 1, |p| p + 1);
        if position.is_none() && self.lines.len() >= MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        let priced = price_line(self.currency, self.tax_mode, line_no, item)?;
        let previous = match position {
            Some(p) => Some(std::mem::replace(&mut self.lines[p], priced)),
            None => {
                self.lines.push(priced);
                None
            }
        };
        if let Err(e) = self.recompute() {
            // Keep the cart exactly as it was: totals must always match the lines.
            match (position, previous) {
                (Some(p), Some(old)) => self.lines[p] = old,
                _ => {
                    self.lines.pop();
                }
            }
            self.recompute()?;
            return Err(e);
        }
        Ok(())
    }

    pub fn remove(&mut self, id: &str) -> Result<(), CartError> {
        let position = self
            .lines
            .iter()
            .position(|l| l.item.id == id)
            .ok_or_else(|| CartError::NoSuchLine(id.chars().take(64).collect()))?;
        self.lines.remove(position);
        self.recompute()
    }

    fn recompute(&mut self) -> Result<(), CartError> {
        let zero = Money::zero(self.currency);
        let (mut subtotal, mut discount) = (zero, zero);
        // Lines grouped by rate, in the order the rates first appear (a handful at most).
        let mut groups: Vec<TaxGroup> = Vec::new();
        for line in &self.lines {
            subtotal = subtotal.checked_add(line.gross)?;
            discount = discount.checked_add(Money::new(line.item.discount_minor, self.currency))?;
            let rate_bp = line.item.tax_rate_bp;
            let index = match groups.iter().position(|g| g.rate_bp == rate_bp) {
                Some(index) => index,
                None => {
                    groups.push(TaxGroup {
                        rate_bp,
                        amount: zero,
                        tax: zero,
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            group.amount = group.amount.checked_add(line.net)?;
            if self.tax_mode == TaxMode::Exclusive {
                group.tax = group.tax.checked_add(line.tax)?;
            }
        }
        if self.tax_mode == TaxMode::Inclusive {
            // Once per rate on the rate's gross sum: see docs/tax.md.
            for group in &mut groups {
                group.tax = contained_tax(group.amount, group.rate_bp)?;
            }
        }
        let mut tax = zero;
        for group in &groups {
            tax = tax.checked_add(group.tax)?;
        }
        let net = subtotal.checked_sub(discount)?;
        let total = match self.tax_mode {
            TaxMode::Exclusive => net.checked_add(tax)?,
            TaxMode::Inclusive => net,
        };
        groups.retain(|g| g.rate_bp > 0);
        groups.sort_by_key(|g| g.rate_bp);
        self.subtotal = subtotal;
        self.discount = discount;
        self.tax = tax;
        self.breakdown = groups;
        self.total = total;
        Ok(())
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
    pub fn tax_mode(&self) -> TaxMode {
        self.tax_mode
    }
    /// The tax per rate, lowest rate first; rates of 0 % are left out (nothing to declare).
    pub fn tax_breakdown(&self) -> &[TaxGroup] {
        &self.breakdown
    }
    pub fn lines(&self) -> &[PricedLine] {
        &self.lines
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    /// Sum of line gross amounts, before discounts and tax.
    pub fn subtotal(&self) -> Money {
        self.subtotal
    }
    pub fn discount(&self) -> Money {
        self.discount
    }
    /// Exclusive cart: the tax added on top. Inclusive cart: the tax the total contains.
    pub fn tax(&self) -> Money {
        self.tax
    }
    /// What the shopper pays: lines + tax (exclusive) or the lines as sent (inclusive).
    pub fn total(&self) -> Money {
        self.total
    }
    /// Number of items, counting a weighed line as one.
    pub fn item_count(&self) -> u64 {
        self.lines
            .iter()
            .map(|l| l.item.quantity_milli.div_ceil(QUANTITY_SCALE))
            .sum()
    }
}

/// The tax contained in an amount that includes it at `rate_bp`:
/// `gross * rate / (10000 + rate)`, rounded half away from zero to the minor unit.
pub fn contained_tax(gross: Money, rate_bp: u32) -> Result<Money, MoneyError> {
    let rate = i64::from(rate_bp);
    gross.mul_ratio(rate, 10_000 + rate)
}

fn price_line(
    currency: Currency,
    tax_mode: TaxMode,
    line: usize,
    item: LineItem,
) -> Result<PricedLine, CartError> {
    let description = item.description.trim();
    if description.is_empty() {
        return Err(CartError::EmptyDescription { line });
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(CartError::DescriptionTooLong { line });
    }
    if item.quantity_milli == 0 || item.quantity_milli > MAX_QUANTITY_MILLI {
        return Err(CartError::BadQuantity { line });
    }
    if item.unit_price.currency != currency {
        return Err(CartError::MixedCurrency {
            line,
            expected: currency,
            found: item.unit_price.currency,
        });
    }
    if item.unit_price.minor < 0 {
        return Err(CartError::NegativePrice { line });
    }
    if item.tax_rate_bp > MAX_TAX_BP {
        return Err(CartError::BadTaxRate { line });
    }
    let quantity =
        i64::try_from(item.quantity_milli).map_err(|_| CartError::BadQuantity { line })?;
    let gross = item.unit_price.mul_ratio(quantity, QUANTITY_SCALE as i64)?;
    if item.discount_minor < 0 || item.discount_minor > gross.minor {
        return Err(CartError::BadDiscount { line });
    }
    let net = gross.checked_sub(Money::new(item.discount_minor, currency))?;
    let tax = match tax_mode {
        TaxMode::Exclusive => net.percent_bp(item.tax_rate_bp)?,
        TaxMode::Inclusive => contained_tax(net, item.tax_rate_bp)?,
    };
    Ok(PricedLine {
        item,
        gross,
        net,
        tax,
    })
}

/// Formats a quantity in thousandths for display: "2", "0.35", "1.125".
pub fn format_quantity(quantity_milli: u64) -> String {
    let whole = quantity_milli / QUANTITY_SCALE;
    let frac = quantity_milli % QUANTITY_SCALE;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn item(id: &str, qty: u64, price: i64, discount: i64, tax: u32) -> LineItem {
        LineItem {
            id: id.into(),
            description: format!("Item {id}"),
            quantity_milli: qty,
            unit_price: Money::new(price, eur()),
            discount_minor: discount,
            tax_rate_bp: tax,
        }
    }

    #[test]
    fn totals_add_up_with_discount_and_tax() {
        let cart = Cart::from_items(
            eur(),
            vec![
                item("a", 2000, 250, 100, 2100),
                item("b", 350, 1299, 0, 900),
            ],
        )
        .unwrap();
        // a: 2 x 2.50 = 5.00, -1.00 = 4.00, tax 21 % = 0.84
        // b: 0.350 x 12.99 = 4.5465 -> 4.55, tax 9 % = 0.4095 -> 0.41
        assert_eq!(cart.subtotal().minor, 955);
        assert_eq!(cart.discount().minor, 100);
        assert_eq!(cart.tax().minor, 125);
        assert_eq!(cart.total().minor, 955 - 100 + 125);
        assert_eq!(cart.item_count(), 3);
    }

    #[test]
    fn an_inclusive_cart_totals_the_lines_as_sent_and_breaks_tax_down_per_rate() {
        let cart = Cart::from_items_in(
            eur(),
            TaxMode::Inclusive,
            vec![
                item("a", 2000, 340, 0, 900),
                item("b", 1000, 310, 0, 900),
                item("c", 1000, 590, 100, 2100),
            ],
        )
        .unwrap();
        // 9 %: 6.80 + 3.10 = 9.90 contains 9.90 x 9/109 = 0.8174 -> 0.82.
        // 21 %: 5.90 - 1.00 = 4.90 contains 4.90 x 21/121 = 0.8504 -> 0.85.
        assert_eq!(cart.total().minor, 680 + 310 + 490);
        assert_eq!(
            cart.tax_breakdown()
                .iter()
                .map(|g| (g.rate_bp, g.amount.minor, g.tax.minor))
                .collect::<Vec<_>>(),
            vec![(900, 990, 82), (2100, 490, 85)]
        );
        assert_eq!(cart.tax().minor, 82 + 85);
        assert_eq!(cart.tax_mode(), TaxMode::Inclusive);
    }

    #[test]
    fn inclusive_tax_is_rounded_once_per_rate_not_per_line() {
        // Three lines of €0.05 at 9 % each contain 0.0041 -> 0.00 when rounded per line, but
        // the €0.15 together contain 0.0124 -> 0.01.
        let items = (0..3)
            .map(|i| item(&i.to_string(), 1000, 5, 0, 900))
            .collect();
        let cart = Cart::from_items_in(eur(), TaxMode::Inclusive, items).unwrap();
        assert!(cart.lines().iter().all(|l| l.tax.minor == 0));
        assert_eq!(cart.tax().minor, 1);
        assert_eq!(cart.total().minor, 15);
    }

    #[test]
    fn an_exclusive_cart_groups_its_per_line_tax_by_rate() {
        let cart = Cart::from_items(
            eur(),
            vec![
                item("a", 1000, 1000, 0, 800),
                item("b", 1000, 1000, 0, 0),
                item("c", 1000, 333, 0, 800),
            ],
        )
        .unwrap();
        assert_eq!(
            cart.tax_breakdown()
                .iter()
                .map(|g| (g.rate_bp, g.amount.minor, g.tax.minor))
                .collect::<Vec<_>>(),
            vec![(800, 1333, 80 + 27)]
        );
        assert_eq!(cart.total().minor, 2333 + 107);
    }

    #[test]
    fn upserted_lines_follow_the_carts_mode() {
        let mut cart = Cart::empty_in(eur(), TaxMode::Inclusive);
        cart.upsert(item("a", 1000, 1090, 0, 900)).unwrap();
        assert_eq!(cart.total().minor, 1090);
        assert_eq!(cart.tax().minor, 90);
    }

    #[test]
    fn invalid_lines_are_refused_with_their_line_number() {
        let mut bad = item("x", 1000, 100, 0, 0);
        bad.description = "  ".into();
        assert_eq!(
            Cart::from_items(eur(), vec![item("a", 1000, 1, 0, 0), bad]),
            Err(CartError::EmptyDescription { line: 2 })
        );
        assert_eq!(
            Cart::from_items(eur(), vec![item("a", 0, 1, 0, 0)]),
            Err(CartError::BadQuantity { line: 1 })
        );
        assert_eq!(
            Cart::from_items(eur(), vec![item("a", 1000, 100, 101, 0)]),
            Err(CartError::BadDiscount { line: 1 })
        );
        assert_eq!(
            Cart::from_items(eur(), vec![item("a", 1000, -1, 0, 0)]),
            Err(CartError::NegativePrice { line: 1 })
        );
        let mut usd = item("a", 1000, 1, 0, 0);
        usd.unit_price = Money::new(1, Currency::from_code("USD").unwrap());
        assert!(matches!(
            Cart::from_items(eur(), vec![usd]),
            Err(CartError::MixedCurrency { line: 1, .. })
        ));
    }

    #[test]
    fn upsert_replaces_by_id_and_remove_recomputes() {
        let mut cart = Cart::empty(eur());
        cart.upsert(item("a", 1000, 500, 0, 0)).unwrap();
        cart.upsert(item("b", 1000, 200, 0, 0)).unwrap();
        cart.upsert(item("a", 3000, 500, 0, 0)).unwrap();
        assert_eq!(cart.lines().len(), 2);
        assert_eq!(cart.total().minor, 1700);
        cart.remove("a").unwrap();
        assert_eq!(cart.total().minor, 200);
        assert!(matches!(cart.remove("zz"), Err(CartError::NoSuchLine(_))));
    }

    #[test]
    fn a_failed_upsert_leaves_the_cart_unchanged() {
        let mut cart = Cart::empty(eur());
        cart.upsert(item("a", 1000, i64::MAX / 2, 0, 0)).unwrap();
        let before = cart.clone();
        assert!(
            cart.upsert(item("b", 1000, i64::MAX / 2 + 10, 0, 0))
                .is_err()
        );
        assert_eq!(cart, before);
    }

    #[test]
    fn too_many_lines_are_refused() {
        let items = (0..=MAX_LINES)
            .map(|i| item(&i.to_string(), 1000, 1, 0, 0))
            .collect();
        assert_eq!(Cart::from_items(eur(), items), Err(CartError::TooManyLines));
    }

    #[test]
    fn quantities_format_without_trailing_zeros() {
        assert_eq!(format_quantity(2000), "2");
        assert_eq!(format_quantity(350), "0.35");
        assert_eq!(format_quantity(1125), "1.125");
    }
}
