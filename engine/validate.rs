//! Validation: passes over a loaded bundle that collect diagnostics.
//!
//! Each pass is `fn check(&Context, &mut Diagnostics)` and every pass runs, so one run shows every
//! problem. Passes read the model and never change it; they report through the codes of
//! [`crate::diagnostic::Code`], a block of a hundred per pass.

mod agreements;
mod escalations;
mod governance;
mod processes;
mod references;
mod scripts;

use std::borrow::Borrow;
use std::collections::HashMap;

use crate::calendar::Calendars;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::graph::ProcessGraph;
use crate::model::{Bundle, Section, Spanned};
use crate::source::SourceMap;

/// What passes can see: the bundle, its sources, and what earlier work derived from it.
pub struct Context<'a> {
    /// The loaded bundle.
    pub bundle: &'a Bundle,
    /// Its files, for passes that look at source text (script positions).
    pub sources: &'a SourceMap,
    /// The graph of each process that loaded.
    pub graphs: HashMap<&'a str, ProcessGraph>,
    /// The calendars that compiled (problems are reported while compiling).
    pub calendars: Calendars,
}

impl<'a> Context<'a> {
    /// Prepares what the passes share.
    pub fn new(
        bundle: &'a Bundle,
        sources: &'a SourceMap,
        diagnostics: &mut Diagnostics,
    ) -> Context<'a> {
        let graphs = bundle
            .processes
            .iter()
            .map(|(id, entry)| (id.as_str(), ProcessGraph::build(&entry.value)))
            .collect();
        let calendars = Calendars::compile(bundle, sources, diagnostics);
        Context {
            bundle,
            sources,
            graphs,
            calendars,
        }
    }

    /// Reports `id` if `section` does not define it, with a "did you mean".
    pub fn known<K, V, I>(
        &self,
        section: &Section<K, V>,
        code: Code,
        what: &str,
        id: &Spanned<I>,
        diagnostics: &mut Diagnostics,
    ) -> bool
    where
        K: std::hash::Hash + Eq + Borrow<str>,
        I: Borrow<str>,
    {
        let name: &str = id.value.borrow();
        if section.defines(name) {
            return true;
        }
        diagnostics.push(unknown(code, what, name, id.span, section.ids()));
        false
    }
}

/// An "unknown id" diagnostic with a "did you mean" among `candidates`.
pub fn unknown<'c>(
    code: Code,
    what: &str,
    name: &str,
    span: crate::source::Span,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    Diagnostic::new(code, span, format!("unknown {what} `{name}`"))
        .with_label("not defined in this bundle")
        .with_help_opt(fuzzy::did_you_mean(name, candidates))
}

/// Runs every pass over a loaded bundle.
pub fn check(bundle: &Bundle, sources: &SourceMap, diagnostics: &mut Diagnostics) {
    let cx = Context::new(bundle, sources, diagnostics);
    references::check(&cx, diagnostics);
    processes::check(&cx, diagnostics);
    agreements::check(&cx, diagnostics);
    escalations::check(&cx, diagnostics);
    governance::check(&cx, diagnostics);
    scripts::check(&cx, diagnostics);
}

/// The outcome of validating paths: every diagnostic and the files they point into.
#[derive(Debug)]
pub struct Report {
    /// Every finding, sorted and without repeats.
    pub diagnostics: Diagnostics,
    /// The files read.
    pub sources: SourceMap,
    /// How many bundles were validated.
    pub bundles: usize,
    /// How many rule files they hold.
    pub files: usize,
}

/// Finds the bundles under `paths`, loads and validates each (files shared by several bundles
/// are read once).
pub fn validate_paths(paths: &[std::path::PathBuf]) -> Result<Report, crate::load::LoadError> {
    let inputs = crate::load::discover(paths)?;
    let mut loader = crate::load::Loader::new();
    let mut diagnostics = Diagnostics::new();
    let mut files = 0;
    for input in &inputs {
        let loaded = loader.load(input)?;
        files += loaded.files.len();
        diagnostics.extend(loaded.diagnostics);
        check(&loaded.bundle, loader.sources(), &mut diagnostics);
    }
    diagnostics.sort();
    Ok(Report {
        diagnostics,
        sources: loader.into_sources(),
        bundles: inputs.len(),
        files,
    })
}
