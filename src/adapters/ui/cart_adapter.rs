use std::rc::Rc;

use countertop_core::{Cart, Language, Money, PricedLine};
use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::format::{format_money, format_quantity};
use super::{CartAdapter, CartLine, MainWindow};

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
pub fn apply(window: &MainWindow, cart: &Cart, language: Language) {
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
    for (index, line) in cart.lines().iter().enumerate() {
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
}
