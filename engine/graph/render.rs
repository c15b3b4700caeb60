//! Pictures of a process: Mermaid flowcharts and Graphviz DOT.
//!
//! Procedures are clusters; decisions are diamonds with outcome labels on their edges; parallel
//! steps are hexagons with their branches and a dashed edge to the join; subprocesses are
//! double-bordered boxes; ends are rounded, bold boxes. Each task shows the role that does it
//! (its R roles, or its A role when it has no R). Output is deterministic.

use std::fmt::Write as _;

use super::{EdgeKind, ProcessGraph};
use crate::model::process::{Process, Step, StepKind};
use crate::model::{Bundle, Spanned};

/// The roles that do a step: its R roles, or its A role when there is no R.
pub fn doers(step: &Step, bundle: &Bundle) -> Vec<String> {
    let responsible: Vec<&Spanned<crate::model::RoleId>> = step
        .raci
        .iter()
        .filter(|(_, l)| l.value.responsible)
        .map(|(r, _)| r)
        .collect();
    let chosen = if responsible.is_empty() {
        step.raci
            .iter()
            .filter(|(_, l)| l.value.accountable)
            .map(|(r, _)| r)
            .collect()
    } else {
        responsible
    };
    chosen
        .into_iter()
        .map(|role| role_name(bundle, role.value.as_str()))
        .collect()
}

