//! The dock switch end to end: raw input events go into the dock adapter's channel, the
//! orchestrator changes the screen, and the real UI shows the undocked screen without any store
//! data, then the cart again once docked.

#[path = "support/orchestrator_setup.rs"]
mod setup;

use std::time::Duration;

use countertop::adapters::dock::{DockEvent, interpret};
use countertop::adapters::ui::{MainWindow, Screen as UiScreen, StatusAdapter, apply};
use countertop::config::AppConfig;
use countertop::demo::demo_items;
use countertop::view::ViewState;
use countertop_core::dock::{EV_SW, EV_SYN, RawEvent, SW_DOCK, SYN_REPORT};
use countertop_core::{Currency, Input, LinkState, Terminal};
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use tokio::sync::{mpsc, watch};

fn switch(docked: bool) -> [DockEvent; 2] {
    [
        DockEvent::Raw(RawEvent {
            kind: EV_SW,
            code: SW_DOCK,
            value: i32::from(docked),
        }),
        DockEvent::Raw(RawEvent {
            kind: EV_SYN,
            code: SYN_REPORT,
            value: 0,
        }),
    ]
}

fn visible(window: &MainWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

#[test]
fn undocking_hides_the_cart_and_docking_brings_it_back() {
    i_slint_backend_testing::init_no_event_loop();
    let window = MainWindow::new().unwrap();
    window
        .window()
        .set_size(slint::LogicalSize::new(800.0, 1280.0));
    window.show().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = AppConfig::default();
    let (input_tx, input_rx) = mpsc::channel(32);
    let (dock_tx, dock_rx) = mpsc::channel(8);
    let (view_tx, mut views) = mpsc::unbounded_channel::<ViewState>();
    let (_ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (_pos_cmd_tx, pos_cmd_rx) = mpsc::channel(1);
    let (_shutdown, shutdown_rx) = watch::channel(false);
    let (reader_tx, _reader_rx) = mpsc::channel(8);
    let (gateway_tx, _gateway_rx) = mpsc::channel(8);
    let (pos_tx, _pos_rx) = mpsc::channel(8);
    let orchestrator = setup::orchestrator(
        Terminal::new(config.terminal_config(), LinkState::Connected),
        &config,
        setup::adapters(reader_tx, gateway_tx, pos_tx),
        view_tx,
    );
    runtime.spawn(orchestrator.run(input_rx, pos_cmd_rx, ui_rx, shutdown_rx));
    runtime.spawn(interpret(dock_rx, input_tx.clone()));

    let mut last: Option<ViewState> = None;
    let mut settle = |window: &MainWindow| {
        runtime.block_on(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
        });
        while let Ok(view) = views.try_recv() {
            apply(window, last.as_ref(), &view);
            last = Some(view);
        }
    };

    // The POS shows a cart.
    let eur = Currency::from_code("EUR").unwrap();
    for item in demo_items(eur).into_iter().take(2) {
        runtime
            .block_on(input_tx.send(Input::CartLineUpserted(item)))
            .unwrap();
    }
    settle(&window);
    assert_eq!(
        window.global::<StatusAdapter>().get_screen(),
        UiScreen::Cart
    );
    assert!(visible(&window, "Flat white"));

    // Taken out of the dock.
    for event in switch(false) {
        runtime.block_on(dock_tx.send(event)).unwrap();
    }
    settle(&window);
    assert_eq!(
        window.global::<StatusAdapter>().get_screen(),
        UiScreen::Undocked
    );
    assert!(visible(&window, "Place the terminal in its dock"));
    for store_data in ["Flat white", "Total", "Your order", "Corner Café"] {
        assert!(
            !visible(&window, store_data),
            "{store_data} shown while undocked"
        );
    }

    // A switch event without its report changes nothing yet; with it, the cart is back.
    runtime.block_on(dock_tx.send(switch(true)[0])).unwrap();
    settle(&window);
    assert_eq!(
        window.global::<StatusAdapter>().get_screen(),
        UiScreen::Undocked
    );
    runtime.block_on(dock_tx.send(switch(true)[1])).unwrap();
    settle(&window);
    assert_eq!(
        window.global::<StatusAdapter>().get_screen(),
        UiScreen::Cart
    );
    assert!(visible(&window, "Flat white"));
}
