//! `slaflow reconcile`: the vendor's own SLA results set against slaflow's, record by record,
//! as evidence for a dispute.
//!
//! The exports are imported as `slaflow import` imports them and replayed under the bundle
//! ([`crate::simulate::replay_history`]); the vendor's SLA results are read from the same files
//! (ServiceNow `task_sla` rows, [`servicenow`]; Jira SLA fields on the issues, [`jira`]). Each
//! vendor SLA is matched to slaflow clocks through the map's `sla` section: the n-th cycle of a
//! record's vendor SLA (by start) against the n-th clock of that record's agreement and target
//! (or measure), by start. Each pair is compared on what the vendor says: breached or not, the
//! stage (completed, cancelled, in progress, paused), and, once both have ended, the business
//! time elapsed within a tolerance. Pairs that differ, and cycles on one side only, are listed
//! with the `explain` lines of slaflow's clock. This module computes; [`render`] writes
//! Markdown and JSON.

mod jira;
pub mod render;
mod servicenow;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::import::map::SlaMap;
use crate::import::{ImportError, LoadedMap, Problem, Times, Vendor};
use crate::model::Timestamp;
use crate::program::Program;
use crate::runtime::Engine;
use crate::runtime::status::{ClockStatus, status};

/// Why a reconciliation could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// The exports cannot be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The system has no SLA results to compare.
    #[error(
        "`--from {0}`: Zammad exports hold no SLA results to compare (Zammad writes only escalation instants on tickets); reconcile reads ServiceNow `task_sla` and Jira Service Management SLA fields"
    )]
    Unsupported(Vendor),
    /// The SLA results have problems; each names the file, row and field.
    #[error("{}", Problem::list(.0))]
    Input(Vec<Problem>),
    /// The map's `sla` section does not fit the bundle or the export.
    #[error("{}", .0.join("\nerror: "))]
    Map(Vec<String>),
    /// The replay stopped.
    #[error("the replay stopped: {0}")]
    Replay(String),
}

/// Where an SLA cycle is: the stage the vendor writes, and the one slaflow's state gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Counting (breached or not).
    InProgress,
    /// Paused.
    Paused,
    /// Stopped: met, or stopped after a breach.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl Stage {
    /// The stage as written in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::InProgress => "in_progress",
            Stage::Paused => "paused",
            Stage::Completed => "completed",
            Stage::Cancelled => "cancelled",
        }
    }

    fn ended(self) -> bool {
        matches!(self, Stage::Completed | Stage::Cancelled)
    }

    /// The stage of a slaflow clock state (`status`'s).
    fn of_state(state: &str) -> Stage {
        match state {
            "paused" => Stage::Paused,
            "met" | "stopped" => Stage::Completed,
            "cancelled" => Stage::Cancelled,
            _ => Stage::InProgress,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One cycle of a vendor SLA on a record, as the vendor's export says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorCycle {
    /// The file.
    pub file: String,
    /// Where in the file: `task_sla #3`, `ITSM-101 customfield_10031 completedCycles[0]`.
    pub row: String,
    /// The record id.
    pub record: String,
    /// The vendor's SLA definition, by name.
    pub sla: String,
    /// The vendor's stored id of the definition, when it has one (a ServiceNow `sys_id`).
    #[serde(skip)]
    pub sla_id: Option<String>,
    /// When the cycle started.
    pub start: Option<Timestamp>,
    /// The stage, when the vendor says it.
    pub stage: Option<Stage>,
    /// Whether it breached, when the vendor says it.
    pub breached: Option<bool>,
    /// Business seconds elapsed, when the vendor says it.
    pub elapsed: Option<u64>,
}

/// A slaflow clock's figures, as compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The stage.
    pub stage: Option<Stage>,
    /// Whether it breached.
    pub breached: Option<bool>,
    /// Business seconds elapsed.
    pub elapsed: Option<u64>,
}

/// How a row differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Both sides have the cycle and their figures differ.
    Differs,
    /// The vendor has a cycle slaflow has no clock for.
    VendorOnly,
    /// slaflow has a clock the vendor has no cycle for.
    SlaflowOnly,
}

