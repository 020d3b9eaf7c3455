//! The orchestrator with the simulated reader, gateway and demo POS on a paused tokio clock:
//! whole sales run in virtual time, and what the shopper saw is recorded view by view.

#[path = "support/orchestrator_setup.rs"]
mod setup;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop::adapters::gateway::{SimulatedGateway, run_simulated_gateway};
use countertop::adapters::reader::{SimulatedReader, TestCard, run_simulated_reader};
use countertop::adapters::store::{SavedDisplay, load_display, save_display};
use countertop::app::{Adapters, Orchestrator};
use countertop::config::AppConfig;
use countertop::demo::{DemoPace, run_demo_pos};
use countertop::messages::{DisplayPatch, OutcomeReport, PosCommand, UiCommand};
use countertop::view::{DisplaySettings, ViewState};
use countertop_core::{
    CancelReason, Currency, EntryMode, Input, Language, LinkState, Money, Outcome, PaymentId,
    PaymentRequest, Screen, Terminal,
};
use tokio::sync::{mpsc, watch};

struct Harness {
    inputs: mpsc::Sender<Input>,
    ui: mpsc::UnboundedSender<UiCommand>,
    views: mpsc::UnboundedReceiver<ViewState>,
    outcomes: Option<mpsc::Receiver<OutcomeReport>>,
    /// What a POS session would send (display.set and the rest).
    pos: mpsc::Sender<PosCommand>,
    gateway: Arc<Mutex<SimulatedGateway>>,
    _shutdown: watch::Sender<bool>,
}

fn start(cards: Vec<(TestCard, EntryMode)>) -> Harness {
    start_with(cards, None)
}

/// `display_file`: where display settings changed on the terminal are kept.
fn start_with(
    cards: Vec<(TestCard, EntryMode)>,
    display_file: Option<std::path::PathBuf>,
) -> Harness {
    let config = AppConfig::default();
    let (input_tx, input_rx) = mpsc::channel(64);
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (view_tx, view_rx) = mpsc::unbounded_channel();
    let (reader_tx, reader_rx) = mpsc::channel(8);
    let (gateway_tx, gateway_rx) = mpsc::channel(8);
    let (pos_tx, pos_rx) = mpsc::channel(8);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let gateway = Arc::new(Mutex::new(SimulatedGateway::default()));
    let reader = SimulatedReader {
        delay: Duration::from_secs(2),
        cards,
    };
    tokio::spawn(run_simulated_reader(reader, reader_rx, input_tx.clone()));
    tokio::spawn(run_simulated_gateway(
        gateway.clone(),
        Duration::from_secs(1),
        gateway_rx,
        input_tx.clone(),
    ));
    let adapters = Adapters {
        display_file,
        ..setup::adapters(reader_tx, gateway_tx, pos_tx)
    };
    let orchestrator = setup::orchestrator(
        Terminal::new(config.terminal_config(), LinkState::Connected),
        &config,
        adapters,
        view_tx,
    );
    let (pos_commands, pos_rx_commands) = mpsc::channel(8);
    tokio::spawn(orchestrator.run(input_rx, pos_rx_commands, ui_rx, shutdown_rx));
    Harness {
        inputs: input_tx,
        ui: ui_tx,
        views: view_rx,
        outcomes: Some(pos_rx),
        pos: pos_commands,
        gateway,
        _shutdown: shutdown_tx,
    }
}

fn screens(views: &mut mpsc::UnboundedReceiver<ViewState>) -> Vec<&'static str> {
    let mut names = Vec::new();
    while let Ok(view) = views.try_recv() {
        if names.last() != Some(&view.screen.name()) {
            names.push(view.screen.name());
        }
    }
    names
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

