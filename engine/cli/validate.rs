//! `slaflow validate PATH...`: load every bundle under the paths, run every pass, print findings.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, fail, write_stdout};
use slaflow::diagnostic::render::{Format, render};

/// Arguments of `slaflow validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directories (with `bundle.yaml`), directories holding bundles, or YAML files.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> u8 {
    let report = match slaflow::validate::validate_paths(&args.paths) {
        Ok(report) => report,
        Err(error) => return fail(error),
    };
    let diagnostics = &report.diagnostics;
    if let Some(status) = write_stdout(&render(args.format, diagnostics, &report.sources)) {
        return status;
    }
    if std::io::stderr().is_terminal() && args.format == Format::Human && diagnostics.is_empty() {
        eprintln!(
            "validated {} bundle{} ({} files): no problems",
            report.bundles,
            if report.bundles == 1 { "" } else { "s" },
            report.files
        );
    }
    let failed =
        diagnostics.has_errors() || (args.deny_warnings && diagnostics.warning_count() > 0);
    if failed { EXIT_FINDINGS } else { EXIT_OK }
}
