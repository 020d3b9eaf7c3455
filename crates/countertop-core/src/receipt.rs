//! The digital receipt a POS may hand the terminal: a web address the shopper scans as a QR on
//! the post-payment screen. Checked here, once, so the link, the core and the screen can trust it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest receipt address accepted. Well inside what a QR shown on screen keeps scannable
/// (a version-14 code at medium error correction holds about 330 bytes; 512 stays legible at
/// the size the post-payment screen draws it).
pub const MAX_RECEIPT_URL_CHARS: usize = 512;

/// An `http://` or `https://` address with a host, printable ASCII only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReceiptUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptUrlError {
    #[error("the receipt URL is empty")]
    Empty,
    #[error("the receipt URL is longer than {MAX_RECEIPT_URL_CHARS} characters")]
    TooLong,
    #[error(
        "the receipt URL must be printable ASCII without spaces (percent-encode anything else)"
    )]
    BadCharacter,
    #[error("the receipt URL must start with https:// or http://")]
    BadScheme,
    #[error("the receipt URL has no host")]
    NoHost,
}

impl ReceiptUrl {
    pub fn new(url: impl Into<String>) -> Result<Self, ReceiptUrlError> {
        let url = url.into();
        if url.is_empty() {
            return Err(ReceiptUrlError::Empty);
        }
        if url.chars().count() > MAX_RECEIPT_URL_CHARS {
            return Err(ReceiptUrlError::TooLong);
        }
        // Control characters, spaces and anything outside ASCII: a phone's scanner would show
        // them differently from what the POS meant, or not open the address at all.
        if !url.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ReceiptUrlError::BadCharacter);
        }
        let lower = url.to_ascii_lowercase();
        let rest = ["https://", "http://"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme))
            .ok_or(ReceiptUrlError::BadScheme)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or("");
        if host.is_empty() || host.starts_with(':') {
            return Err(ReceiptUrlError::NoHost);
        }
        Ok(ReceiptUrl(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ReceiptUrl {
    type Error = ReceiptUrlError;
    fn try_from(s: String) -> Result<Self, ReceiptUrlError> {
        ReceiptUrl::new(s)
    }
}

impl From<ReceiptUrl> for String {
    fn from(url: ReceiptUrl) -> String {
        url.0
    }
}

impl fmt::Display for ReceiptUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_with_a_host_are_accepted() {
        for url in [
            "https://receipts.example/r/8f2c",
            "HTTP://shop.example:8080/receipt?id=42#top",
            "https://user@receipts.example/r",
        ] {
            assert_eq!(ReceiptUrl::new(url).unwrap().as_str(), url);
        }
        let longest = format!(
            "https://r.example/{}",
            "a".repeat(MAX_RECEIPT_URL_CHARS - 18)
        );
        assert!(ReceiptUrl::new(longest).is_ok());
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        use ReceiptUrlError::*;
        for (url, error) in [
            ("", Empty),
            ("ftp://receipts.example/r", BadScheme),
            ("javascript:alert(1)", BadScheme),
            ("receipts.example/r", BadScheme),
            ("https:///r/1", NoHost),
            ("https://:443/r", NoHost),
            ("https://receipts.example/r 1", BadCharacter),
            ("https://receipts.example/r\n1", BadCharacter),
            ("https://receipts.example/\u{7f}", BadCharacter),
            ("https://reçu.example/r", BadCharacter),
        ] {
            assert_eq!(ReceiptUrl::new(url), Err(error), "{url:?}");
        }
        let long = format!("https://r.example/{}", "a".repeat(MAX_RECEIPT_URL_CHARS));
        assert_eq!(ReceiptUrl::new(long), Err(TooLong));
    }

    #[test]
    fn decoding_checks_the_address_too() {
        let ok: Result<ReceiptUrl, _> = serde_json::from_str(r#""https://r.example/1""#);
        assert!(ok.is_ok());
        let bad = serde_json::from_str::<ReceiptUrl>(r#""ftp://r.example/1""#).unwrap_err();
        assert!(bad.to_string().contains("https://"), "{bad}");
    }
}