/// A difference: a pair that differs, or a cycle on one side only.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Which kind.
    pub kind: Kind,
    /// The record.
    pub record: String,
    /// The vendor's SLA (for a slaflow-only clock: the map's name for it).
    pub vendor_sla: String,
    /// The vendor cycle's place: file and row.
    pub vendor_row: Option<String>,
    /// What the vendor says.
    pub vendor: Option<Figures>,
    /// slaflow's clock: `agreement/target`.
    pub clock: Option<String>,
    /// slaflow's clock cycle.
    pub cycle: Option<u32>,
    /// What slaflow says.
    pub slaflow: Option<Figures>,
    /// What differs: `breached`, `stage`, `elapsed`.
    pub fields: Vec<String>,
    /// Why, in a sentence.
    pub why: String,
    /// The `explain` line behind slaflow's figure.
    pub explain: Option<String>,
    /// All of the clock's `explain` lines.
    pub explain_lines: Vec<String>,
}

impl Difference {
    fn new(kind: Kind, record: &str, vendor_sla: &str, why: String) -> Difference {
        Difference {
            kind,
            record: record.to_string(),
            vendor_sla: vendor_sla.to_string(),
            vendor_row: None,
            vendor: None,
            clock: None,
            cycle: None,
            slaflow: None,
            fields: Vec::new(),
            why,
            explain: None,
            explain_lines: Vec::new(),
        }
    }

    /// With the vendor's cycle.
    fn vendor(mut self, cycle: &VendorCycle) -> Difference {
        self.vendor_row = Some(format!("{}: {}", cycle.file, cycle.row));
        self.vendor = Some(Figures {
            stage: cycle.stage,
            breached: cycle.breached,
            elapsed: cycle.elapsed,
        });
        self
    }

    /// With slaflow's clock, its figures and `explain` lines (the first as the key line).
    fn clock(mut self, engine: &Engine, record: &str, clock: &ClockStatus) -> Difference {
        self.clock = Some(format!("{}/{}", clock.agreement, clock.target));
        self.cycle = Some(clock.cycle);
        self.slaflow = Some(figures(clock));
        self.explain_lines =
            crate::explain::lines(engine, record, &clock.agreement, &clock.target, clock.cycle);
        self.explain = self.explain_lines.first().cloned();
        self
    }
}

/// How many rows agree, differ, or are on one side only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Vendor cycles read.
    pub vendor_cycles: usize,
    /// Of those, of an SLA the map says to ignore.
    pub ignored: usize,
    /// Pairs whose figures agree.
    pub agree: usize,
    /// Pairs whose figures differ.
    pub differ: usize,
    /// Vendor cycles with no slaflow clock.
    pub vendor_only: usize,
    /// slaflow clocks (of records the SLA export names) with no vendor cycle.
    pub slaflow_only: usize,
}

/// The result.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    /// The bundle.
    pub bundle: String,
    /// The vendor.
    pub vendor: Vendor,
    /// The instant slaflow's figures are as of.
    pub as_of: Option<Timestamp>,
    /// Business seconds the elapsed figures may differ by.
    pub tolerance_seconds: u64,
    /// The counts.
    pub summary: Summary,
    /// The differences, by record, then vendor SLA and cycle.
    pub differences: Vec<Difference>,
}

impl Reconciliation {
    /// Whether every compared row agrees and no cycle is on one side only.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }
}

/// What [`reconcile`] is given.
pub struct Input<'a> {
    /// The bundle's name in the output (its path).
    pub bundle: String,
    /// Its compiled program.
    pub program: Arc<Program>,
    /// The map, with its `sla` section.
    pub map: &'a LoadedMap,
    /// The exports, each `(name, text)`: records, history and SLA results.
    pub files: &'a [(String, String)],
    /// Run timers to this instant (the export's), else stop at the last event.
    pub until: Option<i64>,
    /// Business seconds the elapsed figures may differ by.
    pub tolerance: u64,
}

