//! Penalty cases in the engine: the met and breached clocks of each target with penalty terms
//! are counted per period of its agreement (by the instant their outcome was decided), and at
//! the period's end, if the target owes anything, the engine emits `penalty.due` with the
//! amounts and starts the penalty's handling process, if it names one.

use std::sync::Arc;

use super::Engine;
use super::instances::Start;
use crate::base::Name;
use crate::calendar::period::{bounds, next_boundary};
use crate::model::Timestamp;
use crate::penalty::{PenaltyTally, money};
use crate::runtime::action::{Action, Kind};
use crate::runtime::timer::Due;

impl Engine {
    /// Starts the periods of the current version's penalties at `from`; a target the previous
    /// version also had keeps its tally.
    pub(super) fn init_penalties(&mut self, from: i64) {
        let program = Arc::clone(&self.current);
        let version = self.state.current;
        let old = std::mem::take(&mut self.state.penalties);
        for (index, def) in program.penalties.iter().enumerate() {
            let (start, next) = bounds(def.period, def.tz, from);
            let tally = old
                .iter()
                .find(|t| t.agreement == def.agreement && t.target == def.target)
                .cloned()
                .unwrap_or_else(|| PenaltyTally {
                    agreement: Name::clone(&def.agreement),
                    target: Name::clone(&def.target),
                    start,
                    ..PenaltyTally::default()
                });
            self.state.penalties.push(tally);
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            self.state.timers.push(next, Due::Penalty(version, index));
        }
    }

    /// Counts a met or breached clock of a target with penalty terms.
    pub(super) fn penalty_action(&mut self, action: &Action) {
        let met = match action.kind {
            Kind::SlaMet => true,
            Kind::SlaBreached => false,
            _ => return,
        };
        let (Some(agreement), Some(target)) = (&action.agreement, &action.target) else {
            return;
        };
        if let Some(tally) = self
            .state
            .penalties
            .iter_mut()
            .find(|t| t.agreement == *agreement && t.target == *target)
        {
            if met {
                tally.met += 1;
            } else {
                tally.breached += 1;
            }
        }
    }

    /// The end of a penalty's period: a penalty case if the target owes something, and the
    /// next period begins.
    pub(super) fn penalty_timer(&mut self, version: u16, index: u32, at: i64) {
        if version != self.state.current {
            return;
        }
        let program = Arc::clone(&self.current);
        let Some(def) = program.penalties.get(index as usize) else {
            return;
        };
        let Some(tally) = self.state.penalties.get_mut(index as usize) else {
            return;
        };
        let closed = std::mem::replace(
            tally,
            PenaltyTally {
                agreement: Name::clone(&def.agreement),
                target: Name::clone(&def.target),
                start: at,
                ..PenaltyTally::default()
            },
        );
        let next = next_boundary(def.period, def.tz, at);
        self.state.timers.push(next, Due::Penalty(version, index));
        let owed = def.terms.owed(closed.met, closed.breached);
        if owed.total.is_zero() {
            return;
        }
        let currency = def.terms.currency.clone().unwrap_or_default();
        let mut reason = format!(
            "{} met, {} breached from {} to {}",
            closed.met,
            closed.breached,
            Timestamp(closed.start),
            Timestamp(at)
        );
        if let Some(per) = def.terms.per_breach {
            reason.push_str(&format!(
                "; {} x {} {currency} per breach",
                closed.breached,
                money(per)
            ));
        }
        if let Some((below, credit)) = owed.band {
            reason.push_str(&format!("; compliance below {below}: credit {credit}"));
        }
        if def
            .terms
            .cap
            .is_some_and(|cap| owed.penalties + owed.credit > cap)
        {
            reason.push_str("; capped");
        }
        let mut action = Action::new(Kind::PenaltyDue, at);
        action.agreement = Some(Name::clone(&def.agreement));
        action.target = Some(Name::clone(&def.target));
        action.reason = Some(reason.clone());
        let text = |s: String| serde_json::Value::String(s);
        let mut fields = serde_json::Map::new();
        fields.insert(
            "period_start".into(),
            text(Timestamp(closed.start).to_string()),
        );
        fields.insert("period_end".into(), text(Timestamp(at).to_string()));
        fields.insert("currency".into(), text(currency));
        fields.insert("penalties".into(), text(money(owed.penalties)));
        fields.insert("credit".into(), text(money(owed.credit)));
        fields.insert("amount".into(), text(money(owed.total)));
        action.fields = Some(fields);
        self.emit(action);
        if let Some(process) = def.process
            && let Some(entry) = program
                .processes
                .get(process as usize)
                .and_then(|p| p.start)
        {
            let start = Start {
                process,
                entry,
                record: None,
                reason: format!(
                    "penalty due: {} {} owes {}",
                    def.agreement,
                    def.target,
                    money(owed.total)
                ),
                parent: None,
                scheduled: Some(format!(
                    "{}-{}",
                    def.target,
                    crate::calendar::period::local_date(def.tz, closed.start).format("%Y-%m")
                )),
            };
            let mut moves = super::MAX_MOVES;
            self.start_instance(version, start, at, &mut moves);
        }
    }
}
