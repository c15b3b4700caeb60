//! The compile stage and its product: a loaded bundle checked by every validation pass and
//! built, from one shared context, into a [`Program`], the immutable, versioned form the engine
//! runs.
//!
//! [`compile`] is the only way to a program: it returns either the program or every diagnostic,
//! so nothing unchecked can run. Calendars, process graphs and scripts are built once, in the
//! [`Context`] that both the validation passes and the builders read; each builder lives next to
//! the type it builds (targets in [`crate::sla`], matrices in [`crate::escalation`], process
//! definitions in [`crate::process`], record rules here). A program is identified by the hash of
//! its files and keeps their text ([`Origin`]), so a journal can store a version and compile it
//! again on resume.

mod origin;
mod rule;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use origin::{Origin, OriginError};
pub use rule::RuleDef;

use crate::base::{FastMap, SharedNames};
use crate::calendar::Calendars;
use crate::diagnostic::Diagnostics;
use crate::escalation::Matrix;
use crate::load::{LoadError, Loaded, Loader};
use crate::model::Bundle;
use crate::process::{ProcessDef, TriggerDef};
use crate::sla::{Group, Target};
use crate::source::SourceMap;
use crate::validate::Context;

/// A bundle compiled for the engine: one immutable version, shared behind `Arc` by every clock,
/// instance and escalation that started under it.
#[derive(Debug)]
pub struct Program {
    /// SHA-256 of the bundle's files (paths and contents), hex: the version's identity.
    pub hash: String,
    /// The files it was compiled from.
    pub origin: Origin,
    /// The rhai sandbox its scripts run in.
    pub script: rhai::Engine,
    /// Calendars.
    pub calendars: Calendars,
    /// Targets with a clock, in document order.
    pub targets: Vec<Target>,
    /// Groups of alternative targets per record type.
    pub groups: FastMap<String, Vec<Group>>,
    /// Escalation matrices.
    pub matrices: Vec<Matrix>,
    /// Matrix index by id.
    pub matrix_index: HashMap<String, u32>,
    /// Processes.
    pub processes: Vec<ProcessDef>,
    /// Process index by id.
    pub process_index: HashMap<String, u32>,
    /// What starts instances.
    pub triggers: Vec<TriggerDef>,
    /// Record rules.
    pub rules: Vec<RuleDef>,
    /// The record field names conditions read, shared with the records of every engine that
    /// runs this program.
    pub names: SharedNames,
    /// The fields whose last change record conditions read through `since`.
    pub since: crate::script::Since,
    /// Reports, in document order: their obligations and due times.
    pub reports: Vec<crate::governance::ReportDef>,
    /// Report index by id.
    pub report_index: HashMap<String, u32>,
    /// Forums, in document order: their meetings and notices.
    pub forums: Vec<crate::governance::ForumDef>,
    /// Availability targets, in document order.
    pub availability: Vec<crate::availability::AvailabilityDef>,
    /// The KPIs with a `measure`, in document order.
    pub kpis: Vec<Arc<crate::kpi::KpiDef>>,
    /// Whether a KPI counts record events (else they need not be shown to KPIs).
    pub kpi_events: bool,
    /// The targets whose penalties are assessed at the end of each period.
    pub penalties: Vec<Arc<crate::penalty::PenaltyDef>>,
}

/// A compiled bundle, with the model it came from and the warnings it has.
#[derive(Debug)]
pub struct Compiled {
    /// The program.
    pub program: Program,
    /// The bundle's model (behaviour tests, pictures).
    pub bundle: Bundle,
    /// The files it was read from, to point diagnostics and comparisons at.
    pub sources: SourceMap,
    /// Warnings (a bundle with errors does not compile).
    pub warnings: Diagnostics,
}

/// Why a bundle could not be compiled.
#[derive(Debug)]
pub enum Failure {
    /// The path could not be read.
    Load(LoadError),
    /// The bundle has errors: every diagnostic, with the files to render them against.
    Invalid(Diagnostics, SourceMap),
}

