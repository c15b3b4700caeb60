//! `slaflow test BUNDLE...`: run the behaviour tests embedded in bundles.

use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, fail, write_stdout};
use slaflow::base::printable;
use slaflow::runtime::behaviour;

/// Arguments of `slaflow test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundles whose tests to run.
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    /// Also write the results as JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Print every action of failed tests.
    #[arg(long)]
    pub verbose: bool,
    /// Exit 1 when a test leaves a warning (a deadline clock still waiting for its field), as
    /// when one fails.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs the command. The results are written once all have run, so a reader that goes away
/// early (`slaflow test ... | head`) ends nothing but the output.
pub fn run(args: &Args) -> u8 {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut passed = 0;
    let mut failed = 0;
    let mut warned = 0;
    let mut suites = Vec::new();
    for path in &args.bundles {
        let loaded = match super::compile(path) {
            Ok(loaded) => loaded,
            Err(status) => return status,
        };
        let program = std::sync::Arc::new(loaded.program);
        let suite = slaflow::source::display_path(path);
        let mut outcomes = Vec::new();
        for (id, entry) in loaded.bundle.tests.iter() {
            let outcome = behaviour::run(&program, id.as_str(), &entry.value);
            let shown = printable(&suite);
            if outcome.passed() {
                passed += 1;
                let _ = writeln!(out, "ok      {shown} {id}");
            } else {
                failed += 1;
                let _ = writeln!(out, "FAILED  {shown} {id}");
                for failure in &outcome.failures {
                    let _ = writeln!(out, "        {}", printable(&failure.to_string()));
                }
                if args.verbose {
                    for action in &outcome.actions {
                        let _ = writeln!(out, "          {}", action.to_json());
                    }
                }
            }
            for warning in &outcome.warnings {
                warned += 1;
                let _ = writeln!(out, "warning {shown} {id}: {}", printable(warning));
            }
            outcomes.push(outcome);
        }
        suites.push((suite, outcomes));
    }
    let _ = match warned {
        0 => writeln!(out, "{passed} passed, {failed} failed"),
        1 => writeln!(out, "{passed} passed, {failed} failed, 1 warning"),
        n => writeln!(out, "{passed} passed, {failed} failed, {n} warnings"),
    };
    if let Some(status) = write_stdout(&out) {
        return status;
    }
    if let Some(path) = &args.junit
        && let Err(error) = std::fs::write(path, behaviour::junit(&suites))
    {
        return fail(format!("cannot write `{}`: {error}", path.display()));
    }
    if failed > 0 || (args.deny_warnings && warned > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
