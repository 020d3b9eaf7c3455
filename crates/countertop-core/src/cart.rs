//! The shopper's cart as the POS describes it, validated and totalled by the terminal so the
//! screen can never show a total that does not add up.

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
    /// Tax rate in basis points (2100 = 21 %), added on top of the discounted line amount.
    #[serde(default)]
    pub tax_rate_bp: u32,
}

/// A validated line with its computed amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub item: LineItem,
    /// quantity x unit price, before discount and tax.
    pub gross: Money,
    /// gross - discount.
    pub net: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    currency: Currency,
    lines: Vec<PricedLine>,
    subtotal: Money,
    discount: Money,
    tax: Money,
    total: Money,
}

impl Cart {
    pub fn empty(currency: Currency) -> Self {
        let zero = Money::zero(currency);
        Cart {
            currency,
            lines: Vec::new(),
            subtotal: zero,
            discount: zero,
            tax: zero,
            total: zero,
        }
    }

    /// Builds a cart from POS lines, refusing the whole cart if any line is invalid: showing a
    /// partial cart would show the shopper a wrong total.
    pub fn from_items(currency: Currency, items: Vec<LineItem>) -> Result<Self, CartError> {
        if items.len() > MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        let lines = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| price_line(currency, index + 1, item))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cart = Cart::empty(currency);
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
        let priced = price_line(self.currency, line_no, item)?;
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
        let (mut subtotal, mut discount, mut tax) = (zero, zero, zero);
        for line in &self.lines {
            subtotal = subtotal.checked_add(line.gross)?;
            discount = discount.checked_add(Money::new(line.item.discount_minor, self.currency))?;
            tax = tax.checked_add(line.tax)?;
        }
        let total = subtotal.checked_sub(discount)?.checked_add(tax)?;
        self.subtotal = subtotal;
        self.discount = discount;
        self.tax = tax;
        self.total = total;
        Ok(())
    }

    pub fn currency(&self) -> Currency {
        self.currency
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
    pub fn tax(&self) -> Money {
        self.tax
    }
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

fn price_line(currency: Currency, line: usize, item: LineItem) -> Result<PricedLine, CartError> {
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
    let tax = net.percent_bp(item.tax_rate_bp)?;
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
