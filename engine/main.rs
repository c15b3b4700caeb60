//! The `slaflow` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    slaflow::cli::main()
}
