//! The answers, as nexo JSON (`{"SaleToPOIResponse":{"MessageHeader":…,"PaymentResponse":…}}`).
//! Card data is the brand and last four digits only, as in Countertop's own protocol.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::message::{ErrorCondition, MessageHeader, MessageReference, Refusal};
use crate::money::Money;
use crate::payment::{
    CancelReason, CardBrand, DeclineReason, EntryMode, MaskedCard, Outcome, PaymentId,
};
use crate::protocol::PaymentState;

/// What the terminal keeps about a payment started over nexo, to answer it again
/// (`TransactionStatusRequest`) exactly as the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentContext {
    /// The request's header (SaleID, ServiceID, POIID, …).
    pub header: MessageHeader,
    pub payment_id: PaymentId,
    pub sale_timestamp: String,
    /// When the terminal accepted it (RFC 3339, UTC): the `POITransactionID`'s time stamp.
    pub poi_timestamp: String,
}

fn envelope(header: &MessageHeader, body_name: &str, body: Value) -> Value {
    json!({"SaleToPOIResponse": {"MessageHeader": header.as_response(), body_name: body}})
}

/// `AdditionalResponse` is a form, as Adyen writes it: `message=…&refusalReason=…`.
fn additional(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn failure(condition: ErrorCondition, pairs: &[(&str, &str)]) -> Value {
    json!({"Result": "Failure", "ErrorCondition": condition, "AdditionalResponse": additional(pairs)})
}

/// The answer to any request refused for a reason given with its header.
pub fn refusal(header: &MessageHeader, refusal: &Refusal) -> Value {
    let name = format!("{}Response", header.message_category);
    envelope(
        header,
        &name,
        json!({"Response": failure(refusal.condition, &[("message", &refusal.message)])}),
    )
}

fn amount(money: Money) -> Value {
    // The decimal's own digits ("12.30" → 12.3): the number is exact in the currency's unit.
    money
        .to_decimal_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn brand(card: &MaskedCard) -> &'static str {
    match card.brand() {
        CardBrand::Visa => "visa",
        CardBrand::Mastercard => "mc",
        CardBrand::Amex => "amex",
        CardBrand::Discover => "discover",
        CardBrand::Diners => "diners",
        CardBrand::Interac => "interac",
        CardBrand::UnionPay => "cup",
        CardBrand::Other => "card",
    }
}

fn card_data(card: &MaskedCard, entry: Option<EntryMode>) -> Value {
    let mut data =
        json!({"PaymentBrand": brand(card), "MaskedPan": format!("****{}", card.last4())});
    if let Some(entry) = entry {
        data["EntryMode"] = json!([match entry {
            EntryMode::Tap => "Contactless",
            EntryMode::Insert => "ICC",
            EntryMode::Swipe => "MagStripe",
        }]);
    }
    json!({"PaymentInstrumentType": "Card", "CardData": data})
}

fn decline_reason(reason: DeclineReason) -> &'static str {
    match reason {
        DeclineReason::InsufficientFunds => "Not enough balance",
        DeclineReason::DoNotHonor => "Refused",
        DeclineReason::ExpiredCard => "Expired Card",
        DeclineReason::CardNotSupported => "Not supported",
    }
}

fn cancel(reason: CancelReason) -> (ErrorCondition, &'static str) {
    match reason {
        CancelReason::Shopper => (ErrorCondition::Cancel, "The shopper cancelled the payment."),
        CancelReason::Pos => (
            ErrorCondition::Aborted,
            "The payment was aborted by the POS.",
        ),
        CancelReason::Undocked => (
            ErrorCondition::Aborted,
            "The terminal was taken out of its dock.",
        ),
        CancelReason::NoResponse => (
            ErrorCondition::Cancel,
            "Nobody chose a tip or presented a card in time.",
        ),
        CancelReason::Restarted => (
            ErrorCondition::Aborted,
            "The terminal restarted before a card was read.",
        ),
        CancelReason::StorageFailed => (
            ErrorCondition::Aborted,
            "The terminal could not save the payment's record, so it stopped before the bank.",
        ),
    }
}

