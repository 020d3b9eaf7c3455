//! The LAN link to the POS: a TLS 1.3 WebSocket server (4443) speaking the JSON protocol of
//! `countertop_core::protocol`, a plain `GET /health` (8080) and UDP discovery (27000/27001).
//! The POS reaches the terminal by raw IP with the certificate pinned from the pairing QR.

mod addresses;
mod discovery;
mod health;
mod server;
mod session;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

pub use addresses::local_ipv4s;
pub use server::{LinkHandle, PosLinkStatus, run_link};
pub use tls::{pinned_client_config, server_config};

/// Default ports, as agreed with POS vendors.
pub const PAIRING_PORT: u16 = 4443;
pub const HEALTH_PORT: u16 = 8080;
pub const DISCOVERY_PORT: u16 = 27000;
pub const ANNOUNCE_PORT: u16 = 27001;

#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub terminal_id: String,
    pub store: String,
    pub location: String,
    /// Where the payment journal, pairing and TLS identity live.
    pub state_dir: PathBuf,
    /// Addresses written into the pairing QR; `None` lists the machine's IPv4 addresses.
    pub advertise: Option<Vec<Ipv4Addr>>,
    /// UDP address answering discovery requests (normally 0.0.0.0:27000); `None` disables.
    pub discovery: Option<SocketAddr>,
    /// Where announcements go (normally the LAN broadcast, port 27001); `None` disables.
    pub announce_to: Option<SocketAddr>,
}

/// Requests to the link from the staff panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRequest {
    /// "Reset connection to POS": forget the POS, new certificate, new code, new QR.
    ResetPairing,
    /// The terminal's current LAN addresses (from NetworkManager): the QR and discovery
    /// answers follow them, so a POS re-pairs or reconnects after the IP changed.
    CurrentAddresses(Vec<Ipv4Addr>),
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the TLS setup failed: {0}")]
    Tls(String),
    #[error(transparent)]
    Store(#[from] crate::adapters::store::StoreError),
}
