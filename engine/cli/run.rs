//! `slaflow run` (replay events, print actions) and `slaflow explain` (a record's clocks as a
//! timeline).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::{EXIT_OK, LoadedBundle, fail};
use crate::model::Timestamp;
use crate::runtime::Engine;
use crate::runtime::input::Lines;

/// Arguments of `slaflow run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    /// JSON Lines events, ordered by `at`; `-` reads standard input.
    #[arg(long)]
    pub events: PathBuf,
    /// Run timers (milestones, breaches, escalations, schedules) up to this instant after the
    /// last event, e.g. `2026-11-01T00:00:00Z`.
    #[arg(long)]
    pub until: Option<Timestamp>,
    /// Keep a durable journal here (SQLite) and resume from it after a crash.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// Arguments of `slaflow explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The bundle.
    pub bundle: PathBuf,
    /// JSON Lines events, ordered by `at`; `-` reads standard input.
    #[arg(long)]
    pub events: PathBuf,
    /// The record whose clocks to explain.
    #[arg(long)]
    pub record: String,
    /// Run timers up to this instant after the last event.
    #[arg(long)]
    pub until: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// Output formats of `slaflow explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// A readable timeline.
    Human,
    /// One JSON document.
    Json,
}

/// Opens the events file (or standard input).
pub fn open_events(path: &Path) -> Result<Box<dyn Read>, u8> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    std::fs::File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|error| fail(format!("cannot read `{}`: {error}", path.display())))
}

/// Runs `slaflow run`.
pub fn run(args: &Args) -> u8 {
    let loaded = match LoadedBundle::valid(&args.bundle) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let compiled = loaded.compile();
    let events = match open_events(&args.events) {
        Ok(events) => events,
        Err(status) => return status,
    };
    if let Some(db) = &args.db {
        let stdout = std::io::stdout().lock();
        return match crate::store::run_durable(
            compiled,
            db,
            events,
            args.until.map(|t| t.0),
            stdout,
        ) {
            Ok(()) => EXIT_OK,
            Err(error) => fail(error),
        };
    }
    let mut engine = Engine::new(compiled);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut printed = Vec::new();
    for line in Lines::new(BufReader::new(events)) {
        let line = match line {
            Ok(line) => line,
            Err(error) => return fail(format!("cannot read events: {error}")),
        };
        engine.apply_line(&line);
        if write_actions(&mut engine, &mut printed, &mut out).is_err() {
            return EXIT_OK; // The reader went away (broken pipe).
        }
    }
    engine.finish(args.until.map(|t| t.0));
    let _ = write_actions(&mut engine, &mut printed, &mut out);
    let _ = out.flush();
    EXIT_OK
}

/// Writes the engine's pending actions as JSON Lines through the reused buffer `printed`, and
/// rejections to standard error too.
fn write_actions(
    engine: &mut Engine,
    printed: &mut Vec<u8>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    printed.clear();
    crate::store::print_actions(printed, engine.drain_actions());
    out.write_all(printed)
}

/// Runs `slaflow explain`.
pub fn explain(args: &ExplainArgs) -> u8 {
    let loaded = match LoadedBundle::valid(&args.bundle) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let events = match open_events(&args.events) {
        Ok(events) => events,
        Err(status) => return status,
    };
    let mut engine = Engine::new(loaded.compile());
    for line in Lines::new(BufReader::new(events)) {
        match line {
            Ok(line) => engine.apply_line(&line),
            Err(error) => return fail(format!("cannot read events: {error}")),
        }
        engine.drain_actions();
    }
    engine.finish(args.until.map(|t| t.0));
    if engine.record(&args.record).is_none() {
        return fail(format!(
            "no event in `{}` concerns record `{}`",
            args.events.display(),
            args.record
        ));
    }
    let report = crate::explain::explain(&engine, &loaded.bundle, &args.record);
    let text = match args.format {
        ExplainFormat::Human => crate::explain::human(&report),
        ExplainFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
    };
    super::write_stdout(&text).unwrap_or(EXIT_OK)
}
