//! The fold behind a report: a [`Sink`] that turns the engine's inputs and actions into the
//! period's aggregates, then into a [`Report`].
//!
//! Per target it counts the clocks placed in the period by the agreement's `count_by`: `stop`
//! (the default) places a clock where its outcome was decided (a met or cancelled clock at its
//! stop, a breached one at its breach), `start` at its start, `due` at its due time. It keeps
//! an entry only for a clock that is still running and could still count, and drops it once its
//! outcome is known; so memory follows the running clocks. Breaches are listed when their breach
//! instant lies in the period, whatever `count_by` says.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::billing::Billing;
use super::window::{Dates, Window};
use super::{
    BreachRow, BreakdownRow, ComplianceRow, CreditRow, ForumRow, KpiRow, LicenceRow, Report,
    TrendPoint,
};
use crate::base::{FastMap, Name};
use crate::kpi::exact;
use crate::model::agreement::CountBy;
use crate::model::governance::Bounds;
use crate::model::measure::LicenceSource;
use crate::model::{Bundle, Percent, Timestamp};
use crate::program::Program;
use crate::runtime::action::{Action, Kind};
use crate::runtime::sink::{Actions, Input, Sink, SinkError};

/// What a report covers: its agreements, KPIs, rate cards and licences.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// The report definition's id.
    pub report: Option<String>,
    /// Its display name.
    pub name: String,
    /// Its section titles.
    pub titles: Vec<String>,
    /// The agreements, in order.
    pub agreements: Vec<String>,
    /// The KPIs, in order.
    pub kpis: Vec<String>,
    /// The rate cards, in order.
    pub rate_cards: Vec<String>,
    /// Where licence positions are.
    pub licences: Option<LicenceSource>,
    /// The field compliance is broken down by.
    pub breakdown: Option<String>,
    /// The time zone the report's period is bounded in.
    pub tz: Tz,
}

impl Sections {
    /// The sections of report `id` of `bundle`; without an id, every agreement, KPI and rate
    /// card of the bundle. Fails on an unknown id, naming the reports there are.
    pub fn of(bundle: &Bundle, id: Option<&str>, program: &Program) -> Result<Sections, String> {
        let tz_of = |calendar: Option<&str>| {
            program
                .calendars
                .get_or_always(calendar)
                .map_or(chrono_tz::UTC, |c| c.tz())
        };
        let Some(id) = id else {
            let agreements: Vec<String> = bundle
                .agreements
                .iter()
                .map(|(k, _)| k.to_string())
                .collect();
            let first = agreements
                .first()
                .and_then(|a| bundle.agreements.get(a))
                .and_then(|a| a.calendar.as_ref())
                .map(|c| c.value.to_string());
            return Ok(Sections {
                name: bundle
                    .name
                    .clone()
                    .unwrap_or_else(|| "Service report".into()),
                agreements,
                kpis: bundle.kpis.iter().map(|(k, _)| k.to_string()).collect(),
                rate_cards: bundle
                    .rate_cards
                    .iter()
                    .map(|(k, _)| k.to_string())
                    .collect(),
                tz: tz_of(first.as_deref()),
                ..Sections::default()
            });
        };
        let Some(r) = bundle.reports.get(id) else {
            let known: Vec<String> = bundle
                .reports
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect();
            return Err(if known.is_empty() {
                format!("unknown report `{id}`: the bundle defines no report")
            } else {
                format!(
                    "unknown report `{id}`; the bundle's reports are {}",
                    known.join(", ")
                )
            });
        };
        let agreements: Vec<String> = r.agreements.iter().map(|a| a.value.to_string()).collect();
        let first = agreements
            .first()
            .and_then(|a| bundle.agreements.get(a))
            .and_then(|a| a.calendar.as_ref())
            .map(|c| c.value.to_string());
        let calendar = r.calendar.as_ref().map(|c| c.value.to_string()).or(first);
        Ok(Sections {
            report: Some(id.to_string()),
            name: r.name.clone().unwrap_or_else(|| id.to_string()),
            titles: r.sections.iter().map(|s| s.value.title.clone()).collect(),
            agreements,
            kpis: r.kpis.iter().map(|k| k.value.to_string()).collect(),
            rate_cards: r.rate_cards.iter().map(|k| k.value.to_string()).collect(),
            licences: r.licences.clone(),
            breakdown: r.breakdown.clone(),
            tz: tz_of(calendar.as_deref()),
        })
    }
}

