//! Replay throughput and memory, on two workloads:
//!
//! - `incident`: the synthetic service-desk workload (`runtime::workload::events`): 100,000
//!   incidents open at once with three SLA targets each, then nine rounds of updates (1,000,000
//!   events), with milestones, breaches and escalations firing;
//! - `examples`: each shipped example's own events (processes, tasks, decisions, record rules,
//!   escalations, deadlines), amplified to about 1,000,000 events by `runtime::workload::amplify`
//!   (copies of its records, interleaved so they are open at once), run with its own bundle.
//!
//! `cargo bench --bench runtime` prints, per workload:
//! - parse: JSON Lines to events, per second;
//! - in memory: events applied per second by the engine (events already parsed);
//! - run: what `slaflow run` does (read, parse, apply, write every action as JSON Lines through
//!   the driver, the events read on a thread of their own), per second, and its time over the parse
//!   time alone;
//! - journal: the same with the SQLite journal (`slaflow run --db`), per second;
//! - memory: resident memory the engine state adds, per open record (with its clocks, instances
//!   and tasks; finished ones counted in) and per running clock, in a fresh process;
//!
//! and for the four examples together (the examples' mix): events per second in memory, and
//! end to end with the run time over the parse time (the sums of their times).
//!
//! Each speed is the best of three runs (`SLAFLOW_BENCH_RUNS` changes that).
//! `SLAFLOW_BENCH_WORKLOADS` picks workloads (default `incident,examples`),
//! `SLAFLOW_BENCH_PHASES` phases (default `parse,memory,run,journal,rss`), and
//! `SLAFLOW_BENCH_EVENTS` the events per workload (default 1,000,000), e.g.
//! `SLAFLOW_BENCH_WORKLOADS=examples SLAFLOW_BENCH_PHASES=memory` to profile the engine alone.
//! `SLAFLOW_BENCH_DUMP=DIR` writes the workloads' events to `DIR/<name>.jsonl` instead, to time
//! the `slaflow` binary on them.
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

use slaflow::program::Program;
use slaflow::runtime::input::{Line, Lines};
use slaflow::runtime::sink::JsonLines;
use slaflow::runtime::{Driver, Engine, workload};

const EXAMPLES: [&str; 4] = [
    "mod-bmc-ela",
    "metlife-desk",
    "fnal-slm",
    "proact-governance",
];

/// Set in the child process that measures memory: `<workload>`.
const MEMORY_CHILD: &str = "SLAFLOW_BENCH_MEMORY_CHILD";

fn events_wanted() -> usize {
    env_or("SLAFLOW_BENCH_EVENTS", "1000000").parse().unwrap()
}

/// One workload: a name, its bundle and its events.
struct Workload {
    name: String,
    program: Arc<Program>,
    text: String,
}

fn workloads(which: &str) -> Vec<Workload> {
    let mut out = Vec::new();
    let wanted = events_wanted();
    if which.split(',').any(|w| w == "incident") {
        let program = Program::from_text("workload.yaml", workload::BUNDLE)
            .unwrap_or_else(|findings| panic!("{findings}"));
        let records = wanted / 10;
        out.push(Workload {
            name: "incident".into(),
            program: Arc::new(program.program),
            text: workload::events(records, 9),
        });
    }
    for example in EXAMPLES {
        if !which.split(',').any(|w| w == "examples" || w == example) {
            continue;
        }
        let dir = std::path::Path::new("examples").join(example);
        let program = match Program::load(&dir) {
            Ok(compiled) => compiled.program,
            Err(_) => panic!("{example} does not compile"),
        };
        let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
        let lines = events.lines().filter(|l| !l.trim().is_empty()).count();
        let copies = wanted.div_ceil(lines.max(1));
        out.push(Workload {
            name: example.into(),
            program: Arc::new(program),
            text: workload::amplify(&events, copies),
        });
    }
    out
}

fn rss_kib() -> u64 {
    support::status_kib("VmRSS")
}

