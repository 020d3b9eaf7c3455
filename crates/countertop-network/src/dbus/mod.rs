//! Typed `#[zbus::proxy]` traits for the parts of NetworkManager's D-Bus API the actor uses,
//! written from NetworkManager's interface documentation. Proxies are built without a
//! property cache: every status recomputation reads fresh values, and a property an
//! implementation lacks (python-dbusmock has no `PrimaryConnection`, no `Device.Ip4Config`)
//! is one failed `Get` that [`optional`] turns into `None` instead of failing the status.

pub mod access_point;
pub mod active_connection;
pub mod device;
pub mod ip_config;
pub mod manager;
pub mod settings;

use std::collections::HashMap;

use zbus::proxy::CacheProperties;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

use crate::error::NetworkError;

pub const BUS_NAME: &str = "org.freedesktop.NetworkManager";
pub const MANAGER_PATH: &str = "/org/freedesktop/NetworkManager";
pub const SETTINGS_PATH: &str = "/org/freedesktop/NetworkManager/Settings";
pub const DEVICE_INTERFACE: &str = "org.freedesktop.NetworkManager.Device";
pub const ACTIVE_CONNECTION_INTERFACE: &str = "org.freedesktop.NetworkManager.Connection.Active";

/// A connection profile as NetworkManager serialises it (`a{sa{sv}}`): setting name ->
/// property name -> value.
pub type SettingsMap = HashMap<String, HashMap<String, OwnedValue>>;

/// A property read where "absent" is an answer: an error *reply* (unknown property, unknown
/// object, wrong type) is `None`; a broken bus is still an error.
pub fn optional<T>(result: zbus::Result<T>) -> Result<Option<T>, NetworkError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(zbus::Error::Variant(_)) => Ok(None),
        Err(error) => {
            let error = NetworkError::from(error);
            if error.is_reply() {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

/// `None` for NetworkManager's "no object" path `/`.
pub fn non_root(path: OwnedObjectPath) -> Option<OwnedObjectPath> {
    if path.as_str() == "/" {
        None
    } else {
        Some(path)
    }
}

/// Builds a proxy for the object at `path`, without a property cache (see module docs).
pub async fn at<P>(connection: &zbus::Connection, path: &str) -> Result<P, NetworkError>
where
    P: zbus::proxy::ProxyImpl<'static> + From<zbus::Proxy<'static>>,
{
    let builder = P::builder(connection)
        .path(path.to_owned())?
        .cache_properties(CacheProperties::No);
    Ok(builder.build().await?)
}
