//! Process graphs (E04xx) and RACI (E05xx): targets that exist, fields that fit each step's kind,
//! every step reachable, a way to an end from every loop, decisions that cover every case,
//! parallel branches that join, and exactly one accountable role per task and decision.

use super::Context;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::graph::ProcessGraph;
use crate::model::Spanned;
use crate::model::process::{Process, Step, StepKind};
use crate::source::Span;

/// Checks every process.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    for (id, entry) in cx.bundle.processes.iter() {
        let Some(graph) = cx.graphs.get(id.as_str()) else {
            continue;
        };
        check_process(id.as_str(), entry.id_span, &entry.value, graph, d);
    }
    subprocess_cycles(cx, d);
}

/// Reports each cycle of subprocess calls (`a` calls `b`, which calls `a`), once, at the call
/// that closes it.
fn subprocess_cycles(cx: &Context<'_>, d: &mut Diagnostics) {
    use petgraph::graphmap::DiGraphMap;
    let mut calls: DiGraphMap<&str, Span, std::hash::RandomState> = DiGraphMap::default();
    for (id, entry) in cx.bundle.processes.iter() {
        calls.add_node(id.as_str());
        for procedure in entry.value.procedures.values() {
            for step in procedure.steps.values() {
                if let Some(called) = &step.process
                    && cx.bundle.processes.defines(called.value.as_str())
                {
                    calls.add_edge(id.as_str(), called.value.as_str(), called.span);
                }
            }
        }
    }
    for component in petgraph::algo::tarjan_scc(&calls) {
        let cyclic =
            component.len() > 1 || component.first().is_some_and(|p| calls.contains_edge(p, p));
        if !cyclic {
            continue;
        }
        let mut members: Vec<&str> = component.clone();
        members.sort_unstable();
        let Some(first) = members.first().copied() else {
            continue;
        };
        // Walk the cycle from its first process (by name) for a readable chain.
        let mut chain = vec![first];
        let mut at = first;
        let mut span = None;
        while let Some((_, next, call)) = calls.edges(at).find(|(_, to, _)| members.contains(to)) {
            span.get_or_insert(*call);
            chain.push(next);
            if next == first || chain.len() > members.len() + 1 {
                break;
            }
            at = next;
        }
        let Some(span) = span else { continue };
        d.push(
            Diagnostic::new(
                Code::SubprocessCycle,
                span,
                format!(
                    "processes call each other in a cycle: {}",
                    chain
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
            )
            .with_label("this call closes the cycle")
            .with_help("an instance would call itself without end; let one of these steps be a task or decision instead of a subprocess call"),
        );
    }
}

fn check_process(
    id: &str,
    id_span: Span,
    process: &Process,
    graph: &ProcessGraph,
    d: &mut Diagnostics,
) {
    if graph.steps.is_empty() {
        d.push(
            Diagnostic::new(
                Code::EmptyProcess,
                id_span,
                format!("process `{id}` has no steps"),
            )
            .with_help(
                "add `procedures` with `steps`, or base it on a library process with `uses`",
            ),
        );
        return;
    }
    for (step, first, again) in &graph.duplicates {
        d.push(
            Diagnostic::new(Code::DuplicateId, *again, format!("step id `{step}` is used twice in process `{id}`"))
                .with_label("defined again here")
                .with_secondary(*first, "first defined here")
                .with_help("step ids are unique across all procedures of a process, since go-tos and `step.completed` events name them"),
        );
    }
    for dangling in &graph.dangling {
        d.push(
            Diagnostic::new(
                Code::UnknownStep,
                dangling.span,
                format!(
                    "{} names unknown step or procedure `{}`",
                    dangling.field, dangling.target
                ),
            )
            .with_label("no step or procedure of this process has this id")
            .with_help_opt(crate::diagnostic::fuzzy::did_you_mean(
                &dangling.target,
                graph.names(),
            )),
        );
    }
    let before = d.len();
    for (index, gstep) in graph.steps.iter().enumerate() {
        if let Some(step) = graph.model_step(process, index) {
            kind_fields(step, gstep.span, gstep.id.as_str(), d);
            raci(step, gstep.span, gstep.id.as_str(), d);
            if step.kind() == StepKind::Parallel {
                parallel(graph, index, step, gstep.span, d);
            }
        }
    }
    // A broken reference or a dead end is the root cause of any flow problem downstream of it;
    // report the flow only once the structure is sound, so one mistake gives one diagnostic.
    let structural = d
        .iter()
        .skip(before)
        .any(|x| matches!(x.code, Code::DeadEnd | Code::StepKindMismatch));
    if graph.dangling.is_empty() && !structural {
        flow(id, id_span, graph, d);
    }
}

/// Fields that a step of this kind does not use, and fields it needs.
fn kind_fields(step: &Step, span: Span, id: &str, d: &mut Diagnostics) {
    let kind = step.kind();
    let kind_span = step.kind.as_ref().map_or(span, |k| k.span);
    let mut misplaced = |present: bool, field: &str| {
        if present {
            d.push(
                Diagnostic::new(
                    Code::StepKindMismatch,
                    kind_span,
                    format!("{} step `{id}` has `{field}`, which {} steps do not use", kind.as_str(), kind.as_str()),
                )
                .with_help(match field {
                    "outcomes" => "outcomes belong to `kind: decision` steps",
                    "branches" | "join" => "branches and a join belong to `kind: parallel` steps",
                    "process" => "a called process belongs to `kind: subprocess` steps",
                    "next" => "decisions go on through `outcomes`, parallel steps through `join`, and end steps do not go on",
                    "raci" => "only tasks, decisions and subprocesses are done by roles",
                    _ => "remove the field or change the step's kind",
                }),
            );
        }
    };
    let has_next = step.next.is_some();
    let has_outcomes = !step.outcomes.is_empty();
    let has_branches = !step.branches.is_empty() || step.join.is_some();
    let has_process = step.process.is_some();
    match kind {
        StepKind::Task => {
            misplaced(has_outcomes, "outcomes");
            misplaced(
                has_branches,
                if step.join.is_some() {
                    "join"
                } else {
                    "branches"
                },
            );
            misplaced(has_process, "process");
        }
        StepKind::Subprocess => {
            misplaced(has_outcomes, "outcomes");
            misplaced(has_branches, "branches");
            if !has_process {
                d.push(Diagnostic::new(
                    Code::StepKindMismatch,
                    kind_span,
                    format!("subprocess step `{id}` does not name the `process` it runs"),
                ));
            }
        }
        StepKind::Decision => {
            misplaced(has_next, "next");
            misplaced(has_branches, "branches");
            misplaced(has_process, "process");
        }
        StepKind::Parallel => {
            misplaced(has_next, "next");
            misplaced(has_outcomes, "outcomes");
            misplaced(has_process, "process");
            misplaced(!step.raci.is_empty(), "raci");
        }
        StepKind::End => {
            misplaced(has_next, "next");
            misplaced(has_outcomes, "outcomes");
            misplaced(has_branches, "branches");
            misplaced(has_process, "process");
            misplaced(!step.raci.is_empty(), "raci");
        }
    }
    if matches!(kind, StepKind::Task | StepKind::Subprocess) && !has_next {
        d.push(
            Diagnostic::new(
                Code::DeadEnd,
                span,
                format!("step `{id}` leads nowhere: it has no `next` and is not an end"),
            )
            .with_help("add `next: <step or procedure>`, or make it `kind: end`"),
        );
    }
    if kind == StepKind::Decision {
        decision(step, span, id, d);
    }
}

fn decision(step: &Step, span: Span, id: &str, d: &mut Diagnostics) {
    let outcomes: Vec<_> = step.outcomes.iter().collect();
    if outcomes.len() < 2 {
        d.push(
            Diagnostic::new(
                Code::DecisionOutcomes,
                span,
                format!(
                    "decision `{id}` has {} outcome{}; a decision needs at least two",
                    outcomes.len(),
                    if outcomes.len() == 1 { "" } else { "s" }
                ),
            )
            .with_help("list them under `outcomes`, e.g. `outcomes: {yes: \"1.3\", no: \"2.0\"}`"),
        );
        return;
    }
    let conditional = outcomes
        .iter()
        .filter(|(_, o)| o.value.when.is_some())
        .count();
    let unconditional: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| o.value.when.is_none())
        .collect();
    if conditional > 0 && unconditional.is_empty() {
        d.push(
            Diagnostic::new(
                Code::DecisionOutcomes,
                span,
                format!("decision `{id}` has a condition on every outcome, so no outcome covers the case where none holds"),
            )
            .with_help("leave one outcome without `when`; it is taken when no condition holds"),
        );
    } else if conditional > 0 && unconditional.len() > 1 {
        let second = unconditional.get(1).map_or(span, |(name, _)| name.span);
        d.push(
            Diagnostic::new(
                Code::DecisionOutcomes,
                second,
                format!("decision `{id}` mixes conditions with several outcomes without one, so the choice is ambiguous"),
            )
            .with_help("give every outcome but one a `when`"),
        );
    }
}

