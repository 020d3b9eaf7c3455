//! Forgetting a Wi-Fi network: delete every saved profile for the SSID.

use crate::dbus::at;
use crate::dbus::settings::SettingsConnectionProxy;
use crate::error::NetworkError;
use crate::read::profiles::{profiles_for_ssid, saved_profiles};

pub(crate) async fn forget(connection: &zbus::Connection, ssid: &str) -> Result<(), NetworkError> {
    let profiles = saved_profiles(connection).await?;
    let matching = profiles_for_ssid(&profiles, ssid);
    if matching.is_empty() {
        return Err(NetworkError::NoSuchProfile {
            ssid: ssid.to_owned(),
        });
    }
    // Delete them all even if one fails; report the first failure.
    let mut outcome = Ok(());
    for profile in matching {
        let proxy: SettingsConnectionProxy<'_> = at(connection, profile.path.as_str()).await?;
        if let Err(error) = proxy.delete().await {
            tracing::warn!(path = %profile.path, %error, "could not delete a Wi-Fi profile");
            if outcome.is_ok() {
                outcome = Err(NetworkError::from(error));
            }
        }
    }
    outcome
}
