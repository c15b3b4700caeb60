//! `slaflow reconcile`: the vendor's own SLA results against slaflow's replay of the same
//! export; the records that differ, with slaflow's `explain` lines, as Markdown or JSON.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use slaflow::import::{ImportError, LoadedMap, Vendor};
use slaflow::model::Timestamp;
use slaflow::reconcile::{Input, ReconcileError, reconcile, render};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, fail};

/// Arguments of `slaflow reconcile`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle (the contract).
    pub bundle: PathBuf,
    /// The system the exports come from: `servicenow` or `jira`.
    #[arg(long, value_enum)]
    pub from: Vendor,
    /// The import map, with an `sla` section naming the clock each vendor SLA corresponds to.
    #[arg(long)]
    pub map: PathBuf,
    /// The instant the export was taken: timers run to it, and running clocks are as of it.
    /// By default the replay stops at the last event.
    #[arg(long, value_name = "T")]
    pub until: Option<Timestamp>,
    /// How much the business time elapsed may differ and still agree, e.g. `1m`, `30s`.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_tolerance)]
    pub tolerance: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// The exports: records, their history and the SLA results (ServiceNow `task_sla` rows;
    /// Jira SLA fields are on the issues), in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Output formats of `slaflow reconcile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for a dispute or a service review.
    Md,
    /// One JSON document, for tools.
    Json,
}

fn parse_tolerance(text: &str) -> Result<u64, String> {
    let duration: slaflow::model::Duration = text.parse()?;
    duration
        .seconds()
        .ok_or_else(|| "give the tolerance in hours, minutes or seconds (e.g. `1m`)".into())
}

/// Runs `slaflow reconcile`: 0 when every compared cycle agrees, 1 when some differ or are on
/// one side only, 2 on a usage, I/O, map, export or bundle error.
pub fn run(args: &Args) -> u8 {
    match make(args) {
        Ok(status) | Err(status) => status,
    }
}

fn load_bundle(path: &Path) -> Result<slaflow::program::Compiled, u8> {
    if !path.exists() {
        return Err(fail(format!("`{}` does not exist", path.display())));
    }
    super::compile(path).map_err(|status| {
        if status == EXIT_FINDINGS {
            fail(format!(
                "`{}`: the bundle has errors (above); nothing was reconciled",
                path.display()
            ))
        } else {
            status
        }
    })
}

fn make(args: &Args) -> Result<u8, u8> {
    if let Some(why) = args
        .until
        .and_then(|t| slaflow::runtime::engine::implausible(t.0))
    {
        return Err(fail(format!("--until: {why}")));
    }
    let map = match LoadedMap::load(&args.map) {
        Ok(map) => map,
        Err(ImportError::Map(report)) => {
            eprint!("{report}");
            return Err(EXIT_USAGE);
        }
        Err(error) => return Err(fail(error)),
    };
    if map.map.from.value != args.from {
        return Err(fail(ImportError::WrongVendor {
            path: map.path.clone(),
            map: map.map.from.value,
            from: args.from,
        }));
    }
    if args.from == Vendor::Zammad {
        return Err(fail(ReconcileError::Unsupported(args.from)));
    }
    let mut files = Vec::new();
    for path in &args.files {
        let name = slaflow::source::display_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|error| fail(format!("cannot read `{name}`: {error}")))?;
        files.push((name, text));
    }
    let compiled = load_bundle(&args.bundle)?;
    let input = Input {
        bundle: slaflow::source::display_path(&args.bundle),
        program: Arc::new(compiled.program),
        map: &map,
        files: &files,
        until: args.until.map(|t| t.0),
        tolerance: args.tolerance,
    };
    let reconciled = reconcile(&input).map_err(fail)?;
    // The process ends soon: freeing the engine piece by piece would only take time.
    std::mem::forget(reconciled.engine);
    for (line, error) in &reconciled.rejected {
        eprintln!("warning: imported event {line} was rejected: {error}");
    }
    let r = reconciled.reconciliation;
    let text = match args.format {
        Format::Md => render::markdown(&r),
        Format::Json => render::json(&r),
    };
    if let Some(status) = super::write_stdout(&text) {
        return Err(status);
    }
    Ok(if r.agrees() { EXIT_OK } else { EXIT_FINDINGS })
}
