//! Adapters around the pure core. Each owns its resource and runs as an actor that takes
//! requests on a channel and reports `Input`s for the core.

pub mod backlight;
pub mod battery;
pub mod dock;
pub mod gateway;
pub mod idle_image;
pub mod link;
pub mod local_time;
pub mod nexo;
pub mod reader;
pub mod store;
pub mod ui;
