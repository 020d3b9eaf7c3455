//! nexo Retailer Protocol in Adyen's "Terminal API, local" form: JSON `SaleToPOIRequest`s,
//! encrypted with a passphrase-derived key, mapped onto the same payments as Countertop's own
//! protocol. Pure: the adapter in `src/adapters/nexo/` brings the sockets, the clock and the
//! random nonces. Supported messages and fields: docs/nexo.md.

pub mod crypto;
pub mod ledger;
pub mod message;
pub mod response;
pub mod secure;

pub use crypto::{CryptoError, DerivedKey};
pub use ledger::ServiceLedger;
pub use message::{
    DecodeError, ErrorCondition, MessageHeader, MessageReference, NexoRequest, Payment, Refusal,
    RequestBody, decode_request,
};
pub use response::{Condition, PaymentContext};
pub use secure::{KeyRing, NonceCache, Opened, SecurityError, open, seal};

#[cfg(test)]
mod vectors;
