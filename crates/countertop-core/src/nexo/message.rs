//! The nexo messages this terminal understands, decoded from the (decrypted) JSON a POS sends:
//! `{"SaleToPOIRequest":{"MessageHeader":{…},"PaymentRequest":{…}}}`. The header is decoded
//! first: with a valid header every problem further in is answered in nexo terms
//! (`Result: Failure` and an `ErrorCondition`), never with silence.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::money::{Currency, Money};
use crate::payment::PaymentId;

/// Longest id (ServiceID, SaleID, POIID, TransactionID) accepted.
pub const MAX_ID_CHARS: usize = 64;

/// nexo's `ErrorCondition` values this terminal answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCondition {
    Aborted,
    Busy,
    Cancel,
    DeviceOut,
    InProgress,
    MessageFormat,
    NotAllowed,
    NotFound,
    PaymentRestriction,
    Refusal,
    UnavailableDevice,
    UnavailableService,
    UnreachableHost,
}

/// Why a request with a valid header is answered with a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub condition: ErrorCondition,
    /// A sentence for the cashier (goes into `AdditionalResponse` as `message=…`).
    pub message: String,
}

impl Refusal {
    pub fn new(condition: ErrorCondition, message: impl Into<String>) -> Self {
        Refusal {
            condition,
            message: message.into(),
        }
    }
}

/// The part of the header that matters; echoed back with `MessageType: Response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageHeader {
    #[serde(
        rename = "ProtocolVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub protocol_version: Option<String>,
    #[serde(rename = "MessageClass")]
    pub message_class: String,
    #[serde(rename = "MessageCategory")]
    pub message_category: String,
    #[serde(rename = "MessageType")]
    pub message_type: String,
    #[serde(rename = "ServiceID", default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(rename = "SaleID")]
    pub sale_id: String,
    #[serde(rename = "POIID")]
    pub poi_id: String,
    #[serde(rename = "DeviceID", default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

impl MessageHeader {
    /// The same header as the answer to it.
    pub fn as_response(&self) -> MessageHeader {
        MessageHeader {
            message_type: "Response".into(),
            ..self.clone()
        }
    }

    fn check(&self) -> Result<(), &'static str> {
        let category_ok = !self.message_category.is_empty()
            && self.message_category.len() <= 32
            && self
                .message_category
                .bytes()
                .all(|b| b.is_ascii_alphanumeric());
        if !category_ok {
            return Err("MessageCategory must be a nexo category name");
        }
        if self.message_type != "Request" {
            return Err("MessageType must be Request");
        }
        let ids = [
            Some(&self.sale_id),
            Some(&self.poi_id),
            self.service_id.as_ref(),
            self.device_id.as_ref(),
            self.protocol_version.as_ref(),
        ];
        if ids.into_iter().flatten().any(|id| !valid_id(id)) {
            return Err("SaleID, POIID, ServiceID and DeviceID are 1 to 64 printable characters");
        }
        if !valid_id(&self.message_class) {
            return Err("MessageClass must be a nexo class name");
        }
        Ok(())
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_ID_CHARS && !id.chars().any(char::is_control)
}

/// Which earlier message a status query or an abort is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageReference {
    #[serde(
        rename = "MessageCategory",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message_category: Option<String>,
    #[serde(rename = "ServiceID", default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(rename = "SaleID", default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
    #[serde(rename = "POIID", default, skip_serializing_if = "Option::is_none")]
    pub poi_id: Option<String>,
}

/// A `PaymentRequest`, reduced to what the terminal acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// `SaleData.SaleTransactionID.TransactionID`: the idempotency key, the same payment id as
    /// Countertop's own protocol uses.
    pub payment_id: PaymentId,
    /// `SaleData.SaleTransactionID.TimeStamp`, echoed back.
    pub sale_timestamp: String,
    /// `PaymentTransaction.AmountsReq.RequestedAmount` in `Currency`.
    pub amount: Money,
    /// `SaleData.SaleToAcquirerData` asks for `tenderOption=AskGratuity`.
    pub ask_gratuity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    Payment(Payment),
    /// `TransactionStatusRequest`; without a reference it is about the sale's last payment.
    TransactionStatus(Option<MessageReference>),
    /// `AbortRequest`: cancel the referenced payment if it has not reached the gateway.
    Abort(MessageReference),
    /// `DiagnosisRequest`.
    Diagnosis,
}

