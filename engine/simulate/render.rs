//! A [`Simulation`] as Markdown, for a pull-request comment (a summary table first, then the
//! clocks that change outcome and why, each list bounded with "and N more"), or as JSON (every
//! row and every change, for tools).

use std::fmt::Write as _;

use super::{Figures, Simulation, TargetRow};

/// Rows of the summary table shown before "and N more".
pub const SUMMARY_ROWS: usize = 40;
/// Clocks listed in the table of outcome changes before "and N more".
pub const CHANGE_ROWS: usize = 25;
/// Clocks whose differing `explain` lines are shown.
pub const EXPLAINED: usize = 10;

/// The simulation as one JSON document (pretty-printed, fields in a fixed order).
pub fn json(simulation: &Simulation) -> String {
    let mut text = serde_json::to_string_pretty(simulation).unwrap_or_default();
    text.push('\n');
    text
}

/// `old → new`, or just `old` when they are the same.
fn pair(old: Option<&str>, new: Option<&str>) -> String {
    let (old, new) = (old.unwrap_or("-"), new.unwrap_or("-"));
    if old == new {
        old.to_string()
    } else {
        format!("{old} → {new}")
    }
}

fn figure<'a, T>(f: Option<&'a Figures>, get: impl Fn(&'a Figures) -> Option<T>) -> Option<T> {
    f.and_then(get)
}

/// One summary row.
fn summary(out: &mut String, row: &TargetRow) {
    let (b, c) = (row.baseline.as_ref(), row.candidate.as_ref());
    let count = |f: Option<&Figures>| f.map(|f| f.breached.to_string());
    let mut breaches = pair(count(b).as_deref(), count(c).as_deref());
    if row.breaches_delta != 0 {
        let sign = if row.breaches_delta > 0 { "+" } else { "−" };
        let _ = write!(breaches, " ({sign}{})", row.breaches_delta.unsigned_abs());
    }
    let percent =
        |f: Option<&Figures>| figure(f, |f| f.compliance.as_ref().map(|c| format!("{c}%")));
    let objective = |f: Option<&Figures>| figure(f, |f| f.objective.clone());
    let achieved = |f: Option<&Figures>| {
        figure(f, |f| {
            f.achieved.map(|a| if a { "yes" } else { "no" }.to_string())
        })
    };
    let credits = |f: Option<&Figures>| figure(f, |f| f.credits.clone());
    let mut money = pair(credits(b).as_deref(), credits(c).as_deref());
    if let Some(currency) = figure(c, |f| f.currency.clone()).or(figure(b, |f| f.currency.clone()))
    {
        let _ = write!(money, " {currency}");
    }
    if let Some(delta) = row.credits_delta.as_deref().filter(|d| amount_nonzero(d)) {
        let delta = delta
            .strip_prefix('-')
            .map_or(format!("+{delta}"), |d| format!("−{d}"));
        let _ = write!(money, " ({delta})");
    }
    let _ = writeln!(
        out,
        "| {} | `{}/{}` | {breaches} | {} | {} | {} | {money} |",
        row.period,
        row.agreement,
        row.target,
        pair(percent(b).as_deref(), percent(c).as_deref()),
        pair(objective(b).as_deref(), objective(c).as_deref()),
        pair(achieved(b).as_deref(), achieved(c).as_deref()),
    );
}

/// Whether no clock counted in the row's period or ran at its end, on either side.
fn idle(row: &TargetRow) -> bool {
    [&row.baseline, &row.candidate]
        .into_iter()
        .flatten()
        .all(|f| f.in_scope == 0 && f.running == 0)
}

fn amount_nonzero(text: &str) -> bool {
    text.parse::<rust_decimal::Decimal>()
        .is_ok_and(|d| !d.is_zero())
}

