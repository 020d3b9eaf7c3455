//! Known answers from Adyen's own Node.js library tests (`src/__mocks__/terminalApi/local.ts`
//! and `src/__mocks__/clouddevice/payment-sync-encrypted-success.json`, passphrase
//! `p@ssw0rd123456`, key `CryptoKeyIdentifier12345`): blobs their terminals encrypted, which we
//! must decrypt and authenticate bit for bit. The derived keys were computed separately with
//! OpenSSL's PBKDF2 (Node's `crypto.pbkdf2Sync`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::crypto::DerivedKey;

const PASSPHRASE: &[u8] = b"p@ssw0rd123456";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn key_derivation_matches_openssl() {
    let key = DerivedKey::derive(PASSPHRASE);
    let (hmac, cipher, iv) = key.parts();
    assert_eq!(
        hex(hmac),
        "733636253b5b98f9a483b1a678d73a58dab2accafbc029ecbe12d60eaa909e32"
    );
    assert_eq!(
        hex(cipher),
        "cf2c822761b9f5305bf69970bfa7b659a6724a119db21f8b0e949779f2ea022c"
    );
    assert_eq!(hex(iv), "bb9ba8092e6027c735398dc65977c051");
}

fn decrypt_and_check(blob_b64: &str, nonce_b64: &str, hmac_b64: &str) -> Value {
    let key = DerivedKey::derive(PASSPHRASE);
    let nonce: [u8; 16] = B64.decode(nonce_b64).unwrap().try_into().unwrap();
    let plaintext = key.decrypt(&nonce, &B64.decode(blob_b64).unwrap()).unwrap();
    let mac = B64.decode(hmac_b64).unwrap();
    key.verify_hmac(&plaintext, &mac).unwrap();
    assert_eq!(B64.encode(key.hmac(&plaintext)), hmac_b64);
    // Re-encrypting under the same nonce gives the very same blob.
    assert_eq!(B64.encode(key.encrypt(&nonce, &plaintext)), blob_b64);
    serde_json::from_slice(&plaintext).unwrap()
}

#[test]
fn adyen_local_terminal_response_decrypts_and_authenticates() {
    let blob = include_str!("../../tests/data/adyen-local-response.b64").trim();
    let response = decrypt_and_check(
        blob,
        "9iiJMpzKfYs3106ozIKNFQ==",
        "l+5/pYiAbC0V9Xx78ELNDcLMaqTlqx2OyGha37i/g5g=",
    );
    let payment = &response["SaleToPOIResponse"]["PaymentResponse"];
    assert_eq!(
        payment["POIData"]["POITransactionID"]["TransactionID"],
        "4r7i001557325515012.8815573255107661"
    );
    // The same blob with its first bytes altered fails: Adyen's `wrongEncRes`.
    let key = DerivedKey::derive(PASSPHRASE);
    let nonce: [u8; 16] = B64
        .decode("9iiJMpzKfYs3106ozIKNFQ==")
        .unwrap()
        .try_into()
        .unwrap();
    let wrong = format!("WRONG-{}", &blob[6..]);
    let failed = B64
        .decode(wrong)
        .ok()
        .and_then(|bytes| key.decrypt(&nonce, &bytes).ok())
        .map(|plain| {
            key.verify_hmac(
                &plain,
                &B64.decode("l+5/pYiAbC0V9Xx78ELNDcLMaqTlqx2OyGha37i/g5g=")
                    .unwrap(),
            )
        });
    assert!(!matches!(failed, Some(Ok(()))));
}

#[test]
fn adyen_cloud_device_response_decrypts_and_authenticates() {
    let message: Value = serde_json::from_str(include_str!(
        "../../tests/data/adyen-cloud-payment-response.json"
    ))
    .unwrap();
    let secured = &message["SaleToPOIResponse"];
    let trailer = &secured["SecurityTrailer"];
    assert_eq!(trailer["KeyIdentifier"], "CryptoKeyIdentifier12345");
    let response = decrypt_and_check(
        secured["NexoBlob"].as_str().unwrap(),
        trailer["Nonce"].as_str().unwrap(),
        trailer["Hmac"].as_str().unwrap(),
    );
    assert!(response["SaleToPOIResponse"]["PaymentResponse"].is_object());
}
