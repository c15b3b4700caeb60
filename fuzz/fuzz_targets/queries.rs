//! Fuzzes calendar queries: any bytes read as JSON Lines queries (bounded lines, a byte-order
//! mark, bad UTF-8) and answered, as `slaflow calendar` does, in the `office` calendar of
//! `fuzzed.yaml` (split shifts, a night shift, a holiday, daylight saving time): an answer or an
//! error line, never a panic.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run queries`.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use slaflow::calendar::query::{answer, error_line};
use slaflow::runtime::input::{RawLine, RawLines};

fuzz_target!(|data: &[u8]| {
    let Some(calendar) = common::PROGRAM.calendars.get("office") else {
        return;
    };
    let mut lines = RawLines::new(data).limit(512);
    while let Ok(Some((number, line))) = lines.next_line() {
        let _ = match line {
            RawLine::Text(text) => {
                answer(calendar, &text).unwrap_or_else(|error| error_line(number, &error))
            }
            other => error_line(number, &other.problem().unwrap_or_default()),
        };
    }
});
