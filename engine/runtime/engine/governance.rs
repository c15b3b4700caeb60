//! Report obligations and forum notices in the engine: timers at the dates
//! [`crate::governance`] computes, so a replay and a live engine emit the same actions.
//!
//! When a report's period ends, `report.due` says the report for it is owed and by when; at
//! that due time, unless a `report.delivered` event for the report and period came first,
//! `report.overdue` goes out and raises the report's escalation (its `escalation` matrix and
//! every `report_overdue` trigger for it), which stops climbing when the report is delivered.
//! Each notice of a forum with a cadence goes out its lead time before each meeting as
//! `forum.notice`, with the meeting's start and agenda. The timers of one kind keep one
//! pending timer per report or notice, re-armed when it fires, so the work up to an instant is
//! one step per period. Report and notice timers follow the current bundle version (those of an
//! earlier version are dropped, and the new version's start from the switch); an overdue check
//! already armed fires under the version that owed the report.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::base::{FastMap, Name};
use crate::calendar::period;
use crate::escalation::{Signal, Subject};
use crate::model::escalation::TriggerOn;
use crate::model::{Event, Timestamp};
use crate::program::Program;
use crate::runtime::action::{Action, Kind};
use crate::runtime::timer::Due;

/// A report owed or delivered for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owed {
    /// The report's id.
    pub report: Name,
    /// The period's number (see [`period::number`]).
    pub period: i64,
    /// When it is due (`None`: delivered before the engine owed it).
    pub due: Option<i64>,
    /// When it was first delivered.
    pub delivered: Option<i64>,
    /// Whether it went overdue.
    pub overdue: bool,
}

/// `state.owed` by report and period, and each report's periods still undelivered (rebuilt from
/// the state on resume): a delivery, a due date or an overdue check finds its entry without
/// scanning every period ever owed, however many a feed names.
#[derive(Debug, Default)]
pub(super) struct OwedIndex(FastMap<Name, ReportPeriods>);

/// One report's entries in `state.owed`.
#[derive(Debug, Default)]
struct ReportPeriods {
    /// The entry of each period.
    entries: FastMap<i64, usize>,
    /// The periods owed and not yet delivered, in order.
    undelivered: std::collections::BTreeSet<i64>,
}

impl OwedIndex {
    /// The index of `owed`.
    pub(super) fn of(owed: &[Owed]) -> OwedIndex {
        let mut index = OwedIndex::default();
        for (i, entry) in owed.iter().enumerate() {
            index.add(i, entry);
        }
        index
    }

    fn add(&mut self, i: usize, entry: &Owed) {
        let periods = self.0.entry(Name::clone(&entry.report)).or_default();
        periods.entries.insert(entry.period, i);
        if entry.delivered.is_none() {
            periods.undelivered.insert(entry.period);
        }
    }

    fn entry(&self, report: &str, n: i64) -> Option<usize> {
        self.0.get(report)?.entries.get(&n).copied()
    }

    fn oldest_undelivered(&self, report: &str) -> Option<i64> {
        self.0.get(report)?.undelivered.first().copied()
    }

    fn delivered(&mut self, report: &str, n: i64) {
        if let Some(periods) = self.0.get_mut(report) {
            periods.undelivered.remove(&n);
        }
    }
}

/// How many later periods are tried for a forum's next meeting (a period without a working day
/// has none).
const NEXT_MEETINGS: i64 = 64;

impl Engine {
    /// Arms the report and notice timers of the current version from `from` on: the end of
    /// the period that ends at or after `from`, and each notice's next sending at or after it.
    pub(super) fn init_governance(&mut self, from: i64) {
        self.init_availability(from);
        let version = self.state.current;
        let program = Arc::clone(self.program());
        for (r, report) in program.reports.iter().enumerate() {
            if report.due.is_none() {
                continue;
            }
            let n = period::number(report.period, report.tz(), from.saturating_sub(1));
            self.arm_report(version, r, n);
        }
        for (f, forum) in program.forums.iter().enumerate() {
            for (k, notice) in forum.notices.iter().enumerate() {
                if let Some(n) = forum.first_notice_period(notice, from) {
                    self.arm_notice(&program, version, f, k, n, from);
                }
            }
        }
    }

    /// Arms the timer of report `r`'s period `n` falling due, at the period's end.
    fn arm_report(&mut self, version: u16, r: usize, n: i64) {
        let Some(report) = self.version(version).and_then(|p| p.reports.get(r)) else {
            return;
        };
        let (_, end) = report.bounds(n);
        if let (Ok(r), Ok(n)) = (u32::try_from(r), i32::try_from(n)) {
            self.state.timers.push(end, Due::ReportDue(version, r, n));
        }
    }

