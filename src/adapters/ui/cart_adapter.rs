use std::rc::Rc;

use countertop_core::{Cart, Currency, Language, Money, PricedLine, TaxMode};
use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::format::{format_money, format_percent, format_quantity};
use super::{CartAdapter, CartLine, MainWindow, TaxLine, TaxName};

/// What receipts call the tax in the currency's country: GST in Australia, New Zealand and
/// Singapore; VAT elsewhere. The language then words it (btw, moms, 增值税, 營業稅); see
/// docs/tax.md.
pub fn tax_name(currency: Currency) -> TaxName {
    match currency.code() {
        "AUD" | "NZD" | "SGD" => TaxName::Gst,
        _ => TaxName::Vat,
    }
}

/// The per-rate lines an inclusive cart shows under its total.
pub fn tax_lines(cart: &Cart, language: Language) -> Vec<TaxLine> {
    cart.tax_breakdown()
        .iter()
        .map(|group| TaxLine {
            rate: format_percent(group.rate_bp, language).into(),
            amount: format_money(group.tax, language).into(),
        })
        .collect()
}

pub fn map_line(line: &PricedLine, language: Language) -> CartLine {
    let format_money = |money: Money| format_money(money, language);
    let currency = line.gross.currency;
    CartLine {
        description: line.item.description.trim().into(),
        quantity: format_quantity(line.item.quantity_milli, language).into(),
        unit_price: format_money(line.item.unit_price).into(),
        amount: format_money(line.net).into(),
        discount: if line.item.discount_minor > 0 {
            format_money(Money::new(-line.item.discount_minor, currency)).into()
        } else {
            Default::default()
        },
    }
}

/// Updates the cart global. Rows are patched in place so that a one-line change at the POS
/// re-renders one row, not the whole list, and the shopper's scroll position is kept.
/// `shown` is the cart the rows were last set from, in this language (the previous view's):
/// lines equal to its lines are neither formatted nor compared again, so a one-line change in
/// a 1,000-line cart formats one line, not a thousand.
pub fn apply(
    window: &MainWindow,
    cart: &Cart,
    shown: Option<&Cart>,
    paid: Option<Money>,
    language: Language,
) {
    let format_money = |money: Money| format_money(money, language);
    let adapter = window.global::<CartAdapter>();
    let lines = adapter.get_lines();
    let model = match lines.as_any().downcast_ref::<VecModel<CartLine>>() {
        Some(_) => lines,
        None => {
            let fresh = ModelRc::from(Rc::new(VecModel::<CartLine>::default()));
            adapter.set_lines(fresh.clone());
            fresh
        }
    };
    let Some(rows) = model.as_any().downcast_ref::<VecModel<CartLine>>() else {
        return;
    };
    let shown = shown.map_or(&[][..], Cart::lines);
    for (index, line) in cart.lines().iter().enumerate() {
        if index < rows.row_count() && shown.get(index) == Some(line) {
            continue;
        }
        let mapped = map_line(line, language);
        if index < rows.row_count() {
            if rows.row_data(index).as_ref() != Some(&mapped) {
                rows.set_row_data(index, mapped);
            }
        } else {
            rows.push(mapped);
        }
    }
    while rows.row_count() > cart.lines().len() {
        rows.remove(rows.row_count() - 1);
    }
    adapter.set_item_count(i32::try_from(cart.item_count()).unwrap_or(i32::MAX));
    adapter.set_subtotal(format_money(cart.subtotal()).into());
    adapter.set_has_discount(!cart.discount().is_zero());
    adapter.set_discount(format_money(Money::new(-cart.discount().minor, cart.currency())).into());
    adapter.set_tax(format_money(cart.tax()).into());
    adapter.set_total(format_money(cart.total()).into());
    adapter.set_prices_include_tax(cart.tax_mode() == TaxMode::Inclusive);
    adapter.set_tax_name(tax_name(cart.currency()));
    let taxes = tax_lines(cart, language);
    if adapter.get_tax_lines().iter().ne(taxes.iter().cloned()) {
        adapter.set_tax_lines(ModelRc::new(VecModel::from(taxes)));
    }
    adapter.set_has_paid(paid.is_some());
    let paid = paid.unwrap_or(Money::zero(cart.currency()));
    adapter.set_paid(format_money(paid).into());
    // Never "left to pay" below zero, should the POS take lines off after a part was paid.
    let due = Money::new(
        cart.total().minor.saturating_sub(paid.minor).max(0),
        cart.currency(),
    );
    adapter.set_due(format_money(due).into());
}
