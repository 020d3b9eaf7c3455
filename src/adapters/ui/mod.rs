//! The Slint UI adapter: the only module that touches `slint`. One `*_adapter.rs` per global
//! maps plain view data onto that global's properties.

mod cart_adapter;
mod display_adapter;
mod format;
pub mod headless;
pub mod idle_picture;
pub mod line_breaks;
mod network_adapter;
mod pairing_adapter;
mod payment_adapter;
mod picture_adapter;
mod screen_adapter;
pub mod screenshot;
pub mod self_test;
mod settings_adapter;
mod status_adapter;
mod touch_rotation;

use std::sync::Mutex;

use tokio::sync::mpsc;

use crate::messages::{UiCommand, ViewSink};
use crate::view::ViewState;

slint::include_modules!();

pub use format::format_money;
pub use settings_adapter::{apply as apply_settings, wire as wire_settings};

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("the display could not be opened: {0}")]
    Platform(#[from] slint::PlatformError),
    #[error("could not write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("could not encode an image: {0}")]
    Image(#[from] image::ImageError),
    #[error("the pairing QR code could not be made: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// Applies a view to the window. `previous` is the view last applied, so that unchanged parts
/// (models, images) are left alone and nothing is redrawn for nothing.
pub fn apply(window: &MainWindow, previous: Option<&ViewState>, view: &ViewState) {
    if previous.is_none() {
        payment_adapter::install_formatter(window);
        picture_adapter::install(window);
        display_adapter::install_default_picture(window);
    }
    // Switch the translation first, so that everything set below is in the new language.
    if previous.map(|p| p.language) != Some(view.language) {
        select_language(view.language);
        window
            .global::<StatusAdapter>()
            .set_font_family(font_family(view.language).into());
    }
    status_adapter::apply(window, view);
    screen_adapter::apply(window, previous, view);
    if previous.map(|p| &p.display) != Some(&view.display) {
        display_adapter::apply(window, &view.display);
        // The staff panel's language list marks the default.
        let default = countertop_core::Language::ALL
            .iter()
            .position(|l| *l == view.display.customer_language);
        let settings = window.global::<SettingsAdapter>();
        settings.set_default_language(default.and_then(|i| i32::try_from(i).ok()).unwrap_or(0));
        settings.set_rotation(i32::from(view.display.rotation.degrees()));
    }
    if previous.map(|p| &p.pairing) != Some(&view.pairing) {
        pairing_adapter::apply_info(window, &view.pairing);
    }
    match &view.screen {
        countertop_core::Screen::Cart { cart, paid } => {
            // The rows show the previous view's cart only if it was a cart in this language.
            let shown = previous.and_then(|p| match &p.screen {
                countertop_core::Screen::Cart { cart, .. } if p.language == view.language => {
                    Some(&**cart)
                }
                _ => None,
            });
            cart_adapter::apply(window, cart, shown, *paid, view.language)
        }
        countertop_core::Screen::Pairing { uri } => {
            let unchanged = matches!(
                previous.map(|p| &p.screen),
                Some(countertop_core::Screen::Pairing { uri: old }) if old == uri
            );
            if !unchanged {
                pairing_adapter::apply_qr(window, uri);
            }
        }
        screen => payment_adapter::apply(window, screen, view.language),
    }
}

/// Chinese in the face made for its script variant (Noto Sans CJK, also Source Han Sans);
/// other languages in the system's default font. A missing family falls back to the default
/// with its font fallback, so the characters still show.
fn font_family(language: countertop_core::Language) -> &'static str {
    match language {
        countertop_core::Language::ChineseTraditional => "Noto Sans CJK TC",
        countertop_core::Language::ChineseSimplified => "Noto Sans CJK SC",
        _ => "",
    }
}

/// Makes every `@tr()` string speak `language`, from the translations bundled at build time.
/// Slint starts in the system locale's language; the first view always chooses explicitly.
fn select_language(language: countertop_core::Language) {
    if let Err(error) = slint::select_bundled_translation(language.gettext_code()) {
        tracing::error!(%language, ?error, "translation not available; the screens stay as they were");
    }
}

/// Sends UI callbacks to the orchestrator as `UiCommand`s; nothing else happens in them.
pub fn wire(window: &MainWindow, commands: mpsc::UnboundedSender<UiCommand>) {
    let payment = window.global::<PaymentAdapter>();
    let tx = commands.clone();
    payment.on_tip_chosen(move |index| {
        if let Ok(index) = usize::try_from(index) {
            let _ = tx.send(UiCommand::TipPreset(index));
        }
    });
    let tx = commands.clone();
    payment.on_no_tip(move || {
        let _ = tx.send(UiCommand::NoTip);
    });
    let tx = commands.clone();
    payment.on_custom_tip(move |minor| {
        let _ = tx.send(UiCommand::CustomTip(i64::from(minor)));
    });
    let tx = commands.clone();
    payment.on_total_with_tip(move |minor| {
        let _ = tx.send(UiCommand::TotalWithTip(i64::from(minor)));
    });
    let tx = commands.clone();
    payment.on_cancel(move || {
        let _ = tx.send(UiCommand::CancelPayment);
    });
    let screen = window.global::<ScreenAdapter>();
    let tx = commands.clone();
    screen.on_touched(move || {
        let _ = tx.send(UiCommand::Touched);
    });
    screen.on_set_brightness(move |percent| {
        let percent = u8::try_from(percent.clamp(0, 100)).unwrap_or(100);
        let _ = commands.send(UiCommand::SetBrightness(percent));
    });
}

/// Carries views from an actor's thread into the Slint event loop, with the view applied
/// before, so unchanged parts are left alone. One for the shopper screens, one for the panel.
pub struct WindowSink<V> {
    window: slint::Weak<MainWindow>,
    last: Mutex<Option<V>>,
    apply: fn(&MainWindow, Option<&V>, &V),
}

impl<V: Clone + Send + 'static> WindowSink<V> {
    pub fn new(window: &MainWindow, apply: fn(&MainWindow, Option<&V>, &V)) -> Self {
        WindowSink {
            window: window.as_weak(),
            last: Mutex::new(None),
            apply,
        }
    }

    fn deliver(&self, view: V) {
        let previous = match self.last.lock() {
            Ok(mut last) => last.replace(view.clone()),
            Err(_) => None,
        };
        let apply = self.apply;
        let result = self.window.upgrade_in_event_loop(move |window| {
            apply(&window, previous.as_ref(), &view);
        });
        if let Err(error) = result {
            // Expected while shutting down: the event loop is gone.
            tracing::debug!(%error, "view not delivered");
        }
    }
}