/// The `PaymentResponse` body for a finished payment.
pub fn payment_body(context: &PaymentContext, outcome: &Outcome) -> Value {
    let mut body = json!({
        "SaleData": {"SaleTransactionID": {
            "TransactionID": context.payment_id.as_str(),
            "TimeStamp": context.sale_timestamp,
        }},
        "POIData": {"POITransactionID": {
            "TransactionID": context.payment_id.as_str(),
            "TimeStamp": context.poi_timestamp,
        }},
    });
    match outcome {
        Outcome::Approved(approval) => {
            body["Response"] = json!({"Result": "Success"});
            let mut amounts = json!({"Currency": approval.total.currency.code(), "AuthorizedAmount": amount(approval.total)});
            if !approval.tip.is_zero() {
                amounts["TipAmount"] = amount(approval.tip);
            }
            body["PaymentResult"] = json!({
                "PaymentType": "Normal",
                "PaymentInstrumentData": card_data(&approval.card, Some(approval.entry)),
                "AmountsResp": amounts,
                "PaymentAcquirerData": {
                    "ApprovalCode": approval.auth_code,
                    "AcquirerTransactionID": {"TransactionID": approval.reference, "TimeStamp": context.poi_timestamp},
                },
            });
        }
        Outcome::WalletApproved { reference, total } => {
            body["Response"] = json!({"Result": "Success"});
            body["PaymentResult"] = json!({
                "PaymentType": "Normal",
                "PaymentInstrumentData": {"PaymentInstrumentType": "Mobile"},
                "AmountsResp": {"Currency": total.currency.code(), "AuthorizedAmount": amount(*total)},
                "PaymentAcquirerData": {"AcquirerTransactionID": {"TransactionID": reference, "TimeStamp": context.poi_timestamp}},
            });
        }
        Outcome::Declined { reason, card } => {
            let text = decline_reason(*reason);
            body["Response"] = failure(
                ErrorCondition::Refusal,
                &[
                    ("message", "The card was declined."),
                    ("refusalReason", text),
                ],
            );
            if let Some(card) = card {
                body["PaymentResult"] = json!({"PaymentInstrumentData": card_data(card, None)});
            }
        }
        Outcome::Cancelled { reason } => {
            let (condition, text) = cancel(*reason);
            body["Response"] = failure(condition, &[("message", text)]);
        }
        Outcome::TimedOut => {
            body["Response"] = failure(
                ErrorCondition::UnreachableHost,
                &[(
                    "message",
                    "The bank did not answer in time; the authorization was reversed and nothing is owed.",
                )],
            );
        }
    }
    body
}

pub fn payment(context: &PaymentContext, outcome: &Outcome) -> Value {
    envelope(
        &context.header,
        "PaymentResponse",
        payment_body(context, outcome),
    )
}

/// A payment request refused before it started, with the sale's ids echoed.
pub fn payment_refused(
    header: &MessageHeader,
    transaction: Option<(&str, &str)>,
    refusal: &Refusal,
) -> Value {
    let mut body =
        json!({"Response": failure(refusal.condition, &[("message", &refusal.message)])});
    if let Some((id, timestamp)) = transaction {
        body["SaleData"] =
            json!({"SaleTransactionID": {"TransactionID": id, "TimeStamp": timestamp}});
    }
    envelope(header, "PaymentResponse", body)
}

/// The journal's truth about an earlier payment, as a `TransactionStatusResponse`.
pub fn transaction_status(
    header: &MessageHeader,
    reference: Option<&MessageReference>,
    found: Option<(&PaymentContext, &PaymentState)>,
) -> Value {
    let mut body = match found {
        None => {
            json!({"Response": failure(ErrorCondition::NotFound, &[("message", "This terminal has no payment with that reference.")])})
        }
        Some((_, PaymentState::Unknown)) => {
            json!({"Response": failure(ErrorCondition::NotFound, &[("message", "The payment never started: nothing was charged.")])})
        }
        Some((_, PaymentState::InProgress)) => {
            json!({"Response": failure(ErrorCondition::InProgress, &[("message", "The payment is still in progress; ask again.")])})
        }
        Some((context, PaymentState::Final { outcome })) => json!({
            "Response": {"Result": "Success"},
            "RepeatedMessageResponse": {
                "MessageHeader": context.header.as_response(),
                "RepeatedResponseMessageBody": {"PaymentResponse": payment_body(context, outcome)},
            },
        }),
    };
    let reference = match (reference, found) {
        (Some(reference), _) => Some(reference.clone()),
        (None, Some((context, _))) => Some(MessageReference {
            message_category: Some("Payment".into()),
            service_id: context.header.service_id.clone(),
            sale_id: Some(context.header.sale_id.clone()),
            poi_id: Some(context.header.poi_id.clone()),
        }),
        (None, None) => None,
    };
    if let Some(reference) = reference {
        body["MessageReference"] = json!(reference);
    }
    envelope(header, "TransactionStatusResponse", body)
}

/// The terminal's condition as a `DiagnosisResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub docked: bool,
    pub busy: bool,
}

