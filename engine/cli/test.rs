//! `slaflow test BUNDLE...`: run the behaviour tests embedded in bundles.

use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, fail};
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
}

/// Runs the command.
pub fn run(args: &Args) -> u8 {
    let mut passed = 0;
    let mut failed = 0;
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
            if outcome.passed() {
                passed += 1;
                println!("ok      {suite} {id}");
            } else {
                failed += 1;
                println!("FAILED  {suite} {id}");
                for failure in &outcome.failures {
                    println!("        {failure}");
                }
                if args.verbose {
                    for action in &outcome.actions {
                        println!("          {}", action.to_json());
                    }
                }
            }
            outcomes.push(outcome);
        }
        suites.push((suite, outcomes));
    }
    println!("{passed} passed, {failed} failed");
    if let Some(path) = &args.junit
        && let Err(error) = std::fs::write(path, behaviour::junit(&suites))
    {
        return fail(format!("cannot write `{}`: {error}", path.display()));
    }
    if failed > 0 { EXIT_FINDINGS } else { EXIT_OK }
}
