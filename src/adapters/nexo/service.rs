//! One authenticated nexo request → the orchestrator (the same `PosCommand`s as the POS link)
//! → one nexo answer. Payments are the link's payments: `SaleTransactionID.TransactionID` is the
//! payment id, so the same id over either protocol is one payment, charged at most once.

use std::net::SocketAddr;
use std::time::Duration;

use countertop_core::nexo::{
    Condition, ErrorCondition, MessageHeader, MessageReference, Opened, Payment, PaymentContext,
    Refusal, RequestBody, SecurityError, open, response, seal,
};
use countertop_core::protocol::PaymentState;
use countertop_core::{CoreError, Input, PaymentId, PaymentMethod, PaymentRequest};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{Shared, clock, http};
use crate::messages::{PosCommand, TerminalCondition};

/// How often a waiting payment request looks at the payment's state.
const POLL: Duration = Duration::from_millis(100);

pub(super) async fn handle(shared: &Shared, body: &[u8], peer: SocketAddr) -> Vec<u8> {
    let settings = &shared.settings;
    let opened = open(body, settings.keys.as_ref(), settings.allow_unencrypted)
        .and_then(|opened| check_nonce(shared, opened));
    let opened = match opened {
        Ok(opened) => opened,
        Err(SecurityError::Decode(error)) => {
            tracing::info!(%peer, %error, "nexo request not understood");
            return http::response(400, "Bad Request", &errors(&error.to_string()));
        }
        Err(error) => {
            // The error's text names no key material and no message content.
            tracing::warn!(%peer, %error, "nexo request refused; nothing started");
            let status = match error {
                SecurityError::TooLarge => (413, "Payload Too Large"),
                SecurityError::Envelope(_) => (400, "Bad Request"),
                _ => (401, "Unauthorized"),
            };
            return http::response(status.0, status.1, &errors(&error.to_string()));
        }
    };
    let Some(answer) = answer(shared, opened.request.header, opened.request.body).await else {
        // nexo has no AbortResponse: Adyen's terminals answer an abort with an empty body.
        return http::response(200, "OK", b"");
    };
    let answer = match (&settings.keys, opened.nonce) {
        (Some(keys), Some(_)) => match random_nonce() {
            Some(nonce) => seal(&answer, keys, opened.crypto_version, nonce),
            // No randomness means no safe encryption (a fixed nonce would repeat IVs).
            None => {
                tracing::error!("no random bytes for a nexo nonce; answer withheld");
                return http::response(500, "Internal Server Error", b"");
            }
        },
        _ => answer,
    };
    http::response(200, "OK", &serde_json::to_vec(&answer).unwrap_or_default())
}

fn errors(text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"errors": [text]})).unwrap_or_default()
}

fn check_nonce(shared: &Shared, opened: Opened) -> Result<Opened, SecurityError> {
    if let Some(nonce) = opened.nonce {
        let mut nonces = shared.nonces.lock().unwrap_or_else(|p| p.into_inner());
        nonces.check(nonce)?;
    }
    Ok(opened)
}

fn random_nonce() -> Option<[u8; 16]> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).ok()?;
    Some(nonce)
}

async fn answer(
    shared: &Shared,
    header: MessageHeader,
    body: Result<RequestBody, Refusal>,
) -> Option<Value> {
    if header.poi_id != shared.settings.poi_id {
        let refusal = Refusal::new(
            ErrorCondition::NotAllowed,
            format!(
                "This request is for terminal {}; this terminal is {}.",
                header.poi_id, shared.settings.poi_id
            ),
        );
        return Some(response::refusal(&header, &refusal));
    }
    match body {
        Err(refusal) => Some(response::refusal(&header, &refusal)),
        Ok(RequestBody::Payment(payment)) => Some(pay(shared, header, payment).await),
        Ok(RequestBody::TransactionStatus(reference)) => {
            Some(status(shared, header, reference).await)
        }
        Ok(RequestBody::Abort(reference)) => {
            abort(shared, &header, &reference).await;
            None
        }
        Ok(RequestBody::Diagnosis) => {
            let condition = condition(shared).await;
            Some(response::diagnosis(&header, &condition))
        }
    }
}

async fn apply(shared: &Shared, input: Input) -> Option<Result<(), CoreError>> {
    let (reply, answer) = oneshot::channel();
    shared
        .commands
        .send(PosCommand::Apply { input, reply })
        .await
        .ok()?;
    answer.await.ok()
}

async fn state(shared: &Shared, payment_id: &PaymentId) -> Option<PaymentState> {
    let (reply, answer) = oneshot::channel();
    let payment_id = payment_id.clone();
    shared
        .commands
        .send(PosCommand::Status { payment_id, reply })
        .await
        .ok()?;
    answer.await.ok()
}

async fn condition(shared: &Shared) -> Condition {
    let (reply, answer) = oneshot::channel();
    let asked = shared.commands.send(PosCommand::Condition { reply }).await;
    let known = match asked {
        Ok(()) => answer.await.ok(),
        Err(_) => None,
    };
    let TerminalCondition {
        docked,
        active_payment,
    } = known.unwrap_or(TerminalCondition {
        docked: false,
        active_payment: None,
    });
    Condition {
        docked,
        busy: active_payment.is_some(),
    }
}

