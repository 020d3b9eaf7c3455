//! Answers authenticated discovery requests on UDP 27000 and announces the terminal's
//! addresses on 27001: every 30 s, and at once when they change.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use countertop_core::discovery::{self, DiscoveryMessage, MAX_DATAGRAM, Whereabouts};
use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::server::Context;

const ANNOUNCE_EVERY: Duration = Duration::from_secs(30);
const ADDRESS_CHECK_EVERY: Duration = Duration::from_secs(2);

pub(super) async fn answer(
    socket: UdpSocket,
    shared: Arc<Context>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        let (len, from) = tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok(pair) => pair,
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let Ok(DiscoveryMessage::Discover { pos_id, nonce }) = discovery::decode(&buf[..len])
        else {
            continue;
        };
        // Only the paired POS gets an answer; strangers learn nothing.
        let beacon = shared.beacon.borrow().clone();
        let Some((paired_id, key)) = beacon.paired else {
            continue;
        };
        if pos_id != paired_id || !discovery::valid_nonce(&nonce) {
            continue;
        }
        let reply = discovery::encode(&beacon.whereabouts.here(&key, &nonce));
        let _ = socket.send_to(&reply, from).await;
    }
}

pub(super) async fn announce(
    target: SocketAddr,
    shared: Arc<Context>,
    mut shutdown: watch::Receiver<bool>,
) {
    let bind: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let Ok(socket) = UdpSocket::bind(bind).await else {
        return tracing::warn!("no socket for announcements");
    };
    let _ = socket.set_broadcast(true);
    // Starts from the clock (milliseconds since 1970 at start-up) so that a restarted
    // terminal's counter keeps growing; after that it counts announcements. It is a counter,
    // not a time (docs/protocol.md says so).
    let mut counter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut last_sent: Option<Whereabouts> = None;
    let mut since_last = Duration::ZERO;
    loop {
        let beacon = shared.beacon.borrow().clone();
        let now = beacon.whereabouts;
        let changed = last_sent.as_ref() != Some(&now);
        if (changed || since_last >= ANNOUNCE_EVERY)
            && let Some((_, key)) = beacon.paired
        {
            counter += 1;
            let message = discovery::encode(&now.announce(&key, counter));
            if socket.send_to(&message, target).await.is_ok() {
                if changed {
                    tracing::info!(ips = ?now.ips, "terminal address announced");
                }
                last_sent = Some(now);
                since_last = Duration::ZERO;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(ADDRESS_CHECK_EVERY) => since_last += ADDRESS_CHECK_EVERY,
            _ = shutdown.changed() => return,
        }
    }
}
