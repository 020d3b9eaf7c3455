//! A session with a running NetworkManager: recompute on signals, answer requests, follow a
//! Wi-Fi join to its end.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use zbus::MessageStream;
use zbus::fdo::NameOwnerChangedStream;
use zbus::names::OwnedUniqueName;

use super::join::{self, PendingJoin};
use super::signals::{self, Dirty, message_or_lost};
use super::{Actor, Exit, forget, preferences};
use crate::dbus::device::{TYPE_WIFI, WirelessProxy};
use crate::dbus::{ACTIVE_CONNECTION_INTERFACE, DEVICE_INTERFACE, at};
use crate::error::{JoinError, NetworkError};
use crate::read::access_points::access_point_list_of;
use crate::read::devices::{DeviceInfo, devices};
use crate::read::profiles::{SavedProfile, saved_profiles};
use crate::read::status::read_status;
use crate::types::{AccessPoint, NetworkEvent, NetworkRequest, NetworkStatus};

/// Signals come in bursts (an activation is dozens of PropertiesChanged): recompute once per
/// burst, this long after its first signal.
const COALESCE: Duration = Duration::from_millis(25);

/// A join that NetworkManager has neither finished nor failed by then is given up.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Session<'a> {
    actor: &'a Actor,
    connection: zbus::Connection,
    /// NetworkManager's unique name: signals from anyone else are ignored.
    owner: OwnedUniqueName,
    devices: Vec<DeviceInfo>,
    profiles: Vec<SavedProfile>,
    last_status: Option<NetworkStatus>,
    last_access_points: Option<Vec<AccessPoint>>,
    dirty: Dirty,
    recompute_at: Option<Instant>,
    join: Option<PendingJoin>,
}

impl<'a> Session<'a> {
    pub(crate) fn new(
        actor: &'a Actor,
        connection: zbus::Connection,
        owner: OwnedUniqueName,
    ) -> Self {
        Session {
            actor,
            connection,
            owner,
            devices: Vec::new(),
            profiles: Vec::new(),
            last_status: None,
            last_access_points: None,
            dirty: Dirty::default(),
            recompute_at: None,
            join: None,
        }
    }

    /// `Ok` when NetworkManager left the bus (or was replaced); `Err` to end the connection.
    pub(crate) async fn run(
        mut self,
        owners: &mut NameOwnerChangedStream,
        messages: &mut MessageStream,
        requests: &mut mpsc::Receiver<NetworkRequest>,
    ) -> Result<(), Exit> {
        tracing::info!(owner = %self.owner, "NetworkManager on the bus");
        self.start().await?;
        loop {
            let recompute_at = self.recompute_at;
            let join_deadline = self.join.as_ref().map(|join| join.deadline);
            tokio::select! {
                biased;
                _ = self.actor.events_closed() => return Err(Exit::Stop),
                change = owners.next() => {
                    let change = change.ok_or_else(|| Exit::BusLost("the D-Bus connection closed".to_owned()))?;
                    let still_ours = change.args().is_ok_and(|args| {
                        args.new_owner().as_ref().is_some_and(|owner| owner.as_str() == self.owner.as_str())
                    });
                    if !still_ours {
                        tracing::info!("NetworkManager left the bus");
                        if let Some(pending) = self.join.take() {
                            let result = Err(JoinError::Failed("NetworkManager stopped".to_owned()));
                            self.actor.emit(NetworkEvent::JoinFinished { ssid: pending.ssid, result }).await?;
                        }
                        return Ok(());
                    }
                }
                message = messages.next() => {
                    let message = message_or_lost(message)?;
                    self.on_signal(&message).await?;
                }
                _ = sleep_until(recompute_at.unwrap_or_else(Instant::now)), if recompute_at.is_some() => {
                    self.recompute().await?;
                }
                _ = sleep_until(join_deadline.unwrap_or_else(Instant::now)), if join_deadline.is_some() => {
                    let timeout = JoinError::Failed(format!("NetworkManager did not finish within {} s", JOIN_TIMEOUT.as_secs()));
                    self.finish_join(Err(timeout)).await?;
                }
                request = requests.recv() => match request {
                    None => return Err(Exit::Stop),
                    Some(request) => self.handle(request).await?,
                },
            }
        }
    }

