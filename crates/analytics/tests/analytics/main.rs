//! The analytics crate against hand-computed cases, esda and pointpats fixtures, and
//! brute-force recounts.

mod gistar;
mod kde;
mod knox;
mod repeat;
mod support;
mod temporal;
