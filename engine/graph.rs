//! Process graphs: the steps of a process as a petgraph graph, with go-to targets resolved.
//!
//! A target names a step (`2.4`) or a procedure (`2.0`, meaning its first step). Building a
//! graph never fails: references that resolve to nothing are kept as [`Dangling`] for the
//! validator to report. The same graph serves validation (reachability, exits, joins), the
//! pictures of `slaflow graph`, and the runtime's instances.

pub mod render;

use std::collections::HashMap;

use petgraph::algo::{has_path_connecting, tarjan_scc};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef};

use crate::model::process::{Process, Step, StepKind};
use crate::model::{Spanned, StepId};
use crate::source::Span;

/// Why an edge exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeKind {
    /// A task's or subprocess's `next`.
    Next,
    /// A decision outcome, by name.
    Outcome(String),
    /// A parallel step's branch.
    Branch,
}

/// An edge: its kind and the span of the reference that made it.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Why the edge exists.
    pub kind: EdgeKind,
    /// Where the target is written.
    pub span: Span,
}

/// A step of the graph: ids and where the model step is.
#[derive(Debug, Clone)]
pub struct GraphStep {
    /// The step id.
    pub id: StepId,
    /// Where the step id is written.
    pub span: Span,
    /// The id of the procedure the step belongs to.
    pub procedure: StepId,
    /// Index of the procedure in the process, in document order.
    pub procedure_index: usize,
    /// Index of the step within its procedure.
    pub step_index: usize,
    /// The step's kind.
    pub kind: StepKind,
}

/// A reference that names no step or procedure.
#[derive(Debug, Clone)]
pub struct Dangling {
    /// The name that was written.
    pub target: String,
    /// Where.
    pub span: Span,
    /// Which field holds it, as shown in messages: `` `next` ``, `` outcome `yes` `` ...
    pub field: String,
}

/// A process as a graph of steps.
#[derive(Debug, Clone)]
pub struct ProcessGraph {
    /// Steps in document order; node `i` of `graph` is step `i`.
    pub steps: Vec<GraphStep>,
    /// Successor edges.
    pub graph: DiGraph<usize, Edge>,
    /// The step an instance starts at.
    pub start: Option<usize>,
    /// Every step an instance can start at: `start` and the first step of each procedure that
    /// has triggers.
    pub entries: Vec<usize>,
    /// The join step of each parallel step, by parallel step index.
    pub joins: HashMap<usize, usize>,
    /// References that resolve to nothing.
    pub dangling: Vec<Dangling>,
    /// Step ids written twice: (id, first span, second span).
    pub duplicates: Vec<(StepId, Span, Span)>,
    by_id: HashMap<String, usize>,
    procedure_first: HashMap<String, Option<usize>>,
}

impl ProcessGraph {
    /// Builds the graph of a process.
    pub fn build(process: &Process) -> ProcessGraph {
        let mut steps = Vec::new();
        let mut by_id = HashMap::new();
        let mut duplicates = Vec::new();
        let mut procedure_first = HashMap::new();
        for (procedure_index, (procedure_id, procedure)) in process.procedures.iter().enumerate() {
            let first = steps.len();
            procedure_first.insert(
                procedure_id.value.as_str().to_string(),
                (!procedure.steps.is_empty()).then_some(first),
            );
            for (step_index, (step_id, step)) in procedure.steps.iter().enumerate() {
                match by_id.get(step_id.value.as_str()) {
                    Some(first) => {
                        let first_span = steps
                            .get(*first)
                            .map_or(step_id.span, |s: &GraphStep| s.span);
                        duplicates.push((step_id.value.clone(), first_span, step_id.span));
                    }
                    None => {
                        by_id.insert(step_id.value.as_str().to_string(), steps.len());
                    }
                }
                steps.push(GraphStep {
                    id: step_id.value.clone(),
                    span: step_id.span,
                    procedure: procedure_id.value.clone(),
                    procedure_index,
                    step_index,
                    kind: step.kind(),
                });
            }
        }
        let mut graph = DiGraph::with_capacity(steps.len(), steps.len() * 2);
        for i in 0..steps.len() {
            graph.add_node(i);
        }
        let mut built = ProcessGraph {
            steps,
            graph,
            start: None,
            entries: Vec::new(),
            joins: HashMap::new(),
            dangling: Vec::new(),
            duplicates,
            by_id,
            procedure_first,
        };
        built.add_edges(process);
        built.find_entries(process);
        built
    }

    /// The index of the step a target names: a step id, or a procedure id (its first step).
    pub fn resolve(&self, target: &str) -> Option<usize> {
        self.by_id
            .get(target)
            .copied()
            .or_else(|| self.procedure_first.get(target).copied().flatten())
    }

