//! The secured envelope: `{"SaleToPOIRequest":{"MessageHeader":…,"NexoBlob":"<base64>",
//! "SecurityTrailer":{"AdyenCryptoVersion":1,"KeyIdentifier":…,"KeyVersion":…,"Nonce":…,"Hmac":…}}}`.
//! Only the blob is trusted: the outer header is a copy for routing and is ignored.

use std::collections::{HashSet, VecDeque};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::crypto::{CryptoError, DerivedKey, NONCE_LEN};
use super::message::{DecodeError, NexoRequest, decode_request};

/// Largest request or response body, as for Countertop's own protocol.
pub const MAX_BODY_BYTES: usize = crate::protocol::MAX_MESSAGE_BYTES;

/// The shared key a POS and this terminal use, as the POS names it in its trailer.
#[derive(Debug, Clone)]
pub struct KeyRing {
    pub identifier: String,
    pub version: u64,
    pub key: DerivedKey,
}

impl KeyRing {
    pub fn new(identifier: impl Into<String>, version: u64, passphrase: &str) -> Self {
        KeyRing {
            identifier: identifier.into(),
            version,
            key: DerivedKey::derive(passphrase.as_bytes()),
        }
    }
}

/// Why a request was refused before anything in it was looked at. The texts carry no secret
/// and no message content: they are logged as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityError {
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("the body is not a SaleToPOIRequest: {0}")]
    Envelope(String),
    #[error("the request is not encrypted and unencrypted requests are off")]
    NotEncrypted,
    #[error("the request names a key this terminal does not have")]
    UnknownKey,
    #[error("the request names key version {0}, which this terminal does not have")]
    WrongKeyVersion(u64),
    #[error("the SecurityTrailer is not valid: {0}")]
    BadTrailer(&'static str),
    /// Bad padding and a wrong HMAC read the same from outside (no padding oracle).
    #[error("the message does not decrypt and authenticate with this terminal's key")]
    Crypto(#[from] CryptoError),
    #[error("the nonce was used before: a replayed message")]
    Replayed,
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// An authenticated, decoded request, and the nonce it came with (for the replay check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub request: NexoRequest,
    /// `None` for an unencrypted request (allowed only when configured).
    pub nonce: Option<[u8; NONCE_LEN]>,
    /// The `AdyenCryptoVersion` to answer with.
    pub crypto_version: u64,
}

/// Checks and decrypts a request body. `keys` is `None` when no key is configured: then only
/// unencrypted requests can be accepted, and only with `allow_unencrypted`.
pub fn open(
    body: &[u8],
    keys: Option<&KeyRing>,
    allow_unencrypted: bool,
) -> Result<Opened, SecurityError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(SecurityError::TooLarge);
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| SecurityError::Envelope(e.to_string()))?;
    let inner = value
        .get("SaleToPOIRequest")
        .and_then(Value::as_object)
        .ok_or_else(|| SecurityError::Envelope("no SaleToPOIRequest object".into()))?;
    let Some(blob) = inner.get("NexoBlob") else {
        if !allow_unencrypted {
            return Err(SecurityError::NotEncrypted);
        }
        let request = super::message::decode_request_value(value)?;
        return Ok(Opened {
            request,
            nonce: None,
            crypto_version: 1,
        });
    };
    let keys = keys.ok_or(SecurityError::UnknownKey)?;
    let trailer = inner
        .get("SecurityTrailer")
        .and_then(Value::as_object)
        .ok_or(SecurityError::BadTrailer("missing"))?;
    let identifier = trailer.get("KeyIdentifier").and_then(Value::as_str);
    if identifier != Some(keys.identifier.as_str()) {
        return Err(SecurityError::UnknownKey);
    }
    let version = trailer
        .get("KeyVersion")
        .and_then(Value::as_u64)
        .ok_or(SecurityError::BadTrailer("KeyVersion is not a number"))?;
    if version != keys.version {
        return Err(SecurityError::WrongKeyVersion(version));
    }
    let crypto_version = trailer
        .get("AdyenCryptoVersion")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let nonce: [u8; NONCE_LEN] = trailer
        .get("Nonce")
        .and_then(Value::as_str)
        .and_then(|n| B64.decode(n).ok())
        .and_then(|n| n.try_into().ok())
        .ok_or(SecurityError::BadTrailer("Nonce is not 16 bytes of base64"))?;
    let mac = trailer
        .get("Hmac")
        .and_then(Value::as_str)
        .and_then(|m| B64.decode(m).ok())
        .ok_or(SecurityError::BadTrailer("Hmac is not base64"))?;
    let blob = blob
        .as_str()
        .and_then(|b| B64.decode(b).ok())
        .ok_or(SecurityError::BadTrailer("NexoBlob is not base64"))?;
    let plaintext = keys.key.decrypt(&nonce, &blob)?;
    keys.key.verify_hmac(&plaintext, &mac)?;
    let request = decode_request(&plaintext)?;
    Ok(Opened {
        request,
        nonce: Some(nonce),
        crypto_version,
    })
}

