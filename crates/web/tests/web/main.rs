//! The web layer as clients see it: one integration binary with a module per concern.

mod basics;
mod matrix;
mod security;
mod support;
