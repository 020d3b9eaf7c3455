//! The crate's one error enum, plus the reasons a Wi-Fi join can fail (which the UI shows as
//! distinct messages). Both are plain data (Clone + Eq) so they can travel inside events;
//! D-Bus errors are reduced to their name and message on the way in.

/// Why joining a Wi-Fi network did not work, in the terms the UI shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("the password is not right")]
    WrongPassword,
    #[error("the network is out of range")]
    OutOfRange,
    #[error("the network needs a password")]
    NoSecrets,
    #[error("there is no Wi-Fi device")]
    NoWifiDevice,
    /// Enterprise (802.1X), WEP and other schemes the terminal does not join.
    #[error("this kind of Wi-Fi security is not supported")]
    Unsupported,
    #[error("joining failed: {0}")]
    Failed(String),
}

/// Everything else that can go wrong talking to NetworkManager.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// The bus itself: cannot connect, connection lost, malformed message.
    #[error("D-Bus: {0}")]
    Bus(String),
    /// NetworkManager answered with a D-Bus error.
    #[error("NetworkManager refused ({name}): {message}")]
    Refused { name: String, message: String },
    #[error("NetworkManager is not running")]
    Unavailable,
    #[error("no saved Wi-Fi profile for {ssid:?}")]
    NoSuchProfile { ssid: String },
}

impl NetworkError {
    /// The D-Bus error name NetworkManager replied with, if it was a refusal.
    pub fn dbus_error_name(&self) -> Option<&str> {
        match self {
            NetworkError::Refused { name, .. } => Some(name),
            _ => None,
        }
    }

    /// An error reply (the peer is alive and answered), as opposed to a broken bus.
    pub(crate) fn is_reply(&self) -> bool {
        matches!(self, NetworkError::Refused { .. })
    }
}

impl From<zbus::Error> for NetworkError {
    fn from(error: zbus::Error) -> Self {
        match error {
            zbus::Error::MethodError(name, message, _) => NetworkError::Refused {
                name: name.to_string(),
                message: message.unwrap_or_default(),
            },
            zbus::Error::FDO(fdo) => NetworkError::from(*fdo),
            other => NetworkError::Bus(other.to_string()),
        }
    }
}

impl From<zbus::fdo::Error> for NetworkError {
    fn from(error: zbus::fdo::Error) -> Self {
        use zbus::DBusError;
        match error {
            zbus::fdo::Error::ZBus(inner) => NetworkError::from(inner),
            zbus::fdo::Error::IOError(message) => NetworkError::Bus(message),
            other => NetworkError::Refused {
                name: other.name().to_string(),
                message: other.description().unwrap_or_default().to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fdo_errors_become_refusals_with_their_name() {
        let error = NetworkError::from(zbus::fdo::Error::UnknownProperty("no Metered".into()));
        assert_eq!(
            error.dbus_error_name(),
            Some("org.freedesktop.DBus.Error.UnknownProperty")
        );
        assert!(error.is_reply());
    }

    #[test]
    fn transport_errors_are_bus_errors() {
        let error = NetworkError::from(zbus::Error::InvalidReply);
        assert!(matches!(error, NetworkError::Bus(_)));
        assert!(!error.is_reply());
    }
}
