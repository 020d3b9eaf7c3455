//! Small timing helpers shared by the actors.

use std::time::Instant;

/// Sleeps until `deadline`, or forever when there is none: for a `select!` branch that fires
/// only when the core (or the pairing code) has something due.
pub async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
