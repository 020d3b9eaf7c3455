//! Headless UI tests: the real .slint UI on Slint's testing backend, driven through the views
//! the real core produces, checked by accessible label, and touched with synthetic pointers.

mod common;

use common::window;
use std::time::Duration;

use countertop::adapters::ui::{
    CartAdapter, MainWindow, PaymentAdapter, SettingsAdapter, StatusAdapter, apply, format_money,
    wire,
};
use countertop::config::AppConfig;
use countertop::demo::sample_views;
use countertop::messages::UiCommand;
use countertop::view::{DisplaySettings, PairingInfo, ViewState};
use countertop_core::{
    Cart, Currency, Input, Language, LineItem, LinkState, Money, Screen, Terminal, TerminalConfig,
};
use i_slint_backend_testing::{ElementHandle, mock_elapsed_time};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

fn find(window: &MainWindow, label: &str) -> Option<ElementHandle> {
    ElementHandle::find_by_accessible_label(window, label).next()
}

/// The value of the element with this label that carries one (a label text may share it).
fn value_of(window: &MainWindow, label: &str) -> Option<String> {
    ElementHandle::find_by_accessible_label(window, label)
        .find_map(|e| e.accessible_value())
        .map(|v| v.to_string())
}

fn view(name: &str) -> ViewState {
    sample_views(&AppConfig::default())
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no sample view {name}"))
}