pub fn diagnosis(header: &MessageHeader, condition: &Condition) -> Value {
    let status = match (condition.docked, condition.busy) {
        (false, _) => "Maintenance",
        (true, true) => "Busy",
        (true, false) => "OK",
    };
    envelope(
        header,
        "DiagnosisResponse",
        json!({
            "Response": {"Result": "Success"},
            "POIStatus": {
                "GlobalStatus": status,
                "PEDOKFlag": condition.docked,
                "CardReaderOKFlag": condition.docked,
                "CommunicationOKFlag": true,
            },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::payment::Approval;

    fn context() -> PaymentContext {
        PaymentContext {
            header: MessageHeader {
                protocol_version: Some("3.0".into()),
                message_class: "Service".into(),
                message_category: "Payment".into(),
                message_type: "Request".into(),
                service_id: Some("77".into()),
                sale_id: "POS-1".into(),
                poi_id: "CT-0001".into(),
                device_id: None,
            },
            payment_id: PaymentId::new("order-1").unwrap(),
            sale_timestamp: "2026-11-30T10:00:00Z".into(),
            poi_timestamp: "2026-11-30T10:00:01Z".into(),
        }
    }

    #[test]
    fn an_approval_carries_only_the_masked_card() {
        let eur = Currency::from_code("EUR").unwrap();
        let outcome = Outcome::Approved(Approval {
            auth_code: "482913".into(),
            reference: "SIM-000001".into(),
            card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
            entry: EntryMode::Tap,
            total: Money::new(1357, eur),
            tip: Money::new(123, eur),
        });
        let response = payment(&context(), &outcome);
        let body = &response["SaleToPOIResponse"]["PaymentResponse"];
        assert_eq!(
            response["SaleToPOIResponse"]["MessageHeader"]["MessageType"],
            "Response"
        );
        assert_eq!(body["Response"]["Result"], "Success");
        assert_eq!(
            body["PaymentResult"]["AmountsResp"]["AuthorizedAmount"],
            13.57
        );
        assert_eq!(body["PaymentResult"]["AmountsResp"]["TipAmount"], 1.23);
        assert_eq!(
            body["PaymentResult"]["PaymentAcquirerData"]["ApprovalCode"],
            "482913"
        );
        assert_eq!(
            body["POIData"]["POITransactionID"]["TransactionID"],
            "order-1"
        );
        assert_eq!(
            body["PaymentResult"]["PaymentInstrumentData"]["CardData"]["MaskedPan"],
            "****4242"
        );
    }

    #[test]
    fn failures_name_their_condition() {
        let declined = Outcome::Declined {
            reason: DeclineReason::InsufficientFunds,
            card: None,
        };
        let body = payment_body(&context(), &declined);
        assert_eq!(body["Response"]["Result"], "Failure");
        assert_eq!(body["Response"]["ErrorCondition"], "Refusal");
        assert_eq!(
            body["Response"]["AdditionalResponse"],
            "message=The+card+was+declined.&refusalReason=Not+enough+balance"
        );
        let aborted = payment_body(
            &context(),
            &Outcome::Cancelled {
                reason: CancelReason::Pos,
            },
        );
        assert_eq!(aborted["Response"]["ErrorCondition"], "Aborted");
    }

    #[test]
    fn status_answers_in_progress_final_or_not_found() {
        let ctx = context();
        let header = MessageHeader {
            message_category: "TransactionStatus".into(),
            ..ctx.header.clone()
        };
        let none = transaction_status(&header, None, None);
        assert_eq!(
            none["SaleToPOIResponse"]["TransactionStatusResponse"]["Response"]["ErrorCondition"],
            "NotFound"
        );
        let busy = transaction_status(&header, None, Some((&ctx, &PaymentState::InProgress)));
        let body = &busy["SaleToPOIResponse"]["TransactionStatusResponse"];
        assert_eq!(body["Response"]["ErrorCondition"], "InProgress");
        assert_eq!(body["MessageReference"]["ServiceID"], "77");
        let done = PaymentState::Final {
            outcome: Outcome::TimedOut,
        };
        let fin = transaction_status(&header, None, Some((&ctx, &done)));
        let repeated =
            &fin["SaleToPOIResponse"]["TransactionStatusResponse"]["RepeatedMessageResponse"];
        assert_eq!(repeated["MessageHeader"]["MessageCategory"], "Payment");
        assert_eq!(
            repeated["RepeatedResponseMessageBody"]["PaymentResponse"]["Response"]["ErrorCondition"],
            "UnreachableHost"
        );
    }
}
