//! Reading NetworkManager's current state into plain values. Every read is a fresh `Get`;
//! missing properties and vanished objects (an access point that left between listing and
//! reading) are `None` or skipped, never a failure of the whole read. Only a broken bus is.

pub mod access_points;
pub mod devices;
pub mod profiles;
pub mod status;