#[tokio::test(start_paused = true)]
async fn the_demo_pos_runs_sales_that_each_charge_exactly_once() {
    let cards = vec![
        (TestCard::Approve, EntryMode::Tap),
        (TestCard::InsufficientFunds, EntryMode::Insert),
    ];
    let mut h = start(cards);
    let (report_tx, mut report_rx) = mpsc::channel(8);
    let outcomes = h.outcomes.take().unwrap();
    // Tap the demo POS's outcome feed so the test sees what the POS saw.
    let (demo_tx, demo_rx) = mpsc::channel(8);
    tokio::spawn(async move {
        let mut outcomes = outcomes;
        while let Some(report) = outcomes.recv().await {
            let _ = report_tx.send(report.clone()).await;
            let _ = demo_tx.send(report).await;
        }
    });
    tokio::spawn(run_demo_pos(
        Currency::from_code("EUR").unwrap(),
        DemoPace::default(),
        h.inputs.clone(),
        demo_rx,
    ));

    let mut reports = Vec::new();
    while reports.len() < 5 {
        let report = tokio::time::timeout(Duration::from_secs(600), report_rx.recv())
            .await
            .unwrap()
            .unwrap();
        reports.push(report);
    }
    let seen = screens(&mut h.views);
    for expected in [
        "idle",
        "cart",
        "tip",
        "card",
        "processing",
        "result",
        "post-payment",
    ] {
        assert!(
            seen.contains(&expected),
            "never showed {expected}: {seen:?}"
        );
    }
    let approved: Vec<_> = reports.iter().filter(|r| r.outcome.is_approved()).collect();
    let declined = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Declined { .. }))
        .count();
    assert!(declined >= 1 && approved.len() >= 2, "{reports:?}");
    let gateway = h.gateway.lock().unwrap();
    let charges = gateway.standing_charges();
    assert_eq!(charges.len(), approved.len());
    for report in approved {
        let Outcome::Approved(approval) = &report.outcome else {
            unreachable!()
        };
        assert_eq!(charges[&report.payment_id], approval.total);
        // The demo shopper picks 15 %: the charge is the cart total plus 15 %.
        let amount = approval.total.checked_sub(approval.tip).unwrap();
        assert_eq!(approval.tip, amount.percent_bp(1500).unwrap());
    }
}

