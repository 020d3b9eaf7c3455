//! Finding the paired terminal again after its address changed.

use std::net::SocketAddr;
use std::time::Duration;

use countertop_core::discovery::{self, DiscoveryMessage, MAX_DATAGRAM, Whereabouts};
use countertop_core::pairing::{hash_credential, to_hex};
use tokio::net::UdpSocket;

use super::{PosCredentials, PosError};

/// Asks `target` (the LAN broadcast address in a shop, port 27000) where the terminal is, and
/// returns the first answer signed for this POS.
pub async fn discover(
    credentials: &PosCredentials,
    target: SocketAddr,
    wait: Duration,
) -> Result<Whereabouts, PosError> {
    let socket = UdpSocket::bind(("0.0.0.0", 0))
        .await
        .map_err(|e| PosError::Unreachable(e.to_string()))?;
    let _ = socket.set_broadcast(true);
    let mut nonce_bytes = [0u8; 16];
    getrandom::fill(&mut nonce_bytes).map_err(|e| PosError::Credentials(e.to_string()))?;
    let nonce = to_hex(&nonce_bytes);
    let request = discovery::encode(&DiscoveryMessage::Discover {
        pos_id: credentials.pos_id.clone(),
        nonce: nonce.clone(),
    });
    socket
        .send_to(&request, target)
        .await
        .map_err(|e| PosError::Unreachable(e.to_string()))?;
    let key = hash_credential(&credentials.credential);
    first_verified(&socket, wait, |message| {
        discovery::verify_here(message, &key, &nonce).ok()
    })
    .await
}

/// Waits on `socket` (bound to port 27001) for the next genuine announcement newer than
/// `last_counter`.
pub async fn next_announcement(
    socket: &UdpSocket,
    credentials: &PosCredentials,
    last_counter: Option<u64>,
    wait: Duration,
) -> Result<(Whereabouts, u64), PosError> {
    let key = hash_credential(&credentials.credential);
    first_verified(socket, wait, |message| {
        discovery::verify_announce(message, &key, last_counter).ok()
    })
    .await
}

/// Receives datagrams until one decodes and passes `verify`; anything else (noise, forgeries,
/// replays) is skipped.
async fn first_verified<T>(
    socket: &UdpSocket,
    wait: Duration,
    verify: impl Fn(&DiscoveryMessage) -> Option<T>,
) -> Result<T, PosError> {
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let (len, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .map_err(|_| PosError::Timeout)?
            .map_err(|e| PosError::Unreachable(e.to_string()))?;
        if let Some(found) = discovery::decode(&buf[..len])
            .ok()
            .as_ref()
            .and_then(&verify)
        {
            return Ok(found);
        }
    }
}
