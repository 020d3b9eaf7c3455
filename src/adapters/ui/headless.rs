//! An off-screen Slint platform on the software renderer: used for screenshots, the start-up
//! self-test and the benchmarks. It needs no display, GPU or window system.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{PhysicalSize, PlatformError, Rgb8Pixel};

/// Where the platform's notion of time comes from.
#[derive(Clone)]
pub enum Clock {
    Real(Instant),
    /// Advanced by hand, so animations and "no frame while idle" checks are deterministic.
    Manual(Rc<Cell<Duration>>),
}

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    clock: Clock,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        match &self.clock {
            Clock::Real(start) => start.elapsed(),
            Clock::Manual(now) => now.get(),
        }
    }
}

/// A headless screen of a given size. Install once per thread, before any window is created.
/// Like a device framebuffer it keeps its pixels between frames, so a frame redraws only what
/// changed.
pub struct HeadlessScreen {
    window: Rc<MinimalSoftwareWindow>,
    clock: Clock,
    pixels: RefCell<Vec<Rgb8Pixel>>,
}

impl HeadlessScreen {
    pub fn install(width: u32, height: u32, clock: Clock) -> Result<Self, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        window.set_size(PhysicalSize::new(width, height));
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
            clock: clock.clone(),
        }))
        .map_err(|e| PlatformError::Other(e.to_string()))?;
        Ok(HeadlessScreen {
            window,
            clock,
            pixels: RefCell::new(Vec::new()),
        })
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.window.set_size(PhysicalSize::new(width, height));
    }

    /// Moves manual time forward and runs due timers and animations.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(now) = &self.clock {
            now.set(now.get() + by);
        }
        slint::platform::update_timers_and_animations();
    }

    /// Draws a frame into the screen's pixels if anything changed since the last one, like a
    /// display would, without handing a copy out. Returns whether a frame was drawn.
    pub fn draw_if_needed(&self) -> bool {
        slint::platform::update_timers_and_animations();
        let size = self.window.size();
        let (width, height) = (size.width, size.height);
        let mut pixels = self.pixels.borrow_mut();
        pixels.resize((width * height) as usize, Rgb8Pixel { r: 0, g: 0, b: 0 });
        self.window.draw_if_needed(|renderer| {
            renderer.render(&mut pixels, width as usize);
        })
    }

    /// Draws the whole window now, changed or not, without handing a copy out.
    pub fn draw(&self) {
        self.window.request_redraw();
        self.draw_if_needed();
    }

    /// Whether the screen shows more than one colour: a frame of one flat colour means nothing
    /// was drawn.
    pub fn shows_anything(&self) -> bool {
        let pixels = self.pixels.borrow();
        let Some(first) = pixels.first() else {
            return false;
        };
        pixels.iter().any(|p| p != first)
    }

    /// A copy of what the screen shows.
    pub fn frame(&self) -> image::RgbImage {
        let size = self.window.size();
        let pixels = self.pixels.borrow();
        let mut raw = Vec::with_capacity(pixels.len() * 3);
        raw.extend(pixels.iter().flat_map(|p| [p.r, p.g, p.b]));
        image::RgbImage::from_raw(size.width, size.height, raw)
            .unwrap_or_else(|| image::RgbImage::new(size.width, size.height))
    }

    /// Renders a frame if anything changed since the last one. Returns the frame, or `None`
    /// when nothing needed drawing (the display would stay idle).
    pub fn render_if_needed(&self) -> Option<image::RgbImage> {
        self.draw_if_needed().then(|| self.frame())
    }

    /// Renders the whole window into a panel turned by `rotation`, the way the device's
    /// linuxkms backend draws it (the same software renderer, told the same rotation): the
    /// picture the panel shows. The window must have the rotated size (`Rotation::window_size`).
    pub fn render_rotated(&self, rotation: countertop_core::Rotation) -> image::RgbImage {
        use slint::platform::software_renderer::RenderingRotation;
        let size = self.window.size();
        let (width, height) = if rotation.is_quarter_turn() {
            (size.height, size.width)
        } else {
            (size.width, size.height)
        };
        let turn = match rotation {
            countertop_core::Rotation::Deg0 => RenderingRotation::NoRotation,
            countertop_core::Rotation::Deg90 => RenderingRotation::Rotate90,
            countertop_core::Rotation::Deg180 => RenderingRotation::Rotate180,
            countertop_core::Rotation::Deg270 => RenderingRotation::Rotate270,
        };
        let mut panel = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; (width * height) as usize];
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        self.window.draw_if_needed(|renderer| {
            // A fresh buffer: drawn whole. Changing the buffer type drops the renderer's
            // partial-drawing state, so the next ordinary frame is drawn whole too.
            renderer.set_repaint_buffer_type(RepaintBufferType::NewBuffer);
            renderer.set_rendering_rotation(turn);
            renderer.render(&mut panel, width as usize);
            renderer.set_rendering_rotation(RenderingRotation::NoRotation);
            renderer.set_repaint_buffer_type(RepaintBufferType::ReusedBuffer);
        });
        let raw: Vec<u8> = panel.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        image::RgbImage::from_raw(width, height, raw)
            .unwrap_or_else(|| image::RgbImage::new(width, height))
    }

    /// Renders the whole window now, changed or not.
    pub fn render(&self) -> image::RgbImage {
        self.draw();
        self.frame()
    }
}
