//! `slaflow explain`: a record's SLA clocks as a timeline a customer can follow: when each
//! started, paused, resumed, reached milestones, breached or was met, with business and wall
//! time at each point and the condition behind each change.

use std::fmt::Write as _;

use serde::Serialize;

use crate::base::printable;
use crate::model::Timestamp;
use crate::runtime::Engine;
use crate::sla::{State, What};

/// The clocks of one record.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The record id.
    pub record: String,
    /// Its type.
    pub record_type: String,
    /// The bundle version (hash) the engine ran at the end; each clock names its own.
    pub bundle: String,
    /// Its clocks, in the order they started.
    pub clocks: Vec<ClockReport>,
}

/// One clock.
#[derive(Debug, Clone, Serialize)]
pub struct ClockReport {
    /// Agreement id.
    pub agreement: String,
    /// Target id.
    pub target: String,
    /// Measure.
    pub measure: String,
    /// Cycle number.
    pub cycle: u32,
    /// The version (hash) of the bundle the clock started under.
    pub bundle: String,
    /// `running`, `paused`, `met`, `breached` (still running), `stopped` (after a breach) or `cancelled`.
    pub state: String,
    /// When it started.
    pub start: Timestamp,
    /// The goal in business seconds.
    pub goal_seconds: u64,
    /// The goal as written.
    pub goal: String,
    /// The calendar business time is counted in.
    pub calendar: String,
    /// The due time, if known.
    pub due: Option<Timestamp>,
    /// Each change.
    pub timeline: Vec<Line>,
    /// Pause intervals with their business length.
    pub pauses: Vec<Pause>,
}

/// One timeline line.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// When.
    pub at: Timestamp,
    /// What happened.
    pub what: String,
    /// Business seconds elapsed.
    pub business: u64,
    /// Wall seconds since the start.
    pub wall: u64,
    /// Why.
    pub because: String,
}

/// A pause.
#[derive(Debug, Clone, Serialize)]
pub struct Pause {
    /// From.
    pub from: Timestamp,
    /// To (the end of the run for an open pause).
    pub to: Timestamp,
    /// Business seconds inside it, in the goal's calendar.
    pub business: u64,
}

/// Builds the report of a record's clocks, if the engine has seen the record.
pub fn explain(engine: &Engine, record: &str) -> Option<Report> {
    let r = engine.record(record)?;
    let now = engine.state.now.unwrap_or(0);
    let clocks = r
        .clocks
        .indices()
        .filter_map(|index| {
            let clock = engine.state.clocks.get(index)?;
            let program = engine.version(clock.version)?;
            let target = program.targets.get(clock.target as usize)?;
            let state = match clock.state {
                State::Running if clock.breached => "breached",
                State::Running => "running",
                State::Paused => "paused",
                State::Met => "met",
                State::Stopped => "stopped",
                State::Cancelled => "cancelled",
            };
            let target_name = |version: u16, index: u32| {
                engine
                    .version(version)
                    .and_then(|p| p.targets.get(index as usize))
                    .map_or("?", |t| &*t.id)
                    .to_string()
            };
            let mut previous = clock.start;
            let timeline = clock
                .timeline
                .iter()
                .map(|e| Line {
                    at: Timestamp(e.at),
                    what: match e.what {
                        What::Reopened => format!(
                            "reopened: continues, the {} since it stopped not counted",
                            crate::model::Duration::Seconds(
                                target.calendar.between(previous, e.at)
                            )
                        ),
                        What::Started => "started".into(),
                        What::Paused => "paused".into(),
                        What::Resumed => "resumed".into(),
                        What::Milestone(i) => format!(
                            "milestone {}",
                            target.milestones.get(i as usize).map_or("?", |m| &*m.name)
                        ),
                        What::Breached => "breached".into(),
                        What::Met => "met".into(),
                        What::Stopped => "stopped (after breach)".into(),
                        What::Cancelled => "cancelled".into(),
                        What::Reset => "reset".into(),
                        What::Retargeted(previous) => format!(
                            "now measured against {} (was {})",
                            target.id,
                            target_name(clock.version, previous)
                        ),
                        What::Adopted(version, previous) => format!(
                            "now measured against {} of version {} (was {} of version {})",
                            target.id,
                            crate::runtime::engine::short_hash(&program.hash),
                            target_name(version, previous),
                            crate::runtime::engine::short_hash(engine.version_hash(version))
                        ),
                    },
                    business: e.business,
                    wall: e.wall,
                    because: {
                        previous = e.at;
                        engine.because_text(e.because, e.event)
                    },
                })
                .collect();
            let pauses = clock
                .pauses(now)
                .into_iter()
                .map(|(from, to)| Pause {
                    from: Timestamp(from),
                    to: Timestamp(to),
                    business: target.calendar.between(from, to),
                })
                .collect();
            Some(ClockReport {
                agreement: target.agreement.to_string(),
                target: target.id.to_string(),
                measure: target.measure.to_string(),
                cycle: clock.cycle,
                bundle: program.hash.clone(),
                state: state.into(),
                start: Timestamp(clock.start),
                goal_seconds: clock.goal(),
                goal: target.goal_text.clone(),
                calendar: target.calendar_id.to_string(),
                due: clock.due(&target.calendar).map(Timestamp),
                timeline,
                pauses,
            })
        })
        .collect();
    Some(Report {
        record: record.to_string(),
        record_type: r.record_type.to_string(),
        bundle: engine.program().hash.clone(),
        clocks,
    })
}

