//! Fuzzes the events path: any bytes read as JSON Lines events (bounded lines, a byte-order
//! mark, bad UTF-8) and applied by the engine of a small compiled bundle (`fuzzed.yaml`), then
//! explained and shown as status: never a panic, never unbounded work.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run events`.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use slaflow::runtime::input::Lines;
use slaflow::runtime::{Driver, Engine};

fuzz_target!(|data: &[u8]| {
    let mut driver = Driver::new(Engine::new(Arc::clone(&common::PROGRAM)));
    // A small line limit, so long lines are exercised too.
    let _ = driver.feed_lines(Lines::new(data).limit(512));
    let _ = driver.finish(None);
    let engine = driver.into_engine();
    for record in &engine.state.records {
        if let Some(report) = slaflow::explain::explain(&engine, &record.id) {
            let _ = slaflow::base::printable(&slaflow::explain::human(&report));
        }
    }
    let _ = slaflow::runtime::status::status(&engine, None);
});