/// What [`reconcile`] gives back.
pub struct Reconciled {
    /// The comparison.
    pub reconciliation: Reconciliation,
    /// Event lines the engine rejected (line, reason), for the caller to tell.
    pub rejected: Vec<(u64, String)>,
    /// The engine at the end (to explain other records); a process about to exit may forget it.
    pub engine: Engine,
}

/// Imports the exports, replays them under the bundle, reads the vendor's SLA results from
/// the same files and compares them.
pub fn reconcile(input: &Input<'_>) -> Result<Reconciled, ReconcileError> {
    let map = input.map;
    let vendor = map.map.from.value;
    if vendor == Vendor::Zammad {
        return Err(ReconcileError::Unsupported(vendor));
    }
    check_map(map, &input.program)?;
    let imported = crate::import::import_texts(map, input.files)?;
    let times = Times::new(map);
    let mut problems = Vec::new();
    let cycles = match vendor {
        Vendor::Servicenow => servicenow::read(map, &times, input.files, &mut problems),
        Vendor::Jira => jira::read(map, input.files, &mut problems),
        Vendor::Zammad => Vec::new(),
    };
    if !problems.is_empty() {
        return Err(ReconcileError::Input(problems));
    }
    let resolved = resolve(map, &cycles)?;
    let history = crate::simulate::replay_history(
        Arc::clone(&input.program),
        imported.jsonl().as_bytes(),
        input.until,
    )
    .map_err(ReconcileError::Replay)?;
    let engine = history.engine;
    let reconciliation = compare(input, &engine, &cycles, &resolved);
    Ok(Reconciled {
        reconciliation,
        rejected: history.rejected,
        engine,
    })
}

