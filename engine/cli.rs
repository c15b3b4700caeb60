//! The `slaflow` command line.

use std::process::ExitCode;

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
