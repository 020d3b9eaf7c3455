use std::net::{Ipv4Addr, SocketAddr};
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

    /// Where the payment journal, pairing and TLS identity are kept. Default: $STATE_DIRECTORY,
    /// /var/lib/countertop if writable, else ~/.local/state/countertop.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Render every screen in every language to PNG files in DIR/<language>/ (software renderer,
    /// no display needed) and exit.
    #[arg(long, value_name = "DIR")]
    pub screenshot: Option<PathBuf>,

    /// With --screenshot: render only the pairing screen showing this pairing URI.
    #[arg(long, value_name = "URI", requires = "screenshot")]
    pub pairing_uri: Option<String>,

    /// Run in a window instead of full screen (development).
    #[arg(long)]
    pub windowed: bool,

    /// Run without a display: the POS link, journal and simulators only. Prints the pairing
    /// payload instead of showing the QR. For tests, soak runs and servers.
    #[arg(long)]
    pub headless: bool,

    /// Render the first frame off-screen, print how long start-up took, and exit.
    /// Used by the start-up benchmark and as a smoke test on a fresh image.
    #[arg(long)]
    pub self_test: bool,

    /// Address of the POS link (TLS WebSocket).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:4443")]
    pub listen: SocketAddr,

    /// Address of the plain HTTP health endpoint.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8080")]
    pub health_listen: SocketAddr,

    /// UDP address answering the paired POS's discovery requests.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:27000")]
    pub discovery_listen: SocketAddr,

    /// Where to announce this terminal's addresses (every 30 s and on change).
    #[arg(long, value_name = "ADDR", default_value = "255.255.255.255:27001")]
    pub announce_to: SocketAddr,

    /// No UDP discovery answers or announcements.
    #[arg(long)]
    pub no_discovery: bool,

    /// IPv4 addresses to put in the pairing QR (comma separated) instead of the machine's own.
    #[arg(long, value_name = "IPS", value_delimiter = ',')]
    pub advertise: Option<Vec<Ipv4Addr>>,

    /// Simulator: test cards the reader presents in turn (approve, insufficient-funds, decline,
    /// no-answer).
    #[arg(long, value_name = "CARDS", value_delimiter = ',')]
    pub sim_cards: Option<Vec<String>>,

    /// Simulator: milliseconds before the reader presents a card.
    #[arg(long, value_name = "MS")]
    pub sim_card_delay_ms: Option<u64>,

    /// Simulator: the gateway's answer time.
    #[arg(long, value_name = "MS")]
    pub sim_gateway_latency_ms: Option<u64>,

    /// Simulator: keep the gateway's records in this file, so they survive a terminal crash as
    /// a real acquirer's would.
    #[arg(long, value_name = "PATH")]
    pub sim_gateway_ledger: Option<PathBuf>,
}

impl Cli {
    pub fn state_dir(&self) -> PathBuf {
        if let Some(dir) = &self.state_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("STATE_DIRECTORY") {
            return PathBuf::from(dir);
        }
        let system = PathBuf::from("/var/lib/countertop");
        let writable = std::fs::create_dir_all(&system).is_ok() && tempfile_probe(&system);
        if writable {
            return system;
        }
        match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".local/state/countertop"),
            None => PathBuf::from("countertop-state"),
        }
    }
}

fn tempfile_probe(dir: &std::path::Path) -> bool {
    let probe = dir.join(".write-probe");
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(probe);
    ok
}
