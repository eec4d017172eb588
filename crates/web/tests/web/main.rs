//! The web layer as clients see it: one integration binary with a module per concern.

mod base;
mod basics;
mod board;
mod browser;
mod contract;
mod incidents;
mod matrix;
mod pii;
mod security;
mod support;
