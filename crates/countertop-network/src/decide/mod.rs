//! Pure decisions, unit-tested without D-Bus: every rule that turns NetworkManager's numbers
//! and dictionaries into what the terminal shows or does lives here, apart from the I/O.

pub mod access_points;
pub mod connectivity;
pub mod ip;
pub mod join;
pub mod kind;
pub mod profiles;
pub mod security;
pub mod signal;
pub mod values;