/// A role's display name (its id when it has none).
pub fn role_name(bundle: &Bundle, id: &str) -> String {
    bundle
        .roles
        .get(id)
        .and_then(|r| r.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn label(
    graph: &ProcessGraph,
    process: &Process,
    bundle: &Bundle,
    index: usize,
) -> (String, Option<String>) {
    let Some(gstep) = graph.steps.get(index) else {
        return (String::new(), None);
    };
    let step = graph.model_step(process, index);
    let name = step.and_then(|s| s.name.clone());
    let title = match name {
        Some(name) => format!("{} {}", gstep.id, name),
        None => gstep.id.to_string(),
    };
    let roles = step
        .filter(|s| {
            matches!(
                s.kind(),
                StepKind::Task | StepKind::Subprocess | StepKind::Decision
            )
        })
        .map(|s| doers(s, bundle))
        .filter(|r| !r.is_empty())
        .map(|r| format!("R: {}", r.join(", ")));
    (title, roles)
}

fn edge_label(kind: &EdgeKind) -> Option<&str> {
    match kind {
        EdgeKind::Next => None,
        EdgeKind::Outcome(name) => Some(name),
        EdgeKind::Branch => Some("parallel"),
    }
}

/// The process as a Mermaid flowchart.
pub fn mermaid(process_id: &str, process: &Process, bundle: &Bundle) -> String {
    let graph = ProcessGraph::build(process);
    let esc = |s: &str| s.replace('"', "#quot;");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\ntitle: {}\n---",
        esc(process.name.as_deref().unwrap_or(process_id))
    );
    let _ = writeln!(out, "flowchart TD");
    for (p_index, (p_id, procedure)) in process.procedures.iter().enumerate() {
        let title = match &procedure.name {
            Some(name) => format!("{} {}", p_id.value, name),
            None => p_id.value.to_string(),
        };
        let _ = writeln!(out, "  subgraph p{p_index}[\"{}\"]", esc(&title));
        for (index, gstep) in graph.steps.iter().enumerate() {
            if gstep.procedure_index != p_index {
                continue;
            }
            let (title, roles) = label(&graph, process, bundle, index);
            let text = match roles {
                Some(roles) => format!("{}<br/><i>{}</i>", esc(&title), esc(&roles)),
                None => esc(&title),
            };
            let shape = match gstep.kind {
                StepKind::Task => format!("[\"{text}\"]"),
                StepKind::Decision => format!("{{\"{text}\"}}"),
                StepKind::Parallel => format!("{{{{\"{text}\"}}}}"),
                StepKind::Subprocess => format!("[[\"{text}\"]]"),
                StepKind::End => format!("([\"{text}\"])"),
            };
            let _ = writeln!(out, "    s{index}{shape}");
        }
        let _ = writeln!(out, "  end");
    }
    for (index, _) in graph.steps.iter().enumerate() {
        for (to, edge) in sorted_successors(&graph, index) {
            match edge_label(&edge.kind) {
                Some(text) if edge.kind == EdgeKind::Branch => {
                    let _ = writeln!(out, "  s{index} ==>|{}| s{to}", esc(text));
                }
                Some(text) => {
                    let _ = writeln!(out, "  s{index} -->|{}| s{to}", esc(text));
                }
                None => {
                    let _ = writeln!(out, "  s{index} --> s{to}");
                }
            }
        }
        if let Some(join) = graph.joins.get(&index) {
            let _ = writeln!(out, "  s{index} -.->|join| s{join}");
        }
    }
    out
}

/// The process as a Graphviz DOT digraph.
pub fn dot(process_id: &str, process: &Process, bundle: &Bundle) -> String {
    let graph = ProcessGraph::build(process);
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", esc(process_id));
    let _ = writeln!(
        out,
        "  label=\"{}\";",
        esc(process.name.as_deref().unwrap_or(process_id))
    );
    let _ = writeln!(out, "  labelloc=t;\n  rankdir=TB;\n  compound=true;");
    let _ = writeln!(
        out,
        "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=rounded];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    for (p_index, (p_id, procedure)) in process.procedures.iter().enumerate() {
        let title = match &procedure.name {
            Some(name) => format!("{} {}", p_id.value, name),
            None => p_id.value.to_string(),
        };
        let _ = writeln!(out, "  subgraph cluster_{p_index} {{");
        let _ = writeln!(
            out,
            "    label=\"{}\";\n    style=\"rounded,dashed\";",
            esc(&title)
        );
        for (index, gstep) in graph.steps.iter().enumerate() {
            if gstep.procedure_index != p_index {
                continue;
            }
            let (title, roles) = label(&graph, process, bundle, index);
            let text = match roles {
                Some(roles) => format!("{}\\n{}", esc(&title), esc(&roles)),
                None => esc(&title),
            };
            let attrs = match gstep.kind {
                StepKind::Task => String::new(),
                StepKind::Decision => ", shape=diamond, style=solid".into(),
                StepKind::Parallel => ", shape=hexagon, style=solid".into(),
                StepKind::Subprocess => ", peripheries=2".into(),
                StepKind::End => ", style=\"rounded,bold\"".into(),
            };
            let _ = writeln!(out, "    s{index} [label=\"{text}\"{attrs}];");
        }
        let _ = writeln!(out, "  }}");
    }
    for (index, _) in graph.steps.iter().enumerate() {
        for (to, edge) in sorted_successors(&graph, index) {
            match (&edge.kind, edge_label(&edge.kind)) {
                (EdgeKind::Branch, _) => {
                    let _ = writeln!(out, "  s{index} -> s{to} [style=bold, label=\"parallel\"];");
                }
                (_, Some(text)) => {
                    let _ = writeln!(out, "  s{index} -> s{to} [label=\"{}\"];", esc(text));
                }
                (_, None) => {
                    let _ = writeln!(out, "  s{index} -> s{to};");
                }
            }
        }
        if let Some(join) = graph.joins.get(&index) {
            let _ = writeln!(out, "  s{index} -> s{join} [style=dashed, label=\"join\"];");
        }
    }
    out.push_str("}\n");
    out
}

/// Successors in a stable order: by the order the edges were written.
fn sorted_successors(graph: &ProcessGraph, index: usize) -> Vec<(usize, super::Edge)> {
    let mut edges: Vec<(usize, super::Edge)> = graph
        .successors(index)
        .map(|(to, edge)| (to, edge.clone()))
        .collect();
    edges.sort_by_key(|(_, edge)| edge.span);
    edges
}
