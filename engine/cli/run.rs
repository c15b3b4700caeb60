//! `slaflow run` (replay events, print actions), `slaflow explain` (records' clocks as
//! timelines) and `slaflow status` (every clock and open instance as of an instant).

use std::io::BufWriter;
use std::path::PathBuf;

use slaflow::base::printable;
use slaflow::model::Timestamp;
use slaflow::runtime::Driver;
use slaflow::runtime::input::MAX_LINE_BYTES;
use slaflow::runtime::sink::JsonLines;
use slaflow::runtime::status;

use super::replay::{
    Prepared, SwitchArg, Warnings, lines_after, open_events, parse_switch, prepare, stopped,
};
use super::{EXIT_OK, fail};

/// The bytes of actions `slaflow run` gathers before writing them out: a replay writes hundreds
/// of megabytes, and the standard 8 KiB meant a system call every ten events or so. The output is
/// still written whenever the input has nothing more for now (a live feed) and at the end.
const OUTPUT_BUFFER: usize = 1 << 16;

/// Arguments of `slaflow run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    /// JSON Lines events, ordered by `at`; `-` reads standard input.
    #[arg(long)]
    pub events: PathBuf,
    /// The longest event line read, in bytes; a longer one is rejected with its number.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Run timers (milestones, breaches, escalations, schedules) up to this instant after the
    /// last event, e.g. `2026-11-01T00:00:00Z`.
    #[arg(long)]
    pub until: Option<Timestamp>,
    /// Keep a durable journal here (SQLite) and resume from it after a crash.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// From instant T on, run the bundle in DIR: new clocks and instances take that version,
    /// running ones keep theirs (repeatable, in time order), e.g.
    /// `--switch 2026-11-15T00:00:00Z=contract-v2`.
    #[arg(long = "switch", value_name = "T=DIR", value_parser = parse_switch)]
    pub switches: Vec<SwitchArg>,
    /// Forget a record once it has been quiet this long (no running clock, no open process
    /// instance, no escalation climbing about it), e.g. `30d`; `forever` keeps every record.
    /// An event for a record after that makes it a new record.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_retention)]
    pub retain: Retention,
    /// With `--db`: snapshot the engine's state every N inputs (more often shortens a resume,
    /// less often writes less). By default, after at least 100,000 inputs and two per item of
    /// the state (record, clock, escalation, instance, task).
    #[arg(long, value_name = "N")]
    pub snapshot_every: Option<u64>,
}

/// How long quiet records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Option<i64>);

pub fn parse_retention(text: &str) -> Result<Retention, String> {
    if text == "forever" {
        return Ok(Retention(None));
    }
    let duration: slaflow::model::Duration = text.parse()?;
    let seconds = duration
        .seconds()
        .ok_or("give the retention in days, hours or minutes (e.g. `30d`), or `forever`")?;
    Ok(Retention(Some(i64::try_from(seconds).unwrap_or(i64::MAX))))
}

/// Where `explain` and `status` read the history from.
#[derive(Debug, clap::Args)]
pub struct History {
    /// The bundle.
    pub bundle: PathBuf,
    /// JSON Lines events, ordered by `at`; `-` reads standard input.
    #[arg(long, required_unless_present = "db", conflicts_with = "db")]
    pub events: Option<PathBuf>,
    /// The longest event line read, in bytes; a longer one is rejected with its number.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Read a journal written by `slaflow run --db` (or the server) instead of events; its
    /// bundle versions are used.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Run timers up to this instant after the last event, and report as of it.
    #[arg(long)]
    pub until: Option<Timestamp>,
    /// Switch bundle versions while replaying the events, as `slaflow run --switch` does.
    #[arg(long = "switch", value_name = "T=DIR", value_parser = parse_switch)]
    pub switches: Vec<SwitchArg>,
}

