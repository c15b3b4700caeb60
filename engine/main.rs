//! The `slaflow` command: parses the command line and runs one command over the library.
//!
//! Everything a person reads on a terminal (results on standard output, errors and warnings on
//! standard error) is written here, in [`cli`]; the library itself only logs through
//! `tracing`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
