//! The security of Adyen's local Terminal API ("nexo" over the LAN): keys derived from a shared
//! passphrase with PBKDF2-HMAC-SHA1 (salt "AdyenNexoV1Salt", 4,000 rounds, 80 bytes), the message
//! encrypted with AES-256-CBC (PKCS#7 padding) under IV = derived IV XOR the message's nonce, and
//! authenticated with HMAC-SHA256 over the *plaintext*. Pure functions; the caller brings the nonce.

use aes::Aes256;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

pub const SALT: &[u8] = b"AdyenNexoV1Salt";
pub const ITERATIONS: u32 = 4_000;
pub const HMAC_KEY_LEN: usize = 32;
pub const CIPHER_KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 16;

/// The three keys one passphrase gives. Never printed: `Debug` shows nothing of them.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivedKey {
    hmac_key: [u8; HMAC_KEY_LEN],
    cipher_key: [u8; CIPHER_KEY_LEN],
    iv: [u8; NONCE_LEN],
}

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKey(..)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the encrypted message is not a whole number of AES blocks or its padding is wrong")]
    BadCiphertext,
    #[error("the message's HMAC does not match: wrong key or altered message")]
    BadHmac,
}

impl DerivedKey {
    /// Derives the keys from the passphrase's bytes (Adyen's clients take the passphrase's
    /// characters as single bytes; the configuration only accepts printable ASCII, where that is
    /// the same as UTF-8).
    pub fn derive(passphrase: &[u8]) -> Self {
        let mut material = [0u8; HMAC_KEY_LEN + CIPHER_KEY_LEN + NONCE_LEN];
        pbkdf2::pbkdf2_hmac::<Sha1>(passphrase, SALT, ITERATIONS, &mut material);
        let mut key = DerivedKey {
            hmac_key: [0; HMAC_KEY_LEN],
            cipher_key: [0; CIPHER_KEY_LEN],
            iv: [0; NONCE_LEN],
        };
        key.hmac_key.copy_from_slice(&material[..HMAC_KEY_LEN]);
        key.cipher_key
            .copy_from_slice(&material[HMAC_KEY_LEN..HMAC_KEY_LEN + CIPHER_KEY_LEN]);
        key.iv
            .copy_from_slice(&material[HMAC_KEY_LEN + CIPHER_KEY_LEN..]);
        key
    }

    fn iv_for(&self, nonce: &[u8; NONCE_LEN]) -> [u8; NONCE_LEN] {
        std::array::from_fn(|i| self.iv[i] ^ nonce[i])
    }

    pub fn encrypt(&self, nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> Vec<u8> {
        cbc::Encryptor::<Aes256>::new(&self.cipher_key.into(), &self.iv_for(nonce).into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext)
    }

    pub fn decrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        cbc::Decryptor::<Aes256>::new(&self.cipher_key.into(), &self.iv_for(nonce).into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| CryptoError::BadCiphertext)
    }

    pub fn hmac(&self, plaintext: &[u8]) -> [u8; 32] {
        self.mac(plaintext).finalize().into_bytes().into()
    }

    /// Constant-time comparison; a MAC of the wrong length is simply wrong.
    pub fn verify_hmac(&self, plaintext: &[u8], received: &[u8]) -> Result<(), CryptoError> {
        self.mac(plaintext)
            .verify_slice(received)
            .map_err(|_| CryptoError::BadHmac)
    }

    fn mac(&self, plaintext: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac_key)
            .expect("HMAC takes keys of any length");
        mac.update(plaintext);
        mac
    }

    #[cfg(test)]
    pub(crate) fn parts(&self) -> (&[u8], &[u8], &[u8]) {
        (&self.hmac_key, &self.cipher_key, &self.iv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = DerivedKey::derive(b"p@ssw0rd123456");
        let nonce = [7u8; NONCE_LEN];
        let text = br#"{"SaleToPOIRequest":{}}"#;
        let sealed = key.encrypt(&nonce, text);
        assert_eq!(sealed.len() % 16, 0);
        assert_eq!(key.decrypt(&nonce, &sealed).unwrap(), text);
        let mac = key.hmac(text);
        assert!(key.verify_hmac(text, &mac).is_ok());
        assert_eq!(key.verify_hmac(text, &mac[..16]), Err(CryptoError::BadHmac));
        let other = DerivedKey::derive(b"another passphrase");
        assert_eq!(other.verify_hmac(text, &mac), Err(CryptoError::BadHmac));
        assert!(key.decrypt(&nonce, &sealed[..sealed.len() - 1]).is_err());
        assert_eq!(format!("{key:?}"), "DerivedKey(..)");
    }

    #[test]
    fn the_nonce_changes_the_iv() {
        let key = DerivedKey::derive(b"p@ssw0rd123456");
        let a = key.encrypt(&[0; NONCE_LEN], b"same text");
        let b = key.encrypt(&[1; NONCE_LEN], b"same text");
        assert_ne!(a, b);
        assert_ne!(key.parts().0, key.parts().1);
    }
}
