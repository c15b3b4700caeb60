//! Billing by rate card: a record is billed when it closes (its `closed` event), by the first
//! transaction rule that matches it, or by time and materials when a time-and-materials rule
//! matches (hours × rate, to the record's cost centre). Transactions count against the rate
//! card's allowance for its period (e.g. a year); at the end of that period the unused ones are
//! bought back. The ledger keeps the fields of open billable records only.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::ledger::money;
use super::window::{Dates, Window, holding};
use super::{Allowance, Invoice, InvoiceLine};
use crate::base::{FastMap, Fields};
use crate::condition::{Change, Condition, Evaluator, compile_script};
use crate::model::commercial::RateCard;
use crate::model::{Event, Script, Timestamp};
use crate::program::Program;
use crate::script::ScriptContext;

/// A rule that bills a record: transactions, or time and materials.
#[derive(Debug)]
struct Rule {
    name: String,
    record_type: String,
    condition: Condition,
    /// Transactions earned (a transaction rule).
    transactions: Option<Decimal>,
    /// The hourly rate, the field with the minutes, the field naming the cost centre.
    hourly: Option<(Decimal, String, String)>,
}

/// One invoice line being summed.
#[derive(Debug, Default)]
struct Line {
    records: Vec<String>,
    quantity: Decimal,
    unit_price: Decimal,
}

/// One rate card's billing for the period.
#[derive(Debug)]
pub struct Billing {
    id: String,
    name: String,
    currency: Option<String>,
    price: Option<Decimal>,
    buy_back: Option<Decimal>,
    contracted: Option<Decimal>,
    rules: Vec<Rule>,
    types: Vec<String>,
    program: Arc<Program>,
    open: FastMap<String, (String, serde_json::Map<String, serde_json::Value>)>,
    window: Window,
    allowance: Window,
    lines: BTreeMap<(u8, String, String), Line>,
    used: Decimal,
}