/// The shopper screens' sink.
pub type SlintSink = WindowSink<ViewState>;

impl ViewSink for SlintSink {
    fn show(&self, view: ViewState) {
        self.deliver(view);
    }
}

/// The staff panel's sink.
pub type SettingsSlintSink = WindowSink<crate::settings::SettingsView>;

impl crate::settings::SettingsSink for SettingsSlintSink {
    fn show(&self, view: crate::settings::SettingsView) {
        self.deliver(view);
    }
}

/// The kiosk window as `main` sees it, so `main` needs no Slint types.
pub struct KioskWindow {
    window: MainWindow,
}

impl KioskWindow {
    /// `rotation` is the one the display starts with: on the device's linuxkms backend it is
    /// in `SLINT_KMS_ROTATION` already (see `main`), and the touch screen turns with it.
    pub fn new(
        fullscreen: bool,
        version: &str,
        rotation: countertop_core::Rotation,
    ) -> Result<Self, UiError> {
        let touch = touch_rotation::install(rotation)?;
        let window = MainWindow::new()?;
        if let Some(touch) = touch {
            touch.attach(&window);
        }
        let settings = window.global::<SettingsAdapter>();
        settings.set_version(version.into());
        let degrees = i32::from(rotation.degrees());
        settings.set_rotation(degrees);
        settings.set_running_rotation(degrees);
        if fullscreen {
            window.window().set_fullscreen(true);
        } else {
            window
                .window()
                .set_size(slint::LogicalSize::new(1280.0, 800.0));
        }
        Ok(KioskWindow { window })
    }

    pub fn sink(&self) -> SlintSink {
        SlintSink::new(&self.window, apply)
    }

    pub fn wire(&self, commands: mpsc::UnboundedSender<UiCommand>) {
        wire(&self.window, commands);
    }

    pub fn settings_sink(&self) -> SettingsSlintSink {
        SettingsSlintSink::new(&self.window, apply_settings)
    }

    pub fn wire_settings(&self, commands: mpsc::UnboundedSender<crate::settings::SettingsCommand>) {
        wire_settings(&self.window, commands);
    }

    /// Runs the event loop until the window closes.
    pub fn run(&self) -> Result<(), UiError> {
        self.window.run()?;
        Ok(())
    }
}

/// Ends the event loop from any thread (the display restarts for a new rotation), so that
/// `KioskWindow::run` returns.
pub fn quit_event_loop() {
    if let Err(error) = slint::quit_event_loop() {
        // Already gone: shutting down anyway.
        tracing::debug!(%error, "event loop not running");
    }
}
