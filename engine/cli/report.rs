//! `slaflow report`: the service report of one period, from events replayed through the bundle
//! or from a journal, as Markdown, HTML, CSV or JSON.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use slaflow::report::{Ledger, Report, Sections, fold_journal, parse_period, render};
use slaflow::runtime::Driver;
use slaflow::store::Journal;

use super::replay::{lines_after, open_events, prepare, stopped};
use super::run::History;
use super::{EXIT_OK, fail};

/// Arguments of `slaflow report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle, and the history: events replayed (with `--until` and `--switch` as `run`
    /// takes them) or a journal.
    #[command(flatten)]
    pub history: History,
    /// The period: a month `2026-11`, a quarter `2026-Q4`, a half year `2026-H2` or a year
    /// `2026`.
    #[arg(long)]
    pub period: String,
    /// The report definition whose agreements, KPIs, rate cards and licences it shows; by
    /// default every agreement, KPI and rate card of the bundle.
    #[arg(long)]
    pub report: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Write the report into this directory (`report.md`, `report.html`, `report.json`, or one
    /// CSV file per table) instead of standard output (CSV needs it).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown.
    Md,
    /// One self-contained HTML page, printable on A4.
    Html,
    /// JSON, for BI tools.
    Json,
    /// One CSV file per table (needs `--out`).
    Csv,
}

/// Runs `slaflow report`.
pub fn run(args: &Args) -> u8 {
    match make(args) {
        Ok(report) => write(args, &report),
        Err(status) => status,
    }
}

fn make(args: &Args) -> Result<Report, u8> {
    if args.format == Format::Csv && args.out.is_none() {
        return Err(fail(
            "--format csv writes one file per table: give the directory with --out",
        ));
    }
    let dates = parse_period(&args.period).map_err(|e| fail(format!("--period: {e}")))?;
    let compiled = super::compile(&args.history.bundle)?;
    let program = Arc::new(compiled.program);
    let sections = Sections::of(&compiled.bundle, args.report.as_deref(), &program)
        .map_err(|e| fail(format!("--report: {e}")))?;
    let mut ledger = Ledger::new(&compiled.bundle, &program, sections, &args.period, dates);
    let history = &args.history;
    if let Some(db) = &history.db {
        let mut journal = Journal::open_read_only(db).map_err(fail)?;
        fold_journal(&mut ledger, &journal).map_err(fail)?;
        let (outages, now) =
            slaflow::report::journal_outages(&mut journal, &program).map_err(fail)?;
        ledger.outages(outages, history.until.map_or(now, |t| t.0.min(now)));
    } else if let Some(path) = &history.events {
        let prepared = prepare(&history.bundle, &history.switches, None, false, None)?;
        let lines = lines_after(open_events(path)?, None, history.max_line_bytes)?;
        // Timers run to the period's end (or `--until`), so its last breaches and KPI values
        // are in.
        let until = history.until.map_or(ledger.window().end, |t| t.0);
        let mut engine = prepared.engine;
        engine.retain(Some(30 * 86_400));
        let mut driver = Driver::new(engine).sink(&mut ledger);
        driver.plan(prepared.switches).map_err(stopped)?;
        driver.feed_lines(lines).map_err(stopped)?;
        driver.finish(Some(until)).map_err(stopped)?;
        let outages = driver.engine().state.outages.clone();
        // The engine is not needed any more: freeing it piece by piece would only take time.
        std::mem::forget(driver);
        ledger.outages(outages, until);
    }
    Ok(ledger.report())
}

fn write(args: &Args, report: &Report) -> u8 {
    let text = match args.format {
        Format::Md => render::markdown(report),
        Format::Html => render::html(report),
        Format::Json => render::json(report),
        Format::Csv => String::new(),
    };
    let Some(dir) = &args.out else {
        return super::write_stdout(&text).unwrap_or(EXIT_OK);
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(format!("cannot create `{}`: {e}", dir.display()));
    }
    let files: Vec<(String, String)> = match args.format {
        Format::Csv => render::tables(report)
            .iter()
            .map(|t| (format!("{}.csv", t.name), render::csv(t)))
            .collect(),
        Format::Md => vec![("report.md".into(), text)],
        Format::Html => vec![("report.html".into(), text)],
        Format::Json => vec![("report.json".into(), text)],
    };
    for (name, text) in files {
        let path: &Path = dir.as_ref();
        let path = path.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            return fail(format!("cannot write `{}`: {e}", path.display()));
        }
    }
    EXIT_OK
}