impl Billing {
    /// The billing of rate card `id` over the period `dates` in `tz`.
    pub fn new(id: &str, card: &RateCard, program: &Arc<Program>, dates: Dates, tz: Tz) -> Billing {
        let compile = |script: Option<&Script>, what: String| {
            script.and_then(|s| {
                compile_script(
                    &program.script,
                    ScriptContext::Record,
                    s,
                    what,
                    format!("rate card {id}"),
                )
            })
        };
        let mut rules = Vec::new();
        for rule in &card.time_and_materials {
            let r = &rule.value;
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| "Time and materials".into());
            rules.push(Rule {
                condition: Condition::of_fields(
                    &r.fields,
                    compile(r.when.as_ref(), format!("rate card {id} rule {name}")),
                ),
                record_type: r.record_type.value.clone(),
                transactions: None,
                hourly: Some((
                    r.hourly_rate.value(),
                    r.time_field
                        .clone()
                        .unwrap_or_else(|| "time_spent_minutes".into()),
                    r.bill_to_field
                        .clone()
                        .unwrap_or_else(|| "cost_centre".into()),
                )),
                name,
            });
        }
        for rule in &card.transactions {
            let r = &rule.value;
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| r.record_type.value.clone());
            rules.push(Rule {
                condition: Condition::of_fields(
                    &r.fields,
                    compile(r.when.as_ref(), format!("rate card {id} rule {name}")),
                ),
                record_type: r.record_type.value.clone(),
                transactions: Some(r.transactions.value()),
                hourly: None,
                name,
            });
        }
        let mut types: Vec<String> = rules.iter().map(|r| r.record_type.clone()).collect();
        types.sort();
        types.dedup();
        let months = card
            .period
            .as_ref()
            .filter(|p| p.value.unit == crate::model::PeriodUnit::Month)
            .map_or(1, |p| p.value.count);
        Billing {
            id: id.to_string(),
            name: card.name.clone().unwrap_or_else(|| id.to_string()),
            currency: Some(card.currency.clone()),
            price: card.transaction_price.map(|a| a.value()),
            buy_back: card.buy_back_price.map(|a| a.value()),
            contracted: card.contracted_transactions.map(|a| a.value()),
            rules,
            types,
            program: Arc::clone(program),
            open: FastMap::default(),
            window: Window::of(dates, tz),
            allowance: Window::of(holding(dates.first, months), tz),
            lines: BTreeMap::new(),
            used: Decimal::ZERO,
        }
    }

    /// Folds an input event: the fields of billable records, and a closed record's bill.
    pub fn event(&mut self, event: &Event) {
        let Some(record) = &event.record else {
            return;
        };
        let entry = match self.open.get_mut(record.as_str()) {
            Some(entry) => entry,
            None => {
                let Some(t) = event
                    .record_type
                    .as_ref()
                    .filter(|t| self.types.iter().any(|w| w == *t))
                else {
                    return;
                };
                self.open
                    .entry(record.clone())
                    .or_insert_with(|| (t.clone(), serde_json::Map::new()))
            }
        };
        for (k, v) in &event.fields.0 {
            entry.1.insert(k.clone(), v.clone());
        }
        if event.event != "closed" {
            return;
        }
        let Some((record_type, fields)) = self.open.remove(record.as_str()) else {
            return;
        };
        let at = event.at.0;
        if at < self.allowance.start || at >= self.window.end.max(self.allowance.start) {
            return;
        }
        self.bill(record, &record_type, fields, at);
    }

    fn bill(
        &mut self,
        record: &str,
        record_type: &str,
        fields: serde_json::Map<String, serde_json::Value>,
        at: i64,
    ) {
        let fields: Arc<Fields> = Arc::new(fields.into());
        let change = Change {
            record,
            record_type,
            event: "closed",
            fields: &fields,
            before: &[],
            is_new: false,
            now: at,
            previous_event: None,
            changed_at: &[],
        };
        let mut eval = Evaluator::new(&self.program.script);
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| r.record_type == record_type && r.condition.holds(&change, &mut eval))
        else {
            return;
        };
        let in_period = self.window.holds(at);
        if let Some(units) = rule.transactions {
            self.used += units;
            if in_period {
                let line = self
                    .lines
                    .entry((0, rule.name.clone(), String::new()))
                    .or_default();
                line.records.push(record.to_string());
                line.quantity += units;
                line.unit_price = self.price.unwrap_or_default();
            }
        } else if let Some((rate, time_field, bill_to)) = &rule.hourly
            && in_period
        {
            let minutes = fields
                .get(time_field)
                .and_then(|v| v.to_string().parse::<Decimal>().ok())
                .unwrap_or_default();
            let centre = fields
                .get(bill_to)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .unwrap_or_else(|| "(no cost centre)".into());
            let line = self
                .lines
                .entry((1, rule.name.clone(), centre))
                .or_default();
            line.records.push(record.to_string());
            line.quantity += minutes / Decimal::from(60);
            line.unit_price = *rate;
        }
    }

    /// The invoice of the period.
    pub fn invoice(&self, window: Window) -> Invoice {
        let mut lines: Vec<InvoiceLine> = self
            .lines
            .iter()
            .map(|((kind, name, centre), line)| InvoiceLine {
                kind: if *kind == 0 {
                    "transactions"
                } else {
                    "time_and_materials"
                }
                .to_string(),
                description: if centre.is_empty() {
                    name.clone()
                } else {
                    format!("{name} - {centre}")
                },
                cost_centre: (!centre.is_empty()).then(|| centre.clone()),
                records: line.records.len() as u64,
                quantity: line.quantity.normalize().to_string(),
                unit_price: money(line.unit_price),
                amount: money(line.quantity * line.unit_price),
                record_ids: line.records.clone(),
            })
            .collect();
        let mut total: Decimal = self.lines.values().map(|l| l.quantity * l.unit_price).sum();
        let allowance = self.contracted.map(|contracted| {
            let remaining = contracted - self.used;
            if window.end == self.allowance.end
                && remaining > Decimal::ZERO
                && let Some(price) = self.buy_back
            {
                let amount = -(remaining * price);
                total += amount;
                lines.push(InvoiceLine {
                    kind: "buy_back".into(),
                    description: "Unused transactions bought back".into(),
                    cost_centre: None,
                    records: 0,
                    quantity: remaining.normalize().to_string(),
                    unit_price: money(price),
                    amount: money(amount),
                    record_ids: Vec::new(),
                });
            }
            Allowance {
                from: Timestamp(self.allowance.start).to_string(),
                to: Timestamp(self.allowance.end).to_string(),
                contracted: contracted.normalize().to_string(),
                used: self.used.normalize().to_string(),
                remaining: remaining.normalize().to_string(),
            }
        });
        Invoice {
            rate_card: self.id.clone(),
            name: self.name.clone(),
            currency: self.currency.clone(),
            lines,
            total: money(total),
            allowance,
        }
    }
}
