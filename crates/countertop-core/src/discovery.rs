//! UDP discovery (27000) and announcements (27001), so a paired POS finds its terminal again
//! after the terminal's address changed. Every answer is authenticated with an HMAC keyed by the
//! hash of the paired POS's credential, which only the terminal and that POS know.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pairing::{from_hex32, to_hex};

pub const MAX_DATAGRAM: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DiscoveryMessage {
    /// POS → terminal: "where are you?" with a fresh nonce.
    Discover { pos_id: String, nonce: String },
    /// Terminal → POS: the answer to a discover, bound to its nonce.
    Here {
        terminal_id: String,
        ips: Vec<Ipv4Addr>,
        port: u16,
        fp: String,
        nonce: String,
        mac: String,
    },
    /// Terminal → LAN: periodic and on address change; `counter` only grows, so a replayed
    /// announcement is recognisable.
    Announce {
        terminal_id: String,
        ips: Vec<Ipv4Addr>,
        port: u16,
        fp: String,
        counter: u64,
        mac: String,
    },
}

/// Where the terminal says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whereabouts {
    pub terminal_id: String,
    pub ips: Vec<Ipv4Addr>,
    pub port: u16,
    pub fingerprint: [u8; 32],
}

impl Whereabouts {
    fn canonical(&self, kind: &str, freshness: &str) -> String {
        let ips: Vec<String> = self.ips.iter().map(Ipv4Addr::to_string).collect();
        format!(
            "{kind}|{}|{}|{}|{}|{freshness}",
            self.terminal_id,
            ips.join(","),
            self.port,
            to_hex(&self.fingerprint)
        )
    }

    pub fn here(&self, key: &[u8; 32], nonce: &str) -> DiscoveryMessage {
        let mac = to_hex(&hmac_sha256(key, self.canonical("here", nonce).as_bytes()));
        DiscoveryMessage::Here {
            terminal_id: self.terminal_id.clone(),
            ips: self.ips.clone(),
            port: self.port,
            fp: to_hex(&self.fingerprint),
            nonce: nonce.to_owned(),
            mac,
        }
    }

    pub fn announce(&self, key: &[u8; 32], counter: u64) -> DiscoveryMessage {
        let mac = to_hex(&hmac_sha256(
            key,
            self.canonical("announce", &counter.to_string()).as_bytes(),
        ));
        DiscoveryMessage::Announce {
            terminal_id: self.terminal_id.clone(),
            ips: self.ips.clone(),
            port: self.port,
            fp: to_hex(&self.fingerprint),
            counter,
            mac,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("not a discovery message")]
    Malformed,
    #[error("the message is not signed by the paired terminal")]
    BadSignature,
    #[error("the answer is for another request")]
    WrongNonce,
    #[error("an old announcement was replayed")]
    Replayed,
}

/// A discovery nonce is 32 lowercase hex digits (16 random bytes); the terminal answers no
/// other, so a `here` can never be bound to a guessable or oversized value.
pub fn valid_nonce(nonce: &str) -> bool {
    nonce.len() == 32
        && nonce
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn decode(bytes: &[u8]) -> Result<DiscoveryMessage, DiscoveryError> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(DiscoveryError::Malformed);
    }
    serde_json::from_slice(bytes).map_err(|_| DiscoveryError::Malformed)
}

pub fn encode(message: &DiscoveryMessage) -> Vec<u8> {
    serde_json::to_vec(message).unwrap_or_default()
}

/// Checks a `here` answer on the POS side. `key` is SHA-256 of the POS's credential.
pub fn verify_here(
    message: &DiscoveryMessage,
    key: &[u8; 32],
    nonce: &str,
) -> Result<Whereabouts, DiscoveryError> {
    let DiscoveryMessage::Here {
        terminal_id,
        ips,
        port,
        fp,
        nonce: got,
        mac,
    } = message
    else {
        return Err(DiscoveryError::Malformed);
    };
    if got != nonce {
        return Err(DiscoveryError::WrongNonce);
    }
    let whereabouts = whereabouts(terminal_id, ips, *port, fp)?;
    check_mac(key, whereabouts.canonical("here", nonce).as_bytes(), mac)?;
    Ok(whereabouts)
}

