//! The actor: one task that owns the D-Bus connection, answers [`NetworkRequest`]s and turns
//! NetworkManager's signals into [`NetworkEvent`]s. It never polls: while NetworkManager is
//! running it waits on signals (and on the requests channel); while it is not, on
//! `NameOwnerChanged`. Only a missing bus, which has no signal to wait on, is retried on a
//! bounded back-off (1 s doubling to 30 s; a `Refresh` retries at once).

mod forget;
mod join;
mod offline;
mod preferences;
mod session;
mod signals;

use std::time::Duration;

use tokio::sync::mpsc;
use zbus::fdo::DBusProxy;
use zbus::names::BusName;

use crate::dbus::BUS_NAME;
use crate::error::NetworkError;
use crate::types::{NetworkConfig, NetworkEvent, NetworkRequest};

/// Runs until `requests` closes or the receiver of `events` is dropped.
pub async fn run(
    config: NetworkConfig,
    mut requests: mpsc::Receiver<NetworkRequest>,
    events: mpsc::Sender<NetworkEvent>,
) {
    let actor = Actor { config, events };
    let mut retry = Backoff::default();
    loop {
        let exit = match connect(&actor.config).await {
            Ok(connection) => {
                retry = Backoff::default();
                actor.on_bus(&connection, &mut requests).await
            }
            Err(error) => Exit::BusLost(format!("cannot connect to D-Bus: {error}")),
        };
        let reason = match exit {
            Exit::Stop => return,
            Exit::BusLost(reason) => reason,
        };
        tracing::warn!(%reason, "NetworkManager unreachable");
        let delay = retry.next_delay();
        if offline::wait(&actor, &mut requests, &reason, delay)
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Why a phase of the actor ended.
#[derive(Debug)]
pub(crate) enum Exit {
    /// The requests channel closed or the events receiver was dropped: end the actor.
    Stop,
    /// The bus connection broke; reconnect.
    BusLost(String),
}

impl From<Stopped> for Exit {
    fn from(_: Stopped) -> Self {
        Exit::Stop
    }
}

impl From<NetworkError> for Exit {
    fn from(error: NetworkError) -> Self {
        Exit::BusLost(error.to_string())
    }
}

/// The events receiver is gone.
#[derive(Debug)]
pub(crate) struct Stopped;

pub(crate) struct Actor {
    pub(crate) config: NetworkConfig,
    events: mpsc::Sender<NetworkEvent>,
}

impl Actor {
    pub(crate) async fn emit(&self, event: NetworkEvent) -> Result<(), Stopped> {
        tracing::debug!(?event, "network event");
        self.events.send(event).await.map_err(|_| Stopped)
    }

    /// Resolves when the events receiver is dropped.
    pub(crate) async fn events_closed(&self) {
        self.events.closed().await
    }

    /// Connected to a bus: alternate between "NetworkManager absent" and a session with it.
    async fn on_bus(
        &self,
        connection: &zbus::Connection,
        requests: &mut mpsc::Receiver<NetworkRequest>,
    ) -> Exit {
        let setup = async {
            let dbus = DBusProxy::new(connection).await?;
            let owners = dbus
                .receive_name_owner_changed_with_args(&[(0, BUS_NAME)])
                .await?;
            let messages = signals::subscribe(connection).await?;
            Ok::<_, NetworkError>((dbus, owners, messages))
        };
        let (dbus, mut owners, mut messages) = match setup.await {
            Ok(parts) => parts,
            Err(error) => return Exit::BusLost(error.to_string()),
        };
        loop {
            // Subscribed first, asked second: an owner appearing in between is not missed.
            let owner = match dbus
                .get_name_owner(BusName::try_from(BUS_NAME).expect("valid name"))
                .await
            {
                Ok(owner) => Some(owner),
                Err(zbus::fdo::Error::NameHasNoOwner(_)) => None,
                Err(error) => return Exit::BusLost(NetworkError::from(error).to_string()),
            };
            let phase = match owner {
                Some(owner) => {
                    session::Session::new(self, connection.clone(), owner)
                        .run(&mut owners, &mut messages, requests)
                        .await
                }
                None => {
                    let reason = "NetworkManager is not running (nobody owns org.freedesktop.NetworkManager on the bus)";
                    offline::wait_for_owner(self, &mut owners, &mut messages, requests, reason)
                        .await
                }
            };
            // Ok: NetworkManager came or went; look again who owns its name.
            if let Err(exit) = phase {
                return exit;
            }
        }
    }
}

/// No D-Bus call waits longer than this (zbus has no default): a stuck NetworkManager must
/// not stall the actor for good.
const METHOD_TIMEOUT: Duration = Duration::from_secs(25);

async fn connect(config: &NetworkConfig) -> Result<zbus::Connection, NetworkError> {
    let builder = match &config.bus_address {
        Some(address) => zbus::connection::Builder::address(address.as_str())?,
        None => zbus::connection::Builder::system()?,
    };
    Ok(builder.method_timeout(METHOD_TIMEOUT).build().await?)
}

/// Reconnect delays when the bus itself is unreachable.
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Duration::from_secs(1))
    }
}

impl Backoff {
    fn next_delay(&mut self) -> Duration {
        let delay = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(30));
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let mut backoff = Backoff::default();
        let delays: Vec<u64> = (0..7).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    }
}
