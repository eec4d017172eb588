//! Chinese free-text addresses (地址解析与标准地址匹配): normalisation, parsing into
//! components, the administrative divisions of the statistics bureau, and matching a
//! query against a registry of standard addresses.
//!
//! ```
//! use fengqiao_address::{Entry, Registry, parse};
//!
//! let parts = parse("诸暨市枫桥镇枫源村二组15号门口");
//! assert_eq!(parts.community.as_deref(), Some("枫源村"));
//! assert_eq!(parts.group.as_deref(), Some("2"));
//! assert_eq!(parts.door_number.as_deref(), Some("15"));
//!
//! let registry = Registry::new([Entry {
//!     id: "A01".into(),
//!     address: "浙江省绍兴市诸暨市枫桥镇枫源村2组15号".into(),
//!     location: None,
//! }]);
//! assert_eq!(registry.match_query("枫源村2组十五号").id.as_deref(), Some("A01"));
//! assert_eq!(registry.match_query("枫源村2组16号").id, None);
//! ```
//!
//! The crate is pure: no I/O but [`Registry::load`], no global state but the division
//! table, built once on first use from data embedded in the binary.

#![forbid(unsafe_code)]

mod aliases;
mod components;
pub mod divisions;
mod keywords;
mod lex;
mod matching;
mod names;
pub mod normalize;
pub mod numerals;
mod parse;
mod registry;

pub use components::Components;
pub use matching::Match;
pub use parse::parse;
pub use registry::{Entry, Location, Registry, RegistryError};
