//! The service report of one period: compliance per agreement and target, the breaches behind
//! it, KPIs with their trend against the control limits, service credits and penalties, invoice
//! lines by rate card, and licence positions.
//!
//! Everything is computed by one fold, the [`Ledger`], over what the engine applied and emitted:
//! it is a [`crate::runtime::Sink`], so a replay of events (`slaflow report --events`), a journal
//! read back (`--db`) and the live server (`GET /v1/reports/{id}`) compute the same figures from
//! the same actions. The ledger keeps compact aggregates for the period and the clocks still
//! running, never the actions themselves, so its memory is bounded by the running clocks and the
//! period's breaches, not by the history's length. Money is exact ([`rust_decimal`]).
//!
//! Rendering (Markdown, HTML with inline SVG, CSV, JSON) is in [`render`].

mod billing;
mod ledger;
pub mod render;
mod window;

use serde::Serialize;

pub use ledger::{Ledger, Sections};
pub use window::{Dates, Window, parse_period};

/// The report of one period, as the JSON format writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The report definition's id, if one was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// Its display name.
    pub name: String,
    /// The period, as given: `2026-11`, `2026-Q4`, `2026-H2` or `2026`.
    pub period: String,
    /// The period's start, in the report's time zone.
    pub from: String,
    /// The start of the next period.
    pub to: String,
    /// The report definition's sections, in order (the contract's list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// Compliance per agreement and target.
    pub compliance: Vec<ComplianceRow>,
    /// Each breach of the period.
    pub breaches: Vec<BreachRow>,
    /// Availability per availability target of the report's agreements, in the agreement's
    /// period that holds the report's start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub availability: Vec<crate::availability::Availability>,
    /// KPIs.
    pub kpis: Vec<KpiRow>,
    /// Service credits and penalties.
    pub credits: Vec<CreditRow>,
    /// Invoices by rate card.
    pub billing: Vec<Invoice>,
    /// Licence positions per product.
    pub licences: Vec<LicenceRow>,
    /// The forums' meetings in the 92 days after the period, with their notices.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forums: Vec<ForumRow>,
}

/// A forum meeting the report announces.
#[derive(Debug, Clone, Serialize)]
pub struct ForumRow {
    /// The forum's id.
    pub forum: String,
    /// Its name.
    pub name: String,
    /// The period of its cadence the meeting is held for, e.g. `2026-Q4`.
    pub period: String,
    /// When it starts.
    pub start: String,
    /// When it ends.
    pub end: String,
    /// When its notices go out, with the roles told, e.g. `2026-11-24T09:00:00Z to steering-group`.
    pub notices: Vec<String>,
    /// Its agenda.
    pub agenda: Vec<String>,
}

/// The outages an engine kept, from a journal's latest state, and the engine's time they are
/// known up to (for reports folded from a journal, which holds actions and inputs but not the
/// outages the availability figures need).
pub fn journal_outages(
    journal: &mut crate::store::Journal,
    program: &std::sync::Arc<crate::program::Program>,
) -> Result<(Vec<crate::availability::Outage>, i64), String> {
    let recovered = journal.recover(program).map_err(|e| e.to_string())?;
    let now = recovered.engine.state.now.unwrap_or(i64::MIN);
    Ok((recovered.engine.state.outages, now))
}

/// One target's compliance in the period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ComplianceRow {
    /// The agreement.
    pub agreement: String,
    /// `sla`, `ola` or `uc`.
    pub agreement_type: String,
    /// The target.
    pub target: String,
    /// The target's name.
    pub name: String,
    /// Which instant placed a clock in the period: `stop`, `start` or `due`.
    pub count_by: String,
    /// Clocks counted in the period: met, breached and cancelled.
    pub in_scope: u64,
    /// Met.
    pub met: u64,
    /// Breached.
    pub breached: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Still running at the period's end.
    pub running: u64,
    /// 100 × met / (met + breached), rounded to two decimals; none without a met or breached
    /// clock.
    pub compliance: Option<String>,
    /// The objective, e.g. `95%`.
    pub objective: Option<String>,
    /// Whether the objective was achieved (exactly: met × 100 ≥ objective × (met + breached)).
    pub achieved: Option<bool>,
    /// The same figures by the value of the report's `breakdown` field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<BreakdownRow>,
}

/// Compliance for one value of the breakdown field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BreakdownRow {
    /// The field's value (`-` when the record had none).
    pub value: String,
    /// Met.
    pub met: u64,
    /// Breached.
    pub breached: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Compliance, as in the row.
    pub compliance: Option<String>,
}

/// One breach.
#[derive(Debug, Clone, Serialize)]
pub struct BreachRow {
    /// The agreement.
    pub agreement: String,
    /// The target.
    pub target: String,
    /// The record.
    pub record: String,
    /// The clock's cycle.
    pub cycle: u32,
    /// When the clock started.
    pub started: String,
    /// Its due time.
    pub due: String,
    /// When it breached.
    pub breached_at: String,
    /// Why, in `explain`'s words.
    pub reason: String,
}