fn drag(window: &MainWindow, from: (f32, f32), to: (f32, f32)) {
    let w = window.window();
    let button = PointerEventButton::Left;
    w.dispatch_event(WindowEvent::PointerPressed {
        position: LogicalPosition::new(from.0, from.1),
        button,
    });
    let steps = 12;
    for i in 1..=steps {
        let t = i as f32 / steps as f32;
        mock_elapsed_time(Duration::from_millis(16));
        let position =
            LogicalPosition::new(from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
        w.dispatch_event(WindowEvent::PointerMoved { position });
    }
    // Hold still before lifting the finger, so the list stops where the finger stopped
    // instead of flinging on.
    mock_elapsed_time(Duration::from_millis(400));
    w.dispatch_event(WindowEvent::PointerMoved {
        position: LogicalPosition::new(to.0, to.1),
    });
    mock_elapsed_time(Duration::from_millis(16));
    w.dispatch_event(WindowEvent::PointerReleased {
        position: LogicalPosition::new(to.0, to.1),
        button,
    });
    // Let any fling come to rest.
    for _ in 0..200 {
        mock_elapsed_time(Duration::from_millis(16));
    }
}

#[test]
fn each_state_shows_its_screen_and_nothing_else() {
    let w = window(1280.0, 800.0);

    apply(&w, None, &view("idle"));
    assert!(find(&w, "Standby image").is_some());
    assert!(find(&w, "Accepted payment methods").is_some());
    assert!(find(&w, "Visa").is_some());
    assert!(find(&w, "Corner Café").is_some());
    assert!(find(&w, "Waiting for the POS…").is_none());

    apply(&w, None, &view("idle-waiting"));
    assert!(find(&w, "Waiting for the POS…").is_some());

    apply(&w, None, &view("pairing"));
    assert!(find(&w, "Pairing QR code").is_some());
    assert!(find(&w, "Terminal ID: CT-0001").is_some());

    let cart_view = view("cart");
    let Screen::Cart { cart, .. } = &cart_view.screen else {
        panic!("sample cart view is not a cart")
    };
    apply(&w, None, &cart_view);
    assert_eq!(
        value_of(&w, "Total").as_deref(),
        Some(format_money(cart.total(), Language::English).as_str())
    );
    assert!(find(&w, "Sourdough loaf").is_some());
    assert!(find(&w, "Standby image").is_none());

    // Euro prices include VAT: no "Tax" line on top, the VAT in the total per rate under it.
    let two_rates = view("cart-two-rates");
    let Screen::Cart {
        cart: two_rate_cart,
        ..
    } = &two_rates.screen
    else {
        panic!("sample two-rate view is not a cart")
    };
    apply(&w, Some(&cart_view), &two_rates);
    assert_eq!(two_rate_cart.tax_breakdown().len(), 2);
    assert!(value_of(&w, "Tax").is_none());
    for (label, group) in ["incl. 9% VAT", "incl. 21% VAT"]
        .into_iter()
        .zip(two_rate_cart.tax_breakdown())
    {
        assert_eq!(
            value_of(&w, label).as_deref(),
            Some(format_money(group.tax, Language::English).as_str()),
            "{label}"
        );
    }

    // A payment for part of the cart says so, with what remains.
    let partial = view("card-partial");
    let Screen::AwaitingCard {
        remaining: Some(remaining),
        ..
    } = &partial.screen
    else {
        panic!("sample partial payment has nothing remaining")
    };
    apply(&w, Some(&two_rates), &partial);
    assert!(find(&w, "To pay now").is_some());
    let still = format!(
        "Still to pay after this payment: {}",
        format_money(*remaining, Language::English)
    );
    assert!(find(&w, &still).is_some(), "{still}");

    // Once that part is approved the cart shows what was paid and what is left.
    let part_paid = view("cart-part-paid");
    let Screen::Cart {
        cart: owed,
        paid: Some(paid),
    } = &part_paid.screen
    else {
        panic!("sample part-paid view is not a part-paid cart")
    };
    apply(&w, Some(&partial), &part_paid);
    assert_eq!(
        value_of(&w, "Already paid"),
        Some(format_money(*paid, Language::English))
    );
    assert_eq!(
        value_of(&w, "Left to pay"),
        Some(format_money(
            Money::new(owed.total().minor - paid.minor, paid.currency),
            Language::English
        ))
    );

    apply(&w, None, &view("tip"));
    assert!(find(&w, "15%").is_some());
    assert!(find(&w, "No tip").is_some());

    let card = view("card");
    let Screen::AwaitingCard { total, tip, .. } = card.screen else {
        panic!("not a card prompt")
    };
    assert_eq!(total.minor, cart.total().minor + tip.minor);
    apply(&w, None, &card);
    assert_eq!(
        value_of(&w, "Total to pay"),
        Some(format_money(total, Language::English))
    );
    assert!(find(&w, "The card could not be read. Please try again.").is_none());
    apply(&w, None, &view("card-read-failed"));
    assert!(find(&w, "The card could not be read. Please try again.").is_some());

    apply(&w, None, &view("processing"));
    assert_eq!(
        w.global::<StatusAdapter>().get_screen(),
        countertop::adapters::ui::Screen::Processing
    );
    assert!(find(&w, "Mastercard •••• 9995").is_some());

    apply(&w, None, &view("declined"));
    assert_eq!(value_of(&w, "Payment result").as_deref(), Some("Declined"));
    assert_eq!(
        value_of(&w, "Result details").as_deref(),
        Some("Insufficient funds. Please use another card.")
    );

    apply(&w, None, &view("approved"));
    assert_eq!(value_of(&w, "Payment result").as_deref(), Some("Approved"));
    assert!(find(&w, "Visa •••• 4242 · Authorization 482913").is_some());

    apply(&w, None, &view("post-payment"));
    assert_eq!(
        value_of(&w, "Message from the shop").as_deref(),
        Some("Thank you for shopping with us!")
    );

    apply(&w, None, &view("undocked"));
    assert!(find(&w, "Place the terminal in its dock").is_some());
    for store_data in [
        "Corner Café",
        "Total",
        "Standby image",
        "Accepted payment methods",
        "Total to pay",
    ] {
        assert!(
            find(&w, store_data).is_none(),
            "{store_data} is visible while undocked"
        );
    }
}

#[test]
fn tapping_a_tip_button_sends_that_preset_to_the_orchestrator() {
    let w = window(800.0, 1280.0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    wire(&w, tx);
    apply(&w, None, &view("tip"));
    find(&w, "15%")
        .expect("15% button")
        .mock_single_click(PointerEventButton::Left);
    assert_eq!(rx.try_recv(), Ok(UiCommand::TipPreset(1)));
    find(&w, "No tip")
        .expect("no tip button")
        .mock_single_click(PointerEventButton::Left);
    assert_eq!(rx.try_recv(), Ok(UiCommand::NoTip));
    find(&w, "Cancel payment")
        .expect("cancel")
        .mock_single_click(PointerEventButton::Left);
    assert_eq!(rx.try_recv(), Ok(UiCommand::CancelPayment));
    assert!(rx.try_recv().is_err());
    // The callbacks are wired to the global the pages use.
    w.global::<PaymentAdapter>().invoke_tip_chosen(0);
    assert_eq!(rx.try_recv(), Ok(UiCommand::TipPreset(0)));
}

fn long_cart_view(lines: usize) -> ViewState {
    let eur = Currency::from_code("EUR").unwrap();
    let items = (1..=lines)
        .map(|i| LineItem {
            id: i.to_string(),
            description: format!("Line {i}"),
            quantity_milli: 1_000,
            unit_price: Money::new(100 + i as i64, eur),
            discount_minor: 0,
            tax_rate_bp: 0,
        })
        .collect();
    let mut t = Terminal::new(TerminalConfig::default(), LinkState::Connected);
    t.handle(
        Input::CartReplaced(Cart::from_items(eur, items).unwrap()),
        std::time::Instant::now(),
    )
    .unwrap();
    ViewState::of(
        &t,
        &DisplaySettings::from_config(&AppConfig::default()),
        &PairingInfo::default(),
    )
}

#[test]
fn one_finger_drag_scrolls_a_200_line_cart() {
    let w = window(1280.0, 800.0);
    apply(&w, None, &long_cart_view(200));
    let first = find(&w, "Line 1").expect("first line visible");
    let y_before = first.absolute_position().y;
    assert!(find(&w, "Line 12").is_none_or(|e| e.absolute_position().y > 800.0));

    drag(&w, (400.0, 650.0), (400.0, 150.0));

    let moved = find(&w, "Line 1").map_or(f32::NEG_INFINITY, |e| e.absolute_position().y);
    assert!(
        moved < y_before - 300.0,
        "line 1 went from {y_before} to {moved}"
    );
    let visible: Vec<String> = (1..=30)
        .filter_map(|i| {
            find(&w, &format!("Line {i}")).map(|e| format!("{i}@{}", e.absolute_position().y))
        })
        .collect();
    let line12 =
        find(&w, "Line 12").unwrap_or_else(|| panic!("line 12 not in view; visible: {visible:?}"));
    let y12 = line12.absolute_position().y;
    assert!((0.0..800.0).contains(&y12), "line 12 at {y12}");

    // The list followed the finger exactly.
    // The list followed the finger (500 px), give or take the last bit of momentum.
    let scrolled = y_before + 11.0 * 88.0 - y12;
    assert!(
        (450.0..600.0).contains(&scrolled),
        "scrolled {scrolled} px for a 500 px drag"
    );

    // Dragging back down returns to the top, and no further.
    drag(&w, (400.0, 150.0), (400.0, 750.0));
    let back = find(&w, "Line 1")
        .expect("line 1 back in view")
        .absolute_position()
        .y;
    assert!(
        (back - y_before).abs() < 1.0,
        "line 1 at {back}, started at {y_before}"
    );
}

#[test]
fn a_swipe_from_the_right_edge_opens_the_settings_panel() {
    let w = window(1280.0, 800.0);
    apply(&w, None, &view("idle"));
    let settings = w.global::<SettingsAdapter>();

    // A swipe that starts away from the edge does nothing.
    drag(&w, (700.0, 400.0), (400.0, 400.0));
    assert!(!settings.get_open());

    drag(&w, (1276.0, 400.0), (1000.0, 400.0));
    assert!(settings.get_open());
    assert!(find(&w, "Close settings").is_some());

    find(&w, "Close settings")
        .unwrap()
        .mock_single_click(PointerEventButton::Left);
    assert!(!settings.get_open());

    // Tapping the dimmed shopper screen beside the panel closes it too.
    mock_elapsed_time(Duration::from_millis(500)); // the panel has slid away
    drag(&w, (1276.0, 300.0), (900.0, 300.0));
    assert!(settings.get_open());
    let w_ = w.window();
    let at = LogicalPosition::new(100.0, 400.0);
    w_.dispatch_event(WindowEvent::PointerPressed {
        position: at,
        button: PointerEventButton::Left,
    });
    w_.dispatch_event(WindowEvent::PointerReleased {
        position: at,
        button: PointerEventButton::Left,
    });
    assert!(!settings.get_open());
}

#[test]
fn the_same_view_twice_changes_nothing_and_cart_edits_patch_rows() {
    let w = window(1280.0, 800.0);
    let v = long_cart_view(5);
    apply(&w, None, &v);
    let lines = w.global::<CartAdapter>().get_lines();
    apply(&w, Some(&v), &v);
    let again = w.global::<CartAdapter>().get_lines();
    // The same model object is kept: rows are patched, never rebuilt.
    assert!(lines == again);
    use slint::Model;
    assert_eq!(again.row_count(), 5);
    let shorter = long_cart_view(3);
    apply(&w, Some(&v), &shorter);
    assert_eq!(w.global::<CartAdapter>().get_lines().row_count(), 3);
}

#[test]
fn a_typed_tip_and_a_typed_total_reach_the_orchestrator() {
    let w = window(1280.0, 800.0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    wire(&w, tx);
    let tip = view("tip");
    let Screen::TipSelection { amount, .. } = &tip.screen else {
        panic!("not the tip screen")
    };
    let amount = amount.minor;
    apply(&w, None, &tip);
    let press = |label: &str| {
        find(&w, label)
            .unwrap_or_else(|| panic!("no {label:?}"))
            .mock_single_click(PointerEventButton::Left)
    };

    press("Other amount");
    for key in ["3", "5", "0"] {
        press(key);
    }
    assert_eq!(value_of(&w, "Typed amount").as_deref(), Some("€3.50"));
    press("⌫");
    press("0");
    press("Confirm");
    assert_eq!(rx.try_recv(), Ok(UiCommand::CustomTip(350)));

    // Back to the presets, then the total: 60.00 on a 49.67 bill.
    press("Back");
    press("Enter total");
    for key in ["6", "0", "00"] {
        press(key);
    }
    assert_eq!(value_of(&w, "Typed amount").as_deref(), Some("€60.00"));
    assert!(6_000 > amount);
    press("Confirm");
    assert_eq!(rx.try_recv(), Ok(UiCommand::TotalWithTip(6_000)));
    assert!(rx.try_recv().is_err());
}

#[test]
fn the_merchant_idle_image_is_shown_and_a_damaged_one_falls_back_to_the_default() {
    use countertop::adapters::ui::DisplayAdapter;
    let w = window(1280.0, 800.0);
    let dir = std::env::temp_dir().join(format!("countertop-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("shop.png");
    image::RgbaImage::from_pixel(320, 200, image::Rgba([200, 40, 40, 255]))
        .save(&good)
        .unwrap();
    let damaged = dir.join("damaged.png");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 3]).unwrap();

    let mut idle = view("idle");
    idle.display.idle_image = Some(good);
    apply(&w, None, &idle);
    assert!(w.global::<DisplayAdapter>().get_has_idle_image());
    assert_eq!(
        w.global::<DisplayAdapter>().get_idle_image().size().width,
        320
    );

    let mut broken = idle.clone();
    broken.display.idle_image = Some(damaged);
    apply(&w, Some(&idle), &broken);
    assert!(!w.global::<DisplayAdapter>().get_has_idle_image());
    assert!(
        find(&w, "Standby image").is_some(),
        "the built-in picture stands in"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_screens_switch_language_and_money_follows() {
    let w = window(1280.0, 800.0);
    let idle = view("idle");
    apply(&w, None, &idle);
    assert!(find(&w, "Welcome").is_some());

    let dutch = ViewState {
        language: Language::Dutch,
        ..idle.clone()
    };
    apply(&w, Some(&idle), &dutch);
    assert!(find(&w, "Welkom").is_some(), "the idle screen speaks Dutch");
    assert!(find(&w, "Welcome").is_none());

    // A payment's screens in Dutch, money as the Dutch write it.
    let tip = ViewState {
        language: Language::Dutch,
        ..view("tip")
    };
    apply(&w, Some(&dutch), &tip);
    let Screen::TipSelection { amount, .. } = &tip.screen else {
        panic!("not the tip screen")
    };
    let due = format_money(*amount, Language::Dutch);
    assert!(due.starts_with("€\u{a0}") && due.contains(','), "{due}");
    // The keypad formats what is typed through the Rust formatter, in the language on screen.
    w.global::<PaymentAdapter>().set_tip_entry(1);
    assert_eq!(
        value_of(&w, "Ingevoerd bedrag").as_deref(),
        Some("€\u{a0}0,00")
    );
    w.global::<PaymentAdapter>().set_tip_entry(0);

    let card = ViewState {
        language: Language::ChineseTraditional,
        ..view("card")
    };
    apply(&w, Some(&tip), &card);
    let Screen::AwaitingCard { total, .. } = &card.screen else {
        panic!("not the card prompt")
    };
    assert_eq!(
        value_of(&w, "應付總額"),
        Some(format_money(*total, Language::ChineseTraditional))
    );

    // Back to English: the sentences and the money format return.
    apply(&w, Some(&card), &view("card"));
    assert_eq!(
        value_of(&w, "Total to pay"),
        Some(format_money(*total, Language::English))
    );
    assert!(format_money(*total, Language::English).starts_with('€'));
}

/// Each shopper screen's primary information (amounts above all) and every control carry an
/// accessible label, so a screen reader and the device rig find them; the same in high
/// contrast with large text, which changes the look and nothing a label says.
#[test]
fn shopper_screens_label_their_information_and_controls_in_every_look() {
    use countertop::adapters::ui::AccessibilityAdapter;
    use i_slint_backend_testing::{AccessibleRole, ElementQuery};
    let w = window(1280.0, 800.0);
    // (screen, labels that must be there, of which those that carry a value)
    let primary: [(&str, &[&str], &[&str]); 11] = [
        (
            "idle",
            &["Corner Café", "Standby image", "Accepted payment methods"],
            &[],
        ),
        ("pairing", &["Pairing QR code"], &[]),
        (
            "cart",
            &["Cart items", "Total", "Sourdough loaf"],
            &["Total"],
        ),
        (
            "tip",
            &[
                "15%",
                "No tip",
                "Other amount",
                "Enter total",
                "Cancel payment",
            ],
            &[],
        ),
        ("card", &["Total to pay"], &["Total to pay"]),
        ("processing", &["Amount"], &["Amount"]),
        (
            "wallet",
            &["Wallet payment QR code", "Amount to pay"],
            &["Amount to pay"],
        ),
        (
            "approved",
            &["Payment result", "Amount"],
            &["Payment result", "Amount"],
        ),
        (
            "declined",
            &["Payment result", "Amount", "Result details"],
            &["Payment result", "Amount", "Result details"],
        ),
        (
            "post-payment",
            &["Thank you!", "Message from the shop"],
            &["Message from the shop"],
        ),
        ("undocked", &["Place the terminal in its dock"], &[]),
    ];
    for (high_contrast, large_text) in [(false, false), (true, true)] {
        for (name, labels, valued) in primary {
            let mut shown = view(name);
            shown.display.high_contrast = high_contrast;
            shown.display.large_text = large_text;
            apply(&w, None, &shown);
            let accessibility = w.global::<AccessibilityAdapter>();
            assert_eq!(accessibility.get_high_contrast(), high_contrast);
            assert_eq!(accessibility.get_large_text(), large_text);
            let look = if high_contrast {
                "high contrast"
            } else {
                "standard"
            };
            for label in labels {
                assert!(find(&w, label).is_some(), "{name} ({look}): no {label:?}");
            }
            for label in valued {
                assert!(
                    value_of(&w, label).is_some_and(|v| !v.trim().is_empty()),
                    "{name} ({look}): {label:?} has no value"
                );
            }
            let unlabelled: Vec<_> = ElementQuery::from_root(&w)
                .match_descendants()
                .match_predicate(|e| {
                    matches!(
                        e.accessible_role(),
                        Some(
                            AccessibleRole::Button
                                | AccessibleRole::Tab
                                | AccessibleRole::Switch
                                | AccessibleRole::TextInput
                        )
                    ) && e.accessible_label().is_none_or(|l| l.trim().is_empty())
                })
                .find_all()
                .iter()
                .map(|e| format!("{:?} {:?}", e.type_name(), e.id()))
                .collect();
            assert!(
                unlabelled.is_empty(),
                "{name} ({look}): controls without a label: {unlabelled:?}"
            );
        }
    }
    // The tip buttons say their amount too, not only the percentage.
    apply(&w, None, &view("tip"));
    let fifteen = find(&w, "15%").unwrap();
    assert!(
        fifteen
            .accessible_description()
            .is_some_and(|d| d.chars().any(|c| c.is_ascii_digit())),
        "{:?}",
        fifteen.accessible_description()
    );
}

/// The theme's declared text/background pairs, in each look, reach WCAG 2.2 AA as normal text
/// (4.5:1) and 7:1 in high contrast. The screenshot test measures what is drawn; this names the
/// pair of theme colours at fault when one is changed.
#[test]
fn every_declared_theme_pair_has_enough_contrast() {
    use countertop::adapters::ui::{AccessibilityAdapter, Theme};
    fn luminance(c: slint::Color) -> f32 {
        let linear = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())
    }
    let ratio = |a: slint::Color, b: slint::Color| {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    };
    let w = window(1280.0, 800.0);
    let mut failures = Vec::new();
    for (high_contrast, needed) in [(false, 4.5), (true, 7.0)] {
        w.global::<AccessibilityAdapter>()
            .set_high_contrast(high_contrast);
        let t = w.global::<Theme>();
        let pairs = [
            ("text", t.get_text(), "background", t.get_background()),
            ("text", t.get_text(), "surface", t.get_surface()),
            ("text", t.get_text(), "surface-muted", t.get_surface_muted()),
            ("text", t.get_text(), "accent-soft", t.get_accent_soft()),
            ("text", t.get_text(), "success-soft", t.get_success_soft()),
            ("text", t.get_text(), "danger-soft", t.get_danger_soft()),
            ("text", t.get_text(), "warning-soft", t.get_warning_soft()),
            (
                "text-muted",
                t.get_text_muted(),
                "background",
                t.get_background(),
            ),
            ("text-muted", t.get_text_muted(), "surface", t.get_surface()),
            (
                "text-muted",
                t.get_text_muted(),
                "surface-muted",
                t.get_surface_muted(),
            ),
            (
                "text-on-dark",
                t.get_text_on_dark(),
                "accent",
                t.get_accent(),
            ),
            (
                "text-on-dark",
                t.get_text_on_dark(),
                "accent-pressed",
                t.get_accent_pressed(),
            ),
            ("text-on-dark", t.get_text_on_dark(), "dark", t.get_dark()),
            (
                "text-on-dark-muted",
                t.get_text_on_dark_muted(),
                "dark",
                t.get_dark(),
            ),
            ("accent", t.get_accent(), "accent-soft", t.get_accent_soft()),
            ("accent", t.get_accent(), "surface", t.get_surface()),
            (
                "success",
                t.get_success(),
                "success-soft",
                t.get_success_soft(),
            ),
            ("danger", t.get_danger(), "danger-soft", t.get_danger_soft()),
            ("danger", t.get_danger(), "surface", t.get_surface()),
            (
                "warning",
                t.get_warning(),
                "warning-soft",
                t.get_warning_soft(),
            ),
        ];
        for (fg_name, fg, bg_name, bg) in pairs {
            let r = ratio(fg, bg);
            if r < needed {
                failures.push(format!(
                    "{} {fg_name} on {bg_name}: {r:.2}:1, needs {needed}:1",
                    if high_contrast {
                        "high contrast"
                    } else {
                        "standard"
                    }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
