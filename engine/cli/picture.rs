//! `slaflow graph` and `slaflow raci`: a process as a picture and as a RACI matrix.

use std::path::PathBuf;

use super::{EXIT_OK, fail, write_stdout};
use slaflow::diagnostic::fuzzy;
use slaflow::graph::render;
use slaflow::model::process::Process;

/// Output formats of `slaflow graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// A Graphviz digraph (`dot -Tsvg`).
    Dot,
}

/// Arguments of `slaflow graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The bundle: a directory with `bundle.yaml`, a directory of YAML files, or one file.
    pub bundle: PathBuf,
    /// The process to draw.
    #[arg(long)]
    pub process: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

/// Output formats of `slaflow raci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RaciFormat {
    /// A Markdown table.
    Markdown,
    /// Comma-separated values.
    Csv,
}

/// Arguments of `slaflow raci`.
#[derive(Debug, clap::Args)]
pub struct RaciArgs {
    /// The bundle: a directory with `bundle.yaml`, a directory of YAML files, or one file.
    pub bundle: PathBuf,
    /// The process whose matrix to print.
    #[arg(long)]
    pub process: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RaciFormat::Markdown)]
    pub format: RaciFormat,
}

fn find<'b>(loaded: &'b slaflow::program::Compiled, id: &str) -> Result<&'b Process, u8> {
    let processes = &loaded.bundle.processes;
    processes.get(id).ok_or_else(|| {
        let hint = fuzzy::did_you_mean(id, processes.ids()).unwrap_or_else(|| {
            format!(
                "the bundle defines {}",
                processes
                    .ids()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        fail(format!("unknown process `{id}`; {hint}"))
    })
}

/// Runs `slaflow graph`.
pub fn graph(args: &GraphArgs) -> u8 {
    let loaded = match super::compile(&args.bundle) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let process = match find(&loaded, &args.process) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let text = match args.format {
        GraphFormat::Mermaid => render::mermaid(&args.process, process, &loaded.bundle),
        GraphFormat::Dot => render::dot(&args.process, process, &loaded.bundle),
    };
    write_stdout(&text).unwrap_or(EXIT_OK)
}

/// Runs `slaflow raci`.
pub fn raci(args: &RaciArgs) -> u8 {
    let loaded = match super::compile(&args.bundle) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let process = match find(&loaded, &args.process) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let matrix = slaflow::raci::matrix(process, &loaded.bundle);
    let text = match args.format {
        RaciFormat::Markdown => matrix.markdown(),
        RaciFormat::Csv => matrix.csv(),
    };
    write_stdout(&text).unwrap_or(EXIT_OK)
}