fn record(shared: &Shared, context: &PaymentContext) {
    if context.header.service_id.is_none() {
        return;
    }
    let written = shared
        .services
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .append(context);
    if let Err(error) = written {
        // The payment itself is journalled by the orchestrator; only a status query by this
        // ServiceID after a restart would miss it.
        tracing::error!(%error, "nexo service not recorded");
    }
    shared
        .ledger
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(context.clone());
}

fn refusal_for(error: &CoreError) -> Refusal {
    let condition = match error {
        CoreError::Busy(_) => ErrorCondition::Busy,
        CoreError::Undocked => ErrorCondition::DeviceOut,
        CoreError::BatteryLow(_) => ErrorCondition::UnavailableDevice,
        CoreError::NonPositiveAmount | CoreError::BelowMinimum(_) => {
            ErrorCondition::PaymentRestriction
        }
        CoreError::Recovering(_) => ErrorCondition::InProgress,
        _ => ErrorCondition::MessageFormat,
    };
    Refusal::new(condition, error.to_string())
}

async fn pay(shared: &Shared, header: MessageHeader, payment: Payment) -> Value {
    let context = PaymentContext {
        header: header.clone(),
        payment_id: payment.payment_id.clone(),
        sale_timestamp: payment.sale_timestamp.clone(),
        poi_timestamp: clock::now_rfc3339(),
    };
    let transaction = Some((payment.payment_id.as_str(), payment.sale_timestamp.as_str()));
    // Written before the payment starts, as the journal is: a POS that loses the answer finds
    // the payment by its ServiceID, even after a restart.
    record(shared, &context);
    let request = PaymentRequest {
        id: payment.payment_id.clone(),
        amount: payment.amount,
        tip: payment
            .ask_gratuity
            .then(|| shared.settings.gratuity.clone()),
        method: PaymentMethod::Card,
        language: None,
    };
    match apply(shared, Input::PaymentRequested(request)).await {
        // Started, or already finished (answered from the journal, charged nothing).
        Some(Ok(())) => {}
        // The same payment is on screen (a POS retrying after a dropped connection, or the same
        // id sent over Countertop's protocol) or being confirmed after a restart: wait for it.
        Some(Err(CoreError::Busy(active))) if active == payment.payment_id => {}
        Some(Err(CoreError::Recovering(_))) => {}
        Some(Err(error)) => {
            tracing::info!(payment_id = %payment.payment_id, %error, "nexo payment refused");
            return response::payment_refused(&header, transaction, &refusal_for(&error));
        }
        None => {
            let refusal = Refusal::new(
                ErrorCondition::UnavailableService,
                "The terminal is shutting down.",
            );
            return response::payment_refused(&header, transaction, &refusal);
        }
    }
    let deadline = tokio::time::Instant::now() + shared.settings.payment_deadline;
    loop {
        match state(shared, &payment.payment_id).await {
            Some(PaymentState::Final { outcome }) => return response::payment(&context, &outcome),
            Some(_) => {}
            None => {
                let refusal = Refusal::new(
                    ErrorCondition::UnavailableService,
                    "The terminal is shutting down; ask for the payment's status after it restarts.",
                );
                return response::payment_refused(&header, transaction, &refusal);
            }
        }
        if tokio::time::Instant::now() >= deadline {
            let refusal = Refusal::new(
                ErrorCondition::InProgress,
                "The payment is still in progress; ask for its status.",
            );
            return response::payment_refused(&header, transaction, &refusal);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The payment a reference names: by ServiceID (and SaleID, the asker's by default), or the
/// asker's last payment when there is no reference.
fn find(
    shared: &Shared,
    header: &MessageHeader,
    reference: Option<&MessageReference>,
) -> Option<PaymentContext> {
    let ledger = shared.ledger.lock().unwrap_or_else(|p| p.into_inner());
    match reference {
        Some(reference) => {
            if reference
                .message_category
                .as_deref()
                .is_some_and(|c| c != "Payment")
            {
                return None;
            }
            let sale = reference.sale_id.as_deref().unwrap_or(&header.sale_id);
            ledger.find(sale, reference.service_id.as_deref()?).cloned()
        }
        None => ledger.last_of_sale(&header.sale_id).cloned(),
    }
}

async fn status(
    shared: &Shared,
    header: MessageHeader,
    reference: Option<MessageReference>,
) -> Value {
    let Some(context) = find(shared, &header, reference.as_ref()) else {
        return response::transaction_status(&header, reference.as_ref(), None);
    };
    let state = state(shared, &context.payment_id)
        .await
        .unwrap_or(PaymentState::InProgress);
    response::transaction_status(&header, reference.as_ref(), Some((&context, &state)))
}

async fn abort(shared: &Shared, header: &MessageHeader, reference: &MessageReference) {
    let Some(context) = find(shared, header, Some(reference)) else {
        tracing::info!(sale_id = %header.sale_id, "nexo abort for a payment this terminal does not know");
        return;
    };
    let payment_id = context.payment_id;
    match apply(shared, Input::PosCancelled(payment_id.clone())).await {
        Some(Ok(())) => tracing::info!(%payment_id, "payment aborted by the nexo POS"),
        Some(Err(error)) => tracing::info!(%payment_id, %error, "nexo abort refused"),
        None => {}
    }
}
