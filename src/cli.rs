use std::path::PathBuf;

use clap::Parser;

/// Countertop customer display.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Run with a built-in simulated POS, card reader and gateway that cycle through a sale.
    #[arg(long)]
    pub demo: bool,

    /// Configuration file (TOML). Without it the built-in defaults are used.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Render every screen to PNG files in DIR (software renderer, no display needed) and exit.
    #[arg(long, value_name = "DIR")]
    pub screenshot: Option<PathBuf>,

    /// Run in a window instead of full screen (development).
    #[arg(long)]
    pub windowed: bool,

    /// Render the first frame off-screen, print how long start-up took, and exit.
    /// Used by the start-up benchmark and as a smoke test on a fresh image.
    #[arg(long)]
    pub self_test: bool,
}