fn raci(step: &Step, span: Span, id: &str, d: &mut Diagnostics) {
    if !matches!(
        step.kind(),
        StepKind::Task | StepKind::Decision | StepKind::Subprocess
    ) {
        return;
    }
    let accountable: Vec<&Spanned<_>> = step
        .raci
        .iter()
        .filter(|(_, letters)| letters.value.accountable)
        .map(|(role, _)| role)
        .collect();
    match accountable.as_slice() {
        [] => d.push(
            Diagnostic::new(
                Code::NoAccountable,
                span,
                format!("step `{id}` has no accountable role"),
            )
            .with_help(
                "give exactly one role the letter A in `raci`, e.g. `service-level-manager: A, R`",
            ),
        ),
        [_] => {}
        [first, rest @ ..] => {
            for other in rest {
                d.push(
                    Diagnostic::new(
                        Code::SeveralAccountable,
                        other.span,
                        format!(
                            "step `{id}` has more than one accountable role: `{}` and `{}`",
                            first.value, other.value
                        ),
                    )
                    .with_secondary(first.span, "first accountable role")
                    .with_help(
                        "only one role can be accountable for a step; make the others R or C",
                    ),
                );
            }
        }
    }
}

fn parallel(graph: &ProcessGraph, index: usize, step: &Step, span: Span, d: &mut Diagnostics) {
    let id = graph.steps.get(index).map_or("", |s| s.id.as_str());
    if step.branches.is_empty() {
        d.push(
            Diagnostic::new(
                Code::ParallelWithoutJoin,
                span,
                format!("parallel step `{id}` has no branches"),
            )
            .with_help("list the steps that run together under `branches`"),
        );
    }
    let Some(join) = &step.join else {
        d.push(
            Diagnostic::new(
                Code::ParallelWithoutJoin,
                span,
                format!("parallel step `{id}` has no `join`"),
            )
            .with_help(
                "name the step that runs once every branch has reached it, e.g. `join: \"3.4\"`",
            ),
        );
        return;
    };
    let Some(join_index) = graph.joins.get(&index).copied() else {
        return; // reported as an unknown step
    };
    for branch in &step.branches {
        let Some(branch_index) = graph.resolve(branch.value.as_str()) else {
            continue;
        };
        if !graph.has_path(branch_index, join_index) {
            d.push(
                Diagnostic::new(
                    Code::BranchMissesJoin,
                    branch.span,
                    format!(
                        "branch `{}` of parallel step `{id}` never reaches its join `{}`",
                        branch.value, join.value
                    ),
                )
                .with_secondary(join.span, "join named here")
                .with_help("every branch must lead to the join, or the join waits forever"),
            );
        }
    }
}

