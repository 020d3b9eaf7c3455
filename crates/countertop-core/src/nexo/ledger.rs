//! Which payment each nexo service was: (SaleID, ServiceID) → the payment's context, so that a
//! `TransactionStatusRequest` or an `AbortRequest` that names the original request's ServiceID
//! finds it. The adapter keeps it on disk (appended before the payment starts); this is the
//! bounded in-memory index.

use std::collections::{HashMap, VecDeque};

use super::response::PaymentContext;

#[derive(Debug, Default)]
pub struct ServiceLedger {
    by_service: HashMap<(String, String), PaymentContext>,
    order: VecDeque<(String, String)>,
    /// The last payment each SaleID started, for a status request with no reference.
    last_by_sale: HashMap<String, (String, String)>,
}

impl ServiceLedger {
    /// Services remembered; the oldest are forgotten first (the payment's own outcome stays in
    /// the journal and can still be asked with Countertop's protocol).
    pub const CAPACITY: usize = 10_000;

    pub fn insert(&mut self, context: PaymentContext) {
        let key = (
            context.header.sale_id.clone(),
            context.header.service_id.clone().unwrap_or_default(),
        );
        self.last_by_sale.insert(key.0.clone(), key.clone());
        if self.by_service.insert(key.clone(), context).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > Self::CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.by_service.remove(&old);
                if self.last_by_sale.get(&old.0) == Some(&old) {
                    self.last_by_sale.remove(&old.0);
                }
            }
        }
    }

    pub fn find(&self, sale_id: &str, service_id: &str) -> Option<&PaymentContext> {
        self.by_service
            .get(&(sale_id.to_owned(), service_id.to_owned()))
    }

    pub fn last_of_sale(&self, sale_id: &str) -> Option<&PaymentContext> {
        self.by_service.get(self.last_by_sale.get(sale_id)?)
    }

    /// The remembered contexts, oldest first.
    pub fn contexts(&self) -> impl Iterator<Item = &PaymentContext> {
        self.order.iter().filter_map(|key| self.by_service.get(key))
    }

    pub fn len(&self) -> usize {
        self.by_service.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_service.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nexo::MessageHeader;
    use crate::payment::PaymentId;

    fn context(sale: &str, service: &str, id: &str) -> PaymentContext {
        PaymentContext {
            header: MessageHeader {
                protocol_version: None,
                message_class: "Service".into(),
                message_category: "Payment".into(),
                message_type: "Request".into(),
                service_id: Some(service.into()),
                sale_id: sale.into(),
                poi_id: "CT-0001".into(),
                device_id: None,
            },
            payment_id: PaymentId::new(id).unwrap(),
            sale_timestamp: "t".into(),
            poi_timestamp: "t".into(),
        }
    }

    #[test]
    fn finds_by_service_and_last_of_sale() {
        let mut ledger = ServiceLedger::default();
        ledger.insert(context("POS-1", "1", "a"));
        ledger.insert(context("POS-1", "2", "b"));
        ledger.insert(context("POS-2", "1", "c"));
        assert_eq!(ledger.find("POS-1", "1").unwrap().payment_id.as_str(), "a");
        assert_eq!(
            ledger.last_of_sale("POS-1").unwrap().payment_id.as_str(),
            "b"
        );
        assert!(ledger.find("POS-3", "1").is_none());
    }

    #[test]
    fn is_bounded() {
        let mut ledger = ServiceLedger::default();
        for i in 0..ServiceLedger::CAPACITY + 5 {
            ledger.insert(context("POS-1", &i.to_string(), "a"));
        }
        assert_eq!(ledger.len(), ServiceLedger::CAPACITY);
        assert!(ledger.find("POS-1", "0").is_none());
    }
}
