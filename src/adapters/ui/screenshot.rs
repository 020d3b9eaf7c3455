//! `--screenshot DIR`: every screen in every language at both supported sizes, rendered
//! off-screen to PNG.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use countertop_core::{Language, Rotation};
use slint::ComponentHandle;

use super::headless::{Clock, HeadlessScreen};
use super::{
    MainWindow, NetworkAdapter, PaymentAdapter, SettingsAdapter, UiError, apply, apply_settings,
};
use crate::config::AppConfig;
use crate::demo::{SAMPLE_PAIRING_URI, sample_views};
use crate::settings::sample_settings_views;

/// Landscape dock and portrait dock.
pub const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 1280)];

/// One picture taken: its language, screen name, size and file.
#[derive(Debug, Clone)]
pub struct Shot {
    pub language: Language,
    pub look: Look,
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub path: PathBuf,
}

/// The accessibility settings the screens are drawn with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Look {
    pub high_contrast: bool,
    pub large_text: bool,
}

/// One run over the screens: with which look, into which sub-folder of each language's
/// folder, which screens are laid out and inspected, which of those are drawn (at which
/// width), and which drawn ones are written as PNG. Drawing is what costs (a second or so a
/// frame in a debug build); a check that needs only the layout (text fit, touch targets)
/// runs on screens that are not drawn.
pub struct Pass<'a> {
    pub look: Look,
    /// "" for the language's folder itself.
    pub folder: &'a str,
    pub screens: &'a dyn Fn(&str) -> bool,
    pub draw: &'a dyn Fn(&str, u32) -> bool,
    pub write: &'a dyn Fn(&str) -> bool,
}

impl Pass<'static> {
    /// The standard look, every screen drawn and written.
    pub fn standard() -> Self {
        Pass {
            look: Look::default(),
            folder: "",
            screens: &|_| true,
            draw: &|_, _| true,
            write: &|_| true,
        }
    }
}

/// Renders each sample screen, plus the settings panel open over the idle screen, at each size
/// in every language, into `dir/<language tag>/<screen>-<w>x<h>.png`. Returns the files
/// written. Installs the headless platform on this thread.
pub fn render_all(dir: &Path, config: &AppConfig) -> Result<Vec<PathBuf>, UiError> {
    let shots = render_languages(dir, config, &Language::ALL, &mut |_, _, _| {})?;
    Ok(shots.into_iter().map(|shot| shot.path).collect())
}

/// What `inspect` sees of each screen: the window, the picture's name and size, and its pixels
/// when the pass draws it.
pub type Inspect<'a> = dyn FnMut(&MainWindow, &Shot, Option<&image::RgbImage>) + 'a;

/// As `render_all`, for the given languages; `inspect` sees the window and the frame as each
/// picture is taken (the screenshot test checks there that every text fits its box).
pub fn render_languages(
    dir: &Path,
    config: &AppConfig,
    languages: &[Language],
    inspect: &mut Inspect,
) -> Result<Vec<Shot>, UiError> {
    render_passes(dir, config, languages, &[Pass::standard()], inspect)
}

/// As `render_languages`, once per pass (one window, one platform: a thread installs the
/// headless platform once). Returns the pictures written; `inspect` sees every one drawn.
pub fn render_passes(
    dir: &Path,
    config: &AppConfig,
    languages: &[Language],
    passes: &[Pass],
    inspect: &mut Inspect,
) -> Result<Vec<Shot>, UiError> {
    let (w0, h0) = SIZES[0];
    let screen =
        HeadlessScreen::install(w0, h0, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))?;
    let window = MainWindow::new()?;
    window
        .global::<SettingsAdapter>()
        .set_version(env!("CARGO_PKG_VERSION").into());
    window.show()?;
    let mut shots = Vec::new();
    for pass in passes {
        for &language in languages {
            shots.extend(render_language(
                &screen, &window, dir, config, language, pass, inspect,
            )?);
        }
    }
    window.hide()?;
    Ok(shots)
}

