//! The police station's world (派出所的业务世界): identifiers and newtypes, the
//! organisation model, code tables and the events that record every change of state.
//!
//! This crate does no I/O. Everything here is checked at construction ("parse, don't
//! validate"): a value of one of these types is known to be well formed.

pub mod actor;
pub mod base;
pub mod codes;
pub mod duty;
pub mod error;
pub mod event;
pub mod identity;
pub mod incident;
pub mod org;
pub mod photo;
pub mod policy;
pub mod secondary;
pub mod timestamp;
pub mod transfer;

pub use actor::Actor;
pub use error::DomainError;
pub use event::{DomainEvent, StreamRef};
pub use timestamp::Timestamp;