    /// Arms notice `k` of forum `f` for the first meeting from period `n` on whose notice goes
    /// out at or after `from`.
    fn arm_notice(
        &mut self,
        program: &Program,
        version: u16,
        f: usize,
        k: usize,
        n: i64,
        from: i64,
    ) {
        let (Some(forum), Ok(f16), Ok(k16)) =
            (program.forums.get(f), u16::try_from(f), u16::try_from(k))
        else {
            return;
        };
        let Some(notice) = forum.notices.get(k) else {
            return;
        };
        for m in n..n.saturating_add(NEXT_MEETINGS) {
            let at = forum
                .occurrence(m)
                .and_then(|(start, _)| forum.notice_at(notice, start));
            if let (Some(at), Ok(m)) = (at.filter(|at| *at >= from), i32::try_from(m)) {
                self.state
                    .timers
                    .push(at, Due::ForumNotice(version, f16, k16, m));
                return;
            }
        }
    }

    /// A report's period ended: `report.due`, the overdue check at its due time, and the
    /// next period's timer.
    pub(super) fn report_due_timer(&mut self, version: u16, r: u32, n: i32, at: i64) {
        if version != self.state.current {
            return;
        }
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        let Some(report) = program.reports.get(r as usize) else {
            return;
        };
        let n = i64::from(n);
        let due = report.due_for(n);
        let mut action = Action::new(Kind::ReportDue, at);
        action.report = Some(Name::clone(&report.id));
        action.period = Some(Name::from(report.label(n).as_str()));
        action.due = due.map(Timestamp);
        action.roles = Arc::clone(&report.owner.names);
        action.recipients = Arc::clone(&report.owner.members);
        action.reason = Some(match report.due {
            Some(d) => format!(
                "period {} ended: {} is due within {d}",
                report.label(n),
                report.name
            ),
            None => format!("period {} ended", report.label(n)),
        });
        self.emit(action);
        match self.owed_index(&report.id, n) {
            Some(i) => {
                if let Some(owed) = self.state.owed.get_mut(i) {
                    owed.due = due;
                }
            }
            None => {
                self.owe(Owed {
                    report: Name::clone(&report.id),
                    period: n,
                    due,
                    delivered: None,
                    overdue: false,
                });
            }
        }
        if let (Some(due), Ok(n32)) = (due, i32::try_from(n)) {
            self.state
                .timers
                .push(due, Due::ReportOverdue(version, r, n32));
        }
        self.arm_report(version, r as usize, n + 1);
    }

    /// A report's due time: `report.overdue` and its escalation, unless it was delivered.
    pub(super) fn report_overdue_timer(&mut self, version: u16, r: u32, n: i32, at: i64) {
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        let Some(report) = program.reports.get(r as usize) else {
            return;
        };
        let n = i64::from(n);
        let Some(i) = self.owed_index(&report.id, n) else {
            return;
        };
        let Some(owed) = self.state.owed.get_mut(i) else {
            return;
        };
        if owed.delivered.is_some() || owed.overdue {
            return;
        }
        owed.overdue = true;
        let mut action = Action::new(Kind::ReportOverdue, at);
        action.report = Some(Name::clone(&report.id));
        action.period = Some(Name::from(report.label(n).as_str()));
        action.due = Some(Timestamp(at));
        action.roles = Arc::clone(&report.owner.names);
        action.recipients = Arc::clone(&report.owner.members);
        action.reason = Some(format!(
            "{} for {} not delivered by its due time",
            report.name,
            report.label(n)
        ));
        self.emit(action);
        let subject = Subject::Report(r, i32::try_from(n).unwrap_or(0));
        let signal = Signal::ReportOverdue { report: &report.id };
        let mut eval = self.evaluator(&program, version);
        self.signal(
            version,
            &signal,
            subject,
            at,
            None,
            &mut eval,
            report.escalation,
        );
        // The report's own matrix is raised even without a `report_overdue` trigger: its first
        // topic, as an `escalate` action without `topic` raises it.
        if let Some(m) = report.escalation
            && let Some(matrix) = program.matrices.get(m as usize)
        {
            let listens = matrix.topics.iter().any(|t| {
                t.triggers
                    .iter()
                    .any(|tr| tr.on == TriggerOn::ReportOverdue)
            });
            if !listens && !matrix.topics.is_empty() {
                let reason = format!("report {} overdue", report.id);
                self.raise(version, m, 0, subject, at, reason);
            }
        }
        let failures = eval.take_failures();
        self.script_failures(failures, at, None);
    }

