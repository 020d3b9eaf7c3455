//! While NetworkManager cannot be reached: say so, answer requests with that reason, and wait
//! for it to come back.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use zbus::MessageStream;
use zbus::fdo::NameOwnerChangedStream;

use super::signals::message_or_lost;
use super::{Actor, Exit, Stopped};
use crate::error::{JoinError, NetworkError};
use crate::types::{NetworkEvent, NetworkRequest};

/// The bus is unreachable: there is nothing to wait on but time. Returns after `delay`, or at
/// once on `Refresh`.
pub(super) async fn wait(
    actor: &Actor,
    requests: &mut mpsc::Receiver<NetworkRequest>,
    reason: &str,
    delay: Duration,
) -> Result<(), Stopped> {
    actor
        .emit(NetworkEvent::Unavailable {
            reason: reason.to_owned(),
        })
        .await?;
    let deadline = Instant::now() + delay;
    loop {
        tokio::select! {
            biased;
            _ = actor.events_closed() => return Err(Stopped),
            request = requests.recv() => match request {
                None => return Err(Stopped),
                Some(NetworkRequest::Refresh) => return Ok(()),
                Some(request) => answer(actor, request, reason).await?,
            },
            _ = sleep_until(deadline) => return Ok(()),
        }
    }
}

/// The bus is there, NetworkManager is not: wait for its name to get an owner.
pub(super) async fn wait_for_owner(
    actor: &Actor,
    owners: &mut NameOwnerChangedStream,
    messages: &mut MessageStream,
    requests: &mut mpsc::Receiver<NetworkRequest>,
    reason: &str,
) -> Result<(), Exit> {
    actor
        .emit(NetworkEvent::Unavailable {
            reason: reason.to_owned(),
        })
        .await?;
    loop {
        tokio::select! {
            biased;
            _ = actor.events_closed() => return Err(Exit::Stop),
            change = owners.next() => {
                let change = change.ok_or_else(|| Exit::BusLost("the D-Bus connection closed".to_owned()))?;
                if change.args().is_ok_and(|args| args.new_owner().is_some()) {
                    return Ok(());
                }
            }
            // Signals left over from a NetworkManager that is gone: nothing to recompute.
            message = messages.next() => { message_or_lost(message)?; }
            request = requests.recv() => match request {
                None => return Err(Exit::Stop),
                Some(request) => answer(actor, request, reason).await?,
            },
        }
    }
}

async fn answer(actor: &Actor, request: NetworkRequest, reason: &str) -> Result<(), Stopped> {
    let event = match request {
        NetworkRequest::Refresh | NetworkRequest::Scan => NetworkEvent::Unavailable {
            reason: reason.to_owned(),
        },
        NetworkRequest::Join { ssid, .. } => NetworkEvent::JoinFinished {
            ssid,
            result: Err(JoinError::Failed(reason.to_owned())),
        },
        NetworkRequest::Forget { ssid } => NetworkEvent::Forgotten {
            ssid,
            result: Err(NetworkError::Unavailable),
        },
    };
    actor.emit(event).await
}