/// A decoded request: a valid header and either what to do or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexoRequest {
    pub header: MessageHeader,
    pub body: Result<RequestBody, Refusal>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("the message has no SaleToPOIRequest object")]
    NoRequest,
    #[error("the MessageHeader is missing or not valid: {0}")]
    BadHeader(String),
}

/// Decodes the plaintext JSON of a request.
pub fn decode_request(bytes: &[u8]) -> Result<NexoRequest, DecodeError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    decode_request_value(value)
}

pub(crate) fn decode_request_value(value: Value) -> Result<NexoRequest, DecodeError> {
    let Value::Object(mut outer) = value else {
        return Err(DecodeError::NoRequest);
    };
    let Some(Value::Object(mut request)) = outer.remove("SaleToPOIRequest") else {
        return Err(DecodeError::NoRequest);
    };
    let header = request
        .remove("MessageHeader")
        .ok_or_else(|| DecodeError::BadHeader("missing".into()))?;
    let header: MessageHeader =
        serde_json::from_value(header).map_err(|e| DecodeError::BadHeader(e.to_string()))?;
    header
        .check()
        .map_err(|e| DecodeError::BadHeader(e.into()))?;
    let body = decode_body(&header, request);
    Ok(NexoRequest { header, body })
}

fn decode_body(
    header: &MessageHeader,
    mut request: Map<String, Value>,
) -> Result<RequestBody, Refusal> {
    let category = header.message_category.as_str();
    let body_name = format!("{category}Request");
    let format = |message: String| Refusal::new(ErrorCondition::MessageFormat, message);
    let supported = matches!(
        category,
        "Payment" | "TransactionStatus" | "Abort" | "Diagnosis"
    );
    if !supported {
        return Err(Refusal::new(
            ErrorCondition::UnavailableService,
            format!("{category} is not a service this terminal offers"),
        ));
    }
    let body = request
        .remove(&body_name)
        .ok_or_else(|| format(format!("the {body_name} is missing")))?;
    if !body.is_object() {
        return Err(format(format!("the {body_name} must be an object")));
    }
    match category {
        "Payment" => decode_payment(body).map(RequestBody::Payment),
        "TransactionStatus" => {
            let reference = match body.get("MessageReference") {
                None | Some(Value::Null) => None,
                Some(reference) => Some(decode_reference(reference.clone())?),
            };
            Ok(RequestBody::TransactionStatus(reference))
        }
        "Abort" => {
            let reference = body
                .get("MessageReference")
                .ok_or_else(|| format("the AbortRequest has no MessageReference".into()))?;
            Ok(RequestBody::Abort(decode_reference(reference.clone())?))
        }
        _ => Ok(RequestBody::Diagnosis),
    }
}

fn decode_reference(value: Value) -> Result<MessageReference, Refusal> {
    let reference: MessageReference = serde_json::from_value(value).map_err(|e| {
        Refusal::new(
            ErrorCondition::MessageFormat,
            format!("MessageReference: {e}"),
        )
    })?;
    let ids = [
        &reference.service_id,
        &reference.sale_id,
        &reference.poi_id,
        &reference.message_category,
    ];
    if ids.into_iter().flatten().any(|id| !valid_id(id)) {
        return Err(Refusal::new(
            ErrorCondition::MessageFormat,
            "MessageReference ids are 1 to 64 printable characters",
        ));
    }
    Ok(reference)
}

#[derive(Deserialize)]
struct PaymentWire {
    #[serde(rename = "SaleData")]
    sale_data: SaleDataWire,
    #[serde(rename = "PaymentTransaction")]
    payment_transaction: PaymentTransactionWire,
    #[serde(rename = "PaymentData", default)]
    payment_data: Option<PaymentDataWire>,
}

#[derive(Deserialize)]
struct SaleDataWire {
    #[serde(rename = "SaleTransactionID")]
    sale_transaction_id: TransactionIdWire,
    #[serde(rename = "SaleToAcquirerData", default)]
    sale_to_acquirer_data: Option<String>,
}

