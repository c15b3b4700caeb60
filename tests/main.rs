//! Integration tests: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod calendar;
mod cli;
mod codes;
mod common;
mod crash;
mod diff;
mod docs;
mod examples;
mod import;
mod library;
mod robustness;
mod runtime;