/// Checks that each mapped agreement, target and measure is in the bundle.
fn check_map(map: &LoadedMap, program: &Program) -> Result<(), ReconcileError> {
    let mut errors = Vec::new();
    let targets = &program.targets;
    for (name, sla) in map.map.sla.iter() {
        let Some(agreement) = &sla.agreement else {
            continue;
        };
        let at = format!("`{}`: vendor SLA `{}`", map.path, name.value);
        let of: Vec<_> = targets
            .iter()
            .filter(|t| &*t.agreement == agreement)
            .collect();
        if of.is_empty() {
            errors.push(format!(
                "{at}: the bundle has no agreement `{agreement}` with a target"
            ));
            continue;
        }
        if let Some(target) = &sla.target
            && !of.iter().any(|t| &*t.id == target)
        {
            errors.push(format!(
                "{at}: agreement `{agreement}` has no target `{target}` (it has {})",
                list(of.iter().map(|t| &*t.id))
            ));
        }
        if let Some(measure) = &sla.measure
            && !of.iter().any(|t| &*t.measure == measure)
        {
            errors.push(format!(
                "{at}: agreement `{agreement}` has no target of measure `{measure}` (its measures: {})",
                list(
                    of.iter()
                        .map(|t| &*t.measure)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                )
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ReconcileError::Map(errors))
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The map entry of each vendor cycle (by name, or by the vendor's stored id); names the map
/// does not list are an error, each once, with its count and first row.
fn resolve<'m>(
    map: &'m LoadedMap,
    cycles: &[VendorCycle],
) -> Result<Vec<(&'m str, &'m SlaMap)>, ReconcileError> {
    let mut found = Vec::with_capacity(cycles.len());
    let mut missing: BTreeMap<&str, (usize, &VendorCycle)> = BTreeMap::new();
    for cycle in cycles {
        let entry = map
            .map
            .sla
            .entry(&cycle.sla)
            .or_else(|| cycle.sla_id.as_deref().and_then(|id| map.map.sla.entry(id)));
        match entry {
            Some((name, sla)) => found.push((name.value.as_str(), sla)),
            None => missing.entry(&cycle.sla).or_insert((0, cycle)).0 += 1,
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let mut text = format!(
        "{} vendor SLA{} not in the `sla` section of `{}`; add {} (`{{agreement: ..., target: ...}}`, or `{{ignore: true}}` to leave {} out):",
        missing.len(),
        if missing.len() == 1 { " is" } else { "s are" },
        map.path,
        if missing.len() == 1 { "it" } else { "each" },
        if missing.len() == 1 { "it" } else { "one" },
    );
    let mut rows: Vec<_> = missing.into_iter().collect();
    rows.sort_by_key(|(_, (_, first))| (first.file.clone(), first.row.clone()));
    for (name, (count, first)) in rows {
        text.push_str(&format!(
            "\n  `{name}`: {count} cycle{}, first `{}` in `{}`",
            if count == 1 { "" } else { "s" },
            first.row,
            first.file
        ));
    }
    Err(ReconcileError::Map(vec![text]))
}

/// Whether a slaflow clock is one a map entry corresponds to.
fn covers(sla: &SlaMap, program: &Program, clock: &ClockStatus) -> bool {
    if sla.agreement.as_deref() != Some(clock.agreement.as_str()) {
        return false;
    }
    match (&sla.target, &sla.measure) {
        (Some(target), _) => *target == clock.target,
        (None, Some(measure)) => program.targets.iter().any(|t| {
            *t.agreement == *clock.agreement && *t.id == *clock.target && &*t.measure == measure
        }),
        (None, None) => false,
    }
}

fn compare(
    input: &Input<'_>,
    engine: &Engine,
    cycles: &[VendorCycle],
    resolved: &[(&str, &SlaMap)],
) -> Reconciliation {
    let program = &input.program;
    let mut summary = Summary {
        vendor_cycles: cycles.len(),
        ..Summary::default()
    };
    // Vendor cycles by record and map entry, in input order; ignored ones counted.
    let mut groups: BTreeMap<(&str, &str), Vec<&VendorCycle>> = BTreeMap::new();
    let mut records: BTreeSet<&str> = BTreeSet::new();
    for (cycle, (name, sla)) in cycles.iter().zip(resolved) {
        records.insert(&cycle.record);
        if sla.ignore {
            summary.ignored += 1;
            continue;
        }
        groups.entry((&cycle.record, name)).or_default().push(cycle);
    }
    let ids: Vec<String> = records
        .iter()
        .filter(|r| engine.record(r).is_some())
        .map(|r| r.to_string())
        .collect();
    let (statuses, _) = status(engine, Some(&ids));
    let clocks_of = |record: &str| -> &[ClockStatus] {
        statuses
            .iter()
            .find(|s| s.record == record)
            .map_or(&[][..], |s| s.clocks.as_slice())
    };
    let mut differences = Vec::new();
    // Clocks matched, by (record, agreement, target, cycle).
    let mut matched: BTreeSet<(String, String, String, u32)> = BTreeSet::new();
    for ((record, name), mut vendor) in groups {
        let Some(sla) = input.map.map.sla.get(name) else {
            continue;
        };
        vendor.sort_by_key(|c| c.start.map_or(i64::MAX, |t| t.0));
        let mut ours: Vec<&ClockStatus> = clocks_of(record)
            .iter()
            .filter(|c| covers(sla, program, c))
            .collect();
        ours.sort_by_key(|c| c.started.0);
        for (n, cycle) in vendor.iter().enumerate() {
            let Some(clock) = ours.get(n) else {
                summary.vendor_only += 1;
                let why = if engine.record(record).is_none() {
                    "the record is not in the exports slaflow replayed".to_string()
                } else if ours.is_empty() {
                    format!("slaflow attached no clock the map's `{name}` corresponds to")
                } else {
                    format!(
                        "slaflow has {} clock{} for it; this is vendor cycle {}",
                        ours.len(),
                        if ours.len() == 1 { "" } else { "s" },
                        n + 1
                    )
                };
                differences
                    .push(Difference::new(Kind::VendorOnly, record, &cycle.sla, why).vendor(cycle));
                continue;
            };
            matched.insert(key(record, clock));
            let ours = figures(clock);
            let (fields, why) = differ(cycle, &ours, input.tolerance);
            if fields.is_empty() {
                summary.agree += 1;
                continue;
            }
            summary.differ += 1;
            let mut difference = Difference::new(Kind::Differs, record, &cycle.sla, why)
                .vendor(cycle)
                .clock(engine, record, clock);
            difference.explain = key_line(&difference.explain_lines, &fields, &ours);
            difference.fields = fields;
            differences.push(difference);
        }
    }
    // slaflow clocks of the records the SLA export names, of a mapped SLA, with no cycle.
    for record in &records {
        for clock in clocks_of(record) {
            if matched.contains(&key(record, clock)) {
                continue;
            }
            let Some((name, _)) = input
                .map
                .map
                .sla
                .iter()
                .find(|(_, sla)| !sla.ignore && covers(sla, program, clock))
            else {
                continue;
            };
            summary.slaflow_only += 1;
            let why = format!("the vendor's export has no `{}` cycle for it", name.value);
            differences.push(
                Difference::new(Kind::SlaflowOnly, record, &name.value, why)
                    .clock(engine, record, clock),
            );
        }
    }
    differences.sort_by(|a, b| {
        (&a.record, &a.vendor_sla, &a.vendor_row, a.cycle).cmp(&(
            &b.record,
            &b.vendor_sla,
            &b.vendor_row,
            b.cycle,
        ))
    });
    Reconciliation {
        bundle: input.bundle.clone(),
        vendor: input.map.map.from.value,
        as_of: engine.state.now.map(Timestamp),
        tolerance_seconds: input.tolerance,
        summary,
        differences,
    }
}

fn key(record: &str, clock: &ClockStatus) -> (String, String, String, u32) {
    (
        record.to_string(),
        clock.agreement.clone(),
        clock.target.clone(),
        clock.cycle,
    )
}

fn figures(clock: &ClockStatus) -> Figures {
    Figures {
        stage: Some(Stage::of_state(clock.state)),
        breached: Some(clock.breached_at.is_some()),
        elapsed: Some(clock.elapsed),
    }
}

/// What differs between a vendor cycle and slaflow's figures, and why in words. The elapsed
/// time is compared once both have ended: an ongoing figure is as of the moment each side
/// last computed it.
fn differ(cycle: &VendorCycle, ours: &Figures, tolerance: u64) -> (Vec<String>, String) {
    let mut fields = Vec::new();
    let mut why = Vec::new();
    let span = crate::explain::span;
    if let (Some(theirs), Some(mine)) = (cycle.breached, ours.breached)
        && theirs != mine
    {
        fields.push("breached".to_string());
        why.push(if theirs {
            "the vendor says breached, slaflow met it".to_string()
        } else {
            "slaflow says breached, the vendor does not".to_string()
        });
    }
    if let (Some(theirs), Some(mine)) = (cycle.stage, ours.stage)
        && theirs != mine
    {
        fields.push("stage".to_string());
        why.push(format!("the vendor says {theirs}, slaflow {mine}"));
    }
    let ended = cycle.stage.is_some_and(Stage::ended) && ours.stage.is_some_and(Stage::ended);
    if ended
        && let (Some(theirs), Some(mine)) = (cycle.elapsed, ours.elapsed)
        && theirs.abs_diff(mine) > tolerance
    {
        fields.push("elapsed".to_string());
        let (more, by) = if theirs > mine {
            ("more", theirs - mine)
        } else {
            ("less", mine - theirs)
        };
        why.push(format!(
            "the vendor counted {} business time, slaflow {} ({} {more})",
            span(theirs),
            span(mine),
            span(by)
        ));
    }
    (fields, why.join("; "))
}

/// The `explain` line behind slaflow's figure: the breach when it breached, else the line
/// that ended the clock (its business time), else the goal line.
fn key_line(lines: &[String], fields: &[String], ours: &Figures) -> Option<String> {
    let timeline = lines.get(1..).unwrap_or_default();
    let pick = |what: &str| {
        timeline
            .iter()
            .find(|l| l.split_whitespace().nth(1) == Some(what))
            .cloned()
    };
    let breach = fields.iter().any(|f| f == "breached") && ours.breached == Some(true);
    if breach && let Some(line) = pick("breached") {
        return Some(line);
    }
    if ours.stage.is_some_and(Stage::ended) {
        return timeline.last().cloned();
    }
    lines.first().cloned()
}
