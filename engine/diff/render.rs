//! A diff as Markdown, for a pull-request comment, or as JSON, for tools.
//!
//! Markdown groups changes by area in tables (entry, change, old, new) and ends with the
//! months whose working time changes; values are written as in YAML, lists and mappings as
//! compact JSON. JSON is the [`Diff`] itself, keys in a fixed order.

use std::fmt::Write;

use serde_json::Value;

use super::{Area, Diff, What};

/// The diff as one JSON document (with a final newline).
pub fn json(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_default();
    text.push('\n');
    text
}

/// The diff as Markdown.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## slaflow diff: `{}` → `{}`\n", diff.old, diff.new);
    if diff.equal {
        out.push_str("No semantic change.\n");
        return out;
    }
    let count = diff.changes.len();
    let _ = writeln!(
        out,
        "{count} change{}{}.",
        if count == 1 { "" } else { "s" },
        if diff.working_time.is_empty() {
            String::new()
        } else {
            format!(
                "; working time changes in {} month{} of the 12 from {}",
                diff.working_time.len(),
                if diff.working_time.len() == 1 {
                    ""
                } else {
                    "s"
                },
                diff.from
            )
        }
    );
    let mut area: Option<Area> = None;
    for change in &diff.changes {
        if area != Some(change.area) {
            area = Some(change.area);
            let _ = write!(
                out,
                "\n### {}\n\n| {} | change | old | new |\n|---|---|---|---|\n",
                change.area.title(),
                entry_heading(change.area)
            );
        }
        let what = match (change.change, &change.field) {
            (What::Added, None) => "added".to_string(),
            (What::Removed, None) => "removed".to_string(),
            (What::Changed, None) => "changed".to_string(),
            (What::Added, Some(field)) => format!("`{field}` added"),
            (What::Removed, Some(field)) => format!("`{field}` removed"),
            (What::Changed, Some(field)) => format!("`{field}`"),
        };
        let _ = writeln!(
            out,
            "| `{}` | {what} | {} | {} |",
            change.id,
            cell(change.old.as_ref()),
            cell(change.new.as_ref())
        );
    }
    if !diff.working_time.is_empty() {
        let mut totals: Vec<(&str, i64)> = Vec::new();
        for row in &diff.working_time {
            let delta = row.new_seconds as i64 - row.old_seconds as i64;
            match totals.iter_mut().find(|(c, _)| *c == row.calendar) {
                Some((_, sum)) => *sum += delta,
                None => totals.push((&row.calendar, delta)),
            }
        }
        let _ = write!(
            out,
            "\n### Working time\n\nBusiness hours per month, for the 12 months from {}.\n\n| calendar | month | old | new | change |\n|---|---|---|---|---|\n",
            diff.from
        );
        for row in &diff.working_time {
            let delta = row.new_seconds as i64 - row.old_seconds as i64;
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {}{} |",
                row.calendar,
                row.month,
                hours(row.old_seconds as i64),
                hours(row.new_seconds as i64),
                sign(delta),
                hours(delta.abs())
            );
        }
        for (calendar, delta) in totals {
            let _ = writeln!(
                out,
                "| `{calendar}` | 12 months |  |  | {}{} |",
                sign(delta),
                hours(delta.abs())
            );
        }
    }
    out
}

fn sign(delta: i64) -> &'static str {
    if delta > 0 { "+" } else { "−" }
}

fn entry_heading(area: Area) -> &'static str {
    match area {
        Area::Agreement => "agreement",
        Area::Target => "agreement / target",
        Area::Calendar => "calendar",
        Area::Process => "process / step",
        Area::Raci => "process / step",
        Area::Escalation => "matrix / topic",
        Area::RateCard => "rate card",
        Area::Other => "entry",
    }
}

/// A value in a table cell, in YAML's flow style; `|` escaped.
fn cell(value: Option<&Value>) -> String {
    value
        .map(flow)
        .unwrap_or_default()
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// A value as YAML writes it in flow style: `4h`, `[on_hold, awaiting_customer]`,
/// `{after: 2h, roles: [desk-lead]}`; whole numbers without a decimal point.
fn flow(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Seconds as hours and minutes, `152h` or `7h 30m`.
fn hours(seconds: i64) -> String {
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    if m == 0 {
        format!("{h}h")
    } else {
        format!("{h}h {m}m")
    }
}