/// One target's aggregates.
#[derive(Debug, Default)]
struct Row {
    agreement: Name,
    agreement_type: String,
    target: Name,
    name: String,
    count_by: CountBy,
    window: Window,
    objective: Option<Percent>,
    goal: String,
    calendar: String,
    met: u64,
    breached: u64,
    cancelled: u64,
    running: u64,
    /// Whether the clocks running at the end of its period were counted.
    snapped: bool,
    breakdown: BTreeMap<String, [u64; 3]>,
    penalty: Option<crate::model::agreement::Penalty>,
    /// When a stopped clock of the target continues.
    reopen: Option<crate::sla::Reopen>,
}

/// A met clock of a target whose clocks a reopening may continue: where it was counted, until
/// its reopen window closes.
#[derive(Debug, Clone)]
struct Counted {
    start: i64,
    bucket: Option<Name>,
    in_window: bool,
    until: i64,
}

/// A clock still running that may count.
#[derive(Debug, Clone)]
struct Open {
    start: i64,
    due: Option<i64>,
    pauses: u32,
    bucket: Option<Name>,
}

/// A KPI of the report and the values the engine measured for it.
#[derive(Debug)]
struct KpiSeries {
    id: String,
    name: String,
    unit: Option<String>,
    lower: Option<String>,
    upper: Option<String>,
    bounds: String,
    computed: bool,
    points: Vec<(TrendPoint, Option<String>)>,
}

/// The fold: feed it the engine's inputs and actions (it is a [`Sink`]), then [`Ledger::report`].
#[derive(Debug)]
pub struct Ledger {
    sections: Sections,
    period: String,
    window: Window,
    rows: Vec<Row>,
    /// Row indices by agreement, then target.
    index: FastMap<Name, Vec<(Name, u32)>>,
    open: FastMap<(Name, u32, u32), Open>,
    /// Met clocks a reopening may still continue (targets with `reopen` only).
    counted: FastMap<(Name, u32, u32), Counted>,
    /// The size of `counted` after its last sweep of closed windows.
    swept: usize,
    /// The earliest end of a row's period whose running clocks are not counted yet (each
    /// agreement's period ends at its own time zone's midnight).
    next_snap: i64,
    breaches: Vec<BreachRow>,
    kpis: Vec<KpiSeries>,
    billing: Vec<Billing>,
    /// Breakdown values of records with running clocks: (value, running clocks).
    buckets: FastMap<Name, (Name, u32)>,
    licences: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// The availability targets of the report's agreements.
    availability: Vec<crate::availability::AvailabilityDef>,
    /// The outages the engine kept, and the instant they are known up to.
    outages: Vec<crate::availability::Outage>,
    known_until: i64,
    /// The forums that present the report.
    forums: Vec<crate::governance::ForumDef>,
}

impl Ledger {
    /// Gives the outages the engine kept (its state after the replay), known up to `now`, for
    /// the availability section.
    pub fn outages(&mut self, outages: Vec<crate::availability::Outage>, now: i64) {
        self.outages = outages;
        self.known_until = now;
    }

    /// Availability of each target in the agreement period that holds the report's start.
    fn availability_rows(&self) -> Vec<crate::availability::Availability> {
        let now = self.known_until.min(self.window.end);
        self.availability
            .iter()
            .map(|def| {
                let n = def.period_of(self.window.start);
                crate::availability::per_period(def, &self.outages, n, now)
            })
            .collect()
    }