fn render_language(
    screen: &HeadlessScreen,
    window: &MainWindow,
    dir: &Path,
    config: &AppConfig,
    language: Language,
    pass: &Pass,
    inspect: &mut Inspect,
) -> Result<Vec<Shot>, UiError> {
    let mut shots = Vec::new();
    {
        let dir = dir.join(language.tag()).join(pass.folder);
        std::fs::create_dir_all(&dir).map_err(|source| UiError::Write {
            path: dir.clone(),
            source,
        })?;
        let mut views = sample_views(&local_config(config, language));
        for (_, view) in &mut views {
            view.language = language;
            view.display.high_contrast = pass.look.high_contrast;
            view.display.large_text = pass.look.large_text;
        }
        let mut take = |name: &str, width: u32, height: u32| -> Result<(), UiError> {
            if !(pass.screens)(name) {
                return Ok(());
            }
            let path = dir.join(format!("{name}-{width}x{height}.png"));
            let frame = (pass.draw)(name, width).then(|| screen.render());
            let shot = Shot {
                language,
                look: pass.look,
                name: name.to_owned(),
                width,
                height,
                path,
            };
            inspect(window, &shot, frame.as_ref());
            if let Some(frame) = frame.filter(|_| (pass.write)(name)) {
                save(&frame, &shot.path)?;
                shots.push(shot);
            }
            Ok(())
        };
        for (width, height) in SIZES {
            screen.resize(width, height);
            let mut previous = None;
            for (name, view) in &views {
                apply(window, previous, view);
                previous = Some(view);
                // Let entry animations settle so the picture shows the resting state.
                screen.advance(Duration::from_secs(1));
                take(name, width, height)?;
                if *name == "tip" {
                    // The keypads behind "Other amount" and "Enter total".
                    for (entry, keypad) in [(1, "tip-keypad"), (2, "tip-total-keypad")] {
                        window.global::<PaymentAdapter>().set_tip_entry(entry);
                        screen.advance(Duration::from_secs(1));
                        take(keypad, width, height)?;
                    }
                    window.global::<PaymentAdapter>().set_tip_entry(0);
                }
            }
            if let Some((_, idle)) = views.first() {
                apply(window, previous, idle);
                // The staff panel over the idle screen, in each of its states.
                let settings = window.global::<SettingsAdapter>();
                settings.set_open(true);
                let mut shown = None;
                for (name, tab, panel) in sample_settings_views(SAMPLE_PAIRING_URI) {
                    apply_settings(window, shown.as_ref(), &panel);
                    settings.set_tab(tab);
                    screen.advance(Duration::from_secs(1));
                    take(name, width, height)?;
                    if name == "settings-pin" {
                        // The rotation section with another rotation chosen than the display
                        // runs with: it says the display restarts.
                        settings.set_rotation(90);
                        screen.advance(Duration::from_secs(1));
                        take("settings-rotation", width, height)?;
                        settings.set_rotation(0);
                    }
                    if name == "settings-wifi-list" {
                        // The password dialog with its on-screen keyboard.
                        let network = window.global::<NetworkAdapter>();
                        network.set_password_ssid("Bakery next door".into());
                        screen.advance(Duration::from_secs(1));
                        take("settings-wifi-password", width, height)?;
                        network.set_password_ssid("".into());
                    }
                    if name == "settings-pin" {
                        // The terminal tab's lower sections (language, accessibility): scrolled
                        // into view as staff would, with the wheel over the panel.
                        let scroll = |delta_y: f32| {
                            let position = slint::LogicalPosition::new(
                                width as f32 - 100.0,
                                height as f32 / 2.0,
                            );
                            window.window().dispatch_event(
                                slint::platform::WindowEvent::PointerScrolled {
                                    position,
                                    delta_x: 0.0,
                                    delta_y,
                                },
                            );
                            screen.advance(Duration::from_secs(1));
                        };
                        scroll(-5000.0);
                        take("settings-accessibility", width, height)?;
                        scroll(5000.0);
                    }
                    shown = Some(panel);
                }
                settings.set_tab(0);
                settings.set_open(false);
                screen.advance(Duration::from_secs(1));
            }
        }
        // What a 1280x800 panel shows when mounted each way: the layout for the turned window,
        // turned into the panel by the device's own renderer.
        // (The standard look only: the turn does not depend on the look.)
        let rotated = views
            .iter()
            .find(|(name, _)| *name == ROTATED_SCREEN && pass.folder.is_empty());
        if let Some((_, view)) = rotated {
            let panel = SIZES[0];
            for rotation in Rotation::ALL {
                let (width, height) = rotation.window_size(panel);
                screen.resize(width, height);
                apply(window, None, view);
                screen.advance(Duration::from_secs(1));
                let name = format!("rotation-{}", rotation.degrees());
                let path = dir.join(format!("{name}-{}x{}.png", panel.0, panel.1));
                save(&screen.render_rotated(rotation), &path)?;
                shots.push(Shot {
                    language,
                    look: pass.look,
                    name,
                    width: panel.0,
                    height: panel.1,
                    path,
                });
            }
        }
    }
    Ok(shots)
}

