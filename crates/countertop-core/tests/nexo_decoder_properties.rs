//! Anything a POS sends to the nexo listener opens to a request or a clear refusal: never a
//! panic; and a secured message, however mangled, either opens to exactly what was sealed or is
//! refused (only the encrypted, authenticated blob counts). Stable Rust, every test run; fuzz/
//! has the libFuzzer target `decode_nexo`.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use countertop_core::nexo::{KeyRing, NexoRequest, decode_request, open, response};
use proptest::prelude::*;

const VALID: &[&str] = &[
    r#"{"SaleToPOIRequest":{"MessageHeader":{"ProtocolVersion":"3.0","MessageClass":"Service","MessageCategory":"Payment","MessageType":"Request","ServiceID":"1","SaleID":"POS-1","POIID":"CT-0001"},"PaymentRequest":{"SaleData":{"SaleTransactionID":{"TransactionID":"order-1","TimeStamp":"2026-11-30T10:00:00Z"},"SaleToAcquirerData":"tenderOption=AskGratuity"},"PaymentTransaction":{"AmountsReq":{"Currency":"EUR","RequestedAmount":12.34}}}}}"#,
    r#"{"SaleToPOIRequest":{"MessageHeader":{"MessageClass":"Service","MessageCategory":"TransactionStatus","MessageType":"Request","ServiceID":"2","SaleID":"POS-1","POIID":"CT-0001"},"TransactionStatusRequest":{"MessageReference":{"MessageCategory":"Payment","ServiceID":"1","SaleID":"POS-1"}}}}"#,
    r#"{"SaleToPOIRequest":{"MessageHeader":{"MessageClass":"Service","MessageCategory":"Abort","MessageType":"Request","ServiceID":"3","SaleID":"POS-1","POIID":"CT-0001"},"AbortRequest":{"AbortReason":"MerchantAbort","MessageReference":{"MessageCategory":"Payment","ServiceID":"1"}}}}"#,
    r#"{"SaleToPOIRequest":{"MessageHeader":{"MessageClass":"Service","MessageCategory":"Diagnosis","MessageType":"Request","ServiceID":"4","SaleID":"POS-1","POIID":"CT-0001"},"DiagnosisRequest":{"HostDiagnosisFlag":false}}}"#,
];

fn keys() -> &'static KeyRing {
    static KEYS: OnceLock<KeyRing> = OnceLock::new();
    KEYS.get_or_init(|| KeyRing::new("k1", 1, "p@ssw0rd123456"))
}

fn sealed(plaintext: &str) -> Vec<u8> {
    let key = &keys().key;
    let nonce = [0x5a; 16];
    serde_json::to_vec(&serde_json::json!({"SaleToPOIRequest":{
        "MessageHeader":{"MessageCategory":"Payment"},
        "NexoBlob": B64.encode(key.encrypt(&nonce, plaintext.as_bytes())),
        "SecurityTrailer":{"AdyenCryptoVersion":1,"KeyIdentifier":"k1","KeyVersion":1,
            "Nonce":B64.encode(nonce),"Hmac":B64.encode(key.hmac(plaintext.as_bytes()))}}}))
    .unwrap()
}

/// Decoding, and answering what decoded, never panics.
fn check(bytes: &[u8]) {
    if let Ok(NexoRequest {
        header,
        body: Err(refusal),
    }) = decode_request(bytes)
    {
        let _ = response::refusal(&header, &refusal);
    }
    let _ = open(bytes, Some(keys()), true);
    let _ = open(bytes, None, false);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn mutated_requests_never_panic(
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

    #[test]
    fn mangled_secured_messages_open_to_the_original_or_not_at_all(
        which in 0..VALID.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let original = decode_request(VALID[which].as_bytes()).unwrap();
        let mut bytes = sealed(VALID[which]);
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        if let Ok(opened) = open(&bytes, Some(keys()), false) {
            prop_assert_eq!(opened.request, original);
        }
    }
}

#[test]
fn the_valid_samples_decode_and_open() {
    for sample in VALID {
        let decoded = decode_request(sample.as_bytes()).unwrap();
        assert!(decoded.body.is_ok(), "{sample}: {decoded:?}");
        assert_eq!(
            open(&sealed(sample), Some(keys()), false).unwrap().request,
            decoded
        );
    }
}