    /// The forum meetings in the 92 days after the period.
    fn forum_rows(&self) -> Vec<ForumRow> {
        let end = self.window.end;
        crate::governance::schedule(&self.forums, end, end + 92 * 86_400)
            .into_iter()
            .map(|m| ForumRow {
                forum: m.forum.to_string(),
                name: m.name,
                period: m.period,
                start: Timestamp(m.start).to_string(),
                end: Timestamp(m.end).to_string(),
                notices: m
                    .notices
                    .iter()
                    .map(|n| format!("{} to {}", Timestamp(n.at), n.to.join(", ")))
                    .collect(),
                agenda: m.agenda,
            })
            .collect()
    }

    /// A ledger for `sections` over the period `dates` (named `period`), with the bundle's
    /// model and its compiled program (goals, calendars and the scripts of rate cards).
    pub fn new(
        bundle: &Bundle,
        program: &std::sync::Arc<Program>,
        sections: Sections,
        period: &str,
        dates: Dates,
    ) -> Ledger {
        let window = Window::of(dates, sections.tz);
        let mut rows = Vec::new();
        let mut index: FastMap<Name, Vec<(Name, u32)>> = FastMap::default();
        for id in &sections.agreements {
            let Some(a) = bundle.agreements.get(id) else {
                continue;
            };
            let tz = program
                .calendars
                .get_or_always(a.calendar.as_ref().map(|c| c.value.as_str()))
                .map_or(chrono_tz::UTC, |c| c.tz());
            for (target_id, t) in a.targets.iter() {
                if t.availability.is_some() {
                    continue;
                }
                let compiled = program
                    .targets
                    .iter()
                    .find(|c| &*c.agreement == id.as_str() && &*c.id == target_id.value.as_str());
                let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
                let agreement = Name::from(id.as_str());
                let target = Name::from(target_id.value.as_str());
                index
                    .entry(Name::clone(&agreement))
                    .or_default()
                    .push((Name::clone(&target), n));
                rows.push(Row {
                    agreement,
                    agreement_type: a.kind.value.as_str().to_string(),
                    target,
                    name: t
                        .name
                        .clone()
                        .unwrap_or_else(|| target_id.value.to_string()),
                    count_by: a.count_by.unwrap_or_default(),
                    window: Window::of(dates, tz),
                    objective: t.objective.as_ref().map(|o| o.value),
                    goal: compiled.map(|c| c.goal_text.clone()).unwrap_or_default(),
                    calendar: compiled
                        .map(|c| c.calendar_id.to_string())
                        .unwrap_or_default(),
                    penalty: t.penalty.clone(),
                    reopen: compiled.and_then(|c| c.reopen.clone()),
                    ..Row::default()
                });
            }
        }
        let kpis = sections
            .kpis
            .iter()
            .filter_map(|id| {
                let k = bundle.kpis.get(id)?;
                Some(KpiSeries {
                    id: id.clone(),
                    name: k.name.clone().unwrap_or_else(|| id.clone()),
                    unit: k.unit.map(|u| format!("{u:?}").to_lowercase()),
                    lower: k.lower_limit.as_ref().map(|l| exact(l.value).to_string()),
                    upper: k.upper_limit.as_ref().map(|l| exact(l.value).to_string()),
                    bounds: if k.bounds == Some(Bounds::Strict) {
                        "strict"
                    } else {
                        "inclusive"
                    }
                    .to_string(),
                    computed: k.measure.is_some(),
                    points: Vec::new(),
                })
            })
            .collect();
        let billing = sections
            .rate_cards
            .iter()
            .filter_map(|id| {
                let card = bundle.rate_cards.get(id)?;
                Some(Billing::new(id, card, program, dates, sections.tz))
            })
            .collect();
        Ledger {
            period: period.to_string(),
            window,
            rows,
            index,
            open: FastMap::default(),
            counted: FastMap::default(),
            swept: 0,
            next_snap: i64::MIN,
            breaches: Vec::new(),
            kpis,
            billing,
            buckets: FastMap::default(),
            licences: BTreeMap::new(),
            availability: program
                .availability
                .iter()
                .filter(|def| sections.agreements.iter().any(|a| **a == *def.agreement))
                .cloned()
                .collect(),
            outages: Vec::new(),
            known_until: i64::MIN,
            // The forums that present this report (or, without one, any report).
            forums: program
                .forums
                .iter()
                .filter(|f| {
                    bundle.forums.get(&f.id).is_some_and(|entry| {
                        entry.reports.iter().any(|r| {
                            sections
                                .report
                                .as_deref()
                                .is_none_or(|id| r.value.as_str() == id)
                        })
                    })
                })
                .cloned()
                .collect(),
            sections,
        }
    }

