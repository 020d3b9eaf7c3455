//! NetworkManager over D-Bus (zbus) as an actor, for the Countertop terminal.
//!
//! [`run`] owns the bus connection: the UI sends [`NetworkRequest`]s and receives
//! [`NetworkEvent`]s. Status follows NetworkManager's signals (no polling); Wi-Fi networks can
//! be listed, joined and forgotten; the dock's ethernet is kept preferred over Wi-Fi through
//! route metrics set on NetworkManager's profiles.
//!
//! Layout: `dbus` (typed proxies), `decide` (pure rules, unit-tested), `read` (D-Bus state to
//! plain values), `actor` (the task).

mod actor;
mod dbus;
mod decide;
mod error;
mod read;
mod types;

pub use actor::run;
pub use decide::signal::signal_bars;
pub use error::{JoinError, NetworkError};
pub use types::{
    AccessPoint, ConnectionKind, Connectivity, NetworkConfig, NetworkEvent, NetworkRequest,
    NetworkStatus, WifiSecurity,
};
