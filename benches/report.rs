//! The monthly report over a month with 1,000,000 SLA clocks: 500,000 incidents opened through
//! November 2026 (one every five seconds), each with a response and a resolution clock, answered
//! 20 minutes and resolved 8 hours after opening (every 13th never answered, every 17th resolved
//! late), in a bundle with objectives, per-breach penalties, credit bands, a cap, two KPIs
//! measured by the engine and a report definition.
//!
//! `cargo bench --bench report` prints:
//! - replay: the events applied by the engine with no sink, per second (the baseline);
//! - report: the same replay with the report's ledger as a sink, plus making the report, and
//!   that time over the baseline (the ledger's cost);
//! - memory: the peak resident memory of a replay with the ledger and of one without, in fresh
//!   processes; the difference is what the ledger keeps.
//!
//! Each time is the best of three runs (`SLAFLOW_BENCH_RUNS` changes that);
//! `SLAFLOW_BENCH_RECORDS` changes the number of incidents (default 500,000).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

mod support;

use support::env_or;

use std::sync::Arc;
use std::time::Instant;

use slaflow::program::{Compiled, Program};
use slaflow::report::{Ledger, Sections, parse_period};
use slaflow::runtime::input::{Line, Lines};
use slaflow::runtime::sink::Discard;
use slaflow::runtime::{Driver, Engine};
use support::month::{BUNDLE, events};

/// Set in the child process that measures memory: `ledger` or `baseline`.
const MEMORY_CHILD: &str = "SLAFLOW_BENCH_REPORT_MEMORY";

fn compiled() -> Compiled {
    Program::from_text("bench.yaml", BUNDLE).unwrap()
}

fn ledger(compiled: &Compiled, program: &Arc<Program>) -> Ledger {
    let sections = Sections::of(&compiled.bundle, Some("monthly"), program).unwrap();
    Ledger::new(
        &compiled.bundle,
        program,
        sections,
        "2026-11",
        parse_period("2026-11").unwrap(),
    )
}

/// Replays `lines` (with the ledger when `with_ledger`), runs the timers to the month's end,
/// and makes the report; returns the seconds and the number of clocks counted.
fn replay(
    compiled: &Compiled,
    program: &Arc<Program>,
    lines: &[Line],
    with_ledger: bool,
) -> (f64, u64) {
    let mut engine = Engine::new(Arc::clone(program));
    engine.retain(Some(30 * 86_400));
    let mut ledger = ledger(compiled, program);
    let end = ledger.window().end;
    let mut discard = Discard;
    let start = Instant::now();
    let sink: &mut dyn slaflow::runtime::Sink = if with_ledger {
        &mut ledger
    } else {
        &mut discard
    };
    let mut driver = Driver::new(engine).sink(sink);
    for line in lines {
        driver.feed(line).unwrap();
    }
    driver.finish(Some(end)).unwrap();
    std::mem::forget(driver);
    let counted = if with_ledger {
        let report = ledger.report();
        report
            .compliance
            .iter()
            .map(|c| c.in_scope + c.running)
            .sum()
    } else {
        0
    };
    (start.elapsed().as_secs_f64(), counted)
}

fn peak_kib() -> u64 {
    support::status_kib("VmHWM")
}

fn main() {
    let records: usize = env_or("SLAFLOW_BENCH_RECORDS", "500000").parse().unwrap();
    let compiled = compiled();
    let program = Arc::new(Program::from_text("bench.yaml", BUNDLE).unwrap().program);
    let text = events(records);
    let lines: Vec<Line> = Lines::new(text.as_bytes()).map(Result::unwrap).collect();
    drop(text);
    if let Ok(which) = std::env::var(MEMORY_CHILD) {
        let before = peak_kib();
        replay(&compiled, &program, &lines, which == "ledger");
        println!("{}", peak_kib().saturating_sub(before));
        return;
    }
    let runs: usize = env_or("SLAFLOW_BENCH_RUNS", "3").parse().unwrap();
    let best = |with: bool| {
        (0..runs.max(1))
            .map(|_| replay(&compiled, &program, &lines, with))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap()
    };
    let (base, _) = best(false);
    let (with, clocks) = best(true);
    println!(
        "{records} incidents, {} events, {clocks} clocks counted in the month",
        lines.len()
    );
    println!(
        "  replay:          {base:>7.2} s ({:.0} events/s)",
        lines.len() as f64 / base
    );
    println!(
        "  replay + report: {with:>7.2} s ({:.2}x the replay alone)",
        with / base
    );
    let child = |which: &str| -> u64 {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env(MEMORY_CHILD, which)
            .env("SLAFLOW_BENCH_RECORDS", records.to_string())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    };
    let (ledger_kib, baseline_kib) = (child("ledger"), child("baseline"));
    println!(
        "  peak memory:     {} MiB with the ledger, {} MiB without: the ledger keeps {} bytes per clock",
        ledger_kib >> 10,
        baseline_kib >> 10,
        (ledger_kib.saturating_sub(baseline_kib) * 1024) / clocks.max(1)
    );
}
