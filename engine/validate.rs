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
pub(crate) mod scripts;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::calendar::{BusinessCalendar, Calendars};
use crate::condition::{Assignment, CompiledScript, Condition, Memo};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::graph::ProcessGraph;
use crate::model::{self, Bundle, Script, Section, Spanned};
use crate::script::{self, CompileError, ScriptContext};
use crate::source::{SourceMap, Span};

/// What passes and builders share: the bundle, its sources, and what is derived from it once
/// (process graphs, calendars, every script compiled), so the compile stage builds each of
/// them a single time.
pub struct Context<'a> {
    /// The loaded bundle.
    pub bundle: &'a Bundle,
    /// Its files, for passes that look at source text (script positions).
    pub sources: &'a SourceMap,
    /// The graph of each process that loaded.
    pub graphs: HashMap<&'a str, ProcessGraph>,
    /// The calendars that compiled (problems are reported while compiling).
    pub calendars: Calendars,
    /// The rhai sandbox every script of the bundle is compiled for and runs in.
    pub sandbox: rhai::Engine,
    /// Every script of the bundle, compiled once, by its position.
    pub scripts: HashMap<Span, Compiled<'a>>,
}

/// One script of the bundle, compiled for the context it runs in.
pub struct Compiled<'a> {
    /// The script as written.
    pub script: &'a Script,
    /// Where it runs, which decides the variables it can use.
    pub context: ScriptContext,
    /// The compiled script, or why it does not compile.
    pub result: Result<Arc<rhai::AST>, CompileError>,
}

impl<'a> Context<'a> {
    /// Prepares what the passes and builders share.
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
        let sandbox = script::sandbox();
        let scripts = scripts::all_scripts(bundle)
            .into_iter()
            .map(|(script, context)| {
                let result = script::compile(&sandbox, context, script.text()).map(Arc::new);
                (
                    script.0.span,
                    Compiled {
                        script,
                        context,
                        result,
                    },
                )
            })
            .collect();
        Context {
            bundle,
            sources,
            graphs,
            calendars,
            sandbox,
            scripts,
        }
    }

    /// A script compiled for the engine, named for its runtime errors by its `owner` (e.g.
    /// `rule licence-overuse`) and its position; `None` without a script or if it does not
    /// compile (which the scripts pass reports).
    pub fn script(
        &self,
        script: Option<&Script>,
        owner: impl FnOnce() -> String,
    ) -> Option<CompiledScript> {
        let script = script?;
        let compiled = self.scripts.get(&script.0.span)?;
        let ast = compiled.result.as_ref().ok()?;
        let start = self.sources.start(script.0.span);
        let origin = format!(
            "{}:{}:{}",
            self.sources.name(script.0.span),
            start.line,
            start.col
        );
        Some(CompiledScript {
            ast: Arc::clone(ast),
            origin: origin.into(),
            owner: owner().into(),
            memo: match compiled.context {
                ScriptContext::Record => Memo::for_text(script.text()).map(Arc::new),
                ScriptContext::Decision => None,
            },
        })
    }

    /// A record condition compiled for the engine; `assignment` tells where `assigned` looks.
    pub fn condition(
        &self,
        model: Option<&Spanned<model::Condition>>,
        assignment: &Option<Assignment>,
        owner: impl Fn() -> String,
    ) -> Option<Condition> {
        let model = model?;
        let mut compile = |script: &Script| self.script(Some(script), &owner);
        Some(Condition::new(
            &model.value,
            assignment.clone(),
            &mut compile,
        ))
    }

    /// Roles with their members (sorted, without repeats; a role without members, or unknown,
    /// adds none).
    pub fn roles(&self, names: Vec<String>) -> crate::base::Roles {
        let roles: Vec<&model::Role> = names
            .iter()
            .filter_map(|name| self.bundle.roles.get(name.as_str()))
            .collect();
        let members = roles.iter().flat_map(|role| role.members.iter().cloned());
        let fixed = roles
            .iter()
            .filter(|role| role.members_by.is_none())
            .flat_map(|role| role.members.iter().cloned());
        let by_field: Vec<crate::base::ByField> = roles
            .iter()
            .filter_map(|role| {
                role.members_by.as_ref().map(|by| crate::base::ByField {
                    field: by.field.clone(),
                    members: by.members.clone(),
                    otherwise: role.members.clone(),
                })
            })
            .collect();
        crate::base::Roles::new(names, members.collect(), fixed.collect(), by_field)
    }

    /// The calendar with this id (or `24x7` without one); `24x7` too for an id that did not
    /// compile, which validation reports.
    pub fn calendar(&self, id: Option<&Spanned<model::CalendarId>>) -> Arc<BusinessCalendar> {
        self.calendars
            .get_or_always(id.map(|c| c.value.as_str()))
            .cloned()
            .unwrap_or_else(|| Arc::new(BusinessCalendar::always_open()))
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
    run_passes(&cx, diagnostics);
}

/// Runs every pass with a prepared context (the compile stage keeps the context to build with).
pub fn run_passes(cx: &Context<'_>, diagnostics: &mut Diagnostics) {
    references::check(cx, diagnostics);
    processes::check(cx, diagnostics);
    agreements::check(cx, diagnostics);
    escalations::check(cx, diagnostics);
    governance::check(cx, diagnostics);
    scripts::check(cx, diagnostics);
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
