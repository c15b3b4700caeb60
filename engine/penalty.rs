//! Penalties and service credits of a target for one period: an amount per breach, the credit
//! band the period's compliance falls below as a share of the period's charge, and a cap, in
//! exact decimals. The engine opens a penalty case with them at the end of each period
//! (`penalty.due`), and the report lists them, from the same computation.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::base::Name;
use crate::model::agreement::Penalty;
use crate::model::{Percent, Period, PeriodUnit};
use crate::validate::Context;

/// A target whose penalty the engine assesses at the end of each of its agreement's periods.
#[derive(Debug)]
pub struct PenaltyDef {
    /// The agreement.
    pub agreement: Name,
    /// The target.
    pub target: Name,
    /// The agreement's compliance period.
    pub period: Period,
    /// The time zone of the agreement's calendar, which bounds its periods.
    pub tz: chrono_tz::Tz,
    /// The terms.
    pub terms: Terms,
    /// The process a penalty case starts, by index.
    pub process: Option<u32>,
}

/// The clocks of one penalty's current period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PenaltyTally {
    /// The agreement.
    pub agreement: Name,
    /// The target.
    pub target: Name,
    /// The start of the period being counted.
    pub start: i64,
    /// Clocks met in it.
    pub met: u64,
    /// Clocks breached in it.
    pub breached: u64,
}

/// The targets of a checked bundle with penalty terms, in document order; `processes` gives
/// the index of a process by id.
pub fn penalties(cx: &Context<'_>, processes: &HashMap<String, u32>) -> Vec<PenaltyDef> {
    let mut out = Vec::new();
    for (id, entry) in cx.bundle.agreements.iter() {
        let a = &entry.value;
        let tz = cx
            .calendars
            .get_or_always(a.calendar.as_ref().map(|c| c.value.as_str()))
            .map_or(chrono_tz::UTC, |c| c.tz());
        let period = a.period.as_ref().map_or(
            Period {
                unit: PeriodUnit::Month,
                count: 1,
            },
            |p| p.value,
        );
        for (target, t) in a.targets.iter() {
            let Some(penalty) = &t.penalty else {
                continue;
            };
            let Some(terms) = Terms::of(penalty) else {
                continue;
            };
            out.push(PenaltyDef {
                agreement: Name::from(id.as_str()),
                target: Name::from(target.value.as_str()),
                period,
                tz,
                terms,
                process: penalty
                    .process
                    .as_ref()
                    .and_then(|p| processes.get(p.value.as_str()).copied()),
            });
        }
    }
    out
}

/// A target's penalty terms, ready to compute with.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    /// The currency.
    pub currency: Option<String>,
    /// The amount per breach.
    pub per_breach: Option<Decimal>,
    /// Credit bands: below this compliance, this share of the charge.
    pub bands: Vec<(Percent, Percent)>,
    /// The period's charge the bands are a share of.
    pub charge: Option<Decimal>,
    /// The most due in one period.
    pub cap: Option<Decimal>,
}

/// What a target owes for a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Owed {
    /// breaches × per breach.
    pub penalties: Decimal,
    /// The band that applies: below, credit.
    pub band: Option<(Percent, Percent)>,
    /// The band's share of the charge.
    pub credit: Decimal,
    /// Penalties and credit, at most the cap.
    pub total: Decimal,
}

impl Terms {
    /// The terms of a penalty that has an amount per breach or credit bands.
    pub fn of(penalty: &Penalty) -> Option<Terms> {
        if penalty.per_breach.is_none() && penalty.credits.is_empty() {
            return None;
        }
        Some(Terms {
            currency: penalty.currency.clone(),
            per_breach: penalty.per_breach.map(|a| a.value()),
            bands: penalty
                .credits
                .iter()
                .map(|b| (b.value.below, b.value.credit))
                .collect(),
            charge: penalty.charge.map(|a| a.value()),
            cap: penalty.cap.map(|a| a.value()),
        })
    }

    /// What is owed for a period with `met` and `breached` clocks: the most severe band the
    /// compliance (met / (met + breached), compared exactly) is below, none without a clock.
    pub fn owed(&self, met: u64, breached: u64) -> Owed {
        let penalties = self.per_breach.unwrap_or_default() * Decimal::from(breached);
        let total = met + breached;
        let band = (total > 0)
            .then(|| {
                self.bands
                    .iter()
                    .filter(|(below, _)| {
                        let (num, den) = below.ratio();
                        u128::from(met) * u128::from(den) < u128::from(num) * u128::from(total)
                    })
                    .min_by(|a, b| a.0.0.total_cmp(&b.0.0))
                    .copied()
            })
            .flatten();
        let credit = match (band, self.charge) {
            (Some((_, share)), Some(charge)) => {
                let (num, den) = share.ratio();
                charge * Decimal::from(num) / Decimal::from(den.max(1))
            }
            _ => Decimal::ZERO,
        };
        let mut owed = penalties + credit;
        if let Some(cap) = self.cap {
            owed = owed.min(cap);
        }
        Owed {
            penalties,
            band,
            credit,
            total: owed,
        }
    }
}

/// Money as written on an invoice: two decimals, halves away from zero.
pub fn money(amount: Decimal) -> String {
    format!(
        "{:.2}",
        amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(text: &str) -> Percent {
        text.parse().unwrap()
    }

    #[test]
    fn the_most_severe_band_applies_and_the_cap_holds() {
        let terms = Terms {
            currency: Some("SEK".into()),
            per_breach: Some(Decimal::from(100)),
            bands: vec![
                (percent("95%"), percent("5%")),
                (percent("90%"), percent("10%")),
                (percent("80%"), percent("20%")),
            ],
            charge: Some(Decimal::from(40_000)),
            cap: Some(Decimal::from(5_000)),
        };
        // 17 of 20 = 85%: below 95% and 90%, not 80%: the 90% band, 10% of 40,000.
        let owed = terms.owed(17, 3);
        assert_eq!(owed.band.map(|b| b.1), Some(percent("10%")));
        assert_eq!(money(owed.credit), "4000.00");
        assert_eq!(money(owed.penalties), "300.00");
        assert_eq!(money(owed.total), "4300.00");
        // 0 of 1: the 80% band, 8,000 + 100, capped at 5,000.
        assert_eq!(money(terms.owed(0, 1).total), "5000.00");
        // Exactly 95% is not below 95%.
        assert_eq!(terms.owed(19, 1).band, None);
        assert_eq!(terms.owed(0, 0).band, None);
    }
}
