//! `slaflow schema`: write (or check) the JSON Schemas in `schemas/`.

use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, fail};

/// Arguments of `slaflow schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to write to.
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
    /// Do not write; exit 1 if the files differ from what the model generates.
    #[arg(long)]
    pub check: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> u8 {
    let mut stale = Vec::new();
    if !args.check
        && let Err(error) = std::fs::create_dir_all(&args.out)
    {
        return fail(format!("cannot create `{}`: {error}", args.out.display()));
    }
    for schema in slaflow::schema::all() {
        let path = args.out.join(schema.name);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(schema.text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else if let Err(error) = std::fs::write(&path, &schema.text) {
            return fail(format!("cannot write `{}`: {error}", path.display()));
        }
    }
    if stale.is_empty() {
        EXIT_OK
    } else {
        for path in stale {
            eprintln!("stale: {path} (run `slaflow schema` to regenerate)");
        }
        EXIT_FINDINGS
    }
}
