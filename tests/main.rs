//! Integration tests: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

mod architecture;
mod calendar;
mod cli;
mod clocks;
mod codes;
mod common;
mod crash;
mod dashboard;
mod diff;
mod docs;
mod examples;
mod governance;
mod hooks;
mod hostile;
mod hostile_engine;
mod import;
mod library;
mod reconcile;
mod report;
mod robustness;
mod runtime;
mod sarif;
mod schemas;
mod serve;
mod simulate;
mod versions;
mod webhooks;