/// Checks an announcement on the POS side; `last_counter` is the highest counter seen so far.
pub fn verify_announce(
    message: &DiscoveryMessage,
    key: &[u8; 32],
    last_counter: Option<u64>,
) -> Result<(Whereabouts, u64), DiscoveryError> {
    let DiscoveryMessage::Announce {
        terminal_id,
        ips,
        port,
        fp,
        counter,
        mac,
    } = message
    else {
        return Err(DiscoveryError::Malformed);
    };
    let whereabouts = whereabouts(terminal_id, ips, *port, fp)?;
    check_mac(
        key,
        whereabouts
            .canonical("announce", &counter.to_string())
            .as_bytes(),
        mac,
    )?;
    if last_counter.is_some_and(|last| *counter <= last) {
        return Err(DiscoveryError::Replayed);
    }
    Ok((whereabouts, *counter))
}

fn whereabouts(
    terminal_id: &str,
    ips: &[Ipv4Addr],
    port: u16,
    fp: &str,
) -> Result<Whereabouts, DiscoveryError> {
    Ok(Whereabouts {
        terminal_id: terminal_id.to_owned(),
        ips: ips.to_vec(),
        port,
        fingerprint: from_hex32(fp).ok_or(DiscoveryError::Malformed)?,
    })
}

fn check_mac(key: &[u8; 32], message: &[u8], mac: &str) -> Result<(), DiscoveryError> {
    let expected = hmac_sha256(key, message);
    let given = from_hex32(mac).ok_or(DiscoveryError::BadSignature)?;
    let diff = expected
        .iter()
        .zip(given.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff == 0 {
        Ok(())
    } else {
        Err(DiscoveryError::BadSignature)
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block_key.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block_key.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot() -> Whereabouts {
        Whereabouts {
            terminal_id: "CT-1".into(),
            ips: vec![Ipv4Addr::new(10, 0, 0, 7)],
            port: 4443,
            fingerprint: [7; 32],
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            to_hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn answers_verify_only_with_the_right_key_and_nonce() {
        let key = [1u8; 32];
        let here = spot().here(&key, "n1");
        let decoded = decode(&encode(&here)).unwrap();
        assert_eq!(verify_here(&decoded, &key, "n1"), Ok(spot()));
        assert_eq!(
            verify_here(&decoded, &[2u8; 32], "n1"),
            Err(DiscoveryError::BadSignature)
        );
        assert_eq!(
            verify_here(&decoded, &key, "n2"),
            Err(DiscoveryError::WrongNonce)
        );
        let DiscoveryMessage::Here {
            terminal_id,
            ips: _,
            port,
            fp,
            nonce,
            mac,
        } = decoded
        else {
            unreachable!()
        };
        let forged = DiscoveryMessage::Here {
            terminal_id,
            ips: vec![Ipv4Addr::new(6, 6, 6, 6)],
            port,
            fp,
            nonce,
            mac,
        };
        assert_eq!(
            verify_here(&forged, &key, "n1"),
            Err(DiscoveryError::BadSignature)
        );
    }

    #[test]
    fn replayed_announcements_are_refused() {
        let key = [1u8; 32];
        let a5 = spot().announce(&key, 5);
        assert_eq!(verify_announce(&a5, &key, Some(4)).map(|(_, c)| c), Ok(5));
        assert_eq!(
            verify_announce(&a5, &key, Some(5)),
            Err(DiscoveryError::Replayed)
        );
        assert_eq!(decode(b"\x00garbage"), Err(DiscoveryError::Malformed));
    }

    #[test]
    fn only_32_lowercase_hex_digits_are_a_nonce() {
        assert!(valid_nonce("0123456789abcdef0123456789abcdef"));
        assert!(!valid_nonce("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!valid_nonce("0123456789abcdef"));
        assert!(!valid_nonce("0123456789abcdef0123456789abcdef00"));
        assert!(!valid_nonce("0123456789abcdef0123456789abcdeg"));
    }
}
