//! One written contract: docs/protocol.md's message tables and docs/protocol.schema.json list
//! the same messages and fields, and every kind of message the terminal and the reference
//! client encode passes the schema. (The conformance suite checks live traffic the same way.)

use std::collections::BTreeSet;

use countertop::pos::schema::{Direction, Schema};
use countertop_core::protocol::{
    ClientMessage, ErrorCode, PaymentState, ServerMessage, encode_client, encode_server,
};
use countertop_core::{
    Approval, CancelReason, CardBrand, Currency, DeclineReason, EntryMode, LineItem, MaskedCard,
    Money, Outcome, PaymentId, PaymentMethod, PaymentRequest, TipOptions,
};
use serde_json::Value;

const DOC: &str = include_str!("../docs/protocol.md");

/// The rows of the table under `heading`: message type and its top-level fields.
fn doc_table(heading: &str) -> Vec<(String, BTreeSet<String>)> {
    let section = DOC
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("no section {heading:?} in docs/protocol.md"));
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = backticked(cells[1]).into_iter().next().expect("a type");
            (
                name,
                backticked(&without_parentheses(cells[2]))
                    .into_iter()
                    .collect(),
            )
        })
        .collect()
}

fn without_parentheses(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    return false;
                }
                _ => {}
            }
            depth == 0
        })
        .collect()
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn schema_messages(schema: &Schema, prefix: &str) -> Vec<(String, BTreeSet<String>)> {
    let defs = schema.document()["$defs"].as_object().unwrap();
    defs.iter()
        .filter_map(|(name, def)| {
            let message = name.strip_prefix(prefix)?;
            let fields = def["properties"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| !matches!(k.as_str(), "v" | "id" | "type"))
                .cloned()
                .collect();
            Some((message.to_owned(), fields))
        })
        .collect()
}

#[test]
fn the_document_and_the_schema_list_the_same_messages_and_fields() {
    let schema = Schema::protocol().unwrap();
    for (heading, prefix) in [
        ("POS → terminal", "to_terminal."),
        ("Terminal → POS", "to_pos."),
    ] {
        let mut doc = doc_table(heading);
        let mut schema = schema_messages(&schema, prefix);
        doc.sort();
        schema.sort();
        assert!(doc.len() >= 8, "{heading}: table not found ({doc:?})");
        assert_eq!(
            doc, schema,
            "{heading}: docs/protocol.md vs protocol.schema.json"
        );
    }
    // The direction lists reference every message definition, no more, no less.
    for (list, prefix) in [
        ("pos_to_terminal", "to_terminal."),
        ("terminal_to_pos", "to_pos."),
    ] {
        let listed: BTreeSet<String> = schema.document()["$defs"][list]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["$ref"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("#/$defs/")
                    .to_owned()
            })
            .collect();
        let defined: BTreeSet<String> = schema_messages(&schema, prefix)
            .into_iter()
            .map(|(name, _)| format!("{prefix}{name}"))
            .collect();
        assert_eq!(listed, defined, "{list}");
    }
}

