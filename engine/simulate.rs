//! What a bundle edit would have done to a real history: the same events replayed under a
//! baseline and a candidate bundle (or under the baseline until an instant and the candidate
//! after it, as a hot reload switches), folded into the report's figures per period, agreement
//! and target, and compared clock by clock.
//!
//! Both replays go through the one event loop ([`crate::runtime::Driver`]) with a
//! [`crate::report::Ledger`] per period as a sink, so compliance, breaches and credits are
//! exactly the figures `slaflow report` computes; a second sink records each clock's outcome,
//! and the clocks whose outcome differs are explained with [`crate::explain`] on both sides.
//! The two replays run in parallel. This module computes; it neither reads files nor prints
//! ([`render`] writes Markdown and JSON).

pub mod render;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, TimeZone};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::base::{FastMap, Name};
use crate::model::{Bundle, Timestamp};
use crate::program::Program;
use crate::report::{Ledger, Report, Sections, parse_period};
use crate::runtime::action::{Action, Kind};
use crate::runtime::input::Lines;
use crate::runtime::sink::{Actions, Input, Sink, SinkError};
use crate::runtime::{Driver, Engine, Switch};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// A period cannot be read.
    #[error("{0}")]
    Period(String),
    /// The events hold no event to place the periods by.
    #[error("the events hold no event, so they cover no period: give one with --period")]
    NoEvents,
    /// A replay stopped.
    #[error("the {side} replay stopped: {error}")]
    Replay {
        /// `baseline` or `candidate`.
        side: &'static str,
        /// Why.
        error: String,
    },
}

/// One side of a simulation.
pub struct Side<'a> {
    /// How the side is named in the output (the bundle's path).
    pub name: String,
    /// The bundle whose terms the figures use: agreements, objectives, penalties.
    pub bundle: &'a Bundle,
    /// Its compiled program.
    pub program: Arc<Program>,
    /// A version that runs first, until the instant, when the engine switches to `program` as
    /// a reload would (clocks running then keep their version).
    pub before: Option<(Arc<Program>, i64)>,
}

/// The result, as the JSON format writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// The baseline bundle.
    pub baseline: String,
    /// The candidate bundle.
    pub candidate: String,
    /// With a switch: the instant the candidate replaces the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch_at: Option<Timestamp>,
    /// The periods compared, in order.
    pub periods: Vec<Period>,
    /// The figures per period, agreement and target (the baseline's targets, then those only
    /// the candidate has).
    pub targets: Vec<TargetRow>,
    /// How many clocks counted in the periods change outcome.
    pub changed: usize,
    /// Those clocks, in the order they started.
    pub changes: Vec<Change>,
    /// The `--fail-if` conditions checked, and what makes each hold.
    pub fail_if: Vec<Verdict>,
    /// Whether a `--fail-if` condition holds.
    pub failed: bool,
}

/// A period compared.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// `2026-11`, `2026-Q4`...
    pub period: String,
    /// Its start in the report's time zone.
    pub from: String,
    /// The start of the next period.
    pub to: String,
}

/// One target in one period, on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    /// The period.
    pub period: String,
    /// The agreement.
    pub agreement: String,
    /// The target.
    pub target: String,
    /// The baseline's figures (none when only the candidate has the target).
    pub baseline: Option<Figures>,
    /// The candidate's figures (none when only the baseline has the target).
    pub candidate: Option<Figures>,
    /// Candidate breaches − baseline breaches.
    pub breaches_delta: i64,
    /// Candidate credits − baseline credits (exact, two decimals), when either side owes.
    pub credits_delta: Option<String>,
}

/// A target's figures in a period, as the report computes them.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Clocks counted: met, breached and cancelled.
    pub in_scope: u64,
    /// Met.
    pub met: u64,
    /// Breached.
    pub breached: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Still running at the period's end.
    pub running: u64,
    /// 100 × met / (met + breached), two decimals.
    pub compliance: Option<String>,
    /// The objective.
    pub objective: Option<String>,
    /// Whether the objective is achieved (exactly).
    pub achieved: Option<bool>,
    /// What is due: penalties and credit, at most the cap (targets with a penalty).
    pub credits: Option<String>,
    /// Its currency.
    pub currency: Option<String>,
}