/// Reachability, ends and loops.
fn flow(id: &str, id_span: Span, graph: &ProcessGraph, d: &mut Diagnostics) {
    let reachable = graph.reachable();
    for (index, step) in graph.steps.iter().enumerate() {
        if !reachable.get(index).copied().unwrap_or(true) {
            d.push(
                Diagnostic::new(
                    Code::UnreachableStep,
                    step.span,
                    format!("step `{}` of process `{id}` is never reached", step.id),
                )
                .with_help(
                    "no `next`, outcome or branch leads here, and its procedure has no trigger",
                ),
            );
        }
    }
    let Some(start) = graph.start else {
        return;
    };
    if !graph.reaches_end(start) {
        d.push(
            Diagnostic::new(
                Code::NoEnd,
                id_span,
                format!("process `{id}` never ends: no end step can be reached from its start"),
            )
            .with_help("add a step with `kind: end` and a way to reach it"),
        );
        return;
    }
    for cycle in graph.closed_cycles() {
        if !cycle
            .iter()
            .any(|i| reachable.get(*i).copied().unwrap_or(false))
        {
            continue;
        }
        let names: Vec<&str> = cycle
            .iter()
            .filter_map(|i| graph.steps.get(*i).map(|s| s.id.as_str()))
            .collect();
        let Some(first) = cycle.first().and_then(|i| graph.steps.get(*i)) else {
            continue;
        };
        d.push(
            Diagnostic::new(
                Code::CycleWithoutExit,
                first.span,
                format!(
                    "steps {} loop with no exit",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help("give one of them an outcome or `next` that leaves the loop towards an end"),
        );
    }
}
