//! The reference POS client: pairs from the QR payload, then speaks the protocol over the
//! pinned TLS WebSocket. Used by the `countertop-pos` tool, the integration tests, the soak
//! benchmark and as the model for POS vendors.

mod client;
pub mod conformance;
mod credentials;
mod discovery;
pub mod schema;

pub use client::{PosClient, PosError};
pub use credentials::PosCredentials;
pub use discovery::{discover, next_announcement};