    /// A first full read: everything counts as changed, and the status goes out regardless.
    async fn start(&mut self) -> Result<(), Exit> {
        self.dirty = Dirty {
            profiles: true,
            preferences: true,
        };
        self.refresh(true).await
    }

    async fn on_signal(&mut self, message: &zbus::Message) -> Result<(), Exit> {
        let header = message.header();
        if header.sender().map(|s| s.as_str()) != Some(self.owner.as_str()) {
            return Ok(());
        }
        let path = header.path().map(|p| p.as_str()).unwrap_or_default();
        let interface = header.interface().map(|i| i.as_str()).unwrap_or_default();
        let member = header.member().map(|m| m.as_str()).unwrap_or_default();
        let device_state = (interface == DEVICE_INTERFACE && member == "StateChanged")
            .then(|| message.body().deserialize::<(u32, u32, u32)>().ok())
            .flatten();
        let active_state = (interface == ACTIVE_CONNECTION_INTERFACE && member == "StateChanged")
            .then(|| message.body().deserialize::<(u32, u32)>().ok())
            .flatten();
        let object = matches!(member, "InterfacesAdded" | "InterfacesRemoved")
            .then(|| {
                message
                    .body()
                    .deserialize_unchecked::<(zbus::zvariant::OwnedObjectPath,)>()
                    .ok()
            })
            .flatten();
        let object = object.as_ref().map(|(path,)| path.as_str());
        self.dirty |= signals::classify(path, member, device_state.map(|(new, _, _)| new), object);
        self.schedule_recompute();

        let Some(pending) = &mut self.join else {
            return Ok(());
        };
        let decided = match (device_state, active_state) {
            (Some((new, _old, reason)), _) if path == pending.device.as_str() => {
                match pending.on_device_state(new, reason) {
                    // The device also reports ACTIVATED for whatever it runs: make sure it is ours.
                    Some(Ok(())) => join::device_runs(&self.connection, pending)
                        .await?
                        .then_some(Ok(())),
                    other => other,
                }
            }
            (_, Some((state, reason))) if path == pending.active.as_str() => {
                pending.on_active_state(state, reason)
            }
            _ => None,
        };
        if let Some(result) = decided {
            self.finish_join(result).await?;
        }
        Ok(())
    }

    fn schedule_recompute(&mut self) {
        self.recompute_at
            .get_or_insert_with(|| Instant::now() + COALESCE);
    }

    async fn recompute(&mut self) -> Result<(), Exit> {
        self.refresh(false).await
    }

    /// Re-reads devices (and what `dirty` names), applies the ethernet preference if asked,
    /// and publishes what changed (everything when `force`).
    async fn refresh(&mut self, force: bool) -> Result<(), Exit> {
        self.recompute_at = None;
        let dirty = std::mem::take(&mut self.dirty);
        self.devices = devices(&self.connection).await?;
        if dirty.profiles {
            self.profiles = saved_profiles(&self.connection).await?;
        }
        if dirty.preferences {
            preferences::apply(
                &self.connection,
                &self.actor.config,
                &self.profiles,
                &self.devices,
            )
            .await?;
        }
        self.publish(force).await
    }

    /// Sends `Status` and `AccessPoints` when they changed (always when `force`).
    async fn publish(&mut self, force: bool) -> Result<(), Exit> {
        let status = read_status(&self.connection, &self.actor.config, &self.devices).await?;
        if force || self.last_status.as_ref() != Some(&status) {
            self.last_status = Some(status.clone());
            self.actor.emit(NetworkEvent::Status(status)).await?;
        }
        let list = access_point_list_of(&self.connection, &self.devices, &self.profiles).await?;
        if let Some(list) = &list
            && (force || self.last_access_points.as_ref() != Some(list))
        {
            self.actor
                .emit(NetworkEvent::AccessPoints(list.clone()))
                .await?;
        }
        self.last_access_points = list;
        Ok(())
    }