/// A clock whose outcome differs between the two sides.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The record.
    pub record: String,
    /// The agreement.
    pub agreement: String,
    /// The target.
    pub target: String,
    /// The clock's cycle.
    pub cycle: u32,
    /// The baseline's outcome: `met`, `breached`, `cancelled`, `running` or `none` (no clock).
    pub baseline: String,
    /// The candidate's outcome.
    pub candidate: String,
    /// The baseline's due time.
    pub baseline_due: Option<Timestamp>,
    /// The candidate's due time.
    pub candidate_due: Option<Timestamp>,
    /// The `explain` lines of the baseline's clock that the candidate's lacks.
    pub baseline_explain: Vec<String>,
    /// The `explain` lines of the candidate's clock that the baseline's lacks.
    pub candidate_explain: Vec<String>,
}

/// A `--fail-if` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// A target has more breaches in a period under the candidate.
    BreachesIncrease,
    /// A target misses its objective in a period under the candidate.
    ComplianceBelowObjective,
    /// A target owes more credits and penalties in a period under the candidate.
    CreditsIncrease,
}

impl Condition {
    /// The condition as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::BreachesIncrease => "breaches_increase",
            Condition::ComplianceBelowObjective => "compliance_below_objective",
            Condition::CreditsIncrease => "credits_increase",
        }
    }

    /// Why the condition holds for `row` (nothing when it does not).
    fn check(self, row: &TargetRow) -> Option<String> {
        let candidate = row.candidate.as_ref()?;
        let at = format!("{} {}/{}", row.period, row.agreement, row.target);
        let base = row.baseline.as_ref();
        match self {
            Condition::BreachesIncrease => (row.breaches_delta > 0).then(|| {
                format!(
                    "{at}: breaches {} → {}",
                    base.map_or(0, |b| b.breached),
                    candidate.breached
                )
            }),
            Condition::ComplianceBelowObjective => (candidate.achieved == Some(false)).then(|| {
                format!(
                    "{at}: compliance {}% below the objective {}",
                    candidate.compliance.as_deref().unwrap_or("-"),
                    candidate.objective.as_deref().unwrap_or("-")
                )
            }),
            Condition::CreditsIncrease => {
                let old = base
                    .and_then(|b| b.credits.as_deref())
                    .map_or("0.00", |c| c);
                let new = candidate.credits.as_deref()?;
                (amount(new) > amount(old)).then(|| format!("{at}: credits {old} → {new}"))
            }
        }
    }
}

/// A `--fail-if` condition and the rows that make it hold.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The condition.
    pub condition: Condition,
    /// Whether it holds.
    pub holds: bool,
    /// Where it holds: `2026-11 desk-sla/resolution: breaches 1 → 3`.
    pub reasons: Vec<String>,
}

