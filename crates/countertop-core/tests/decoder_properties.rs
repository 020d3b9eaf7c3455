//! Anything off the network decodes to a message or a clear error: never a panic, and accepted
//! messages round-trip. Runs on stable Rust in every test run; fuzz/ has the libFuzzer targets.

use countertop_core::discovery;
use countertop_core::protocol::{ProtocolError, decode_client, encode_client, salvage_request_id};
use proptest::prelude::*;

const VALID: &[&str] = &[
    r#"{"v":1,"id":"r1","type":"ping"}"#,
    r#"{"v":1,"id":"r2","type":"hello","pos_id":"pos-1","credential":"abc"}"#,
    r#"{"v":1,"id":"r3","type":"cart.set","currency":"EUR","lines":[{"id":"1","description":"Tea","quantity_milli":1000,"unit_price":{"minor":250,"currency":"EUR"}}]}"#,
    r#"{"v":1,"id":"r4","type":"payment.request","payment":{"id":"p1","amount":{"minor":990,"currency":"EUR"},"tip":{"percentages_bp":[1000]}}}"#,
    r#"{"v":1,"id":"r5","type":"payment.status","payment_id":"p1"}"#,
];

fn check(bytes: &[u8]) {
    let _ = salvage_request_id(bytes);
    match decode_client(bytes) {
        Ok(envelope) => {
            let again = decode_client(
                encode_client(envelope.id.clone(), envelope.message.clone()).as_bytes(),
            );
            assert_eq!(again.as_ref(), Ok(&envelope));
        }
        Err(
            ProtocolError::TooLarge
            | ProtocolError::UnsupportedVersion(_)
            | ProtocolError::MissingVersion
            | ProtocolError::IdTooLong
            | ProtocolError::Malformed(_),
        ) => {}
    }
    let _ = discovery::decode(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn mutated_valid_messages_never_panic(
        which in 0..VALID.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut bytes = VALID[which].as_bytes().to_vec();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        check(&bytes);
        let cut = cut % (bytes.len() + 1);
        check(&bytes[..cut]);
    }
}

#[test]
fn the_valid_samples_decode() {
    for sample in VALID {
        assert!(decode_client(sample.as_bytes()).is_ok(), "{sample}");
    }
}
