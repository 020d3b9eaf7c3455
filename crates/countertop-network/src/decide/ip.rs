//! Addresses and name servers as NetworkManager's IP config objects carry them.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::values::{as_i64, as_str};
use crate::dbus::ip_config::Entry;

/// An `AddressData` entry as "address/prefix".
pub fn address_with_prefix(entry: &Entry) -> Option<String> {
    let address = entry.get("address").and_then(as_str)?;
    match entry.get("prefix").and_then(as_i64) {
        Some(prefix) => Some(format!("{address}/{prefix}")),
        None => Some(address.to_owned()),
    }
}

/// A `NameserverData` entry's address.
pub fn nameserver(entry: &Entry) -> Option<String> {
    entry.get("address").and_then(as_str).map(str::to_owned)
}

/// The older `Nameservers` (`au`) form: each u32 holds the address in network byte order.
pub fn ipv4_from_network_order(raw: u32) -> String {
    Ipv4Addr::from(raw.to_ne_bytes()).to_string()
}

/// `IP6Config.Nameservers` entries: 16 raw bytes each.
pub fn ipv6_from_bytes(raw: &[u8]) -> Option<String> {
    let octets: [u8; 16] = raw.try_into().ok()?;
    Some(Ipv6Addr::from(octets).to_string())
}

/// The first parseable IPv4 address of "a.b.c.d/prefix" strings.
pub fn first_ipv4(addresses: &[String]) -> Option<Ipv4Addr> {
    addresses
        .iter()
        .find_map(|text| text.split('/').next()?.parse().ok())
}

/// NetworkManager reports "no gateway" as an empty string.
pub fn gateway(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::values::string;
    use zbus::zvariant::OwnedValue;

    fn entry(pairs: &[(&str, OwnedValue)]) -> Entry {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn address_data_formats_with_prefix() {
        let e = entry(&[
            ("address", string("10.77.1.120")),
            ("prefix", OwnedValue::from(24u32)),
        ]);
        assert_eq!(address_with_prefix(&e).as_deref(), Some("10.77.1.120/24"));
        assert_eq!(
            address_with_prefix(&entry(&[("prefix", OwnedValue::from(24u32))])),
            None
        );
    }

    #[test]
    fn legacy_nameservers_are_network_order() {
        let raw = u32::from_ne_bytes([10, 77, 1, 53]);
        assert_eq!(ipv4_from_network_order(raw), "10.77.1.53");
        let mut v6 = [0u8; 16];
        v6[0] = 0xfd;
        v6[15] = 1;
        assert_eq!(ipv6_from_bytes(&v6).as_deref(), Some("fd00::1"));
        assert_eq!(ipv6_from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn primary_address_is_the_first_ipv4() {
        let addrs = vec![
            "bogus".to_owned(),
            "192.168.1.20/24".to_owned(),
            "10.0.0.2/8".to_owned(),
        ];
        assert_eq!(first_ipv4(&addrs), Some(Ipv4Addr::new(192, 168, 1, 20)));
        assert_eq!(first_ipv4(&[]), None);
        assert_eq!(gateway(String::new()), None);
    }
}
