//! `slaflow import`: a ticketing system's export to slaflow events (JSON Lines on stdout).

use std::path::PathBuf;

use super::{EXIT_OK, EXIT_USAGE, fail};
use slaflow::import::{LoadedMap, Vendor};

/// Arguments of `slaflow import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The system the exports come from.
    #[arg(long, value_enum)]
    pub from: Vendor,
    /// The map file: which vendor field becomes which bundle field, and which changes are
    /// which events.
    #[arg(long)]
    pub map: PathBuf,
    /// The export files: records and their history, in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `slaflow import`.
pub fn run(args: &Args) -> u8 {
    let map = match LoadedMap::load(&args.map) {
        Ok(map) => map,
        Err(slaflow::import::ImportError::Map(report)) => {
            eprint!("{report}");
            return EXIT_USAGE;
        }
        Err(error) => return fail(error),
    };
    let imported = match slaflow::import::import(&map, args.from, &args.files) {
        Ok(imported) => imported,
        Err(error) => return fail(error),
    };
    for warning in &imported.warnings {
        eprintln!("warning: {warning}");
    }
    super::write_stdout(&imported.jsonl()).unwrap_or(EXIT_OK)
}
