//! `slaflow validate PATH...`: load every bundle under the paths, run every pass, print findings.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, fail, write_stdout};
use crate::diagnostic::Diagnostics;
use crate::diagnostic::render::{Format, render};
use crate::load::{Loader, discover};

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
    let inputs = match discover(&args.paths) {
        Ok(inputs) => inputs,
        Err(error) => return fail(error),
    };
    let mut loader = Loader::new();
    let mut diagnostics = Diagnostics::new();
    let mut files = 0;
    for input in &inputs {
        let loaded = match loader.load(input) {
            Ok(loaded) => loaded,
            Err(error) => return fail(error),
        };
        files += loaded.files.len();
        diagnostics.extend(loaded.diagnostics);
        crate::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
    }
    diagnostics.sort();
    let text = render(args.format, &diagnostics, loader.sources());
    if let Some(status) = write_stdout(&text) {
        return status;
    }
    let failed =
        diagnostics.has_errors() || (args.deny_warnings && diagnostics.warning_count() > 0);
    if std::io::stderr().is_terminal() && args.format == Format::Human && diagnostics.is_empty() {
        eprintln!(
            "validated {} bundle{} ({files} files): no problems",
            inputs.len(),
            if inputs.len() == 1 { "" } else { "s" }
        );
    }
    if failed { EXIT_FINDINGS } else { EXIT_OK }
}