/// The simulation as Markdown.
pub fn markdown(s: &Simulation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## slaflow simulate: `{}` → `{}`\n",
        s.baseline, s.candidate
    );
    let periods: Vec<&str> = s.periods.iter().map(|p| p.period.as_str()).collect();
    let how = match s.switch_at {
        Some(at) => format!("the baseline until {at}, then the candidate as a reload switches"),
        None => "each bundle".to_string(),
    };
    let changed = match s.changed {
        0 => "no clock changes outcome".to_string(),
        1 => "1 clock changes outcome".to_string(),
        n => format!("{n} clocks change outcome"),
    };
    let _ = writeln!(
        out,
        "The same events replayed under {how}, over {}: {changed}.\n",
        periods.join(", ")
    );
    out.push_str(
        "| period | agreement / target | breaches | compliance | objective | achieved | credits |\n|---|---|---|---|---|---|---|\n",
    );
    // Targets no clock counted in on either side say nothing about the edit.
    let shown: Vec<&TargetRow> = s.targets.iter().filter(|r| !idle(r)).collect();
    for row in shown.iter().take(SUMMARY_ROWS) {
        summary(&mut out, row);
    }
    if shown.len() > SUMMARY_ROWS {
        let _ = writeln!(
            out,
            "\nand {} more rows (`--format json` lists them all).",
            shown.len() - SUMMARY_ROWS
        );
    }
    let idle = s.targets.len() - shown.len();
    if idle > 0 {
        let _ = writeln!(
            out,
            "\n{idle} {} no clock on either side not shown.",
            if idle == 1 { "row with" } else { "rows with" }
        );
    }
    if !s.fail_if.is_empty() {
        out.push_str("\n### Fail if\n\n");
        for v in &s.fail_if {
            if v.holds {
                let _ = writeln!(out, "- `{}` **holds**:", v.condition.as_str());
                for reason in v.reasons.iter().take(SUMMARY_ROWS) {
                    let _ = writeln!(out, "  - {reason}");
                }
                if v.reasons.len() > SUMMARY_ROWS {
                    let _ = writeln!(out, "  - and {} more", v.reasons.len() - SUMMARY_ROWS);
                }
            } else {
                let _ = writeln!(out, "- `{}` does not hold", v.condition.as_str());
            }
        }
    }
    if s.changes.is_empty() {
        return out;
    }
    out.push_str("\n### Outcome changes\n\n| record | agreement / target | cycle | outcome | due |\n|---|---|---|---|---|\n");
    let due = |t: Option<crate::model::Timestamp>| t.map(|t| t.to_string());
    for c in s.changes.iter().take(CHANGE_ROWS) {
        let _ = writeln!(
            out,
            "| `{}` | `{}/{}` | {} | {} → {} | {} |",
            c.record,
            c.agreement,
            c.target,
            c.cycle,
            c.baseline,
            c.candidate,
            pair(
                due(c.baseline_due).as_deref(),
                due(c.candidate_due).as_deref()
            )
        );
    }
    if s.changes.len() > CHANGE_ROWS {
        let _ = writeln!(out, "\nand {} more.", s.changes.len() - CHANGE_ROWS);
    }
    out.push_str("\n### Why\n\nThe `explain` lines that differ: `-` baseline, `+` candidate.\n");
    for c in s.changes.iter().take(EXPLAINED) {
        let _ = writeln!(
            out,
            "\n`{}` `{}/{}` cycle {}: {} → {}\n\n```diff",
            c.record, c.agreement, c.target, c.cycle, c.baseline, c.candidate
        );
        for line in &c.baseline_explain {
            let _ = writeln!(out, "- {line}");
        }
        for line in &c.candidate_explain {
            let _ = writeln!(out, "+ {line}");
        }
        out.push_str("```\n");
    }
    if s.changes.len() > EXPLAINED {
        let _ = writeln!(
            out,
            "\nand {} more (`slaflow explain` shows any record's clocks).",
            s.changes.len() - EXPLAINED
        );
    }
    out
}