/// The fastest of `runs` runs (`SLAFLOW_BENCH_RUNS` overrides the count, for noisy machines).
fn best<T>(mut f: impl FnMut() -> (f64, T)) -> (f64, T) {
    let runs: usize = env_or("SLAFLOW_BENCH_RUNS", "3").parse().unwrap();
    let mut best: Option<(f64, T)> = None;
    for _ in 0..runs.max(1) {
        let (secs, value) = f();
        if best.as_ref().is_none_or(|(b, _)| secs < *b) {
            best = Some((secs, value));
        }
    }
    best.unwrap()
}

fn main() {
    if let Ok(name) = std::env::var(MEMORY_CHILD) {
        let workload = workloads(&name).into_iter().next().unwrap();
        return memory(&workload);
    }
    let which = env_or("SLAFLOW_BENCH_WORKLOADS", "incident,examples");
    // Writes each workload's events to DIR/<name>.jsonl, to run `slaflow run` on them itself.
    if let Ok(dir) = std::env::var("SLAFLOW_BENCH_DUMP") {
        for workload in workloads(&which) {
            let path = std::path::Path::new(&dir).join(format!("{}.jsonl", workload.name));
            std::fs::write(&path, &workload.text).unwrap();
            println!("{}", path.display());
        }
        return;
    }
    let phases = env_or("SLAFLOW_BENCH_PHASES", "parse,memory,run,journal,rss");
    // The examples together: events and seconds in memory; parse and run seconds end to end.
    let mut totals = (0usize, 0f64);
    let mut end_to_end = (0usize, 0f64, 0f64);
    for workload in workloads(&which) {
        let events = workload.text.lines().count();
        println!(
            "\n{}: {events} events, {} MiB of JSON Lines",
            workload.name,
            workload.text.len() >> 20
        );
        let (parse_secs, lines) = best(|| {
            let start = Instant::now();
            let lines: Vec<Line> = Lines::new(workload.text.as_bytes())
                .map(Result::unwrap)
                .collect();
            (start.elapsed().as_secs_f64(), lines)
        });
        if phases.contains("parse") {
            println!("  parse:     {:>10.0} events/s", events as f64 / parse_secs);
        }
        if phases.contains("memory") {
            let secs = in_memory(&workload, &lines);
            if workload.name != "incident" {
                totals.0 += events;
                totals.1 += secs;
            }
        }
        drop(lines);
        if phases.contains("run") {
            let secs = run(&workload, parse_secs);
            if workload.name != "incident" {
                end_to_end.0 += events;
                end_to_end.1 += parse_secs;
                end_to_end.2 += secs;
            }
        }
        if phases.contains("journal") {
            journal(&workload);
        }
        if phases.contains("rss") {
            // Memory is measured in a fresh process, where nothing freed earlier can be reused.
            let child = std::process::Command::new(std::env::current_exe().unwrap())
                .env(MEMORY_CHILD, &workload.name)
                .output()
                .unwrap();
            print!("{}", String::from_utf8_lossy(&child.stdout));
        }
    }
    if end_to_end.0 > 0 {
        println!(
            "\nexamples end to end, all four: {:.0} events/s, {:.2}x the time of parsing alone",
            end_to_end.0 as f64 / end_to_end.2,
            end_to_end.2 / end_to_end.1
        );
    }
    if totals.0 > 0 {
        println!(
            "\nexamples in memory, all four: {:.0} events/s",
            totals.0 as f64 / totals.1
        );
    }
}

/// Events applied per second by the engine, events already parsed; returns the seconds.
fn in_memory(workload: &Workload, lines: &[Line]) -> f64 {
    let (secs, (actions, rejected)) = best(|| {
        let mut engine = Engine::new(Arc::clone(&workload.program));
        let (mut actions, mut rejected) = (0usize, 0usize);
        let start = Instant::now();
        for line in lines {
            engine.apply_line(line);
            // Read where they are and then forgotten, as the driver hands them to its sinks.
            for action in engine.pending() {
                actions += 1;
                rejected += usize::from(action.kind == "event.rejected");
            }
            engine.clear_pending();
        }
        (start.elapsed().as_secs_f64(), (actions, rejected))
    });
    println!(
        "  in memory: {:>10.0} events/s ({actions} actions, {rejected} rejected)",
        lines.len() as f64 / secs
    );
    secs
}