/// Checks a loaded bundle with every validation pass and, if it has no errors, builds its
/// program. Returns every diagnostic (load problems included), with the files, when there are
/// errors.
pub fn compile(loaded: Loaded, sources: SourceMap) -> Result<Compiled, Failure> {
    let mut diagnostics = loaded.diagnostics;
    let cx = Context::new(&loaded.bundle, &sources, &mut diagnostics);
    crate::validate::run_passes(&cx, &mut diagnostics);
    diagnostics.sort();
    if diagnostics.has_errors() {
        drop(cx);
        return Err(Failure::Invalid(diagnostics, sources));
    }
    let mut files = loaded.files.clone();
    files.extend(loaded.bundle.attachments.values().copied());
    let origin = Origin::of(&sources, &files, &loaded.manifests, loaded.entry.as_deref());
    let program = build(cx, origin);
    Ok(Compiled {
        program,
        bundle: loaded.bundle,
        sources,
        warnings: diagnostics,
    })
}

/// Builds the program from a context whose bundle has no errors.
fn build(cx: Context<'_>, origin: Origin) -> Program {
    let (matrices, matrix_index) = crate::escalation::matrices(&cx);
    let (mut targets, groups) = crate::sla::targets(&cx, &matrix_index);
    let (processes, process_index, triggers) = crate::process::processes(&cx, &matrix_index);
    let mut rules = rule::rules(&cx, &matrix_index);
    let reports = crate::governance::reports(&cx, &matrix_index);
    let report_index = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let forums = crate::governance::forums(&cx);
    let availability = crate::availability::targets(&cx, &matrix_index);
    let mut names = SharedNames::default();
    for target in &mut targets {
        target.share_names(&mut names);
    }
    for rule in &mut rules {
        rule.when.share_names(&mut names);
    }
    let mut since = crate::script::Since::default();
    for (script, context) in crate::validate::scripts::all_scripts(cx.bundle) {
        if context == crate::script::ScriptContext::Record {
            since.add(script.text());
        }
    }
    let kpis = crate::kpi::kpis(&cx);
    let kpi_events = kpis.iter().any(|k| k.counts_events());
    let penalties = crate::penalty::penalties(&cx, &process_index)
        .into_iter()
        .map(Arc::new)
        .collect();
    Program {
        penalties,
        kpis,
        kpi_events,
        hash: origin.hash(),
        origin,
        script: cx.sandbox,
        calendars: cx.calendars,
        targets,
        groups,
        matrices,
        matrix_index,
        processes,
        process_index,
        triggers,
        rules,
        names,
        since,
        reports,
        report_index,
        forums,
        availability,
    }
}

impl Program {
    /// Loads the bundle at `path` from disk and compiles it.
    pub fn load(path: &Path) -> Result<Compiled, Failure> {
        Program::load_with(Loader::new(), path)
    }

    /// Loads the bundle at `path` with `loader` (its file system) and compiles it.
    pub fn load_with(mut loader: Loader, path: &Path) -> Result<Compiled, Failure> {
        let loaded = loader.load_path(path).map_err(Failure::Load)?;
        compile(loaded, loader.into_sources())
    }

    /// Compiles one in-memory YAML file as a bundle (for tests, benchmarks and embedding;
    /// holiday files are not read). Returns the findings in the plain format if there are
    /// errors.
    pub fn from_text(name: &str, text: &str) -> Result<Compiled, String> {
        let mut loader = Loader::new();
        let loaded = loader.load_text(name, text);
        compile(loaded, loader.into_sources()).map_err(|failure| match failure {
            Failure::Invalid(diagnostics, sources) => {
                crate::diagnostic::render::plain(&diagnostics, &sources)
            }
            Failure::Load(error) => error.to_string(),
        })
    }

    /// The availability target `target` of agreement `agreement`, for reports: with the
    /// engine's outages (`State::outages` of the runtime) it gives
    /// [`crate::availability::per_period`].
    pub fn availability_target(
        &self,
        agreement: &str,
        target: &str,
    ) -> Option<&crate::availability::AvailabilityDef> {
        self.availability
            .iter()
            .find(|a| &*a.agreement == agreement && &*a.id == target)
    }

    /// A topic by matrix and optional topic id (the first topic when none is given).
    pub fn find_topic(&self, matrix: &str, topic: Option<&str>) -> Option<(u32, u32)> {
        let m = *self.matrix_index.get(matrix)?;
        let found = self.matrices.get(m as usize)?;
        let t = match topic {
            Some(id) => found.topics.iter().position(|t| &*t.id == id)?,
            None => 0,
        };
        (t < found.topics.len()).then(|| (m, u32::try_from(t).unwrap_or(0)))
    }
}

/// Shares one program between the engine's versions.
pub type Shared = Arc<Program>;