fn amount(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// The months the events cover, from the first event's to the last event's, in `tz` (`2026-10`,
/// `2026-11`...). Lines that are not events are skipped; events are in time order, so only the
/// first and the last are read.
pub fn months(events: &[u8], tz: chrono_tz::Tz) -> Vec<String> {
    let at = |(n, raw): (usize, &[u8])| {
        let text = String::from_utf8_lossy(raw).trim().to_string();
        if text.is_empty() {
            return None;
        }
        let line = crate::runtime::input::parse(n as u64 + 1, text);
        line.event.ok().map(|e| e.at.0)
    };
    let lines: Vec<&[u8]> = events.split(|b| *b == b'\n').collect();
    let first = lines.iter().copied().enumerate().find_map(at);
    let last = lines.iter().copied().enumerate().rev().find_map(at);
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let month = |t: i64| {
        let local = tz.timestamp_opt(t, 0).single().map(|d| d.date_naive());
        local.map(|d| (d.year(), d.month()))
    };
    let (Some(mut at), Some(end)) = (month(first), month(last.max(first))) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while at <= end {
        out.push(format!("{:04}-{:02}", at.0, at.1));
        at = if at.1 == 12 {
            (at.0 + 1, 1)
        } else {
            (at.0, at.1 + 1)
        };
    }
    out
}

/// The time zone of the periods of `bundle`'s report (its first agreement's calendar's).
pub fn time_zone(bundle: &Bundle, program: &Program) -> chrono_tz::Tz {
    Sections::of(bundle, None, program).map_or(chrono_tz::UTC, |s| s.tz)
}

/// Replays `events` (JSON Lines, in time order) under both sides, in parallel, and compares
/// the figures of `periods` and the outcomes of the clocks counted in them; then checks
/// `fail_if`.
pub fn simulate(
    baseline: &Side<'_>,
    candidate: &Side<'_>,
    events: &[u8],
    periods: &[String],
    fail_if: &[Condition],
) -> Result<Simulated, SimulateError> {
    if periods.is_empty() {
        return Err(SimulateError::NoEvents);
    }
    for period in periods {
        parse_period(period).map_err(SimulateError::Period)?;
    }
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| replay(baseline, events, periods));
        let new = replay(candidate, events, periods);
        (old.join(), new)
    });
    let mut old = old
        .map_err(|_| SimulateError::Replay {
            side: "baseline",
            error: "it panicked".into(),
        })?
        .map_err(|error| SimulateError::Replay {
            side: "baseline",
            error,
        })?;
    let new = new.map_err(|error| SimulateError::Replay {
        side: "candidate",
        error,
    })?;
    let targets = rows(&old.reports, &new.reports);
    let window = old
        .reports
        .iter()
        .filter_map(|r| {
            Some((
                r.from.parse::<Timestamp>().ok()?,
                r.to.parse::<Timestamp>().ok()?,
            ))
        })
        .fold((i64::MAX, i64::MIN), |(a, b), (f, t)| {
            (a.min(f.0), b.max(t.0))
        });
    let changes = changes(&old, &new, window);
    let verdicts: Vec<Verdict> = fail_if
        .iter()
        .map(|c| {
            let reasons: Vec<String> = targets.iter().filter_map(|r| c.check(r)).collect();
            Verdict {
                condition: *c,
                holds: !reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    let simulation = Simulation {
        baseline: baseline.name.clone(),
        candidate: candidate.name.clone(),
        switch_at: candidate.before.as_ref().map(|(_, at)| Timestamp(*at)),
        periods: old
            .reports
            .iter()
            .map(|r| Period {
                period: r.period.clone(),
                from: r.from.clone(),
                to: r.to.clone(),
            })
            .collect(),
        targets,
        changed: changes.len(),
        changes,
        failed: verdicts.iter().any(|v| v.holds),
        fail_if: verdicts,
    };
    Ok(Simulated {
        simulation,
        rejected: std::mem::take(&mut old.rejected),
        replays: Replays([old, new]),
    })
}

/// What [`simulate`] gives back.
pub struct Simulated {
    /// The comparison.
    pub simulation: Simulation,
    /// The lines of the events the engine rejected (line number, reason), for the caller to
    /// tell (the baseline's: both sides read the same lines).
    pub rejected: Vec<(u64, String)>,
    /// The state of both replays.
    pub replays: Replays,
}

/// The engines and clock outcomes of both replays, no longer needed once the simulation is
/// made. Freeing a large replay's state piece by piece takes a while (millions of small
/// allocations): a process about to exit may `std::mem::forget` it instead.
pub struct Replays([Replayed; 2]);

impl Replays {
    /// The baseline's and the candidate's engines at the end of their replays (to explain or
    /// list other records).
    pub fn engines(&self) -> [&Engine; 2] {
        let [old, new] = &self.0;
        [&old.engine, &new.engine]
    }
}

/// What one replay leaves: a report per period, each clock's outcome, the engine at the end.
struct Replayed {
    reports: Vec<Report>,
    outcomes: Outcomes,
    engine: Engine,
    rejected: Vec<(u64, String)>,
}

fn replay(side: &Side<'_>, events: &[u8], periods: &[String]) -> Result<Replayed, String> {
    let sections = Sections::of(side.bundle, None, &side.program)?;
    let mut ledgers = Vec::new();
    for period in periods {
        let dates = parse_period(period)?;
        ledgers.push(Ledger::new(
            side.bundle,
            &side.program,
            sections.clone(),
            period,
            dates,
        ));
    }
    // Timers run to the end of the last period, so its last breaches are in.
    let until = ledgers.iter().map(|l| l.window().end).max();
    let (first, switches) = match &side.before {
        Some((first, at)) => (
            Arc::clone(first),
            vec![Switch {
                at: *at,
                program: Arc::clone(&side.program),
            }],
        ),
        None => (Arc::clone(&side.program), Vec::new()),
    };
    let sinks: Vec<&mut dyn Sink> = ledgers.iter_mut().map(|l| l as &mut dyn Sink).collect();
    let (engine, mut outcomes) = drive(first, switches, events, sinks, until)?;
    let rejected = std::mem::take(&mut outcomes.rejected);
    Ok(Replayed {
        reports: ledgers.iter_mut().map(Ledger::report).collect(),
        outcomes,
        engine,
        rejected,
    })
}

/// Replays `events` through an engine that starts with `first` and switches as `switches`
/// plan, every action going to `sinks` and to the sink of clock outcomes; timers run to
/// `until` (or stop at the last event). Every record is kept to the end, so each clock can
/// be explained.
fn drive(
    first: Arc<Program>,
    switches: Vec<Switch>,
    events: &[u8],
    sinks: Vec<&mut dyn Sink>,
    until: Option<i64>,
) -> Result<(Engine, Outcomes), String> {
    let engine = Engine::new(first);
    let mut outcomes = Outcomes::default();
    let mut driver = Driver::new(engine).sink(&mut outcomes);
    for sink in sinks {
        driver = driver.sink(sink);
    }
    let run = (|| {
        driver.plan(switches)?;
        driver.feed_lines(Lines::new(events))?;
        driver.finish(until)
    })();
    let engine = driver.into_engine();
    run.map_err(|e| e.to_string())?;
    Ok((engine, outcomes))
}

/// A history replayed under one bundle: the engine at its end and the event lines it
/// rejected.
pub struct History {
    /// The engine, every record kept.
    pub engine: Engine,
    /// The lines of the events the engine rejected (line number, reason).
    pub rejected: Vec<(u64, String)>,
}

/// Replays `events` (JSON Lines, in time order) under `program`, as [`simulate`] replays each
/// side, with timers run to `until` (or to the last event).
pub fn replay_history(
    program: Arc<Program>,
    events: &[u8],
    until: Option<i64>,
) -> Result<History, String> {
    let (engine, mut outcomes) = drive(program, Vec::new(), events, Vec::new(), until)?;
    Ok(History {
        engine,
        rejected: std::mem::take(&mut outcomes.rejected),
    })
}

/// A clock: (record, agreement, target, cycle).
type Key = (Name, Name, Name, u32);

/// How a clock ended (so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Running,
    Met,
    Breached,
    Cancelled,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Met => "met",
            Outcome::Breached => "breached",
            Outcome::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone)]
