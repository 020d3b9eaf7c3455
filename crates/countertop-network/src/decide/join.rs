//! Joining a Wi-Fi network: what to refuse before asking NetworkManager, and how
//! NetworkManager's device states, reasons and error names map to [`JoinError`].

use crate::error::JoinError;
use crate::types::WifiSecurity;

/// `NMDeviceState` values a join watches for.
pub mod device_state {
    pub const NEED_AUTH: u32 = 60;
    pub const ACTIVATED: u32 = 100;
    pub const FAILED: u32 = 120;
}

/// `NMDeviceStateReason` values with a meaning for the user.
pub mod reason {
    pub const IP_CONFIG_UNAVAILABLE: u32 = 5;
    pub const IP_CONFIG_EXPIRED: u32 = 6;
    pub const NO_SECRETS: u32 = 7;
    pub const SUPPLICANT_DISCONNECT: u32 = 8;
    pub const SUPPLICANT_CONFIG_FAILED: u32 = 9;
    pub const SUPPLICANT_FAILED: u32 = 10;
    pub const SUPPLICANT_TIMEOUT: u32 = 11;
    pub const SSID_NOT_FOUND: u32 = 53;
}

/// `NMActiveConnectionState`.
pub mod active_state {
    pub const ACTIVATED: u32 = 2;
    pub const DEACTIVATED: u32 = 4;
}

/// `NMActiveConnectionStateReason` values with a meaning for the user.
mod active_reason {
    pub const CONNECT_TIMEOUT: u32 = 6;
    pub const NO_SECRETS: u32 = 9;
}

/// Refuses what NetworkManager would refuse anyway, with a precise reason: networks the
/// terminal cannot join, a missing password, a WPA passphrase of impossible length.
pub fn check_request(security: WifiSecurity, password: Option<&str>) -> Result<(), JoinError> {
    let password = password.filter(|p| !p.is_empty());
    match security {
        WifiSecurity::Open => Ok(()),
        WifiSecurity::Enterprise | WifiSecurity::Other => Err(JoinError::Unsupported),
        WifiSecurity::Wpa2Personal | WifiSecurity::Wpa3Personal => {
            let Some(password) = password else {
                return Err(JoinError::NoSecrets);
            };
            if security == WifiSecurity::Wpa2Personal && !valid_wpa_psk(password) {
                return Err(JoinError::WrongPassword);
            }
            Ok(())
        }
    }
}

/// WPA-PSK: a passphrase of 8..=63 bytes, or exactly 64 hex digits (the raw key).
pub fn valid_wpa_psk(password: &str) -> bool {
    match password.len() {
        8..=63 => true,
        64 => password.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => false,
    }
}

/// A device `StateChanged` (or its current `StateReason`) during a join: `Some` once the join
/// is decided. NEED_AUTH ends it when it comes with a reason: the supplicant dropped the
/// handshake (the key did not match) or no secrets were found; the terminal registers no
/// secret agent, so nobody will supply others. NEED_AUTH without a reason is NetworkManager's
/// ordinary first pass on the way to the secrets saved in the profile (seen on the device rig
/// with NetworkManager 1.42: config -> need-auth (none) -> prepare -> config -> activated); it
/// decides nothing.
pub fn on_device_state(
    state: u32,
    reason_code: u32,
    password_given: bool,
) -> Option<Result<(), JoinError>> {
    match state {
        device_state::ACTIVATED => Some(Ok(())),
        device_state::NEED_AUTH => match reason_code {
            reason::SUPPLICANT_DISCONNECT | reason::NO_SECRETS => {
                Some(Err(from_device_reason(reason_code, password_given)))
            }
            _ => None,
        },
        device_state::FAILED => Some(Err(from_device_reason(reason_code, password_given))),
        _ => None,
    }
}

/// An active connection `StateChanged` during a join. `device_reason` is the last failure
/// reason the device reported, which says more than the active connection's own reason.
pub fn on_active_state(
    state: u32,
    reason_code: u32,
    device_reason: Option<u32>,
    password_given: bool,
) -> Option<Result<(), JoinError>> {
    match state {
        active_state::ACTIVATED => Some(Ok(())),
        active_state::DEACTIVATED => Some(Err(match device_reason {
            Some(code) => from_device_reason(code, password_given),
            None => match reason_code {
                active_reason::NO_SECRETS => secrets_refused(password_given),
                active_reason::CONNECT_TIMEOUT => JoinError::OutOfRange,
                other => {
                    JoinError::Failed(format!("the connection was deactivated (reason {other})"))
                }
            },
        })),
        _ => None,
    }
}

pub fn from_device_reason(code: u32, password_given: bool) -> JoinError {
    match code {
        reason::NO_SECRETS => secrets_refused(password_given),
        // The supplicant dropped the link during the 4-way handshake: the key did not match.
        reason::SUPPLICANT_DISCONNECT => JoinError::WrongPassword,
        reason::SSID_NOT_FOUND | reason::SUPPLICANT_TIMEOUT => JoinError::OutOfRange,
        reason::IP_CONFIG_UNAVAILABLE | reason::IP_CONFIG_EXPIRED => {
            JoinError::Failed("the network gave no IP address (DHCP)".to_owned())
        }
        reason::SUPPLICANT_CONFIG_FAILED | reason::SUPPLICANT_FAILED => {
            JoinError::Failed("the Wi-Fi supplicant failed".to_owned())
        }
        other => JoinError::Failed(format!("NetworkManager device state reason {other}")),
    }
}

