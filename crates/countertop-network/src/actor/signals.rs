//! The one subscription to NetworkManager's signals, and what each signal asks the actor to
//! re-read. Every signal from NetworkManager (PropertiesChanged on the manager, devices,
//! active connections and access points; StateChanged; AccessPointAdded/Removed;
//! DeviceAdded/Removed; NewConnection, Updated, Removed) marks the status and the Wi-Fi list
//! for recomputation; the few below also mark the saved profiles or the ethernet preference.

use zbus::message::Type;
use zbus::{MatchRule, Message, MessageStream};

use super::Exit;
use crate::dbus::{BUS_NAME, SETTINGS_PATH};
use crate::decide::join::device_state;
use crate::error::NetworkError;

/// Signals sent by whoever owns NetworkManager's name (the bus daemon applies the sender
/// filter; zbus cannot check a well-known sender on its side, so the session also compares
/// each message's sender with NetworkManager's unique name).
pub(crate) async fn subscribe(
    connection: &zbus::Connection,
) -> Result<MessageStream, NetworkError> {
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .sender(BUS_NAME)?
        .build();
    Ok(MessageStream::for_match_rule(rule, connection, Some(1024)).await?)
}

pub(crate) fn message_or_lost(item: Option<zbus::Result<Message>>) -> Result<Message, Exit> {
    match item {
        Some(Ok(message)) => Ok(message),
        Some(Err(error)) => Err(Exit::BusLost(format!("D-Bus connection failed: {error}"))),
        None => Err(Exit::BusLost("the D-Bus connection closed".to_owned())),
    }
}

/// Work a signal leaves for the next recomputation, beyond status and Wi-Fi list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dirty {
    /// Re-read the saved profiles (known networks).
    pub profiles: bool,
    /// Check the ethernet preference on profiles and running devices.
    pub preferences: bool,
}

impl std::ops::BitOrAssign for Dirty {
    fn bitor_assign(&mut self, other: Dirty) {
        self.profiles |= other.profiles;
        self.preferences |= other.preferences;
    }
}

/// `device_new_state`: the new state when the signal is a device's `StateChanged`;
/// `object`: the object an ObjectManager `InterfacesAdded` / `InterfacesRemoved` is about.
pub(crate) fn classify(
    path: &str,
    member: &str,
    device_new_state: Option<u32>,
    object: Option<&str>,
) -> Dirty {
    // Settings.NewConnection / ConnectionRemoved and Settings.Connection.Updated / Removed all
    // come from objects under the Settings path; while NetworkManager starts, its profiles
    // are exported (InterfacesAdded) after its name appears.
    let profiles =
        path.starts_with(SETTINGS_PATH) || object.is_some_and(|o| o.starts_with(SETTINGS_PATH));
    // A profile or device appeared, or a device finished activating (a profile activated with
    // an old route metric is re-applied then).
    let preferences =
        profiles || member == "DeviceAdded" || device_new_state == Some(device_state::ACTIVATED);
    Dirty {
        profiles,
        preferences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE: &str = "/org/freedesktop/NetworkManager/Devices/2";

    #[test]
    fn profile_signals_mark_profiles_and_preferences() {
        let both = Dirty {
            profiles: true,
            preferences: true,
        };
        assert_eq!(
            classify(
                "/org/freedesktop/NetworkManager/Settings",
                "NewConnection",
                None,
                None
            ),
            both
        );
        assert_eq!(
            classify(
                "/org/freedesktop/NetworkManager/Settings/7",
                "Updated",
                None,
                None
            ),
            both
        );
        assert_eq!(
            classify(
                "/org/freedesktop/NetworkManager/Settings/7",
                "Removed",
                None,
                None
            ),
            both
        );
    }

    #[test]
    fn new_devices_and_activations_mark_preferences() {
        let preferences = Dirty {
            profiles: false,
            preferences: true,
        };
        assert_eq!(
            classify("/org/freedesktop/NetworkManager", "DeviceAdded", None, None),
            preferences
        );
        assert_eq!(
            classify(DEVICE, "StateChanged", Some(100), None),
            preferences
        );
    }

    #[test]
    fn profiles_exported_at_startup_mark_profiles() {
        let added = classify(
            "/org/freedesktop",
            "InterfacesAdded",
            None,
            Some("/org/freedesktop/NetworkManager/Settings/1"),
        );
        assert_eq!(
            added,
            Dirty {
                profiles: true,
                preferences: true
            }
        );
        let ap = classify(
            "/org/freedesktop",
            "InterfacesAdded",
            None,
            Some("/org/freedesktop/NetworkManager/AccessPoint/9"),
        );
        assert_eq!(ap, Dirty::default());
    }

    #[test]
    fn other_signals_only_mark_the_status() {
        assert_eq!(
            classify(DEVICE, "StateChanged", Some(70), None),
            Dirty::default()
        );
        assert_eq!(
            classify(DEVICE, "PropertiesChanged", None, None),
            Dirty::default()
        );
        assert_eq!(
            classify(
                "/org/freedesktop/NetworkManager/AccessPoint/3",
                "PropertiesChanged",
                None,
                None
            ),
            Dirty::default()
        );
    }
}