/// `--screenshot DIR --pairing-uri URI`: only the pairing screen showing `uri`, at both sizes,
/// in the configured language (the device rig compares it with the device's display). Also
/// returns how long this renderer takes for a full-screen change (pairing to undocked, at
/// 1280x800, best of five): the rig's yardstick for the same kind of change on the DRM display.
pub fn render_pairing(
    dir: &Path,
    config: &AppConfig,
    uri: &str,
) -> Result<(Vec<PathBuf>, Duration), UiError> {
    let (w0, h0) = SIZES[0];
    let screen =
        HeadlessScreen::install(w0, h0, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))?;
    let window = MainWindow::new()?;
    window.show()?;
    std::fs::create_dir_all(dir).map_err(|source| UiError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let view = crate::demo::pairing_view(config, uri);
    apply(&window, None, &view);
    let mut files = Vec::new();
    for (width, height) in SIZES {
        screen.resize(width, height);
        screen.advance(Duration::from_secs(1));
        let path = dir.join(format!("pairing-{width}x{height}.png"));
        save(&screen.render(), &path)?;
        files.push(path);
    }
    screen.resize(w0, h0);
    let undocked = crate::demo::undocked_view(config);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        apply(&window, None, &view);
        screen.advance(Duration::from_secs(1));
        let _ = screen.render();
        let started = std::time::Instant::now();
        apply(&window, Some(&view), &undocked);
        let _ = screen.render();
        best = best.min(started.elapsed());
    }
    window.hide()?;
    Ok((files, best))
}

/// The sample sale in the currency a shop speaking `language` would most likely use, so the
/// pictures show each locale's money pattern ("1 234,50 kr", "$1,234.50" for TWD).
fn local_config(config: &AppConfig, language: Language) -> AppConfig {
    let currency = match language {
        Language::English => return config.clone(),
        Language::Dutch => "EUR",
        Language::Swedish => "SEK",
        Language::ChineseTraditional => "TWD",
        Language::ChineseSimplified => "CNY",
    };
    AppConfig {
        currency: currency.into(),
        ..config.clone()
    }
}

/// The screen shown turned into the panel for each rotation (`rotation-<degrees>-1280x800`).
pub const ROTATED_SCREEN: &str = "cart";

/// PNG with fast compression: hundreds of pictures per test run.
fn save(frame: &image::RgbImage, path: &Path) -> Result<(), UiError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let file = std::fs::File::create(path).map_err(|source| UiError::Write {
        path: path.to_owned(),
        source,
    })?;
    let encoder = PngEncoder::new_with_quality(
        std::io::BufWriter::new(file),
        CompressionType::Fast,
        FilterType::Adaptive,
    );
    frame.write_with_encoder(encoder)?;
    Ok(())
}
