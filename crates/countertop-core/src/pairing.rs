//! Pairing rules: the QR payload, the one-time code, and the credential a paired POS presents.
//! Randomness and the clock come from outside; nothing here does IO.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a pairing code stays valid.
pub const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Wrong codes tolerated before the code is replaced (stops guessing).
pub const MAX_WRONG_CODES: u32 = 5;

/// What the pairing QR carries. The POS connects to one of `ips` directly: no DNS, so a router's
/// DNS-rebinding protection can never get in the way, and the certificate is pinned by `fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingUri {
    pub ips: Vec<Ipv4Addr>,
    pub port: u16,
    /// SHA-256 of the terminal's TLS certificate (DER).
    pub fingerprint: [u8; 32],
    pub code: String,
    pub store: String,
    pub location: String,
    pub terminal_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingUriError {
    #[error("this is not a Countertop pairing code")]
    NotCountertop,
    #[error("pairing code version {0} is not supported")]
    Version(String),
    #[error("the pairing code lacks {0}")]
    Missing(&'static str),
    #[error("the pairing code has an invalid {0}")]
    Invalid(&'static str),
}

impl PairingUri {
    /// "192.168.1.23 : 4443", as staff type it into a POS that cannot scan.
    pub fn address_text(&self) -> String {
        let ips: Vec<String> = self.ips.iter().map(Ipv4Addr::to_string).collect();
        format!("{} : {}", ips.join(", "), self.port)
    }

    pub fn to_uri(&self) -> String {
        let ips: Vec<String> = self.ips.iter().map(Ipv4Addr::to_string).collect();
        format!(
            "countertop://pair?v=1&ip={}&port={}&fp={}&code={}&store={}&location={}&tid={}",
            ips.join(","),
            self.port,
            to_hex(&self.fingerprint),
            encode_component(&self.code),
            encode_component(&self.store),
            encode_component(&self.location),
            encode_component(&self.terminal_id),
        )
    }

    pub fn parse(uri: &str) -> Result<Self, PairingUriError> {
        let query = uri
            .strip_prefix("countertop://pair?")
            .ok_or(PairingUriError::NotCountertop)?;
        let mut fields = std::collections::HashMap::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_component(value).ok_or(PairingUriError::Invalid("encoding"))?;
            fields.insert(key, value);
        }
        let get = |key: &'static str| {
            fields
                .get(key)
                .cloned()
                .ok_or(PairingUriError::Missing(key))
        };
        let version = get("v")?;
        if version != "1" {
            return Err(PairingUriError::Version(version.chars().take(8).collect()));
        }
        let ips = get("ip")?
            .split(',')
            .map(|ip| {
                ip.parse::<Ipv4Addr>()
                    .map_err(|_| PairingUriError::Invalid("address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let port = get("port")?
            .parse()
            .map_err(|_| PairingUriError::Invalid("port"))?;
        let fingerprint = from_hex32(&get("fp")?).ok_or(PairingUriError::Invalid("fingerprint"))?;
        Ok(PairingUri {
            ips,
            port,
            fingerprint,
            code: get("code")?,
            store: get("store")?,
            location: get("location")?,
            terminal_id: get("tid")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error(
        "this terminal is already paired with a POS; reset the connection on the terminal first"
    )]
    AlreadyPaired,
    #[error("the pairing code is wrong")]
    WrongCode,
    #[error("the pairing code has expired; a new code is shown on the terminal")]
    Expired,
    #[error("the pairing code was already used; a new code is shown on the terminal")]
    Used,
    #[error("this terminal belongs to another store")]
    WrongStore,
    #[error("this terminal belongs to another location of the store")]
    WrongLocation,
    #[error("the POS is not paired with this terminal")]
    NotPaired,
    #[error("the POS credential is not valid")]
    BadCredential,
}

/// The POS this terminal trusts. Only a hash of its credential is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedPos {
    pub pos_id: String,
    pub pos_name: String,
    pub credential_hash: [u8; 32],
}

#[derive(Debug, Clone)]
struct Offer {
    code: String,
    expires: Instant,
    wrong_attempts: u32,
}

/// What happened to the offer on a failed attempt, so the adapter can rotate the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAfterFailure {
    StillValid,
    NeedsNewCode,
}

#[derive(Debug, Clone)]
pub struct Pairing {
    store: String,
    location: String,
    offer: Option<Offer>,
    used_codes: Vec<String>,
    /// Codes that timed out and were replaced, so a late POS hears "expired", not "wrong".
    expired_codes: Vec<String>,
    code_lifetime: Duration,
    paired: Option<PairedPos>,
}

impl Pairing {
    pub fn new(
        store: impl Into<String>,
        location: impl Into<String>,
        paired: Option<PairedPos>,
    ) -> Self {
        Pairing {
            store: store.into(),
            location: location.into(),
            offer: None,
            used_codes: Vec::new(),
            expired_codes: Vec::new(),
            code_lifetime: CODE_LIFETIME,
            paired,
        }
    }

    /// Shorter code lifetimes are for tests.
    pub fn with_code_lifetime(mut self, lifetime: Duration) -> Self {
        self.code_lifetime = lifetime;
        self
    }

    pub fn paired(&self) -> Option<&PairedPos> {
        self.paired.as_ref()
    }

    pub fn store(&self) -> &str {
        &self.store
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Shows a new one-time code (the adapter draws it from a secure random source).
    pub fn offer_code(&mut self, code: String, now: Instant) {
        if let Some(old) = self.offer.take().filter(|o| now >= o.expires) {
            self.expired_codes.push(old.code);
            // Remember a few: enough for a slow POS, not a growing list.
            if self.expired_codes.len() > 8 {
                self.expired_codes.remove(0);
            }
        }
        self.offer = Some(Offer {
            code,
            expires: now + self.code_lifetime,
            wrong_attempts: 0,
        });
    }

    pub fn current_code(&self, now: Instant) -> Option<&str> {
        self.offer
            .as_ref()
            .filter(|o| now < o.expires)
            .map(|o| o.code.as_str())
    }

    pub fn code_expires(&self) -> Option<Instant> {
        self.offer.as_ref().map(|o| o.expires)
    }

    /// A POS presents the code from the QR. On success the code is spent and the POS, with the
    /// credential the adapter generated for it, becomes the one paired POS.
    pub fn pair(
        &mut self,
        code: &str,
        store: &str,
        location: &str,
        pos: PairedPos,
        now: Instant,
    ) -> Result<(), (PairingError, OfferAfterFailure)> {
        use OfferAfterFailure::*;
        let matches = |known: &String| constant_time_eq(known.as_bytes(), code.as_bytes());
        if self.used_codes.iter().any(matches) {
            return Err((PairingError::Used, StillValid));
        }
        if self.paired.is_some() {
            return Err((PairingError::AlreadyPaired, StillValid));
        }
        if self.expired_codes.iter().any(matches) {
            return Err((PairingError::Expired, StillValid));
        }
        let Some(offer) = self.offer.as_mut() else {
            return Err((PairingError::WrongCode, NeedsNewCode));
        };
        if !constant_time_eq(offer.code.as_bytes(), code.as_bytes()) {
            offer.wrong_attempts += 1;
            let after = if offer.wrong_attempts >= MAX_WRONG_CODES {
                NeedsNewCode
            } else {
                StillValid
            };
            return Err((PairingError::WrongCode, after));
        }
        if now >= offer.expires {
            return Err((PairingError::Expired, NeedsNewCode));
        }
        if store != self.store {
            return Err((PairingError::WrongStore, StillValid));
        }
        if location != self.location {
            return Err((PairingError::WrongLocation, StillValid));
        }
        let used = self.offer.take().map(|o| o.code).unwrap_or_default();
        self.used_codes.push(used);
        self.paired = Some(pos);
        Ok(())
    }

    /// Checks a paired POS's credential on a new connection.
    pub fn authenticate(&self, pos_id: &str, credential: &str) -> Result<(), PairingError> {
        let paired = self.paired.as_ref().ok_or(PairingError::NotPaired)?;
        let hash = hash_credential(credential);
        if paired.pos_id == pos_id && constant_time_eq(&paired.credential_hash, &hash) {
            Ok(())
        } else {
            Err(PairingError::BadCredential)
        }
    }

    /// "Reset connection to POS": forget the POS; the adapter then offers a new code.
    pub fn revoke(&mut self) {
        self.paired = None;
        self.offer = None;
    }
}

pub fn hash_credential(credential: &str) -> [u8; 32] {
    Sha256::digest(credential.as_bytes()).into()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn encode_component(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode_component(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(credential: &str) -> PairedPos {
        PairedPos {
            pos_id: "pos-1".into(),
            pos_name: "Till 1".into(),
            credential_hash: hash_credential(credential),
        }
    }

    fn offered(now: Instant) -> Pairing {
        let mut p = Pairing::new("S-1", "L-1", None);
        p.offer_code("7KQ2-M9XD".into(), now);
        p
    }

    #[test]
    fn the_uri_round_trips_and_rejects_strangers() {
        let uri = PairingUri {
            ips: vec![Ipv4Addr::new(192, 168, 1, 23), Ipv4Addr::new(10, 0, 0, 5)],
            port: 4443,
            fingerprint: [0xab; 32],
            code: "7KQ2-M9XD".into(),
            store: "Café & Co".into(),
            location: "L 7".into(),
            terminal_id: "CT-0001".into(),
        };
        let text = uri.to_uri();
        assert!(
            text.starts_with("countertop://pair?v=1&ip=192.168.1.23,10.0.0.5&port=4443&fp=abab")
        );
        assert_eq!(PairingUri::parse(&text), Ok(uri));
        assert_eq!(
            PairingUri::parse("https://evil.example/pair"),
            Err(PairingUriError::NotCountertop)
        );
        assert!(PairingUri::parse(&text.replace("v=1", "v=9")).is_err());
        assert!(PairingUri::parse(&text.replace("port=4443", "port=99999")).is_err());
    }

    #[test]
    fn a_valid_code_pairs_once() {
        let now = Instant::now();
        let mut p = offered(now);
        assert!(
            p.pair("7KQ2-M9XD", "S-1", "L-1", pos("secret"), now)
                .is_ok()
        );
        assert!(p.authenticate("pos-1", "secret").is_ok());
        assert_eq!(
            p.authenticate("pos-1", "guess"),
            Err(PairingError::BadCredential)
        );
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-1", "L-1", pos("x"), now)
                .unwrap_err()
                .0,
            PairingError::Used
        );
        assert_eq!(
            p.pair("OTHER", "S-1", "L-1", pos("x"), now).unwrap_err().0,
            PairingError::AlreadyPaired
        );
        p.revoke();
        assert_eq!(
            p.authenticate("pos-1", "secret"),
            Err(PairingError::NotPaired)
        );
        p.offer_code("NEW1-CODE".into(), now);
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-1", "L-1", pos("x"), now)
                .unwrap_err()
                .0,
            PairingError::Used
        );
    }

    #[test]
    fn wrong_expired_and_foreign_attempts_are_refused() {
        let now = Instant::now();
        let mut p = offered(now);
        assert_eq!(
            p.pair("nope", "S-1", "L-1", pos("s"), now).unwrap_err().0,
            PairingError::WrongCode
        );
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-2", "L-1", pos("s"), now)
                .unwrap_err()
                .0,
            PairingError::WrongStore
        );
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-1", "L-2", pos("s"), now)
                .unwrap_err()
                .0,
            PairingError::WrongLocation
        );
        let late = now + CODE_LIFETIME;
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-1", "L-1", pos("s"), late),
            Err((PairingError::Expired, OfferAfterFailure::NeedsNewCode))
        );
        assert!(p.paired().is_none());
        // Once replaced, the old code still reads as expired rather than wrong.
        p.offer_code("NEW2-CODE".into(), late);
        assert_eq!(
            p.pair("7KQ2-M9XD", "S-1", "L-1", pos("s"), late)
                .unwrap_err()
                .0,
            PairingError::Expired
        );
        assert!(p.pair("NEW2-CODE", "S-1", "L-1", pos("s"), late).is_ok());
    }

    #[test]
    fn guessing_forces_a_new_code() {
        let now = Instant::now();
        let mut p = offered(now);
        for attempt in 1..=MAX_WRONG_CODES {
            let (_, after) = p.pair("guess", "S-1", "L-1", pos("s"), now).unwrap_err();
            let expected = if attempt == MAX_WRONG_CODES {
                OfferAfterFailure::NeedsNewCode
            } else {
                OfferAfterFailure::StillValid
            };
            assert_eq!(after, expected);
        }
    }
}