    /// The period's window in the report's time zone.
    pub fn window(&self) -> Window {
        self.window
    }

    fn row(&self, agreement: Option<&Name>, target: Option<&Name>) -> Option<u32> {
        let list = self.index.get(agreement?)?;
        let target = target?;
        list.iter().find(|(t, _)| t == target).map(|(_, n)| *n)
    }

    /// Folds one action.
    pub fn action(&mut self, action: &Action) {
        if action.at.0 >= self.next_snap {
            self.snap(action.at.0);
        }
        match action.kind {
            Kind::KpiMeasured | Kind::KpiOutOfLimits => return self.kpi(action),
            Kind::SlaStarted
            | Kind::SlaPaused
            | Kind::SlaResumed
            | Kind::SlaRetargeted
            | Kind::SlaReopened
            | Kind::SlaBreached
            | Kind::SlaMet
            | Kind::SlaStopped
            | Kind::SlaCancelled => {}
            _ => return,
        }
        let Some(record) = action.record.as_ref() else {
            return;
        };
        let cycle = action.cycle.unwrap_or(1);
        if action.kind == Kind::SlaRetargeted {
            let from = self.row(action.agreement.as_ref(), action.previous_target.as_ref());
            let to = self.row(action.agreement.as_ref(), action.target.as_ref());
            let moved = from.and_then(|f| self.open.remove(&(Name::clone(record), f, cycle)));
            if let (Some(to), Some(mut open)) = (to, moved) {
                open.due = action.due.map(|d| d.0);
                self.open.insert((Name::clone(record), to, cycle), open);
            }
            return;
        }
        let Some(n) = self.row(action.agreement.as_ref(), action.target.as_ref()) else {
            return;
        };
        let key = (Name::clone(record), n, cycle);
        let at = action.at.0;
        match action.kind {
            Kind::SlaReopened if self.counted.contains_key(&key) => {
                // The met outcome counted at its first stop is taken back: the clock goes on,
                // and counts once, at its final outcome.
                let Some(counted) = self.counted.remove(&key) else {
                    return;
                };
                if let Some(row) = self.rows.get_mut(n as usize)
                    && counted.in_window
                {
                    row.met = row.met.saturating_sub(1);
                    if let Some(bucket) = &counted.bucket
                        && let Some(slot) = row.breakdown.get_mut(bucket.as_ref())
                    {
                        slot[0] = slot[0].saturating_sub(1);
                    }
                }
                if let Some(bucket) = &counted.bucket {
                    let entry = self
                        .buckets
                        .entry(Name::clone(record))
                        .or_insert_with(|| (Name::clone(bucket), 0));
                    entry.1 += 1;
                }
                self.open.insert(
                    key,
                    Open {
                        start: counted.start,
                        due: action.due.map(|d| d.0),
                        pauses: 0,
                        bucket: counted.bucket,
                    },
                );
            }
            Kind::SlaStarted | Kind::SlaReopened => {
                let Some(row) = self.rows.get(n as usize) else {
                    return;
                };
                if row.count_by == CountBy::Start && !row.window.holds(at) {
                    return;
                }
                let bucket = self.sections.breakdown.as_ref().map(|_| {
                    let entry = self
                        .buckets
                        .entry(Name::clone(record))
                        .or_insert_with(|| (Name::from("-"), 0));
                    entry.1 += 1;
                    Name::clone(&entry.0)
                });
                self.open.insert(
                    key,
                    Open {
                        start: at,
                        due: action.due.map(|d| d.0),
                        pauses: 0,
                        bucket,
                    },
                );
            }
            Kind::SlaPaused => {
                if let Some(open) = self.open.get_mut(&key) {
                    open.pauses += 1;
                }
            }
            Kind::SlaResumed => {
                if let Some(open) = self.open.get_mut(&key) {
                    open.due = action.due.map(|d| d.0);
                }
            }
            Kind::SlaBreached | Kind::SlaMet | Kind::SlaCancelled | Kind::SlaStopped => {
                let Some(open) = self.open.remove(&key) else {
                    return;
                };
                self.release_bucket(record, &open);
                if action.kind == Kind::SlaStopped {
                    return;
                }
                let due = action.due.map(|d| d.0).or(open.due);
                let Some(row) = self.rows.get_mut(n as usize) else {
                    return;
                };
                let place = match row.count_by {
                    CountBy::Stop => at,
                    CountBy::Start => open.start,
                    CountBy::Due => due.unwrap_or(at),
                };
                if action.kind == Kind::SlaBreached && self.window.holds(at) {
                    self.breaches
                        .push(breach_row(row, record, cycle, &open, due, at));
                }
                let in_window = row.window.holds(place);
                if action.kind == Kind::SlaMet
                    && let Some(reopen) = &row.reopen
                {
                    let until = reopen.closed_by(at).unwrap_or(i64::MAX);
                    self.counted.insert(
                        key,
                        Counted {
                            start: open.start,
                            bucket: open.bucket.clone(),
                            in_window,
                            until,
                        },
                    );
                    if self.counted.len() > 2 * self.swept.max(1024) {
                        self.counted.retain(|_, c| c.until > at);
                        self.swept = self.counted.len();
                    }
                }
                if !in_window {
                    return;
                }
                let slot = match action.kind {
                    Kind::SlaMet => 0,
                    Kind::SlaBreached => 1,
                    _ => 2,
                };
                match slot {
                    0 => row.met += 1,
                    1 => row.breached += 1,
                    _ => row.cancelled += 1,
                }
                if let Some(bucket) = &open.bucket
                    && let Some(counts) = row
                        .breakdown
                        .entry(bucket.to_string())
                        .or_default()
                        .get_mut(slot)
                {
                    *counts += 1;
                }
            }
            _ => {}
        }
    }

