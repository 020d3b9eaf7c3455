//! UDP discovery datagrams come from anyone on the LAN: decoding and verifying must never panic.
#![no_main]

use countertop_core::discovery::{decode, verify_announce, verify_here};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = decode(data) {
        let _ = verify_here(&message, &[7u8; 32], "nonce");
        let _ = verify_announce(&message, &[7u8; 32], Some(1));
    }
});