/// Arguments of `slaflow explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The history.
    #[command(flatten)]
    pub history: History,
    /// A record whose clocks to explain (repeatable).
    #[arg(long, required_unless_present = "all")]
    pub record: Vec<String>,
    /// Explain every record.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Arguments of `slaflow status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The history.
    #[command(flatten)]
    pub history: History,
    /// Only this record (repeatable); by default every record, then the open instances that
    /// are about no record.
    #[arg(long)]
    pub record: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Output formats of `explain` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Human,
    /// JSON.
    Json,
}

/// Refuses an `--until` outside the years slaflow computes with.
fn check_until(until: Option<Timestamp>) -> Result<(), u8> {
    match until.and_then(|t| slaflow::runtime::engine::implausible(t.0)) {
        Some(why) => Err(fail(format!("--until: {why}"))),
        None => Ok(()),
    }
}

/// Runs `slaflow run`.
pub fn run(args: &Args) -> u8 {
    if let Err(status) = check_until(args.until) {
        return status;
    }
    let prepared = match prepare(
        &args.bundle,
        &args.switches,
        args.db.as_deref(),
        true,
        args.snapshot_every,
    ) {
        Ok(prepared) => prepared,
        Err(status) => return status,
    };
    let events = match open_events(&args.events) {
        Ok(events) => events,
        Err(status) => return status,
    };
    let Prepared {
        mut engine,
        journal,
        switch_now,
        switches,
        ..
    } = prepared;
    engine.retain(args.retain.0);
    let lines = match lines_after(events, journal.as_ref(), args.max_line_bytes) {
        Ok(lines) => lines,
        Err(status) => return status,
    };
    let mut printer = JsonLines::new(BufWriter::with_capacity(
        OUTPUT_BUFFER,
        std::io::stdout().lock(),
    ));
    let mut warnings = Warnings::default();
    let mut journal = journal;
    let mut driver = Driver::new(engine).sink(&mut printer).sink(&mut warnings);
    if let Some(journal) = journal.as_mut() {
        driver = driver.sink(journal);
    }
    let result = (|| {
        if let Some(program) = switch_now {
            let now = driver.engine().state.now.unwrap_or(0);
            driver.switch(now, program)?;
        }
        driver.plan(switches)?;
        driver.feed_lines(lines)?;
        driver.finish(args.until.map(|t| t.0))
    })();
    // The engine's state is not needed any more and the process ends: freeing it piece by
    // piece would only take time (a large replay holds millions of small allocations).
    std::mem::forget(driver);
    warnings.summary();
    match result {
        Ok(()) => EXIT_OK,
        Err(error) => stopped(error),
    }
}

/// Replays the history of `explain` or `status` and runs the timers to `--until`.
fn replay(history: &History) -> Result<slaflow::runtime::Engine, u8> {
    check_until(history.until)?;
    let prepared = prepare(
        &history.bundle,
        &history.switches,
        history.db.as_deref(),
        false,
        None,
    )?;
    let mut driver = Driver::new(prepared.engine);
    driver.plan(prepared.switches).map_err(stopped)?;
    if let Some(path) = &history.events {
        let lines = lines_after(open_events(path)?, None, history.max_line_bytes)?;
        driver.feed_lines(lines).map_err(stopped)?;
    }
    driver.finish(history.until.map(|t| t.0)).map_err(stopped)?;
    Ok(driver.into_engine())
}

/// Where the history came from, for messages.
fn origin(history: &History) -> String {
    match (&history.events, &history.db) {
        (Some(events), _) => format!("`{}`", events.display()),
        (None, Some(db)) => format!("the journal `{}`", db.display()),
        (None, None) => "the history".into(),
    }
}

