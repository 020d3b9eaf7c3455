//! The POS message decoder must turn any bytes into a message or an error, never a panic, and
//! a message it accepts must survive a round trip.
#![no_main]

use countertop_core::protocol::{decode_client, encode_client, salvage_request_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = salvage_request_id(data);
    if let Ok(envelope) = decode_client(data) {
        let text = encode_client(envelope.id.clone(), envelope.message.clone());
        let again = decode_client(text.as_bytes()).expect("re-encoded message decodes");
        assert_eq!(again, envelope);
    }
});