/// A clock's `explain` lines, as `simulate` and `reconcile` quote them: its goal, calendar,
/// due time and state, then one line per timeline entry; none when the engine has no such
/// clock.
pub fn lines(
    engine: &Engine,
    record: &str,
    agreement: &str,
    target: &str,
    cycle: u32,
) -> Vec<String> {
    let Some(report) = explain(engine, record) else {
        return Vec::new();
    };
    let Some(clock) = report
        .clocks
        .iter()
        .find(|c| c.agreement == agreement && c.target == target && c.cycle == cycle)
    else {
        return Vec::new();
    };
    let due = clock.due.map_or("unknown".to_string(), |d| d.to_string());
    let mut lines = vec![format!(
        "goal {} in calendar {}, due {due}: {}",
        clock.goal, clock.calendar, clock.state
    )];
    for l in &clock.timeline {
        lines.push(format!(
            "{} {} at {} business, {} wall: {}",
            l.at,
            l.what,
            span(l.business),
            span(l.wall),
            l.because
        ));
    }
    lines
}

/// Seconds as `1d 2h 3m 4s` (zero parts left out).
pub fn span(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let parts = [
        (seconds / 86_400, "d"),
        (seconds % 86_400 / 3600, "h"),
        (seconds % 3600 / 60, "m"),
        (seconds % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report as text.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "record {} ({})",
        printable(&report.record),
        printable(&report.record_type)
    );
    if report.clocks.is_empty() {
        let _ = writeln!(out, "  no SLA clock attached to this record");
    }
    for c in &report.clocks {
        let _ = writeln!(
            out,
            "\n{} / {} (measure {}), cycle {}: {}",
            printable(&c.agreement),
            printable(&c.target),
            c.measure,
            c.cycle,
            c.state
        );
        if c.goal_seconds == u64::MAX {
            let _ = writeln!(
                out,
                "  goal {} in calendar {}; no due time yet: the record has no deadline value",
                c.goal, c.calendar
            );
        } else {
            let due = c
                .due
                .map_or("unknown while paused".to_string(), |d| d.to_string());
            let _ = writeln!(
                out,
                "  goal {} = {} business time in calendar {}; due {}",
                c.goal,
                span(c.goal_seconds),
                c.calendar,
                due
            );
        }
        let width = c
            .timeline
            .iter()
            .map(|l| printable(&l.what).chars().count())
            .max()
            .unwrap_or(0)
            .max(28);
        let _ = writeln!(
            out,
            "  {:<21} {:<width$} {:>12} {:>12}  why",
            "at", "what", "business", "wall"
        );
        for l in &c.timeline {
            let _ = writeln!(
                out,
                "  {:<21} {:<width$} {:>12} {:>12}  {}",
                l.at.to_string(),
                printable(&l.what),
                span(l.business),
                span(l.wall),
                printable(&l.because)
            );
        }
        for p in &c.pauses {
            let _ = writeln!(
                out,
                "  paused {} to {}: {} business time not counted",
                p.from,
                p.to,
                span(p.business)
            );
        }
    }
    out
}