/// Runs `slaflow explain`.
pub fn explain(args: &ExplainArgs) -> u8 {
    let engine = match replay(&args.history) {
        Ok(engine) => engine,
        Err(status) => return status,
    };
    let ids: Vec<String> = if args.all {
        engine
            .state
            .records
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    } else {
        args.record.clone()
    };
    let mut reports = Vec::new();
    for id in &ids {
        match slaflow::explain::explain(&engine, id) {
            Some(report) => reports.push(report),
            None => {
                return fail(format!(
                    "no event in {} concerns record `{id}`",
                    origin(&args.history)
                ));
            }
        }
    }
    let mut text = String::new();
    match args.format {
        Format::Human => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                text.push_str(&slaflow::explain::human(report));
            }
        }
        // One record as one document (as before), several as JSON Lines.
        Format::Json if reports.len() == 1 && !args.all => {
            text = reports
                .first()
                .and_then(|r| serde_json::to_string_pretty(r).ok())
                .unwrap_or_default();
            text.push('\n');
        }
        Format::Json => {
            for report in &reports {
                text.push_str(&serde_json::to_string(report).unwrap_or_default());
                text.push('\n');
            }
        }
    }
    super::write_stdout(&text).unwrap_or(EXIT_OK)
}

/// Runs `slaflow status`.
pub fn status(args: &StatusArgs) -> u8 {
    let engine = match replay(&args.history) {
        Ok(engine) => engine,
        Err(status) => return status,
    };
    if let Some(unknown) = args.record.iter().find(|id| engine.record(id).is_none()) {
        return fail(format!(
            "no event in {} concerns record `{unknown}`",
            origin(&args.history)
        ));
    }
    let only = (!args.record.is_empty()).then_some(args.record.as_slice());
    let (records, loose) = status::status(&engine, only);
    let text = match args.format {
        Format::Json => {
            let mut text = String::new();
            for record in &records {
                text.push_str(&serde_json::to_string(record).unwrap_or_default());
                text.push('\n');
            }
            for instance in &loose {
                text.push_str(&serde_json::to_string(instance).unwrap_or_default());
                text.push('\n');
            }
            text
        }
        Format::Human => human_status(&records, &loose, engine.state.now.unwrap_or(0)),
    };
    super::write_stdout(&text).unwrap_or(EXIT_OK)
}

/// `status` as readable text: per record, one line per clock and one per open instance and
/// task.
fn human_status(
    records: &[status::RecordStatus],
    loose: &[status::InstanceStatus],
    now: i64,
) -> String {
    use std::fmt::Write as _;
    let span = slaflow::explain::span;
    let at = |t: Option<Timestamp>| t.map_or("-".to_string(), |t| t.to_string());
    let mut out = format!("as of {}\n", Timestamp(now));
    let instances = |out: &mut String, list: &[status::InstanceStatus]| {
        for i in list {
            let _ = writeln!(
                out,
                "  instance {} ({}) waiting at {}",
                printable(&i.instance),
                i.process,
                if i.steps.is_empty() {
                    "nothing".to_string()
                } else {
                    i.steps.join(", ")
                }
            );
            for t in &i.tasks {
                let _ = writeln!(
                    out,
                    "    task {} for {} opened {} due {}{}",
                    t.step,
                    t.roles.join(", "),
                    t.opened,
                    at(t.due),
                    if t.overdue { " OVERDUE" } else { "" }
                );
            }
        }
    };
    for record in records {
        let _ = writeln!(
            out,
            "\n{} ({})",
            printable(&record.record),
            printable(&record.record_type)
        );
        for c in &record.clocks {
            let _ = writeln!(
                out,
                "  {}/{} cycle {} (version {}): {} due {}, elapsed {}, remaining {}, paused {}{}",
                c.agreement,
                c.target,
                c.cycle,
                slaflow::runtime::engine::short_hash(&c.version),
                c.state,
                at(c.due),
                span(c.elapsed),
                c.remaining.map_or("-".to_string(), span),
                span(c.paused),
                c.breached_at
                    .map_or(String::new(), |b| format!(", breached {b}"))
            );
        }
        instances(&mut out, &record.instances);
    }
    if !loose.is_empty() {
        let _ = writeln!(out, "\ninstances about no record");
        instances(&mut out, loose);
    }
    out
}