/// One KPI for the period, with its trend.
#[derive(Debug, Clone, Serialize)]
pub struct KpiRow {
    /// The KPI id.
    pub kpi: String,
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: Option<String>,
    /// Lower control limit.
    pub lower_limit: Option<String>,
    /// Upper control limit.
    pub upper_limit: Option<String>,
    /// `inclusive` or `strict`.
    pub bounds: String,
    /// The value of the period.
    pub value: Option<String>,
    /// `within`, `out_of_limits`, `no value` (nothing measured) or `not reported` (a KPI
    /// without a measure that no `kpi.reported` event gave a value for the period).
    pub status: String,
    /// The engine's reason.
    pub reason: Option<String>,
    /// The values of this and earlier periods, oldest first (at most 12).
    pub trend: Vec<TrendPoint>,
}

/// A KPI value of one period.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// The period's start.
    pub period_start: String,
    /// The period's end.
    pub period_end: String,
    /// The value, if there was one.
    pub value: Option<String>,
    /// Whether it was out of the control limits.
    pub out_of_limits: bool,
}

/// The credits and penalties a target owes for the period.
#[derive(Debug, Clone, Serialize)]
pub struct CreditRow {
    /// The agreement.
    pub agreement: String,
    /// The target.
    pub target: String,
    /// The currency.
    pub currency: Option<String>,
    /// The period's compliance.
    pub compliance: Option<String>,
    /// Breaches in the period.
    pub breaches: u64,
    /// The amount per breach.
    pub per_breach: Option<String>,
    /// breaches × per_breach.
    pub penalties: String,
    /// The credit band that applies: `below 90%: 10%`.
    pub band: Option<String>,
    /// The period's charge the band is a share of.
    pub charge: Option<String>,
    /// The band's share of the charge.
    pub credit: String,
    /// The cap per period.
    pub cap: Option<String>,
    /// What is due: penalties and credit, at most the cap.
    pub total: String,
    /// How penalties are handled, in the contract's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handling: Option<String>,
}

/// The invoice of one rate card for the period.
#[derive(Debug, Clone, Serialize)]
pub struct Invoice {
    /// The rate card.
    pub rate_card: String,
    /// Its name.
    pub name: String,
    /// The currency.
    pub currency: Option<String>,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
    /// The sum of the lines.
    pub total: String,
    /// The transaction allowance of the rate card's period holding this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowance: Option<Allowance>,
}

/// One invoice line, with the records behind it.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    /// `transactions`, `time_and_materials` or `buy_back`.
    pub kind: String,
    /// What is billed: the rule's name (and the cost centre for time and materials).
    pub description: String,
    /// The cost centre billed (time and materials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_centre: Option<String>,
    /// Records billed.
    pub records: u64,
    /// Transactions, or hours.
    pub quantity: String,
    /// The price of a transaction, or of an hour.
    pub unit_price: String,
    /// quantity × unit_price (negative for a buy-back).
    pub amount: String,
    /// The records behind the line.
    pub record_ids: Vec<String>,
}

/// A transaction allowance and its use.
#[derive(Debug, Clone, Serialize)]
pub struct Allowance {
    /// The allowance period's start.
    pub from: String,
    /// Its end.
    pub to: String,
    /// Transactions contracted for it.
    pub contracted: String,
    /// Transactions used in it up to the report period's end.
    pub used: String,
    /// contracted − used.
    pub remaining: String,
}

/// One product's licence position at the period's end.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceRow {
    /// The product.
    pub product: String,
    /// Licences entitled (bought).
    pub entitled: Option<String>,
    /// Licences deployed (provisioned).
    pub deployed: Option<String>,
    /// Licences in use.
    pub used: Option<String>,
    /// Licences in the re-use pool.
    pub reuse_pool: String,
    /// entitled − used.
    pub headroom: Option<String>,
    /// What needs attention: `used above deployed`, `used above entitled`.
    pub flags: Vec<String>,
}

/// Folds the whole history of a journal into `ledger`, batch by batch: each batch's events and
/// actions in time order (an event before the actions at its instant), as the engine applied
/// and emitted them. The live server and `slaflow report --db` compute reports this way.
pub fn fold_journal(ledger: &mut Ledger, journal: &crate::store::Journal) -> Result<(), String> {
    use crate::runtime::action::Action;
    journal
        .history(|lines, actions| {
            let events: Vec<crate::model::Event> = lines
                .iter()
                .filter_map(|(n, raw)| crate::runtime::input::parse(*n, raw.clone()).event.ok())
                .collect();
            let mut next = 0;
            for text in actions.lines() {
                let Some(action) = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| Action::from_value(&v))
                else {
                    continue;
                };
                while let Some(event) = events.get(next)
                    && event.at.0 <= action.at.0
                {
                    ledger.event(event);
                    next += 1;
                }
                ledger.action(&action);
            }
            for event in events.get(next..).unwrap_or_default() {
                ledger.event(event);
            }
        })
        .map_err(|e| e.to_string())
}