/// What `slaflow run` does: read, parse, apply, print every action, through the driver;
/// returns the seconds.
fn run(workload: &Workload, parse_secs: f64) -> f64 {
    let (secs, bytes) = best(|| {
        let mut printer = JsonLines::new(Counter(0));
        let start = Instant::now();
        let mut driver = Driver::new(Engine::new(Arc::clone(&workload.program))).sink(&mut printer);
        driver.feed_all(workload.text.as_bytes()).unwrap();
        driver.finish(None).unwrap();
        // `slaflow run` ends the process here without freeing the state (see engine/cli/run.rs).
        let secs = start.elapsed().as_secs_f64();
        drop(driver);
        (secs, printer.into_inner().0)
    });
    let events = workload.text.lines().count();
    println!(
        "  run:       {:>10.0} events/s ({} MiB of actions; {:.2}x the time of parsing alone)",
        events as f64 / secs,
        bytes >> 20,
        secs / parse_secs
    );
    secs
}

/// Counts the bytes written (the printer's output, as to a pipe nobody reads).
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `slaflow run --db`: parse, apply, print and journal in SQLite, per second.
fn journal(workload: &Workload) {
    let dir = std::env::temp_dir().join(format!("slaflow-bench-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (secs, ()) = best(|| {
        let db = dir.join("journal.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let start = Instant::now();
        let mut journal = slaflow::store::Journal::open(&db).unwrap();
        let recovered = journal.recover(&workload.program).unwrap();
        let mut printer = JsonLines::new(std::io::sink());
        let mut driver = Driver::new(recovered.engine)
            .sink(&mut printer)
            .sink(&mut journal);
        driver.feed_all(workload.text.as_bytes()).unwrap();
        driver.finish(None).unwrap();
        (start.elapsed().as_secs_f64(), ())
    });
    println!(
        "  journal:   {:>10.0} events/s (parse + apply + print + SQLite journal)",
        workload.text.lines().count() as f64 / secs
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Resident memory before and after one replay, in a process of its own.
fn memory(workload: &Workload) {
    let lines: Vec<Line> = Lines::new(workload.text.as_bytes())
        .map(Result::unwrap)
        .collect();
    let before = rss_kib();
    let mut engine = Engine::new(Arc::clone(&workload.program));
    // As `slaflow run` keeps records: quiet ones are released after 30 days.
    engine.retain(Some(30 * 86_400));
    for line in &lines {
        engine.apply_line(line);
        engine.drain_actions();
    }
    let after = rss_kib();
    let state = &engine.state;
    let running = state
        .clocks
        .all
        .iter()
        .filter(|c| c.state.is_active())
        .count();
    let kept = state.records.iter().filter(|r| r.is_live()).count();
    // A record is open while it has a running clock or an open process instance about it.
    let mut open_records: Vec<bool> = state
        .records
        .iter()
        .map(|r| r.clocks.active().next().is_some())
        .collect();
    for instance in state.instances.iter().filter(|i| !i.completed) {
        if let Some(flag) = instance
            .record
            .and_then(|r| open_records.get_mut(r as usize))
        {
            *flag = true;
        }
    }
    let open = open_records.iter().filter(|o| **o).count();
    let bytes = after.saturating_sub(before) as f64 * 1024.0;
    println!(
        "  memory:    {:>10.0} bytes per open record, {:.0} per running clock ({} records seen, {kept} kept, {open} open, {} released; {} clock slots, {running} running; {} instance and {} task slots; {} KiB for the state)",
        bytes / open.max(1) as f64,
        bytes / running.max(1) as f64,
        state.created,
        state.released,
        state.clocks.all.len(),
        state.instances.len(),
        state.tasks.len(),
        after.saturating_sub(before)
    );
    drop(lines);
}
