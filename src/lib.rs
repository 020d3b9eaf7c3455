//! Countertop: the customer-facing display of a docked POS handheld.
//!
//! `countertop_core` holds every rule and is pure; this crate wraps it in adapters (Slint UI,
//! card reader, payment gateway, later the POS link, NetworkManager and the dock switch) and
//! one orchestrator actor that owns the core.

pub mod adapters;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod messages;
pub mod nexo_config;
pub mod pos;
pub mod runtime;
pub mod screen_config;
pub mod settings;
pub mod timers;
pub mod view;
