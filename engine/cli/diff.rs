//! `slaflow diff`: what an edit of a bundle changes, as Markdown or JSON.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, fail};
use slaflow::clock::Clock;
use slaflow::diff::{Side, diff, render};

/// Arguments of `slaflow diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle before the edit.
    pub old: PathBuf,
    /// The bundle after the edit.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// The first day of the 12 months whose working time is compared (default: today, UTC).
    #[arg(long)]
    pub from: Option<NaiveDate>,
}

/// Output formats of `slaflow diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for a pull-request comment.
    Md,
    /// One JSON document, for tools.
    Json,
}

/// Runs `slaflow diff` with the system clock, printing to standard output.
pub fn run(args: &Args) -> u8 {
    let mut out = Vec::new();
    let status = run_with(args, &slaflow::clock::SystemClock, &mut out);
    match super::write_stdout(&String::from_utf8_lossy(&out)) {
        Some(failed) => failed,
        None => status,
    }
}

/// Runs `slaflow diff` with `clock` for the default `--from`, writing to `out`: 0 when the
/// bundles mean the same, 1 when they differ, 2 when one cannot be loaded or has errors.
pub fn run_with(args: &Args, clock: &dyn Clock, out: &mut dyn Write) -> u8 {
    let Ok(old) = super::compile(&args.old) else {
        return EXIT_USAGE;
    };
    let Ok(new) = super::compile(&args.new) else {
        return EXIT_USAGE;
    };
    let from = args.from.unwrap_or_else(|| clock.now().date_naive());
    let old_name = slaflow::source::display_path(&args.old);
    let new_name = slaflow::source::display_path(&args.new);
    let result = diff(
        Side {
            name: &old_name,
            bundle: &old.bundle,
            sources: &old.sources,
        },
        Side {
            name: &new_name,
            bundle: &new.bundle,
            sources: &new.sources,
        },
        from,
    );
    let text = match args.format {
        Format::Md => render::markdown(&result),
        Format::Json => render::json(&result),
    };
    if let Err(error) = out.write_all(text.as_bytes()) {
        return fail(format!("cannot write the diff: {error}"));
    }
    if result.equal { EXIT_OK } else { EXIT_FINDINGS }
}