#[derive(Deserialize)]
struct TransactionIdWire {
    #[serde(rename = "TransactionID")]
    transaction_id: String,
    #[serde(rename = "TimeStamp")]
    timestamp: String,
}

#[derive(Deserialize)]
struct PaymentTransactionWire {
    #[serde(rename = "AmountsReq")]
    amounts_req: AmountsReqWire,
}

#[derive(Deserialize)]
struct AmountsReqWire {
    #[serde(rename = "Currency")]
    currency: String,
    #[serde(rename = "RequestedAmount")]
    requested_amount: serde_json::Number,
}

#[derive(Deserialize)]
struct PaymentDataWire {
    #[serde(rename = "PaymentType", default)]
    payment_type: Option<String>,
}

fn decode_payment(body: Value) -> Result<Payment, Refusal> {
    let format = |message: String| Refusal::new(ErrorCondition::MessageFormat, message);
    let wire: PaymentWire =
        serde_json::from_value(body).map_err(|e| format(format!("PaymentRequest: {e}")))?;
    if let Some(kind) = wire.payment_data.and_then(|d| d.payment_type)
        && kind != "Normal"
    {
        return Err(Refusal::new(
            ErrorCondition::UnavailableService,
            format!(
                "PaymentType {} is not offered; only Normal payments",
                clip(&kind)
            ),
        ));
    }
    let id = wire.sale_data.sale_transaction_id;
    let payment_id = PaymentId::new(id.transaction_id)
        .map_err(|e| format(format!("SaleTransactionID.TransactionID: {e}")))?;
    if !valid_id(&id.timestamp) {
        return Err(format(
            "SaleTransactionID.TimeStamp must be a time stamp".into(),
        ));
    }
    let amounts = wire.payment_transaction.amounts_req;
    let currency = Currency::from_code(&amounts.currency)
        .map_err(|_| format(format!("Currency {} is not known", clip(&amounts.currency))))?;
    // The JSON number's own digits, so that 12.34 is 1234 cents exactly, never a float's guess.
    let amount =
        Money::parse_decimal(&amounts.requested_amount.to_string(), currency).map_err(|_| {
            format(format!(
                "RequestedAmount {} is not an amount in {}",
                clip(&amounts.requested_amount.to_string()),
                currency
            ))
        })?;
    let ask_gratuity = wire
        .sale_data
        .sale_to_acquirer_data
        .as_deref()
        .is_some_and(asks_gratuity);
    Ok(Payment {
        payment_id,
        sale_timestamp: id.timestamp,
        amount,
        ask_gratuity,
    })
}

/// Adyen's `SaleToAcquirerData` comes as a form (`tenderOption=AskGratuity&…`) or as base64 of a
/// JSON object (`{"tenderOption":"AskGratuity"}`); several tender options are comma-separated.
pub fn asks_gratuity(data: &str) -> bool {
    let has = |options: &str| options.split(',').any(|o| o.trim() == "AskGratuity");
    let from_form = data.split('&').any(|pair| {
        pair.split_once('=')
            .is_some_and(|(key, value)| key == "tenderOption" && has(value))
    });
    if from_form {
        return true;
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|json| json.get("tenderOption")?.as_str().map(has))
        .unwrap_or(false)
}