struct Clock {
    start: i64,
    decided: Option<i64>,
    due: Option<i64>,
    outcome: Outcome,
}

/// A sink that keeps each clock's outcome, and the lines the engine rejected.
///
/// Clocks are kept per record (a record has a few), each under its (agreement, target) pair
/// interned as a number: one hash of the record's id per action, where a key of three strings
/// cost most of a simulation's time.
#[derive(Debug, Default)]
struct Outcomes {
    records: FastMap<Name, Vec<(u32, u32, Clock)>>,
    /// Agreement and target pairs by number, and their numbers.
    pairs: Vec<(Name, Name)>,
    numbers: FastMap<(Name, Name), u32>,
    rejected: Vec<(u64, String)>,
}

impl Outcomes {
    /// The number of an (agreement, target) pair, given one if new.
    fn number(&mut self, agreement: &Name, target: &Name) -> u32 {
        let key = (Name::clone(agreement), Name::clone(target));
        if let Some(n) = self.numbers.get(&key) {
            return *n;
        }
        let n = u32::try_from(self.pairs.len()).unwrap_or(u32::MAX);
        self.pairs.push(key.clone());
        self.numbers.insert(key, n);
        n
    }

    /// The number of an (agreement, target) pair, if it was seen.
    fn find_number(&self, agreement: &str, target: &str) -> Option<u32> {
        // Few pairs: a scan avoids building owned keys for a lookup.
        self.pairs
            .iter()
            .position(|(a, t)| &**a == agreement && &**t == target)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// A clock by key.
    fn get(&self, key: &Key) -> Option<&Clock> {
        let (record, agreement, target, cycle) = key;
        let pair = self.find_number(agreement, target)?;
        self.records
            .get(record)?
            .iter()
            .find(|(p, c, _)| *p == pair && c == cycle)
            .map(|(_, _, clock)| clock)
    }

    /// Every clock with its key.
    fn iter(&self) -> impl Iterator<Item = (Key, &Clock)> {
        self.records.iter().flat_map(move |(record, clocks)| {
            clocks.iter().filter_map(move |(pair, cycle, clock)| {
                let (agreement, target) = self.pairs.get(*pair as usize)?;
                Some((
                    (
                        Name::clone(record),
                        Name::clone(agreement),
                        Name::clone(target),
                        *cycle,
                    ),
                    clock,
                ))
            })
        })
    }

    fn action(&mut self, action: &Action) {
        let (Some(record), Some(agreement), Some(target)) =
            (&action.record, &action.agreement, &action.target)
        else {
            return;
        };
        let cycle = action.cycle.unwrap_or(1);
        let pair = self.number(agreement, target);
        let at = action.at.0;
        let due = action.due.map(|d| d.0);
        if action.kind == Kind::SlaStarted {
            let clock = Clock {
                start: at,
                decided: None,
                due,
                outcome: Outcome::Running,
            };
            let clocks = self.records.entry(Name::clone(record)).or_default();
            match clocks
                .iter_mut()
                .find(|(p, c, _)| *p == pair && *c == cycle)
            {
                Some(slot) => slot.2 = clock,
                None => clocks.push((pair, cycle, clock)),
            }
            return;
        }
        if action.kind == Kind::SlaRetargeted {
            let Some(previous) = &action.previous_target else {
                return;
            };
            let old = self.number(agreement, previous);
            let Some(clocks) = self.records.get_mut(&**record) else {
                return;
            };
            let Some(from) = clocks.iter().position(|(p, c, _)| *p == old && *c == cycle) else {
                return;
            };
            let (_, _, mut clock) = clocks.swap_remove(from);
            clock.due = due.or(clock.due);
            match clocks
                .iter_mut()
                .find(|(p, c, _)| *p == pair && *c == cycle)
            {
                Some(slot) => slot.2 = clock,
                None => clocks.push((pair, cycle, clock)),
            }
            return;
        }
        let Some(clock) = self
            .records
            .get_mut(&**record)
            .and_then(|clocks| {
                clocks
                    .iter_mut()
                    .find(|(p, c, _)| *p == pair && *c == cycle)
            })
            .map(|(_, _, clock)| clock)
        else {
            return;
        };
        if due.is_some() {
            clock.due = due;
        }
        match action.kind {
            Kind::SlaBreached => {
                clock.outcome = Outcome::Breached;
                clock.decided = Some(at);
            }
            Kind::SlaMet => {
                clock.outcome = Outcome::Met;
                clock.decided = Some(at);
            }
            Kind::SlaCancelled if clock.outcome != Outcome::Breached => {
                clock.outcome = Outcome::Cancelled;
                clock.decided = Some(at);
            }
            Kind::SlaReopened => {
                clock.outcome = Outcome::Running;
                clock.decided = None;
            }
            _ => {}
        }
    }
}

impl Sink for Outcomes {
    fn receive(&mut self, input: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        for action in actions.list() {
            if action.kind == Kind::EventRejected {
                let line = match input {
                    Input::Line(line) => line.number,
                    _ => action.line.unwrap_or(0),
                };
                let error = action.error.as_deref().unwrap_or("rejected");
                self.rejected.push((line, error.to_string()));
            } else {
                self.action(action);
            }
        }
        Ok(())
    }
}

/// The rows of both sides, matched by period, agreement and target.
fn rows(old: &[Report], new: &[Report]) -> Vec<TargetRow> {
    let mut rows: Vec<TargetRow> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (slot, reports) in [old, new].into_iter().enumerate() {
        for report in reports {
            for c in &report.compliance {
                let credit = report
                    .credits
                    .iter()
                    .find(|r| r.agreement == c.agreement && r.target == c.target);
                let figures = Figures {
                    in_scope: c.in_scope,
                    met: c.met,
                    breached: c.breached,
                    cancelled: c.cancelled,
                    running: c.running,
                    compliance: c.compliance.clone(),
                    objective: c.objective.clone(),
                    achieved: c.achieved,
                    credits: credit.map(|r| r.total.clone()),
                    currency: credit.and_then(|r| r.currency.clone()),
                };
                let key = (report.period.clone(), c.agreement.clone(), c.target.clone());
                let n = *index.entry(key).or_insert_with(|| {
                    rows.push(TargetRow {
                        period: report.period.clone(),
                        agreement: c.agreement.clone(),
                        target: c.target.clone(),
                        baseline: None,
                        candidate: None,
                        breaches_delta: 0,
                        credits_delta: None,
                    });
                    rows.len() - 1
                });
                if let Some(row) = rows.get_mut(n) {
                    if slot == 0 {
                        row.baseline = Some(figures);
                    } else {
                        row.candidate = Some(figures);
                    }
                }
            }
        }
    }
    for row in &mut rows {
        let breached = |f: &Option<Figures>| f.as_ref().map_or(0, |f| f.breached);
        row.breaches_delta = i64::try_from(breached(&row.candidate)).unwrap_or(i64::MAX)
            - i64::try_from(breached(&row.baseline)).unwrap_or(i64::MAX);
        fn credits(f: &Option<Figures>) -> Option<&str> {
            f.as_ref().and_then(|f| f.credits.as_deref())
        }
        if credits(&row.baseline).is_some() || credits(&row.candidate).is_some() {
            let delta = amount(credits(&row.candidate).unwrap_or("0"))
                - amount(credits(&row.baseline).unwrap_or("0"));
            row.credits_delta = Some(crate::penalty::money(delta));
        }
    }
    // Periods in order, each with the baseline's targets first.
    let order: Vec<&String> = old.iter().map(|r| &r.period).collect();
    rows.sort_by_key(|r| order.iter().position(|p| **p == r.period));
    rows
}

/// The clocks counted in `window` (started or decided in it) whose outcome differs.
fn changes(old: &Replayed, new: &Replayed, window: (i64, i64)) -> Vec<Change> {
    let counted = |c: &Clock| {
        (window.0..window.1).contains(&c.start)
            || c.decided.is_some_and(|d| (window.0..window.1).contains(&d))
    };
    // One lookup per clock: the baseline's clocks against the candidate's, then the clocks
    // only the candidate has.
    let (old_clocks, new_clocks) = (&old.outcomes, &new.outcomes);
    let mut keys: Vec<(Key, i64)> = Vec::new();
    for (key, a) in old_clocks.iter() {
        let b = new_clocks.get(&key);
        if (counted(a) || b.is_some_and(counted)) && Some(a.outcome) != b.map(|c| c.outcome) {
            keys.push((key, a.start));
        }
    }
    for (key, b) in new_clocks.iter() {
        if counted(b) && old_clocks.get(&key).is_none() {
            keys.push((key, b.start));
        }
    }
    keys.sort_by(|(a, at), (b, bt)| at.cmp(bt).then(a.cmp(b)));
    keys.into_iter()
        .map(|(key, _)| {
            let a = old.outcomes.get(&key);
            let b = new.outcomes.get(&key);
            let lines_a = explain_lines(&old.engine, &key);
            let lines_b = explain_lines(&new.engine, &key);
            let (record, agreement, target, cycle) = key;
            let only = |x: &[String], y: &[String]| -> Vec<String> {
                x.iter().filter(|l| !y.contains(l)).cloned().collect()
            };
            let outcome = |c: Option<&Clock>| c.map_or("none", |c| c.outcome.as_str()).to_string();
            Change {
                record: record.to_string(),
                agreement: agreement.to_string(),
                target: target.to_string(),
                cycle,
                baseline: outcome(a),
                candidate: outcome(b),
                baseline_due: a.and_then(|c| c.due).map(Timestamp),
                candidate_due: b.and_then(|c| c.due).map(Timestamp),
                baseline_explain: only(&lines_a, &lines_b),
                candidate_explain: only(&lines_b, &lines_a),
            }
        })
        .collect()
}

/// A clock's `explain` lines, by key.
fn explain_lines(engine: &Engine, key: &Key) -> Vec<String> {
    let (record, agreement, target, cycle) = key;
    crate::explain::lines(engine, record, agreement, target, *cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_months_run_from_the_first_event_to_the_last_in_the_zone() {
        let events = b"{\"at\":\"2026-10-31T23:30:00Z\",\"record\":\"A\",\"type\":\"incident\",\"event\":\"created\"}\n\
            not an event\n\
            {\"at\":\"2027-01-01T04:00:00Z\",\"record\":\"A\",\"event\":\"updated\"}\n\n";
        assert_eq!(
            months(events, chrono_tz::UTC),
            ["2026-10", "2026-11", "2026-12", "2027-01"]
        );
        // In New York the first event is still in October and the last in December.
        assert_eq!(
            months(events, chrono_tz::America::New_York),
            ["2026-10", "2026-11", "2026-12"]
        );
        assert!(months(b"", chrono_tz::UTC).is_empty());
    }
}
