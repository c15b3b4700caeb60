//! Building process definitions from the model, over the graphs of the compile context.

use std::collections::HashMap;

use super::{ProcessDef, StepDef, TriggerDef};
use crate::graph::ProcessGraph;
use crate::model::process::Process;
use crate::model::{self, Spanned};
use crate::validate::Context;

/// Every process of the bundle, in document order, with the triggers of those that are not
/// templates. `matrices` indexes escalation matrices by id.
pub fn processes(
    cx: &Context<'_>,
    matrices: &HashMap<String, u32>,
) -> (Vec<ProcessDef>, HashMap<String, u32>, Vec<TriggerDef>) {
    let index: HashMap<String, u32> = cx
        .bundle
        .processes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| {
            (
                id.as_str().to_string(),
                u32::try_from(i).unwrap_or(u32::MAX),
            )
        })
        .collect();
    let mut processes = Vec::new();
    let mut triggers = Vec::new();
    for (i, (id, entry)) in cx.bundle.processes.iter().enumerate() {
        let graph = cx
            .graphs
            .get(id.as_str())
            .cloned()
            .unwrap_or_else(|| ProcessGraph::build(&entry.value));
        let def = process(id.as_str(), &entry.value, graph, cx, &index, matrices);
        let number = u32::try_from(i).unwrap_or(u32::MAX);
        triggers.extend(process_triggers(number, &entry.value, &def, cx));
        processes.push(def);
    }
    (processes, index, triggers)
}

fn letters(
    step: &model::process::Step,
    pick: impl Fn(&model::process::Raci) -> bool,
) -> Vec<String> {
    step.raci
        .iter()
        .filter(|(_, l)| pick(&l.value))
        .map(|(r, _)| r.value.to_string())
        .collect()
}

fn process(
    id: &str,
    process: &Process,
    graph: ProcessGraph,
    cx: &Context<'_>,
    processes: &HashMap<String, u32>,
    matrices: &HashMap<String, u32>,
) -> ProcessDef {
    let mut steps = Vec::new();
    for (index, gstep) in graph.steps.iter().enumerate() {
        let Some(step) = graph.model_step(process, index) else {
            continue;
        };
        let responsible = letters(step, |l| l.responsible);
        let accountable = letters(step, |l| l.accountable);
        let doers = if responsible.is_empty() {
            accountable.clone()
        } else {
            responsible
        };
        let accountable: Vec<String> = accountable
            .into_iter()
            .filter(|r| !doers.contains(r))
            .collect();
        let outcomes = step
            .outcomes
            .iter()
            .filter_map(|(name, outcome)| {
                let to = u32::try_from(graph.resolve(outcome.value.to.as_str())?).ok()?;
                let owner = || format!("process {id} step {} outcome {}", gstep.id, name.value);
                let when = cx.script(outcome.value.when.as_ref(), owner);
                Some((name.value.clone(), to, when))
            })
            .collect();
        let resolve = |s: &Spanned<model::StepId>| {
            graph
                .resolve(s.value.as_str())
                .and_then(|i| u32::try_from(i).ok())
        };
        steps.push(StepDef {
            id: gstep.id.to_string().into(),
            kind: gstep.kind,
            doers: cx.roles(doers),
            accountable: cx.roles(accountable),
            consulted: cx.roles(letters(step, |l| l.consulted)),
            informed: cx.roles(letters(step, |l| l.informed)),
            next: step.next.as_ref().and_then(resolve),
            outcomes,
            branches: step.branches.iter().filter_map(resolve).collect(),
            join: step.join.as_ref().and_then(resolve),
            subprocess: step
                .process
                .as_ref()
                .and_then(|p| processes.get(p.value.as_str()).copied()),
            due: step.due.as_ref().map(|d| d.value),
            calendar: cx.calendar(step.calendar.as_ref().or(process.calendar.as_ref())),
            escalation: step
                .escalation
                .as_ref()
                .or(process.escalation.as_ref())
                .and_then(|m| matrices.get(m.value.as_str()).copied()),
        });
    }
    ProcessDef {
        id: id.into(),
        template: process.template,
        start: graph.start.and_then(|s| u32::try_from(s).ok()),
        graph,
        steps,
    }
}

fn process_triggers(
    index: u32,
    process: &Process,
    def: &ProcessDef,
    cx: &Context<'_>,
) -> Vec<TriggerDef> {
    if process.template {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut add = |trigger: &model::process::Trigger, entry: Option<u32>| {
        let Some(entry) = entry else { return };
        let owner = || format!("process {} trigger", def.id);
        let tz = cx
            .calendar(trigger.calendar.as_ref().or(process.calendar.as_ref()))
            .tz();
        out.push(TriggerDef {
            process: index,
            entry,
            event: trigger.event.as_ref().map(|e| e.value.clone()),
            record_type: trigger.record_type.as_ref().map(|r| r.value.clone()),
            schedule: trigger.schedule.as_ref().map(|s| (s.value, tz)),
            when: cx.script(trigger.when.as_ref(), owner),
        });
    };
    for trigger in &process.triggers {
        add(&trigger.value, def.start);
    }
    for (procedure_id, procedure) in process.procedures.iter() {
        let entry = def
            .graph
            .resolve(procedure_id.value.as_str())
            .and_then(|i| u32::try_from(i).ok());
        for trigger in &procedure.triggers {
            add(&trigger.value, entry);
        }
    }
    out
}