/// At most 32 characters of a value quoted back in an error.
fn clip(text: &str) -> String {
    text.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body_name: &str, category: &str, body: Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"SaleToPOIRequest":{
            "MessageHeader":{"ProtocolVersion":"3.0","MessageClass":"Service","MessageCategory":category,
                "MessageType":"Request","ServiceID":"1001","SaleID":"POS-1","POIID":"CT-0001"},
            body_name: body}}))
        .unwrap()
    }

    fn payment(amount: Value, acquirer_data: Option<&str>) -> Vec<u8> {
        let mut sale = serde_json::json!({"SaleTransactionID":{"TransactionID":"order-7","TimeStamp":"2026-11-30T10:00:00Z"}});
        if let Some(data) = acquirer_data {
            sale["SaleToAcquirerData"] = data.into();
        }
        request(
            "PaymentRequest",
            "Payment",
            serde_json::json!({"SaleData":sale,
            "PaymentTransaction":{"AmountsReq":{"Currency":"EUR","RequestedAmount":amount}}}),
        )
    }

    #[test]
    fn a_payment_is_decoded_exactly() {
        let decoded = decode_request(&payment(serde_json::json!(12.34), None)).unwrap();
        let Ok(RequestBody::Payment(p)) = decoded.body else {
            panic!("{decoded:?}")
        };
        assert_eq!(p.payment_id.as_str(), "order-7");
        assert_eq!(p.amount.minor, 1234);
        assert!(!p.ask_gratuity);
        assert_eq!(decoded.header.service_id.as_deref(), Some("1001"));
        let whole = decode_request(&payment(serde_json::json!(5), None)).unwrap();
        assert!(matches!(whole.body, Ok(RequestBody::Payment(p)) if p.amount.minor == 500));
    }

    #[test]
    fn amounts_finer_than_the_currency_are_refused() {
        let decoded = decode_request(&payment(serde_json::json!(1.005), None)).unwrap();
        assert_eq!(
            decoded.body.unwrap_err().condition,
            ErrorCondition::MessageFormat
        );
    }

    #[test]
    fn gratuity_is_asked_the_adyen_way() {
        assert!(asks_gratuity("tenderOption=AskGratuity"));
        assert!(asks_gratuity("a=b&tenderOption=ReceiptHandler,AskGratuity"));
        assert!(asks_gratuity("eyJ0ZW5kZXJPcHRpb24iOiJBc2tHcmF0dWl0eSJ9")); // {"tenderOption":"AskGratuity"}
        assert!(!asks_gratuity("tenderOption=ReceiptHandler"));
        assert!(!asks_gratuity("AskGratuity"));
        let decoded = decode_request(&payment(
            serde_json::json!(10),
            Some("tenderOption=AskGratuity"),
        ))
        .unwrap();
        assert!(matches!(decoded.body, Ok(RequestBody::Payment(p)) if p.ask_gratuity));
    }

    #[test]
    fn unknown_categories_are_unavailable_services() {
        let decoded = decode_request(&request(
            "ReversalRequest",
            "Reversal",
            serde_json::json!({}),
        ))
        .unwrap();
        assert_eq!(
            decoded.body.unwrap_err().condition,
            ErrorCondition::UnavailableService
        );
        let missing = decode_request(&request("Other", "Payment", serde_json::json!({}))).unwrap();
        assert_eq!(
            missing.body.unwrap_err().condition,
            ErrorCondition::MessageFormat
        );
    }

    #[test]
    fn status_abort_and_diagnosis() {
        let status = decode_request(&request("TransactionStatusRequest", "TransactionStatus",
            serde_json::json!({"MessageReference":{"MessageCategory":"Payment","ServiceID":"1000","SaleID":"POS-1"}}))).unwrap();
        assert!(
            matches!(status.body, Ok(RequestBody::TransactionStatus(Some(r))) if r.service_id.as_deref() == Some("1000"))
        );
        let last = decode_request(&request(
            "TransactionStatusRequest",
            "TransactionStatus",
            serde_json::json!({}),
        ))
        .unwrap();
        assert_eq!(last.body, Ok(RequestBody::TransactionStatus(None)));
        let abort = decode_request(&request(
            "AbortRequest",
            "Abort",
            serde_json::json!({"AbortReason":"MerchantAbort"}),
        ))
        .unwrap();
        assert_eq!(
            abort.body.unwrap_err().condition,
            ErrorCondition::MessageFormat
        );
        let diagnosis = decode_request(&request(
            "DiagnosisRequest",
            "Diagnosis",
            serde_json::json!({"HostDiagnosisFlag":false}),
        ))
        .unwrap();
        assert_eq!(diagnosis.body, Ok(RequestBody::Diagnosis));
    }

    #[test]
    fn bad_headers_are_errors_without_a_body() {
        assert!(matches!(decode_request(b"[]"), Err(DecodeError::NoRequest)));
        assert!(matches!(decode_request(b"{"), Err(DecodeError::NotJson(_))));
        let bad = br#"{"SaleToPOIRequest":{"MessageHeader":{"MessageClass":"Service","MessageCategory":"Pay ment","MessageType":"Request","SaleID":"a","POIID":"b"}}}"#;
        assert!(matches!(
            decode_request(bad),
            Err(DecodeError::BadHeader(_))
        ));
    }
}