    async fn handle(&mut self, request: NetworkRequest) -> Result<(), Exit> {
        tracing::debug!(?request, "network request");
        match request {
            NetworkRequest::Refresh => {
                self.devices = devices(&self.connection).await?;
                self.publish(true).await
            }
            NetworkRequest::Scan => self.scan().await,
            NetworkRequest::Join { ssid, password } => self.join(ssid, password).await,
            NetworkRequest::Forget { ssid } => {
                let result = forget::forget(&self.connection, &ssid).await;
                self.dirty.profiles = true;
                self.schedule_recompute();
                self.actor
                    .emit(NetworkEvent::Forgotten { ssid, result })
                    .await?;
                Ok(())
            }
        }
    }

    /// Asks every Wi-Fi device to scan, then sends the list as it is now; the scan's results
    /// follow through AccessPointAdded / PropertiesChanged.
    async fn scan(&mut self) -> Result<(), Exit> {
        self.devices = devices(&self.connection).await?;
        for device in self.devices.iter().filter(|d| d.is(TYPE_WIFI)) {
            let wireless: WirelessProxy<'_> = at(&self.connection, device.path.as_str()).await?;
            if let Err(error) = wireless.request_scan(HashMap::new()).await {
                let error = NetworkError::from(error);
                if !error.is_reply() {
                    return Err(error.into());
                }
                // NetworkManager refuses scans in quick succession; the last results stand.
                tracing::debug!(%error, "scan request refused");
            }
        }
        let list = access_point_list_of(&self.connection, &self.devices, &self.profiles).await?;
        self.last_access_points = list.clone();
        self.actor
            .emit(NetworkEvent::AccessPoints(list.unwrap_or_default()))
            .await?;
        Ok(())
    }

    async fn join(&mut self, ssid: String, password: Option<String>) -> Result<(), Exit> {
        if self.join.is_some() {
            self.finish_join(Err(JoinError::Failed(
                "replaced by a newer join request".to_owned(),
            )))
            .await?;
        }
        self.devices = devices(&self.connection).await?;
        self.profiles = saved_profiles(&self.connection).await?;
        let request = join::JoinRequest {
            ssid: &ssid,
            password: password.as_deref(),
            deadline: Instant::now() + JOIN_TIMEOUT,
        };
        let started = join::start(
            &self.connection,
            &self.actor.config,
            &self.devices,
            &self.profiles,
            request,
        )
        .await;
        match started {
            Err(error) => {
                self.actor
                    .emit(NetworkEvent::JoinFinished {
                        ssid,
                        result: Err(error),
                    })
                    .await?;
            }
            Ok(pending) => {
                // NetworkManager may have finished already (python-dbusmock activates at once).
                let decided = join::check_now(&self.connection, &pending).await?;
                self.join = Some(pending);
                if let Some(result) = decided {
                    self.finish_join(result).await?;
                }
            }
        }
        self.dirty.profiles = true;
        self.schedule_recompute();
        Ok(())
    }

    async fn finish_join(&mut self, result: Result<(), JoinError>) -> Result<(), Exit> {
        let Some(pending) = self.join.take() else {
            return Ok(());
        };
        if result.is_err() {
            join::clean_up_failed(&self.connection, &pending).await?;
        }
        tracing::info!(ssid = %pending.ssid, ?result, "Wi-Fi join finished");
        self.dirty.profiles = true;
        self.schedule_recompute();
        self.actor
            .emit(NetworkEvent::JoinFinished {
                ssid: pending.ssid,
                result,
            })
            .await?;
        Ok(())
    }
}
