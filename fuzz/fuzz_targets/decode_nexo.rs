//! The nexo listener's decoder (Adyen's Terminal API, local): any bytes open to a request or a
//! refusal, never a panic; with a wrong or missing key nothing opens but unencrypted requests.
#![no_main]

use std::sync::OnceLock;

use countertop_core::nexo::{KeyRing, decode_request, open, response};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static KeyRing {
    static KEYS: OnceLock<KeyRing> = OnceLock::new();
    KEYS.get_or_init(|| KeyRing::new("k1", 1, "p@ssw0rd123456"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = decode_request(data)
        && let Err(refusal) = &request.body
    {
        let _ = response::refusal(&request.header, refusal);
    }
    let _ = open(data, Some(keys()), true);
    if let Ok(opened) = open(data, None, false) {
        panic!("opened without a key: {opened:?}");
    }
});
