//! `slaflow simulate` over a month with 1,000,000 SLA clocks (the report benchmark's month:
//! 500,000 incidents, a response and a resolution clock each): the baseline bundle against a
//! candidate whose resolution goal is tightened from 10 to 9 hours, so about one resolution in
//! seventeen changes outcome.
//!
//! `cargo bench --bench simulate` prints:
//! - replay: the events applied by one engine with no sink (the time of one side alone);
//! - simulate: both replays (in parallel, one per core), their reports and the comparison of
//!   every clock's outcome, and that time over one replay (1.0 would be a perfect overlap of
//!   the two sides and a free comparison);
//! - memory: the peak resident memory of a simulation, in a fresh process, per clock.
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

use slaflow::model::Bundle;
use slaflow::program::Program;
use slaflow::runtime::input::Lines;
use slaflow::runtime::sink::Discard;
use slaflow::runtime::{Driver, Engine};
use slaflow::simulate::{Side, simulate};
use support::month::{BUNDLE, events};

/// Set in the child process that measures memory.
const MEMORY_CHILD: &str = "SLAFLOW_BENCH_SIMULATE_MEMORY";

/// A bundle and its program.
type Version = (Bundle, Arc<Program>);

/// The baseline and the candidate (the resolution goal 9 hours instead of 10).
fn bundles() -> (Version, Version) {
    let candidate = BUNDLE.replace("goal: 10h", "goal: 9h");
    assert_ne!(
        candidate, BUNDLE,
        "the candidate changes the resolution goal"
    );
    let version = |name: &str, text: &str| {
        let compiled = Program::from_text(name, text).unwrap();
        (compiled.bundle, Arc::new(compiled.program))
    };
    (
        version("baseline.yaml", BUNDLE),
        version("candidate.yaml", &candidate),
    )
}

/// One side replayed alone, with no sink; its seconds.
fn replay_alone(program: &Arc<Program>, text: &str) -> f64 {
    let start = Instant::now();
    let mut engine = Engine::new(Arc::clone(program));
    engine.retain(Some(30 * 86_400));
    let mut discard = Discard;
    let mut driver = Driver::new(engine).sink(&mut discard);
    for line in Lines::new(text.as_bytes()) {
        driver.feed(&line.unwrap()).unwrap();
    }
    driver.finish(Some(1_796_083_200)).unwrap(); // 2026-12-01T00:00:00Z
    let elapsed = start.elapsed().as_secs_f64();
    std::mem::forget(driver);
    elapsed
}

fn side<'a>(name: &str, (bundle, program): &'a Version) -> Side<'a> {
    Side {
        name: name.to_string(),
        bundle,
        program: Arc::clone(program),
        before: None,
    }
}

/// The whole simulation; its seconds, the clocks compared and the clocks that changed.
fn simulated(old: &Version, new: &Version, text: &str) -> (f64, u64, usize) {
    let (baseline, candidate) = (side("baseline", old), side("candidate", new));
    let start = Instant::now();
    let result = simulate(
        &baseline,
        &candidate,
        text.as_bytes(),
        &["2026-11".to_string()],
        &[],
    )
    .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let simulation = &result.simulation;
    let clocks = simulation
        .targets
        .iter()
        .map(|t| t.baseline.as_ref().map_or(0, |f| f.in_scope + f.running))
        .sum();
    let changed = simulation.changed;
    std::mem::forget(result);
    (elapsed, clocks, changed)
}

fn main() {
    let records: usize = env_or("SLAFLOW_BENCH_RECORDS", "500000").parse().unwrap();
    let (old, new) = bundles();
    let text = events(records);
    if std::env::var(MEMORY_CHILD).is_ok() {
        let before = support::status_kib("VmHWM");
        let (_, clocks, _) = simulated(&old, &new, &text);
        let peak = support::status_kib("VmHWM");
        println!("{} {} {clocks}", peak, peak.saturating_sub(before));
        return;
    }
    let runs: usize = env_or("SLAFLOW_BENCH_RUNS", "3").parse().unwrap();
    let alone = (0..runs.max(1))
        .map(|_| replay_alone(&old.1, &text))
        .fold(f64::INFINITY, f64::min);
    let (both, clocks, changed) = (0..runs.max(1))
        .map(|_| simulated(&old, &new, &text))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    println!(
        "{records} incidents, {} events, {clocks} clocks compared, {changed} change outcome",
        text.lines().count()
    );
    println!("  one replay:  {alone:>7.2} s");
    println!(
        "  simulate:    {both:>7.2} s ({:.2}x one replay; both sides in parallel)",
        both / alone
    );
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(MEMORY_CHILD, "1")
        .env("SLAFLOW_BENCH_RECORDS", records.to_string())
        .output()
        .unwrap();
    let figures: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    if let [peak, grown, clocks] = figures[..] {
        println!(
            "  peak memory: {} MiB ({} MiB for the simulation: {} bytes per clock, both sides)",
            peak >> 10,
            grown >> 10,
            grown * 1024 / clocks.max(1)
        );
    }
}