    /// A `report.delivered` event: the report's period is delivered, its escalation stops.
    pub(super) fn report_delivered(&mut self, event: &Event, line: u64) {
        let at = event.at.0;
        let program = Arc::clone(self.program());
        let Some(id) = event.report.as_deref() else {
            return self.reject(
                at,
                line,
                "event `report.delivered` has no `report`: name the report delivered".into(),
            );
        };
        let Some(&r) = program.report_index.get(id) else {
            let known: Vec<&str> = program.reports.iter().map(|r| &*r.id).collect();
            let hint = crate::diagnostic::fuzzy::did_you_mean(id, known.iter().copied())
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            return self.reject(at, line, format!("event names unknown report `{id}`{hint}"));
        };
        let Some(report) = program.reports.get(r as usize) else {
            return;
        };
        let n = match event.period.as_deref() {
            Some(text) => match period::parse_label(report.period, text) {
                Some(n) => n,
                None => {
                    return self.reject(
                        at,
                        line,
                        format!(
                            "`period` `{text}` is not a period of report `{id}` ({}): write it as the engine does, e.g. `{}`",
                            report.period,
                            report.label(period::number(report.period, report.tz(), at) - 1)
                        ),
                    );
                }
            },
            // The oldest period still owed, else the last one that ended.
            None => self
                .owed
                .oldest_undelivered(&report.id)
                .unwrap_or_else(|| period::number(report.period, report.tz(), at) - 1),
        };
        let index = match self.owed_index(&report.id, n) {
            Some(i) => i,
            None => self.owe(Owed {
                report: Name::clone(&report.id),
                period: n,
                due: None,
                delivered: None,
                overdue: false,
            }),
        };
        self.owed.delivered(&report.id, n);
        let Some(owed) = self.state.owed.get_mut(index) else {
            return;
        };
        let reason = match (owed.delivered, owed.due) {
            (Some(first), _) => format!("delivered again (first at {})", Timestamp(first)),
            (None, Some(due)) if at > due => format!("delivered late (due {})", Timestamp(due)),
            (None, Some(_)) => "delivered on time".to_string(),
            (None, None) => "delivered".to_string(),
        };
        let due = owed.due;
        owed.delivered = owed.delivered.or(Some(at));
        let mut action = Action::new(Kind::ReportDelivered, at);
        action.report = Some(Name::clone(&report.id));
        action.period = Some(Name::from(report.label(n).as_str()));
        action.due = due.map(Timestamp);
        action.roles = Arc::clone(&report.recipients.names);
        action.recipients = Arc::clone(&report.recipients.members);
        action.reason = Some(reason);
        self.emit(action);
        let period = i32::try_from(n).unwrap_or(0);
        self.calm(Subject::Report(r, period), |_, _| true);
    }

    /// The entry of report `id`'s period `n`.
    fn owed_index(&self, id: &str, n: i64) -> Option<usize> {
        self.owed.entry(id, n)
    }

    /// Adds an entry for a report's period (none is there yet); returns its index.
    fn owe(&mut self, entry: Owed) -> usize {
        let i = self.state.owed.len();
        self.owed.add(i, &entry);
        self.state.owed.push(entry);
        i
    }

    /// A forum's notice: `forum.notice` for the meeting, and the notice for the next one.
    pub(super) fn forum_notice_timer(&mut self, version: u16, f: u16, k: u16, n: i32, at: i64) {
        if version != self.state.current {
            return;
        }
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        let Some(forum) = program.forums.get(usize::from(f)) else {
            return;
        };
        let (Some(notice), Some(cadence)) = (forum.notices.get(usize::from(k)), forum.cadence)
        else {
            return;
        };
        let n = i64::from(n);
        if let Some((start, end)) = forum.occurrence(n) {
            let meeting = crate::governance::meeting(forum, cadence, n, start, end);
            let mut action = Action::new(Kind::ForumNotice, at);
            action.forum = Some(Name::clone(&forum.id));
            action.period = Some(Name::from(meeting.period.as_str()));
            action.due = Some(Timestamp(start));
            action.roles = Arc::clone(&notice.to.names);
            action.recipients = Arc::clone(&notice.to.members);
            action.reason = Some(format!(
                "{} before {}, {} to {}",
                notice.before,
                forum.name,
                Timestamp(start),
                Timestamp(end)
            ));
            action.message = notice.message.clone();
            action.agenda = Arc::from(meeting.agenda);
            self.emit(action);
        }
        self.arm_notice(
            &program,
            version,
            usize::from(f),
            usize::from(k),
            n + 1,
            at.saturating_add(1),
        );
    }

    /// Adds what an escalation about a report or an availability target concerns.
    pub(super) fn describe_governance(
        &self,
        subject: Subject,
        program: &Program,
        action: &mut Action,
    ) {
        if let Subject::Report(r, n) = subject
            && let Some(report) = program.reports.get(r as usize)
        {
            action.report = Some(Name::clone(&report.id));
            action.period = Some(Name::from(report.label(i64::from(n)).as_str()));
        }
        if let Subject::Availability(i) = subject
            && let Some(def) = program.availability.get(i as usize)
        {
            action.agreement = Some(Name::clone(&def.agreement));
            action.target = Some(Name::clone(&def.id));
        }
    }
}
