//! The `slaflow` command line: argument parsing and one module per command.
//!
//! Exit status is the contract: 0 success, 1 findings (validation problems, failed tests),
//! 2 usage or I/O errors. Commands print results on stdout and errors on stderr.

mod calendar;
pub mod diff;
mod import;
mod picture;
mod run;
mod schema;
mod test;
mod validate;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status for success.
pub const EXIT_OK: u8 = 0;
/// Exit status when the input has problems (findings, failed tests).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// slaflow: a service-level-management engine driven by declarative YAML.
#[derive(Debug, Parser)]
#[command(name = "slaflow", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check bundles and report every problem with file:line:col and a stable code.
    Validate(validate::Args),
    /// Write the JSON Schemas editors use, generated from the model.
    Schema(schema::Args),
    /// Draw a process as a Mermaid flowchart or a Graphviz digraph.
    Graph(picture::GraphArgs),
    /// Print the RACI matrix of a process as Markdown or CSV.
    Raci(picture::RaciArgs),
    /// Answer business-time questions (due times, business time between instants) in batch.
    Calendar(calendar::Args),
    /// Replay JSON Lines events through the bundle and print every action as JSON Lines.
    Run(run::Args),
    /// Print a record's SLA clocks as a timeline: starts, pauses, milestones, breaches and why.
    Explain(run::ExplainArgs),
    /// Run the behaviour tests embedded in bundles.
    Test(test::Args),
    /// Turn a ServiceNow, Jira or Zammad export into slaflow events (JSON Lines).
    Import(import::Args),
    /// Show what an edit changes between two bundles: targets, calendars, RACI, escalations, rates.
    Diff(diff::Args),
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    let status = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Graph(args) => picture::graph(&args),
        Command::Raci(args) => picture::raci(&args),
        Command::Calendar(args) => calendar::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Explain(args) => run::explain(&args),
        Command::Test(args) => test::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Diff(args) => diff::run(&args),
    };
    ExitCode::from(status)
}

/// Prints an error that stops a command, in the one format all commands share.
pub fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// Writes a command's output; on failure returns the exit status to use.
pub fn write_stdout(text: &str) -> Option<u8> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => None,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => None,
        Err(error) => Some(fail(format!("cannot write to standard output: {error}"))),
    }
}

/// A bundle loaded and validated for a command that works on one bundle.
pub struct LoadedBundle {
    /// The bundle.
    pub bundle: crate::model::Bundle,
    /// Its files.
    pub sources: crate::source::SourceMap,
    /// The files that make up the bundle (rule files and holiday files), for its hash.
    pub files: Vec<crate::source::FileId>,
}

impl LoadedBundle {
    /// Loads and validates the bundle at `path`. If it has errors, prints them (human format, on
    /// stderr) and returns the exit status 1; I/O problems return 2.
    pub fn valid(path: &Path) -> Result<LoadedBundle, u8> {
        let (loaded, sources) = crate::load::load_bundle(path).map_err(fail)?;
        let mut diagnostics = loaded.diagnostics;
        crate::validate::check(&loaded.bundle, &sources, &mut diagnostics);
        if diagnostics.has_errors() {
            diagnostics.sort();
            eprint!(
                "{}",
                crate::diagnostic::render::human(&diagnostics, &sources)
            );
            return Err(EXIT_FINDINGS);
        }
        let mut files = loaded.files;
        files.extend(loaded.bundle.attachments.values().copied());
        Ok(LoadedBundle {
            bundle: loaded.bundle,
            sources,
            files,
        })
    }

    /// Compiles the bundle for the engine.
    pub fn compile(&self) -> std::sync::Arc<crate::runtime::Compiled> {
        std::sync::Arc::new(crate::runtime::Compiled::new(
            &self.bundle,
            &self.sources,
            &self.files,
        ))
    }
}
