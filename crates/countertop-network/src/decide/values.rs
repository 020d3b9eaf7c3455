//! Reading and writing the loosely typed values NetworkManager exchanges (`a{sv}` entries and
//! `a{sa{sv}}` profiles) without caring which integer width an implementation chose.

use zbus::zvariant::{OwnedValue, Str, Value};

use crate::dbus::SettingsMap;

pub fn as_str(value: &OwnedValue) -> Option<&str> {
    match &**value {
        Value::Str(text) => Some(text.as_str()),
        _ => None,
    }
}

pub fn as_i64(value: &OwnedValue) -> Option<i64> {
    match &**value {
        Value::I64(n) => Some(*n),
        Value::I32(n) => Some(i64::from(*n)),
        Value::I16(n) => Some(i64::from(*n)),
        Value::U32(n) => Some(i64::from(*n)),
        Value::U16(n) => Some(i64::from(*n)),
        Value::U8(n) => Some(i64::from(*n)),
        Value::U64(n) => i64::try_from(*n).ok(),
        _ => None,
    }
}

/// An `ay` (SSIDs, MAC addresses).
pub fn as_bytes(value: &OwnedValue) -> Option<Vec<u8>> {
    match &**value {
        Value::Array(array) => array
            .iter()
            .map(|item| match item {
                Value::U8(byte) => Some(*byte),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

pub fn string(text: &str) -> OwnedValue {
    OwnedValue::from(Str::from(text.to_owned()))
}

pub fn bytes(data: &[u8]) -> OwnedValue {
    OwnedValue::try_from(Value::from(data.to_vec())).expect("a byte array holds no file descriptor")
}

pub fn setting<'s>(settings: &'s SettingsMap, section: &str, key: &str) -> Option<&'s OwnedValue> {
    settings.get(section)?.get(key)
}

pub fn setting_str<'s>(settings: &'s SettingsMap, section: &str, key: &str) -> Option<&'s str> {
    setting(settings, section, key).and_then(as_str)
}

pub fn setting_i64(settings: &SettingsMap, section: &str, key: &str) -> Option<i64> {
    setting(settings, section, key).and_then(as_i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_any_width_read_as_i64() {
        assert_eq!(as_i64(&OwnedValue::from(600i64)), Some(600));
        assert_eq!(as_i64(&OwnedValue::from(-1i32)), Some(-1));
        assert_eq!(as_i64(&OwnedValue::from(7u32)), Some(7));
        assert_eq!(as_i64(&string("7")), None);
    }

    #[test]
    fn byte_arrays_round_trip() {
        assert_eq!(as_bytes(&bytes(b"Shop")), Some(b"Shop".to_vec()));
        assert_eq!(as_bytes(&string("Shop")), None);
        assert_eq!(as_str(&string("wpa-psk")), Some("wpa-psk"));
    }
}