    fn release_bucket(&mut self, record: &Name, open: &Open) {
        if open.bucket.is_none() {
            return;
        }
        if let Some(entry) = self.buckets.get_mut(record) {
            entry.1 = entry.1.saturating_sub(1);
            if entry.1 == 0 {
                self.buckets.remove(record);
            }
        }
    }

    /// Counts the clocks running at the end of the period of each row whose period ended by
    /// `now` (all rows not counted yet, for `i64::MAX`).
    fn snap(&mut self, now: i64) {
        let ending: Vec<bool> = self
            .rows
            .iter()
            .map(|r| !r.snapped && (r.window.end <= now || now == i64::MAX))
            .collect();
        if ending.iter().any(|e| *e) {
            for ((_, n, _), open) in &self.open {
                if let (Some(row), Some(true)) =
                    (self.rows.get_mut(*n as usize), ending.get(*n as usize))
                    && open.start < row.window.end
                    && (row.count_by == CountBy::Stop
                        || (row.count_by == CountBy::Due
                            && open.due.is_some_and(|d| row.window.holds(d))))
                {
                    row.running += 1;
                }
            }
            for (row, ended) in self.rows.iter_mut().zip(ending) {
                row.snapped |= ended;
            }
        }
        self.next_snap = self
            .rows
            .iter()
            .filter(|r| !r.snapped)
            .map(|r| r.window.end)
            .min()
            .unwrap_or(i64::MAX);
    }