#[tokio::test(start_paused = true)]
async fn a_gateway_that_never_answers_is_reversed_and_reported_as_not_completed() {
    let mut h = start(vec![(TestCard::NoAnswer, EntryMode::Tap)]);
    let mut outcomes = h.outcomes.take().unwrap();
    let id = PaymentId::new("p-timeout").unwrap();
    h.inputs
        .send(Input::PaymentRequested(PaymentRequest {
            id: id.clone(),
            amount: eur(1_250),
            tip: None,
            method: Default::default(),
            language: None,
        }))
        .await
        .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(120), outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        report,
        OutcomeReport {
            payment_id: id.clone(),
            outcome: Outcome::TimedOut
        }
    );
    let seen = screens(&mut h.views);
    assert_eq!(
        &seen[..4],
        ["idle", "card", "processing", "result"],
        "{seen:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let gateway = h.gateway.lock().unwrap();
    assert_eq!(gateway.authorization_requests(), 1);
    assert!(gateway.standing_charges().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_shopper_cancels_on_the_card_prompt_and_the_pos_hears_it() {
    let mut h = start(vec![(TestCard::Approve, EntryMode::Tap)]);
    let mut outcomes = h.outcomes.take().unwrap();
    let id = PaymentId::new("p-cancel").unwrap();
    h.inputs
        .send(Input::PaymentRequested(PaymentRequest {
            id: id.clone(),
            amount: eur(990),
            tip: None,
            method: Default::default(),
            language: None,
        }))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    h.ui.send(UiCommand::CancelPayment).unwrap();
    let report = tokio::time::timeout(Duration::from_secs(10), outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Cancelled {
            reason: CancelReason::Shopper
        }
    );
    // The reader was disarmed: no card turns up later and nothing is charged.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(h.gateway.lock().unwrap().authorization_requests(), 0);
    let last = std::iter::from_fn(|| h.views.try_recv().ok())
        .last()
        .unwrap();
    assert!(
        matches!(last.screen, Screen::Idle { .. }),
        "{:?}",
        last.screen.name()
    );
}

#[tokio::test(start_paused = true)]
async fn a_repeated_payment_request_is_answered_without_a_second_charge() {
    let mut h = start(vec![(TestCard::Approve, EntryMode::Insert)]);
    let mut outcomes = h.outcomes.take().unwrap();
    let request = PaymentRequest {
        id: PaymentId::new("p-dup").unwrap(),
        amount: eur(2_000),
        tip: None,
        method: Default::default(),
        language: None,
    };
    h.inputs
        .send(Input::PaymentRequested(request.clone()))
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(30), outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(first.outcome.is_approved());
    tokio::time::sleep(Duration::from_secs(30)).await;
    h.inputs
        .send(Input::PaymentRequested(request))
        .await
        .unwrap();
    let second = tokio::time::timeout(Duration::from_secs(30), outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, second);
    let gateway = h.gateway.lock().unwrap();
    assert_eq!(gateway.authorization_requests(), 1);
    assert_eq!(gateway.standing_charges().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn staff_choose_the_default_language_which_is_kept_and_yields_to_a_payment_s_own() {
    let dir = std::env::temp_dir().join(format!(
        "countertop-orchestrator-language-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("display.json");
    // The POS pushed a post-payment message before: choosing a language keeps it.
    let config = AppConfig::default();
    let before = SavedDisplay {
        settings: DisplaySettings::from_config(&config),
        post_payment_message: Some("Tack och välkommen åter!".into()),
        rotation: None,
    };
    save_display(&file, &before).unwrap();
    let mut h = start_with(
        vec![(TestCard::Approve, EntryMode::Tap)],
        Some(file.clone()),
    );
    let mut outcomes = h.outcomes.take().unwrap();

    h.ui.send(UiCommand::SetDefaultLanguage(Language::Swedish))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let idle = std::iter::from_fn(|| h.views.try_recv().ok())
        .last()
        .unwrap();
    assert_eq!(idle.language, Language::Swedish);
    assert_eq!(idle.display.customer_language, Language::Swedish);
    let saved = load_display(&file).unwrap().unwrap();
    assert_eq!(saved.settings.customer_language, Language::Swedish);
    assert_eq!(
        saved.post_payment_message.as_deref(),
        Some("Tack och välkommen åter!")
    );

    // A payment in Dutch: its screens are Dutch to the end, then Swedish again.
    let request = PaymentRequest {
        id: PaymentId::new("p-nl").unwrap(),
        amount: eur(1_000),
        tip: None,
        method: Default::default(),
        language: Some(Language::Dutch),
    };
    h.inputs
        .send(Input::PaymentRequested(request))
        .await
        .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(report.outcome.is_approved());
    tokio::time::sleep(Duration::from_secs(60)).await;
    let views: Vec<ViewState> = std::iter::from_fn(|| h.views.try_recv().ok()).collect();
    for view in &views {
        let expected = match view.screen {
            Screen::Idle { .. } => Language::Swedish,
            _ => Language::Dutch,
        };
        assert_eq!(view.language, expected, "{}", view.screen.name());
    }
    let names: Vec<&str> = views.iter().map(|v| v.screen.name()).collect();
    assert_eq!(names.last(), Some(&"idle"), "{names:?}");
    assert!(names.contains(&"post-payment"), "{names:?}");

    // Choosing the language in force again writes nothing.
    std::fs::remove_file(&file).unwrap();
    h.ui.send(UiCommand::SetDefaultLanguage(Language::Swedish))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!file.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The display settings have one owner: a POS's display.set and a language chosen on the panel
/// at the same moment both survive, in memory and on disk, whichever arrives first (the link
/// used to read the settings, change its copy and write it back, losing the panel's change).
#[tokio::test(start_paused = true)]
async fn a_language_chosen_on_the_panel_survives_a_concurrent_display_push() {
    let dir = std::env::temp_dir().join(format!(
        "countertop-orchestrator-concurrent-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("display.json");
    let mut h = start_with(
        vec![(TestCard::Approve, EntryMode::Tap)],
        Some(file.clone()),
    );
    for (round, language) in [Language::Dutch, Language::Swedish].into_iter().enumerate() {
        let message = format!("Thank you ({round})");
        let patch = DisplayPatch {
            post_payment_message: Some(message.clone()),
            show_logos: Some(round == 1),
            ..DisplayPatch::default()
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        // Round 0: the panel first; round 1: the POS first.
        if round == 0 {
            h.ui.send(UiCommand::SetDefaultLanguage(language)).unwrap();
        }
        h.pos
            .send(PosCommand::PatchDisplay { patch, reply })
            .await
            .unwrap();
        if round == 1 {
            h.ui.send(UiCommand::SetDefaultLanguage(language)).unwrap();
        }
        answer.await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        let view = std::iter::from_fn(|| h.views.try_recv().ok())
            .last()
            .unwrap();
        assert_eq!(view.display.customer_language, language, "round {round}");
        assert_eq!(view.display.show_logos, round == 1, "round {round}");
        let saved = load_display(&file).unwrap().unwrap();
        assert_eq!(saved.settings.customer_language, language, "round {round}");
        assert_eq!(saved.settings.show_logos, round == 1, "round {round}");
        assert_eq!(
            saved.post_payment_message.as_deref(),
            Some(message.as_str())
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The orchestrator with a burn-in guard (5 min idle, a step a minute, night 22:00 to 07:00 when
/// `local` says so) and a backlight whose requests the test reads.
fn start_guarded(
    local_time: fn() -> countertop_core::TimeOfDay,
) -> (
    Harness,
    mpsc::Receiver<countertop::adapters::backlight::BacklightRequest>,
) {
    use countertop_core::{BurnInConfig, BurnInGuard, NightSchedule, TimeOfDay};
    let config = AppConfig::default();
    let (input_tx, input_rx) = mpsc::channel(64);
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (view_tx, view_rx) = mpsc::unbounded_channel();
    let (reader_tx, _reader_rx) = mpsc::channel(8);
    let (gateway_tx, _gateway_rx) = mpsc::channel(8);
    let (pos_tx, pos_rx) = mpsc::channel(8);
    let (backlight_tx, backlight_rx) = mpsc::channel(8);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let night = NightSchedule {
        off: TimeOfDay::parse("22:00").unwrap(),
        on: TimeOfDay::parse("07:00").unwrap(),
    };
    let adapters = Adapters {
        backlight: Some(backlight_tx),
        local_time,
        ..setup::adapters(reader_tx, gateway_tx, pos_tx)
    };
    let orchestrator = Orchestrator {
        guard: BurnInGuard::new(BurnInConfig {
            idle_after: Duration::from_secs(300),
            shift_every: Duration::from_secs(60),
            shift_px: 6,
            dim_percent: 60,
            night: Some(night),
        }),
        ..setup::orchestrator(
            Terminal::new(config.terminal_config(), LinkState::Connected),
            &config,
            adapters,
            view_tx,
        )
    };
    let (pos_commands, pos_rx_commands) = mpsc::channel(8);
    tokio::spawn(orchestrator.run(input_rx, pos_rx_commands, ui_rx, shutdown_rx));
    let harness = Harness {
        inputs: input_tx,
        ui: ui_tx,
        views: view_rx,
        outcomes: Some(pos_rx),
        pos: pos_commands,
        gateway: Arc::new(Mutex::new(SimulatedGateway::default())),
        _shutdown: shutdown_tx,
    };
    (harness, backlight_rx)
}

fn drain(views: &mut mpsc::UnboundedReceiver<ViewState>) -> Vec<ViewState> {
    std::iter::from_fn(|| views.try_recv().ok()).collect()
}

#[tokio::test(start_paused = true)]
async fn the_idle_screen_steps_and_dims_only_after_the_idle_time_and_a_touch_restores_it() {
    use countertop::adapters::backlight::BacklightRequest;
    let (mut h, mut backlight) =
        start_guarded(|| countertop_core::TimeOfDay::from_hms(12, 0, 0).unwrap());
    tokio::time::sleep(Duration::from_millis(10)).await;
    let first = drain(&mut h.views);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].protection, Default::default());
    assert!(first[0].backlight);
    assert_eq!(backlight.try_recv(), Ok(BacklightRequest::Level(100)));

    tokio::time::sleep(Duration::from_secs(299)).await;
    assert!(
        drain(&mut h.views).is_empty(),
        "nothing changes before 5 minutes"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let guarded = drain(&mut h.views);
    assert_eq!(guarded.len(), 1);
    let p = guarded[0].protection;
    assert_eq!((p.offset_x, p.offset_y, p.brightness_percent), (6, 0, 60));
    // One new view a minute, none in between.
    tokio::time::sleep(Duration::from_secs(59)).await;
    assert!(drain(&mut h.views).is_empty());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stepped = drain(&mut h.views);
    assert_eq!(stepped.len(), 1);
    assert_eq!(
        (
            stepped[0].protection.offset_x,
            stepped[0].protection.offset_y
        ),
        (6, 6)
    );

    h.ui.send(UiCommand::Touched).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let touched = drain(&mut h.views);
    assert_eq!(touched.last().unwrap().protection, Default::default());
    // The panel's brightness reaches the backlight and the view, within its bounds.
    h.ui.send(UiCommand::SetBrightness(1)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(backlight.try_recv(), Ok(BacklightRequest::Level(5)));
    assert_eq!(
        drain(&mut h.views)
            .last()
            .unwrap()
            .display
            .brightness_percent,
        5
    );
}

#[tokio::test(start_paused = true)]
async fn at_night_the_idle_screen_goes_dark_and_a_cart_wakes_it() {
    use countertop::adapters::backlight::BacklightRequest;
    let (mut h, mut backlight) =
        start_guarded(|| countertop_core::TimeOfDay::from_hms(23, 0, 0).unwrap());
    tokio::time::sleep(Duration::from_secs(301)).await;
    let views = drain(&mut h.views);
    let last = views.last().unwrap();
    assert!(last.protection.screen_off, "{:?}", last.protection);
    assert_eq!(backlight.try_recv(), Ok(BacklightRequest::Level(100)));
    assert_eq!(backlight.try_recv(), Ok(BacklightRequest::Level(0)));
    // Dark, it waits for the morning: no view while the night lasts.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(drain(&mut h.views).is_empty());

    let line = countertop_core::LineItem {
        id: "l1".into(),
        description: "Tea".into(),
        quantity_milli: 1000,
        unit_price: eur(300),
        discount_minor: 0,
        tax_rate_bp: 0,
    };
    h.inputs.send(Input::CartLineUpserted(line)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let woken = drain(&mut h.views);
    let last = woken.last().unwrap();
    assert_eq!(last.screen.name(), "cart");
    assert!(!last.protection.screen_off);
    assert_eq!(backlight.try_recv(), Ok(BacklightRequest::Level(100)));
    // A cart at night stays lit however long it stands.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(drain(&mut h.views).is_empty());
}

/// High contrast and large text: switched by the panel or by the POS, whichever came last,
/// shown at once and kept on disk; a file saved before they existed loads with both off.
#[tokio::test(start_paused = true)]
async fn accessibility_settings_from_the_panel_and_the_pos_are_shown_and_kept() {
    let dir = std::env::temp_dir().join(format!(
        "countertop-orchestrator-accessibility-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("display.json");
    // A file from before the settings existed.
    std::fs::write(
        &file,
        r#"{"settings":{"store_name":"Corner Café","show_logos":true,"logos":["visa"],"idle_image":null},"post_payment_message":null}"#,
    )
    .unwrap();
    let old = load_display(&file).unwrap().unwrap();
    assert!(!old.settings.high_contrast && !old.settings.large_text);
    let mut h = start_with(
        vec![(TestCard::Approve, EntryMode::Tap)],
        Some(file.clone()),
    );
    let latest = |h: &mut Harness| {
        std::iter::from_fn(|| h.views.try_recv().ok())
            .last()
            .map(|v| (v.display.high_contrast, v.display.large_text))
    };

    h.ui.send(UiCommand::SetHighContrast(true)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(latest(&mut h), Some((true, false)));
    let saved = load_display(&file).unwrap().unwrap().settings;
    assert!(saved.high_contrast && !saved.large_text);

    let patch = DisplayPatch {
        high_contrast: Some(false),
        large_text: Some(true),
        ..DisplayPatch::default()
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    h.pos
        .send(PosCommand::PatchDisplay { patch, reply })
        .await
        .unwrap();
    answer.await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(latest(&mut h), Some((false, true)));
    let saved = load_display(&file).unwrap().unwrap().settings;
    assert!(!saved.high_contrast && saved.large_text);

    // A patch without them leaves them as they are.
    let (reply, answer) = tokio::sync::oneshot::channel();
    h.pos
        .send(PosCommand::PatchDisplay {
            patch: DisplayPatch {
                show_logos: Some(false),
                ..DisplayPatch::default()
            },
            reply,
        })
        .await
        .unwrap();
    answer.await.unwrap().unwrap();
    let saved = load_display(&file).unwrap().unwrap().settings;
    assert!(!saved.high_contrast && saved.large_text && !saved.show_logos);
    let _ = std::fs::remove_dir_all(&dir);
}
