//! rhai scripts (E09xx): every script compiles, with strict variables, against the names its
//! context provides; errors point at the line and column inside the YAML file.

use super::Context;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::model::{Bundle, Script};
use crate::script::{CompileError, ScriptContext};
use crate::source::{SourceMap, Span};

/// Reports every script of the bundle that does not compile (the context compiled them all).
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    let mut failed: Vec<_> = cx
        .scripts
        .values()
        .filter_map(|c| c.result.as_ref().err().map(|e| (c.script, c.context, e)))
        .collect();
    failed.sort_by_key(|(script, _, _)| script.0.span);
    for (script, context, error) in failed {
        d.push(diagnostic(cx.sources, script, context, error));
    }
}

/// Every script in the bundle with the context it runs in.
pub fn all_scripts<'b>(b: &'b Bundle) -> Vec<(&'b Script, ScriptContext)> {
    let mut out = Vec::new();
    let mut record = |s: Option<&'b Script>| {
        if let Some(s) = s {
            out.push((s, ScriptContext::Record));
        }
    };
    for (_, a) in b.agreements.iter() {
        for t in a.value.targets.values() {
            record(t.applies_to.when.as_ref());
            for c in [
                Some(&t.start),
                t.pause.as_ref(),
                t.resume.as_ref(),
                Some(&t.stop),
                t.cancel.as_ref(),
                t.reset.as_ref(),
                t.reopen.as_ref().and_then(|r| r.when.as_ref()),
            ]
            .into_iter()
            .flatten()
            {
                for script in c.value.scripts() {
                    record(Some(script));
                }
            }
        }
    }
    for (_, m) in b.escalations.iter() {
        for topic in m.value.topics.values() {
            for trigger in &topic.triggers {
                record(trigger.value.when.as_ref());
            }
        }
    }
    for (_, r) in b.rules.iter() {
        record(Some(&r.value.when));
    }
    for (_, card) in b.rate_cards.iter() {
        for rule in &card.value.transactions {
            record(rule.value.when.as_ref());
        }
        for rule in &card.value.time_and_materials {
            record(rule.value.when.as_ref());
        }
    }
    let mut decisions = Vec::new();
    for (_, p) in b.processes.iter() {
        let procedure_triggers = p
            .value
            .procedures
            .values()
            .flat_map(|proc| proc.triggers.iter());
        for trigger in p.value.triggers.iter().chain(procedure_triggers) {
            record(trigger.value.when.as_ref());
        }
        for procedure in p.value.procedures.values() {
            for step in procedure.steps.values() {
                for outcome in step.outcomes.values() {
                    if let Some(when) = &outcome.value.when {
                        decisions.push((when, ScriptContext::Decision));
                    }
                }
            }
        }
    }
    out.extend(decisions);
    out
}

fn diagnostic(
    sources: &SourceMap,
    script: &Script,
    context: ScriptContext,
    error: &CompileError,
) -> Diagnostic {
    match error {
        CompileError::UnknownVariable { name, line, column } => {
            let names = context.variables();
            Diagnostic::new(
                Code::UnknownVariable,
                position(sources, script, *line, *column, name.chars().count()),
                format!("unknown variable `{name}` in {}", context.describe()),
            )
            .with_help(match fuzzy::did_you_mean(name, names.iter().copied()) {
                Some(hint) => hint,
                None => format!(
                    "{} can use {}; record fields are read as `record.<field>`",
                    context.describe(),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
        CompileError::Syntax {
            message,
            line,
            column,
        } => Diagnostic::new(
            Code::ScriptSyntax,
            position(sources, script, *line, *column, 1),
            format!("script does not compile: {message}"),
        ),
    }
}

/// Maps a line and column inside a script to the file: block scalars keep their lines (the span
/// starts at the first content line), quoted scalars start one column after the quote.
fn position(
    sources: &SourceMap,
    script: &Script,
    line: usize,
    column: usize,
    width: usize,
) -> Span {
    let span = script.0.span;
    let Some(file) = sources.file(span.file) else {
        return span;
    };
    let start = file.line_col(span.start as usize);
    let quoted = matches!(sources.slice(span).chars().next(), Some('"' | '\''));
    let col = if line <= 1 {
        start.col + column.saturating_sub(1) + usize::from(quoted)
    } else {
        start.col + column.saturating_sub(1)
    };
    match file.offset_of(start.line + line.saturating_sub(1), col) {
        Some(offset) if offset >= span.start as usize && offset <= span.end as usize => Span::new(
            span.file,
            offset,
            (offset + width).min(span.end as usize).max(offset + 1),
        ),
        _ => span,
    }
}
