//! `slaflow simulate`: the same history replayed under a baseline and a candidate bundle (or
//! switching from one to the other at an instant), compared per period, agreement and target,
//! with the clocks whose outcome changes; Markdown or JSON, and an exit status for CI gates.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use slaflow::model::Timestamp;
use slaflow::simulate::{Condition, Side, months, render, simulate, time_zone};

use super::{EXIT_FINDINGS, EXIT_OK, fail};

/// Arguments of `slaflow simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle before the edit.
    #[arg(long)]
    pub baseline: PathBuf,
    /// The bundle after the edit.
    #[arg(long)]
    pub candidate: PathBuf,
    /// JSON Lines events, ordered by `at`; `-` reads standard input.
    #[arg(long)]
    pub events: PathBuf,
    /// The period compared: a month `2026-11`, a quarter `2026-Q4`, a half year `2026-H2` or a
    /// year `2026`. By default, each month the events cover.
    #[arg(long)]
    pub period: Option<String>,
    /// Run the baseline until this instant and the candidate from it on, as a reload (or `run
    /// --switch`) would: clocks running then keep the baseline's terms.
    #[arg(long, value_name = "T")]
    pub switch_at: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Exit with status 1 when this holds for a target in a period (repeatable).
    #[arg(long, value_enum, value_name = "CONDITION")]
    pub fail_if: Vec<FailIf>,
}

/// Output formats of `slaflow simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for a pull-request comment.
    Md,
    /// One JSON document, for tools.
    Json,
}

/// The conditions `--fail-if` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailIf {
    /// A target has more breaches under the candidate.
    #[value(name = "breaches_increase")]
    BreachesIncrease,
    /// A target's compliance under the candidate is below its objective.
    #[value(name = "compliance_below_objective")]
    ComplianceBelowObjective,
    /// A target owes more credits and penalties under the candidate.
    #[value(name = "credits_increase")]
    CreditsIncrease,
}

impl From<FailIf> for Condition {
    fn from(f: FailIf) -> Condition {
        match f {
            FailIf::BreachesIncrease => Condition::BreachesIncrease,
            FailIf::ComplianceBelowObjective => Condition::ComplianceBelowObjective,
            FailIf::CreditsIncrease => Condition::CreditsIncrease,
        }
    }
}

/// Loads a bundle; errors are printed as `validate` prints them, and name the option.
fn load(option: &str, path: &Path) -> Result<slaflow::program::Compiled, u8> {
    if !path.exists() {
        return Err(fail(format!(
            "{option}: `{}` does not exist",
            path.display()
        )));
    }
    super::compile(path).map_err(|status| {
        if status == EXIT_FINDINGS {
            fail(format!(
                "{option} `{}`: the bundle has errors (above); nothing was simulated",
                path.display()
            ))
        } else {
            status
        }
    })
}

/// Reads the events file (or standard input) whole: both replays read it.
fn read_events(path: &Path) -> Result<Vec<u8>, u8> {
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    read.map_err(|e| fail(format!("--events: cannot read `{}`: {e}", path.display())))?;
    Ok(bytes)
}

/// Runs `slaflow simulate`: 0 when no `--fail-if` condition holds, 1 when one does, 2 on a
/// usage, I/O or bundle error.
pub fn run(args: &Args) -> u8 {
    match make(args) {
        Ok(status) => status,
        Err(status) => status,
    }
}

fn make(args: &Args) -> Result<u8, u8> {
    if let Some(period) = &args.period {
        slaflow::report::parse_period(period).map_err(|e| fail(format!("--period: {e}")))?;
    }
    if let Some(why) = args
        .switch_at
        .and_then(|t| slaflow::runtime::engine::implausible(t.0))
    {
        return Err(fail(format!("--switch-at: {why}")));
    }
    let events = read_events(&args.events)?;
    let old = load("--baseline", &args.baseline)?;
    let new = load("--candidate", &args.candidate)?;
    let old_program = Arc::new(old.program);
    let new_program = Arc::new(new.program);
    let periods = match &args.period {
        Some(period) => vec![period.clone()],
        None => months(&events, time_zone(&old.bundle, &old_program)),
    };
    if periods.is_empty() {
        return Err(fail(format!(
            "--events: `{}` holds no event, so it covers no period: give one with --period",
            args.events.display()
        )));
    }
    let baseline = Side {
        name: slaflow::source::display_path(&args.baseline),
        bundle: &old.bundle,
        program: Arc::clone(&old_program),
        before: None,
    };
    let candidate = Side {
        name: slaflow::source::display_path(&args.candidate),
        bundle: &new.bundle,
        program: new_program,
        before: args.switch_at.map(|t| (Arc::clone(&old_program), t.0)),
    };
    let conditions: Vec<Condition> = args.fail_if.iter().map(|f| Condition::from(*f)).collect();
    let simulated =
        simulate(&baseline, &candidate, &events, &periods, &conditions).map_err(fail)?;
    // The process ends soon: freeing the replays' state piece by piece would only take time.
    std::mem::forget(simulated.replays);
    let (simulation, rejected) = (simulated.simulation, simulated.rejected);
    for (line, error) in &rejected {
        eprintln!("line {line}: {error}");
    }
    let text = match args.format {
        Format::Md => render::markdown(&simulation),
        Format::Json => render::json(&simulation),
    };
    if let Some(status) = super::write_stdout(&text) {
        return Err(status);
    }
    for verdict in simulation.fail_if.iter().filter(|v| v.holds) {
        eprintln!(
            "slaflow simulate: --fail-if {} holds: {}",
            verdict.condition.as_str(),
            verdict.reasons.join("; ")
        );
    }
    Ok(if simulation.failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