/// Encrypts a response (`{"SaleToPOIResponse":{…}}`) for the POS with a fresh nonce.
pub fn seal(
    response: &Value,
    keys: &KeyRing,
    crypto_version: u64,
    nonce: [u8; NONCE_LEN],
) -> Value {
    let plaintext = serde_json::to_vec(response).unwrap_or_default();
    let header = response
        .get("SaleToPOIResponse")
        .and_then(|r| r.get("MessageHeader"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({"SaleToPOIResponse": {
        "MessageHeader": header,
        "NexoBlob": B64.encode(keys.key.encrypt(&nonce, &plaintext)),
        "SecurityTrailer": {
            "AdyenCryptoVersion": crypto_version,
            "KeyIdentifier": keys.identifier,
            "KeyVersion": keys.version,
            "Nonce": B64.encode(nonce),
            "Hmac": B64.encode(keys.key.hmac(&plaintext)),
        }
    }})
}

/// The nonces of the last requests: a message seen before is refused. Bounded; a nonce is 16
/// random bytes, so a POS repeating one by chance is not a concern, an attacker replaying one is.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: HashSet<[u8; NONCE_LEN]>,
    order: VecDeque<[u8; NONCE_LEN]>,
}

impl NonceCache {
    pub const CAPACITY: usize = 16_384;

    /// Records the nonce; `Err(Replayed)` if it was already there.
    pub fn check(&mut self, nonce: [u8; NONCE_LEN]) -> Result<(), SecurityError> {
        if !self.seen.insert(nonce) {
            return Err(SecurityError::Replayed);
        }
        self.order.push_back(nonce);
        if self.order.len() > Self::CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"SaleToPOIRequest":{"MessageHeader":{"MessageClass":"Service","MessageCategory":"Diagnosis","MessageType":"Request","ServiceID":"9","SaleID":"POS-1","POIID":"CT-0001"},"DiagnosisRequest":{"HostDiagnosisFlag":false}}}"#;

    fn secured(keys: &KeyRing, nonce: [u8; 16], identifier: &str, version: u64) -> Vec<u8> {
        let key = &keys.key;
        serde_json::to_vec(&json!({"SaleToPOIRequest":{
            "MessageHeader":{},
            "NexoBlob": B64.encode(key.encrypt(&nonce, PLAIN.as_bytes())),
            "SecurityTrailer":{"AdyenCryptoVersion":1,"KeyIdentifier":identifier,"KeyVersion":version,
                "Nonce":B64.encode(nonce),"Hmac":B64.encode(key.hmac(PLAIN.as_bytes()))}}}))
        .unwrap()
    }

    #[test]
    fn opens_what_the_pos_sealed_and_refuses_the_rest() {
        let keys = KeyRing::new("CryptoKeyIdentifier12345", 1, "p@ssw0rd123456");
        let opened = open(
            &secured(&keys, [3; 16], "CryptoKeyIdentifier12345", 1),
            Some(&keys),
            false,
        )
        .unwrap();
        assert_eq!(opened.request.header.message_category, "Diagnosis");
        assert_eq!(opened.nonce, Some([3; 16]));
        let wrong_id = secured(&keys, [3; 16], "other", 1);
        assert_eq!(
            open(&wrong_id, Some(&keys), false),
            Err(SecurityError::UnknownKey)
        );
        let wrong_version = secured(&keys, [3; 16], "CryptoKeyIdentifier12345", 2);
        assert_eq!(
            open(&wrong_version, Some(&keys), false),
            Err(SecurityError::WrongKeyVersion(2))
        );
        let other = KeyRing::new("CryptoKeyIdentifier12345", 1, "not the passphrase");
        let forged = secured(&other, [3; 16], "CryptoKeyIdentifier12345", 1);
        assert!(matches!(
            open(&forged, Some(&keys), false),
            Err(SecurityError::Crypto(_))
        ));
        assert_eq!(
            open(PLAIN.as_bytes(), Some(&keys), false),
            Err(SecurityError::NotEncrypted)
        );
        assert!(
            open(PLAIN.as_bytes(), Some(&keys), true)
                .unwrap()
                .nonce
                .is_none()
        );
    }

    #[test]
    fn a_tampered_hmac_is_refused() {
        let keys = KeyRing::new("k", 0, "p@ssw0rd123456");
        let mut message: Value = serde_json::from_slice(&secured(&keys, [9; 16], "k", 0)).unwrap();
        let mut mac = keys.key.hmac(PLAIN.as_bytes());
        mac[0] ^= 0xff;
        message["SaleToPOIRequest"]["SecurityTrailer"]["Hmac"] = B64.encode(mac).into();
        let body = serde_json::to_vec(&message).unwrap();
        assert_eq!(
            open(&body, Some(&keys), false),
            Err(SecurityError::Crypto(CryptoError::BadHmac))
        );
    }

    #[test]
    fn sealed_responses_open_with_the_same_key() {
        let keys = KeyRing::new("k", 4, "secret passphrase");
        let response = json!({"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"Diagnosis"},"DiagnosisResponse":{}}});
        let sealed = seal(&response, &keys, 1, [5; 16]);
        let trailer = &sealed["SaleToPOIResponse"]["SecurityTrailer"];
        assert_eq!(trailer["KeyVersion"], 4);
        let blob = B64
            .decode(sealed["SaleToPOIResponse"]["NexoBlob"].as_str().unwrap())
            .unwrap();
        let plain = keys.key.decrypt(&[5; 16], &blob).unwrap();
        let mac = B64.decode(trailer["Hmac"].as_str().unwrap()).unwrap();
        keys.key.verify_hmac(&plain, &mac).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&plain).unwrap(), response);
    }

    #[test]
    fn nonces_are_used_once() {
        let mut cache = NonceCache::default();
        assert!(cache.check([1; 16]).is_ok());
        assert_eq!(cache.check([1; 16]), Err(SecurityError::Replayed));
        for i in 0..NonceCache::CAPACITY as u32 {
            let mut n = [0u8; 16];
            n[..4].copy_from_slice(&i.to_be_bytes());
            n[15] = 0xee;
            cache.check(n).unwrap();
        }
        assert!(cache.seen.len() <= NonceCache::CAPACITY);
    }
}