/// An error reply to `AddAndActivateConnection` / `ActivateConnection`.
pub fn from_dbus_error(name: &str, message: &str, password_given: bool) -> JoinError {
    if name.ends_with(".NoSecrets") || name.ends_with(".UserCanceled") {
        secrets_refused(password_given)
    } else if name.ends_with(".InvalidProperty") && message.contains("psk") {
        JoinError::WrongPassword
    } else {
        JoinError::Failed(if message.is_empty() {
            name.to_owned()
        } else {
            message.to_owned()
        })
    }
}

fn secrets_refused(password_given: bool) -> JoinError {
    if password_given {
        JoinError::WrongPassword
    } else {
        JoinError::NoSecrets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_refused_before_asking_networkmanager() {
        assert_eq!(check_request(WifiSecurity::Open, None), Ok(()));
        assert_eq!(
            check_request(WifiSecurity::Enterprise, Some("x")),
            Err(JoinError::Unsupported)
        );
        assert_eq!(
            check_request(WifiSecurity::Other, None),
            Err(JoinError::Unsupported)
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa2Personal, None),
            Err(JoinError::NoSecrets)
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa2Personal, Some("")),
            Err(JoinError::NoSecrets)
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa2Personal, Some("short")),
            Err(JoinError::WrongPassword)
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa2Personal, Some("correct horse")),
            Ok(())
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa3Personal, Some("short")),
            Ok(())
        );
        assert_eq!(
            check_request(WifiSecurity::Wpa3Personal, None),
            Err(JoinError::NoSecrets)
        );
    }

    #[test]
    fn wpa_psk_lengths() {
        assert!(!valid_wpa_psk("1234567"));
        assert!(valid_wpa_psk("12345678"));
        assert!(valid_wpa_psk(&"a".repeat(63)));
        assert!(valid_wpa_psk(&"0123456789abcdef".repeat(4)));
        assert!(!valid_wpa_psk(&"x".repeat(64)));
        assert!(!valid_wpa_psk(&"a".repeat(65)));
    }

    #[test]
    fn device_states_decide_the_join() {
        assert_eq!(on_device_state(100, 0, true), Some(Ok(())));
        assert_eq!(
            on_device_state(60, 8, true),
            Some(Err(JoinError::WrongPassword))
        );
        assert_eq!(
            on_device_state(60, 7, false),
            Some(Err(JoinError::NoSecrets))
        );
        assert_eq!(
            on_device_state(120, 7, true),
            Some(Err(JoinError::WrongPassword))
        );
        assert_eq!(
            on_device_state(120, 8, true),
            Some(Err(JoinError::WrongPassword))
        );
        assert_eq!(
            on_device_state(120, 53, true),
            Some(Err(JoinError::OutOfRange))
        );
        assert_eq!(
            on_device_state(120, 11, false),
            Some(Err(JoinError::OutOfRange))
        );
        assert!(matches!(
            on_device_state(120, 5, false),
            Some(Err(JoinError::Failed(_)))
        ));
        // NetworkManager asks for the saved secrets on its first pass: not a refusal.
        assert_eq!(on_device_state(60, 0, true), None);
        for passing in [30, 40, 50, 70, 80, 90] {
            assert_eq!(on_device_state(passing, 0, true), None, "state {passing}");
        }
    }

    #[test]
    fn active_connection_states_use_the_device_reason_first() {
        assert_eq!(on_active_state(2, 0, None, true), Some(Ok(())));
        assert_eq!(on_active_state(1, 0, None, true), None);
        assert_eq!(
            on_active_state(4, 9, None, true),
            Some(Err(JoinError::WrongPassword))
        );
        assert_eq!(
            on_active_state(4, 9, None, false),
            Some(Err(JoinError::NoSecrets))
        );
        assert_eq!(
            on_active_state(4, 6, None, true),
            Some(Err(JoinError::OutOfRange))
        );
        assert_eq!(
            on_active_state(4, 3, Some(53), true),
            Some(Err(JoinError::OutOfRange))
        );
        assert!(matches!(
            on_active_state(4, 3, None, true),
            Some(Err(JoinError::Failed(_)))
        ));
    }

    #[test]
    fn dbus_errors() {
        let no_secrets = "org.freedesktop.NetworkManager.AgentManager.NoSecrets";
        assert_eq!(
            from_dbus_error(no_secrets, "Secrets were required", true),
            JoinError::WrongPassword
        );
        assert_eq!(from_dbus_error(no_secrets, "", false), JoinError::NoSecrets);
        assert_eq!(
            from_dbus_error(
                "org.freedesktop.NetworkManager.Settings.Connection.InvalidProperty",
                "802-11-wireless-security.psk: property is invalid",
                true
            ),
            JoinError::WrongPassword
        );
        assert_eq!(
            from_dbus_error("org.freedesktop.NetworkManager.UnknownDevice", "", true),
            JoinError::Failed("org.freedesktop.NetworkManager.UnknownDevice".to_owned())
        );
    }
}
