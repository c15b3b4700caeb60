//! An agreement's term against the holidays of its calendars (W0709): where a term runs past the
//! last year a calendar's holidays are known for, that year's holidays would count as working
//! days.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate};

use crate::calendar::holidays::Coverage;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Agreement;
use crate::source::Span;
use crate::validate::Context;

/// Checks the term of every agreement against the calendars it and its targets count in.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    for (id, entry) in cx.bundle.agreements.iter() {
        let agreement = &entry.value;
        let Some((last_day, written)) = last_day(agreement) else {
            continue;
        };
        let targets = agreement
            .targets
            .values()
            .filter_map(|t| t.calendar.as_ref());
        let mut seen = HashSet::new();
        for calendar in agreement.calendar.iter().chain(targets) {
            let name = calendar.value.as_str();
            if !seen.insert(name) {
                continue;
            }
            let Some(Coverage::Until(year)) = cx.calendars.holidays_cover(name) else {
                continue;
            };
            if last_day.year() <= year {
                continue;
            }
            d.push(
                Diagnostic::new(
                    Code::TermOutlastsHolidays,
                    calendar.span,
                    format!(
                        "the term of `{id}` runs to {last_day}, but the holidays of calendar `{name}` end in {year}"
                    ),
                )
                .with_label(format!("no holidays known after {year}"))
                .with_secondary(written, "the term")
                .with_help(format!(
                    "give the calendar, or a holiday list it inherits, `holiday_rules` for the holidays of every year, or the dated holidays of {} to {}",
                    year + 1,
                    last_day.year()
                )),
            );
        }
    }
}

/// The last day of the agreement's term and where it is written: its `end`, else its `start`
/// plus `months`, less a day. `None` for a term with no end.
fn last_day(agreement: &Agreement) -> Option<(NaiveDate, Span)> {
    let term = agreement.term.as_ref()?;
    if let Some(end) = &term.end {
        return Some((end.value.0, end.span));
    }
    let start = term.start.as_ref()?;
    let end = start
        .value
        .0
        .checked_add_months(Months::new(term.months?))?
        .pred_opt()?;
    Some((end, start.span))
}