    /// Every step and procedure id, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_id
            .keys()
            .chain(self.procedure_first.keys())
            .map(String::as_str)
    }

    /// The model step behind a graph step.
    pub fn model_step<'p>(&self, process: &'p Process, index: usize) -> Option<&'p Step> {
        let step = self.steps.get(index)?;
        let (_, procedure) = process.procedures.iter().nth(step.procedure_index)?;
        procedure
            .steps
            .iter()
            .nth(step.step_index)
            .map(|(_, step)| step)
    }

    /// The index of a step by its own id (not a procedure id).
    pub fn index_of(&self, step: &str) -> Option<usize> {
        self.by_id.get(step).copied()
    }

    fn link(
        &mut self,
        from: usize,
        target: &Spanned<StepId>,
        kind: EdgeKind,
        field: &str,
    ) -> Option<usize> {
        match self.resolve(target.value.as_str()) {
            Some(to) => {
                self.graph.add_edge(
                    NodeIndex::new(from),
                    NodeIndex::new(to),
                    Edge {
                        kind,
                        span: target.span,
                    },
                );
                Some(to)
            }
            None => {
                self.dangling.push(Dangling {
                    target: target.value.to_string(),
                    span: target.span,
                    field: field.to_string(),
                });
                None
            }
        }
    }

    fn add_edges(&mut self, process: &Process) {
        let mut index = 0;
        for (_, procedure) in process.procedures.iter() {
            for (_, step) in procedure.steps.iter() {
                if let Some(next) = &step.next {
                    self.link(index, next, EdgeKind::Next, "`next`");
                }
                for (name, outcome) in step.outcomes.iter() {
                    let target = Spanned::new(outcome.value.to.clone(), outcome.span);
                    self.link(
                        index,
                        &target,
                        EdgeKind::Outcome(name.value.clone()),
                        &name.value,
                    );
                }
                for branch in &step.branches {
                    self.link(index, branch, EdgeKind::Branch, "`branches`");
                }
                if let Some(join) = &step.join {
                    match self.resolve(join.value.as_str()) {
                        Some(to) => {
                            self.joins.insert(index, to);
                        }
                        None => self.dangling.push(Dangling {
                            target: join.value.to_string(),
                            span: join.span,
                            field: "`join`".into(),
                        }),
                    }
                }
                index += 1;
            }
        }
    }

    fn find_entries(&mut self, process: &Process) {
        self.start = match &process.start {
            Some(start) => {
                let found = self.resolve(start.value.as_str());
                if found.is_none() {
                    self.dangling.push(Dangling {
                        target: start.value.to_string(),
                        span: start.span,
                        field: "`start`".into(),
                    });
                }
                found
            }
            None => (!self.steps.is_empty()).then_some(0),
        };
        self.entries.extend(self.start);
        for (procedure_id, procedure) in process.procedures.iter() {
            if procedure.triggers.is_empty() {
                continue;
            }
            if let Some(first) = self.resolve(procedure_id.value.as_str())
                && !self.entries.contains(&first)
            {
                self.entries.push(first);
            }
        }
    }

    /// Successors of a step with the edges that lead there.
    pub fn successors(&self, index: usize) -> impl Iterator<Item = (usize, &Edge)> {
        self.graph
            .edges(NodeIndex::new(index))
            .map(|e| (e.target().index(), e.weight()))
    }

    /// Steps reachable from any entry.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.steps.len()];
        for entry in &self.entries {
            let mut dfs = Dfs::new(&self.graph, NodeIndex::new(*entry));
            while let Some(node) = dfs.next(&self.graph) {
                if let Some(slot) = seen.get_mut(node.index()) {
                    *slot = true;
                }
            }
        }
        seen
    }

    /// Whether a path leads from one step to another.
    pub fn has_path(&self, from: usize, to: usize) -> bool {
        has_path_connecting(&self.graph, NodeIndex::new(from), NodeIndex::new(to), None)
    }

    /// Groups of steps that loop among themselves and that no step leaves, with no end step
    /// among them: an instance that enters one never finishes. Each group is in document order.
    pub fn closed_cycles(&self) -> Vec<Vec<usize>> {
        let mut cycles = Vec::new();
        for component in tarjan_scc(&self.graph) {
            let members: Vec<usize> = component.iter().map(|n| n.index()).collect();
            let is_cycle = members.len() > 1
                || members
                    .first()
                    .is_some_and(|m| self.successors(*m).any(|(to, _)| to == *m));
            if !is_cycle {
                continue;
            }
            let has_end = members
                .iter()
                .any(|m| self.steps.get(*m).is_some_and(|s| s.kind == StepKind::End));
            let leaves = members.iter().any(|m| {
                self.successors(*m).any(|(to, _)| !members.contains(&to))
                    || self
                        .joins
                        .get(m)
                        .is_some_and(|join| !members.contains(join))
            });
            if !has_end && !leaves {
                let mut sorted = members;
                sorted.sort_unstable();
                cycles.push(sorted);
            }
        }
        cycles.sort();
        cycles
    }

    /// Whether any end step is reachable from `from`.
    pub fn reaches_end(&self, from: usize) -> bool {
        let mut dfs = Dfs::new(&self.graph, NodeIndex::new(from));
        while let Some(node) = dfs.next(&self.graph) {
            if self
                .steps
                .get(node.index())
                .is_some_and(|s| s.kind == StepKind::End)
            {
                return true;
            }
        }
        false
    }
}