    fn kpi(&mut self, action: &Action) {
        let Some(series) = self
            .kpis
            .iter_mut()
            .find(|k| action.kpi.as_deref() == Some(k.id.as_str()))
        else {
            return;
        };
        let field = |name: &str| {
            action
                .fields
                .as_ref()
                .and_then(|f| f.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        if action.kind == Kind::KpiOutOfLimits {
            let start = field("period_start").unwrap_or_default();
            if let Some((point, _)) = series
                .points
                .iter_mut()
                .rfind(|(p, _)| p.period_start == start)
            {
                point.out_of_limits = true;
            }
            return;
        }
        let point = TrendPoint {
            period_start: field("period_start").unwrap_or_default(),
            period_end: field("period_end").unwrap_or_default(),
            value: field("value"),
            out_of_limits: false,
        };
        // A value reported again for a period replaces the first; a period reported late takes
        // its place in the trend (the instants are RFC 3339 in UTC: text order is time order).
        match series
            .points
            .binary_search_by(|(p, _)| p.period_start.cmp(&point.period_start))
        {
            Ok(at) => {
                if let Some(slot) = series.points.get_mut(at) {
                    *slot = (point, action.reason.clone());
                }
            }
            Err(at) => series.points.insert(at, (point, action.reason.clone())),
        }
        // The trend shows at most a year before the period.
        if series.points.len() > 24 {
            series.points.remove(0);
        }
    }

    /// Folds one input event (licence positions, billing, the breakdown field).
    pub fn event(&mut self, event: &crate::model::Event) {
        let at = event.at.0;
        if let (Some(field), Some(record)) = (&self.sections.breakdown, &event.record)
            && let Some(value) = event.fields.get(field)
        {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let entry = self
                .buckets
                .entry(Name::from(record.as_str()))
                .or_insert_with(|| (Name::from("-"), 0));
            entry.0 = Name::from(text.as_str());
        }
        for billing in &mut self.billing {
            billing.event(event);
        }
        if at >= self.window.end {
            return;
        }
        let Some(source) = &self.sections.licences else {
            return;
        };
        let Some(record) = &event.record else {
            return;
        };
        match self.licences.get_mut(record.as_str()) {
            Some(fields) => {
                for (k, v) in &event.fields.0 {
                    fields.insert(k.clone(), v.clone());
                }
            }
            None if event.record_type.as_deref() == Some(source.record_type.as_str()) => {
                let fields = event.fields.0.iter().cloned().collect();
                self.licences.insert(record.clone(), fields);
            }
            None => {}
        }
    }

    /// The report, as of everything folded so far.
    pub fn report(&mut self) -> Report {
        self.snap(i64::MAX);
        // A `start` row's clocks still open are running whenever the report is made.
        let mut running: Vec<u64> = self.rows.iter().map(|r| r.running).collect();
        for (_, n, _) in self.open.keys() {
            if let (Some(row), Some(count)) =
                (self.rows.get(*n as usize), running.get_mut(*n as usize))
                && row.count_by == CountBy::Start
            {
                *count += 1;
            }
        }
        let compliance: Vec<ComplianceRow> = self
            .rows
            .iter()
            .zip(running)
            .map(|(row, running)| compliance_row(row, running))
            .collect();
        let credits = self
            .rows
            .iter()
            .zip(&compliance)
            .filter_map(|(row, c)| credit_row(row, c))
            .collect();
        let kpis = self.kpis.iter().map(|k| kpi_row(k, self.window)).collect();
        let billing = self
            .billing
            .iter()
            .map(|b| b.invoice(self.window))
            .collect();
        let licences = self.licence_rows();
        let mut breaches = self.breaches.clone();
        breaches.sort_by(|a, b| {
            a.breached_at
                .cmp(&b.breached_at)
                .then(a.record.cmp(&b.record))
        });
        Report {
            report: self.sections.report.clone(),
            name: self.sections.name.clone(),
            period: self.period.clone(),
            from: Timestamp(self.window.start).to_string(),
            to: Timestamp(self.window.end).to_string(),
            sections: self.sections.titles.clone(),
            compliance,
            breaches,
            availability: self.availability_rows(),
            kpis,
            credits,
            billing,
            licences,
            forums: self.forum_rows(),
        }
    }

    fn licence_rows(&self) -> Vec<LicenceRow> {
        let Some(source) = &self.sections.licences else {
            return Vec::new();
        };
        let name = |f: &Option<String>, default: &'static str| {
            f.clone().unwrap_or_else(|| default.to_string())
        };
        let (product_f, entitled_f, deployed_f, used_f, pool_f) = (
            name(&source.product, "product"),
            name(&source.entitled, "entitled"),
            name(&source.deployed, "deployed"),
            name(&source.used, "used"),
            name(&source.pool, "reuse_pool"),
        );
        let mut rows: BTreeMap<String, LicenceRow> = BTreeMap::new();
        for fields in self.licences.values() {
            let Some(product) = fields.get(&product_f).and_then(|p| p.as_str()) else {
                continue;
            };
            let get = |f: &str| fields.get(f).and_then(number);
            let (entitled, deployed, used) = (get(&entitled_f), get(&deployed_f), get(&used_f));
            let pool = get(&pool_f).unwrap_or_default();
            let mut flags = Vec::new();
            if let (Some(u), Some(d)) = (used, deployed)
                && u > d
            {
                flags.push("used above deployed".to_string());
            }
            if let (Some(u), Some(e)) = (used, entitled)
                && u > e
            {
                flags.push("used above entitled".to_string());
            }
            rows.insert(
                product.to_string(),
                LicenceRow {
                    product: product.to_string(),
                    entitled: entitled.map(|d| d.to_string()),
                    deployed: deployed.map(|d| d.to_string()),
                    used: used.map(|d| d.to_string()),
                    reuse_pool: pool.to_string(),
                    headroom: entitled.zip(used).map(|(e, u)| (e - u).to_string()),
                    flags,
                },
            );
        }
        rows.into_values().collect()
    }
}

/// A JSON number as an exact decimal (from its text).
fn number(value: &serde_json::Value) -> Option<Decimal> {
    match value {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn breach_row(
    row: &Row,
    record: &Name,
    cycle: u32,
    open: &Open,
    due: Option<i64>,
    at: i64,
) -> BreachRow {
    let due_text = due.map_or("-".to_string(), |d| Timestamp(d).to_string());
    let paused = match open.pauses {
        0 => String::new(),
        1 => ", paused once".to_string(),
        n => format!(", paused {n} times"),
    };
    BreachRow {
        agreement: row.agreement.to_string(),
        target: row.target.to_string(),
        record: record.to_string(),
        cycle,
        started: Timestamp(open.start).to_string(),
        due: due_text.clone(),
        breached_at: Timestamp(at).to_string(),
        reason: format!(
            "goal {} in calendar {}, counted from {}{paused}; not stopped by its due time {due_text}",
            row.goal,
            row.calendar,
            Timestamp(open.start)
        ),
    }
}

/// `100 × met / (met + breached)` rounded to two decimals, and whether it reaches `objective`.
pub fn compliance(
    met: u64,
    breached: u64,
    objective: Option<Percent>,
) -> (Option<String>, Option<bool>) {
    let total = met + breached;
    if total == 0 {
        return (None, None);
    }
    let value = crate::kpi::Value {
        numerator: Decimal::from(met) * Decimal::ONE_HUNDRED,
        denominator: Decimal::from(total),
    };
    let achieved = objective.map(|o| {
        let (num, den) = o.ratio();
        // met / total ≥ num / den, exactly.
        u128::from(met) * u128::from(den) >= u128::from(num) * u128::from(total)
    });
    (Some(value.rounded().to_string()), achieved)
}

fn compliance_row(row: &Row, running: u64) -> ComplianceRow {
    let (value, achieved) = compliance(row.met, row.breached, row.objective);
    ComplianceRow {
        agreement: row.agreement.to_string(),
        agreement_type: row.agreement_type.clone(),
        target: row.target.to_string(),
        name: row.name.clone(),
        count_by: row.count_by.as_str().to_string(),
        in_scope: row.met + row.breached + row.cancelled,
        met: row.met,
        breached: row.breached,
        cancelled: row.cancelled,
        running,
        compliance: value,
        objective: row.objective.map(|o| o.to_string()),
        achieved,
        breakdown: row
            .breakdown
            .iter()
            .map(|(value, [met, breached, cancelled])| BreakdownRow {
                value: value.clone(),
                met: *met,
                breached: *breached,
                cancelled: *cancelled,
                compliance: compliance(*met, *breached, None).0,
            })
            .collect(),
    }
}

pub use crate::penalty::money;

fn credit_row(row: &Row, c: &ComplianceRow) -> Option<CreditRow> {
    let penalty = row.penalty.as_ref()?;
    let terms = crate::penalty::Terms::of(penalty)?;
    let owed = terms.owed(row.met, row.breached);
    Some(CreditRow {
        agreement: row.agreement.to_string(),
        target: row.target.to_string(),
        currency: terms.currency.clone(),
        compliance: c.compliance.clone(),
        breaches: row.breached,
        per_breach: terms.per_breach.map(money),
        penalties: money(owed.penalties),
        band: owed
            .band
            .map(|(below, credit)| format!("below {below}: {credit}")),
        charge: terms.charge.map(money),
        credit: money(owed.credit),
        cap: terms.cap.map(money),
        total: money(owed.total),
        handling: penalty
            .description
            .clone()
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
    })
}

fn kpi_row(k: &KpiSeries, window: Window) -> KpiRow {
    let end = Timestamp(window.end).to_string();
    // The period of the report: the one that ends at the report's end (a monthly KPI in a
    // monthly report), else the last one that ended within it.
    let upto: Vec<&(TrendPoint, Option<String>)> = k
        .points
        .iter()
        .filter(|(p, _)| {
            p.period_end
                .parse::<Timestamp>()
                .is_ok_and(|t| t.0 <= window.end)
        })
        .collect();
    let current = upto
        .iter()
        .rev()
        .find(|(p, _)| p.period_end == end)
        .or_else(|| {
            upto.iter().rev().find(|(p, _)| {
                p.period_end
                    .parse::<Timestamp>()
                    .is_ok_and(|t| t.0 > window.start)
            })
        });
    // A KPI without a measure has the values `kpi.reported` events give it.
    let status = match current {
        None if !k.computed => "not reported",
        None => "no value",
        Some((p, _)) if p.value.is_none() => "no value",
        Some((p, _)) if p.out_of_limits => "out_of_limits",
        Some(_) => "within",
    };
    let start = upto.len().saturating_sub(12);
    KpiRow {
        kpi: k.id.clone(),
        name: k.name.clone(),
        unit: k.unit.clone(),
        lower_limit: k.lower.clone(),
        upper_limit: k.upper.clone(),
        bounds: k.bounds.clone(),
        value: current.and_then(|(p, _)| p.value.clone()),
        status: status.to_string(),
        reason: current.and_then(|(_, r)| r.clone()),
        trend: upto.iter().skip(start).map(|(p, _)| p.clone()).collect(),
    }
}

impl Sink for Ledger {
    fn receive(&mut self, input: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        if let Input::Line(line) = input
            && let Ok(event) = &line.event
        {
            self.event(event);
        }
        for action in actions.list() {
            self.action(action);
        }
        Ok(())
    }
}
