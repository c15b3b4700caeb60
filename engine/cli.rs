//! The `slaflow` command line: argument parsing and one module per command.
//!
//! Exit status is the contract: 0 success, 1 findings (validation problems, failed tests),
//! 2 usage or I/O errors. Commands print results on stdout and errors on stderr.

mod calendar;
mod calendar_export;
pub mod diff;
mod import;
mod picture;
mod reconcile;
mod replay;
mod report;
mod run;
mod schema;
mod serve;
mod simulate;
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
    /// The most detailed log messages to write on standard error (`RUST_LOG`, when set, wins).
    #[arg(long, global = true, value_enum, default_value_t = LogLevel::Warn)]
    pub log_level: LogLevel,
    /// How log messages are written: `text` for people, `json` (one object per line) for log
    /// collectors.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How much the library logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Only errors.
    Error,
    /// Errors and warnings.
    Warn,
    /// Also what the engine does at large (journal recovered, version switched...).
    Info,
    /// Also details for troubleshooting.
    Debug,
    /// Everything.
    Trace,
}

/// How log messages are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per message.
    Text,
    /// One JSON object per message.
    Json,
}

/// Sends the library's `tracing` events to standard error, filtered by `RUST_LOG` if set, else
/// by `--log-level`.
fn init_logs(level: LogLevel, format: LogFormat) {
    use std::io::IsTerminal;
    let level = match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().with_ansi(false).try_init(),
    };
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
    /// Write the report dues and forum meetings of a bundle as an iCalendar file (RFC 5545).
    CalendarExport(calendar_export::Args),
    /// Replay JSON Lines events through the bundle and print every action as JSON Lines.
    Run(run::Args),
    /// Print records' SLA clocks as timelines: starts, pauses, milestones, breaches and why.
    Explain(run::ExplainArgs),
    /// Print every clock and open process instance as of an instant, one record per line.
    Status(run::StatusArgs),
    /// Run the live engine: an HTTP API over the engine, its journal and its bundle.
    Serve(serve::Args),
    /// Make a bearer token for `slaflow serve` and print its entry for the tokens file.
    Token(serve::TokenArgs),
    /// Run the behaviour tests embedded in bundles.
    Test(test::Args),
    /// Turn a ServiceNow, Jira or Zammad export into slaflow events (JSON Lines).
    Import(import::Args),
    /// Show what an edit changes between two bundles: targets, calendars, RACI, escalations, rates.
    Diff(diff::Args),
    /// The service report of a period: compliance, breaches, KPIs, credits, billing, licences.
    Report(report::Args),
    /// Replay the same events under two bundles and show what changes: breaches, compliance,
    /// credits and the records whose outcome changes.
    Simulate(simulate::Args),
    /// Set the vendor's own SLA results (ServiceNow task_sla, Jira SLA fields) against
    /// slaflow's replay of the same export: the records that differ, with slaflow's explain.
    Reconcile(reconcile::Args),
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
    init_logs(cli.log_level, cli.log_format);
    let status = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Graph(args) => picture::graph(&args),
        Command::Raci(args) => picture::raci(&args),
        Command::Calendar(args) => calendar::run(&args),
        Command::CalendarExport(args) => calendar_export::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Explain(args) => run::explain(&args),
        Command::Status(args) => run::status(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Token(args) => serve::token(&args),
        Command::Test(args) => test::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Reconcile(args) => reconcile::run(&args),
    };
    ExitCode::from(status)
}

/// Prints an error that stops a command, in the one format all commands share.
pub fn fail(message: impl std::fmt::Display) -> u8 {
    // Messages quote paths, ids and lines of input: escaped, they cannot drive the terminal.
    eprintln!(
        "error: {}",
        slaflow::base::printable_lines(&message.to_string())
    );
    EXIT_USAGE
}

/// Writes a command's output; on failure returns the exit status to use.
pub fn write_stdout(text: &str) -> Option<u8> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => None,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => None,
        Err(error) => Some(output_failed(&error)),
    }
}

/// The exit status when writing the output failed: success, quietly, when its reader went away
/// (`slaflow ... | head`), else an error.
pub fn output_failed(error: &std::io::Error) -> u8 {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        EXIT_OK
    } else {
        fail(format!("cannot write to standard output: {error}"))
    }
}

/// Loads, validates and compiles the bundle at `path`. If it has errors, prints them (human
/// format, on stderr) and returns the exit status 1; I/O problems return 2.
pub fn compile(path: &Path) -> Result<slaflow::program::Compiled, u8> {
    match slaflow::program::Program::load(path) {
        Ok(compiled) => Ok(compiled),
        Err(slaflow::program::Failure::Load(error)) => Err(fail(error)),
        Err(slaflow::program::Failure::Invalid(diagnostics, sources)) => {
            eprint!(
                "{}",
                slaflow::diagnostic::render::human(&diagnostics, &sources)
            );
            Err(EXIT_FINDINGS)
        }
    }
}