#[test]
fn error_codes_agree_between_code_document_and_schema() {
    let all = [
        ErrorCode::BadMessage,
        ErrorCode::TooLarge,
        ErrorCode::UnsupportedVersion,
        ErrorCode::NotAuthenticated,
        ErrorCode::PairingRefused,
        ErrorCode::Rejected,
        ErrorCode::Busy,
        ErrorCode::AlreadyFinished,
        ErrorCode::Internal,
    ];
    // Fails to compile when a code is added without being listed above.
    for code in all {
        match code {
            ErrorCode::BadMessage
            | ErrorCode::TooLarge
            | ErrorCode::UnsupportedVersion
            | ErrorCode::NotAuthenticated
            | ErrorCode::PairingRefused
            | ErrorCode::Rejected
            | ErrorCode::Busy
            | ErrorCode::AlreadyFinished
            | ErrorCode::Internal => {}
        }
    }
    let from_code: BTreeSet<String> = all
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let schema = Schema::protocol().unwrap();
    let from_schema: BTreeSet<String> = schema.document()["$defs"]["error_code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let line = DOC
        .lines()
        .skip_while(|l| !l.starts_with("Error codes:"))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let from_doc: BTreeSet<String> = backticked(&line).into_iter().collect();
    assert_eq!(from_code, from_schema);
    assert_eq!(from_code, from_doc);
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

fn pid(id: &str) -> PaymentId {
    PaymentId::new(id).unwrap()
}

fn line() -> LineItem {
    LineItem {
        id: "line-1".into(),
        description: "Flat white".into(),
        quantity_milli: 2000,
        unit_price: eur(340),
        discount_minor: 0,
        tax_rate_bp: 900,
    }
}

fn outcomes() -> Vec<Outcome> {
    let card = MaskedCard::new(CardBrand::UnionPay, "4242").unwrap();
    vec![
        Outcome::Approved(Approval {
            auth_code: "482913".into(),
            reference: "SIM-1".into(),
            card: card.clone(),
            entry: EntryMode::Tap,
            total: eur(5712),
            tip: eur(745),
        }),
        Outcome::Declined {
            reason: DeclineReason::InsufficientFunds,
            card: Some(card),
        },
        Outcome::Declined {
            reason: DeclineReason::DoNotHonor,
            card: None,
        },
        Outcome::Cancelled {
            reason: CancelReason::NoResponse,
        },
        Outcome::TimedOut,
        Outcome::WalletApproved {
            reference: "WX-1".into(),
            total: eur(4967),
        },
    ]
}

/// One or more examples of every POS message. The match makes a new message type a compile
/// error here until it has an example.
fn client_examples() -> Vec<ClientMessage> {
    let payment = |method, tip| PaymentRequest {
        id: pid("order-1042:1"),
        amount: eur(4967),
        tip,
        method,
        language: Some(countertop_core::Language::Dutch),
    };
    let examples = vec![
        ClientMessage::Pair {
            code: "7KQ2-M9XD".into(),
            store: "S-1".into(),
            location: "L-1".into(),
            pos_name: "Till 1".into(),
        },
        ClientMessage::Hello {
            pos_id: "pos-1".into(),
            credential: "ab".repeat(32),
        },
        ClientMessage::CartSet {
            currency: Currency::from_code("EUR").unwrap(),
            lines: vec![line()],
            prices_include_tax: true,
        },
        ClientMessage::CartUpsert { line: line() },
        ClientMessage::CartRemove {
            line_id: "line-1".into(),
        },
        ClientMessage::CartClear,
        ClientMessage::DisplaySet {
            post_payment_message: Some("Thank you".into()),
            show_logos: Some(true),
            logos: Some(vec!["visa".into(), "apple-pay".into()]),
            idle_image_base64: Some("iVBORw0KGgo=".into()),
            customer_language: Some("zh-TW".into()),
            high_contrast: Some(true),
            large_text: Some(false),
        },
        ClientMessage::PaymentRequest {
            payment: payment(
                PaymentMethod::Card,
                Some(TipOptions {
                    percentages_bp: vec![1000, 1500],
                    fixed_minor: vec![100],
                    allow_custom: true,
                }),
            ),
        },
        ClientMessage::PaymentRequest {
            payment: payment(
                PaymentMethod::WalletQr {
                    payload: "https://wallet.example/q/1".into(),
                },
                None,
            ),
        },
        ClientMessage::PaymentCancel {
            payment_id: pid("p1"),
        },
        ClientMessage::PaymentWalletConfirm {
            payment_id: pid("p1"),
            reference: "WX-1".into(),
            receipt_url: None,
        },
        ClientMessage::PaymentWalletConfirm {
            payment_id: pid("p1"),
            reference: "WX-1".into(),
            receipt_url: Some(countertop_core::ReceiptUrl::new("https://r.example/1").unwrap()),
        },
        ClientMessage::ReceiptShow {
            payment_id: pid("p1"),
            receipt_url: countertop_core::ReceiptUrl::new("https://receipts.example/r/8f2c?s=1")
                .unwrap(),
        },
        ClientMessage::PaymentStatus {
            payment_id: pid("p1"),
        },
        ClientMessage::Ping,
    ];
    for example in &examples {
        match example {
            ClientMessage::Pair { .. }
            | ClientMessage::Hello { .. }
            | ClientMessage::CartSet { .. }
            | ClientMessage::CartUpsert { .. }
            | ClientMessage::CartRemove { .. }
            | ClientMessage::CartClear
            | ClientMessage::DisplaySet { .. }
            | ClientMessage::PaymentRequest { .. }
            | ClientMessage::PaymentCancel { .. }
            | ClientMessage::PaymentWalletConfirm { .. }
            | ClientMessage::ReceiptShow { .. }
            | ClientMessage::PaymentStatus { .. }
            | ClientMessage::Ping => {}
        }
    }
    examples
}

fn server_examples() -> Vec<ServerMessage> {
    let mut examples = vec![
        ServerMessage::Welcome {
            terminal_id: "CT-0001".into(),
            version: "0.1.0".into(),
            paired: false,
        },
        ServerMessage::Paired {
            pos_id: "pos-1".into(),
            credential: "0f".repeat(32),
            terminal_id: "CT-0001".into(),
        },
        ServerMessage::Authenticated {
            terminal_id: "CT-0001".into(),
        },
        ServerMessage::Ack,
        ServerMessage::Pong,
        ServerMessage::PaymentStatus {
            payment_id: pid("p1"),
            state: PaymentState::Unknown,
        },
        ServerMessage::PaymentStatus {
            payment_id: pid("p1"),
            state: PaymentState::InProgress,
        },
        ServerMessage::Error {
            code: ErrorCode::Busy,
            message: "payment p0 is in progress".into(),
            outcome: None,
        },
    ];
    for outcome in outcomes() {
        examples.push(ServerMessage::PaymentResult {
            payment_id: pid("p1"),
            outcome: outcome.clone(),
        });
        examples.push(ServerMessage::PaymentStatus {
            payment_id: pid("p1"),
            state: PaymentState::Final {
                outcome: outcome.clone(),
            },
        });
        examples.push(ServerMessage::Error {
            code: ErrorCode::AlreadyFinished,
            message: "payment p1 has already finished".into(),
            outcome: Some(outcome),
        });
    }
    for example in &examples {
        match example {
            ServerMessage::Welcome { .. }
            | ServerMessage::Paired { .. }
            | ServerMessage::Authenticated { .. }
            | ServerMessage::Ack
            | ServerMessage::PaymentResult { .. }
            | ServerMessage::PaymentStatus { .. }
            | ServerMessage::Pong
            | ServerMessage::Error { .. } => {}
        }
    }
    examples
}

#[test]
fn every_message_the_code_encodes_passes_the_schema() {
    let schema = Schema::protocol().unwrap();
    for (n, message) in client_examples().into_iter().enumerate() {
        for id in [None, Some(format!("r{n}"))] {
            let text = encode_client(id, message.clone());
            schema
                .check_message(Direction::PosToTerminal, &text)
                .unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }
    for message in server_examples() {
        let text = encode_server(Some("r1".into()), message);
        schema
            .check_message(Direction::TerminalToPos, &text)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    // And the schema is not so loose that the other direction's messages pass.
    let ack = encode_server(None, ServerMessage::Ack);
    assert!(
        schema
            .check_message(Direction::PosToTerminal, &ack)
            .is_err()
    );
}

#[test]
fn the_documents_examples_pass_the_schema() {
    let schema = Schema::protocol().unwrap();
    let outcome_examples: Vec<Value> = DOC
        .lines()
        .filter(|l| l.starts_with(r#"{"status":"#))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(outcome_examples.len(), 5);
    for example in &outcome_examples {
        schema
            .check_definition("outcome", example)
            .unwrap_or_else(|e| panic!("{example}: {e}"));
    }
    let line: Value = DOC
        .lines()
        .find_map(|l| l.strip_prefix("A line: `"))
        .and_then(|l| l.split('`').next())
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the line example");
    schema.check_definition("line", &line).unwrap();
}
