//! A [`Reconciliation`] as Markdown (the counts, a table of the differences with the `explain`
//! line behind slaflow's figure, then the timelines of the differing clocks, each list bounded
//! with "and N more") or as JSON (every difference with all its `explain` lines, for tools).

use std::fmt::Write as _;

use super::{Difference, Figures, Kind, Reconciliation};
use crate::explain::span;

/// Differences listed in the table before "and N more".
pub const ROWS: usize = 50;
/// Clocks whose whole timeline is shown.
pub const TIMELINES: usize = 10;

/// The reconciliation as one JSON document (pretty-printed, fields in a fixed order).
pub fn json(reconciliation: &Reconciliation) -> String {
    let mut text = serde_json::to_string_pretty(reconciliation).unwrap_or_default();
    text.push('\n');
    text
}

/// Figures as a cell: `completed, breached, 9h 55m`.
fn figures(f: Option<&Figures>) -> String {
    let Some(f) = f else {
        return "-".into();
    };
    let mut parts = Vec::new();
    if let Some(stage) = f.stage {
        parts.push(stage.as_str().replace('_', " "));
    }
    match f.breached {
        Some(true) => parts.push("breached".into()),
        Some(false) => parts.push("not breached".into()),
        None => {}
    }
    if let Some(elapsed) = f.elapsed {
        parts.push(span(elapsed));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

/// Text safe in a table cell.
fn cell(text: &str) -> String {
    crate::base::printable(text)
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn clock(d: &Difference) -> String {
    match (&d.clock, d.cycle) {
        (Some(clock), Some(cycle)) => format!("`{}` cycle {cycle}", cell(clock)),
        _ => "no clock".into(),
    }
}

/// The reconciliation as Markdown.
pub fn markdown(r: &Reconciliation) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(
        out,
        "## slaflow reconcile: {} SLA results against `{}`\n",
        r.vendor,
        cell(&r.bundle)
    );
    let as_of = r
        .as_of
        .map_or("the end of the events".to_string(), |t| t.to_string());
    let verdict = if r.agrees() {
        "every compared cycle agrees".to_string()
    } else {
        let n = r.differences.len();
        format!("{n} difference{}", if n == 1 { "" } else { "s" })
    };
    let _ = writeln!(
        out,
        "slaflow's figures as of {as_of}; business time elapsed compared within {}: {verdict}.\n",
        span(r.tolerance_seconds)
    );
    out.push_str("| vendor SLA cycles | agree | differ | vendor only | slaflow only | ignored |\n|---|---|---|---|---|---|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        s.vendor_cycles, s.agree, s.differ, s.vendor_only, s.slaflow_only, s.ignored
    );
    if r.differences.is_empty() {
        return out;
    }
    out.push_str("\n### Differences\n\n| record | vendor SLA | vendor says | slaflow says | why | slaflow's explain |\n|---|---|---|---|---|---|\n");
    for d in r.differences.iter().take(ROWS) {
        let slaflow = match d.kind {
            Kind::VendorOnly => "no clock".to_string(),
            _ => format!("{}: {}", clock(d), figures(d.slaflow.as_ref())),
        };
        let vendor = match d.kind {
            Kind::SlaflowOnly => "no cycle".to_string(),
            _ => figures(d.vendor.as_ref()),
        };
        let explain = d
            .explain
            .as_deref()
            .map_or("-".to_string(), |l| format!("`` {} ``", cell(l)));
        let _ = writeln!(
            out,
            "| {} | {} | {vendor} | {slaflow} | {} | {explain} |",
            cell(&d.record),
            cell(&d.vendor_sla),
            cell(&d.why),
        );
    }
    if r.differences.len() > ROWS {
        let _ = writeln!(
            out,
            "\nand {} more (`--format json` lists them all).",
            r.differences.len() - ROWS
        );
    }
    let explained: Vec<&Difference> = r
        .differences
        .iter()
        .filter(|d| !d.explain_lines.is_empty())
        .collect();
    if explained.is_empty() {
        return out;
    }
    out.push_str("\n### slaflow's timelines\n");
    for d in explained.iter().take(TIMELINES) {
        let _ = writeln!(out, "\n{} {}:\n\n```text", cell(&d.record), clock(d));
        for line in &d.explain_lines {
            let _ = writeln!(out, "{}", crate::base::printable(line));
        }
        out.push_str("```\n");
    }
    if explained.len() > TIMELINES {
        let _ = writeln!(
            out,
            "\nand {} more (`slaflow explain --record ...` shows each).",
            explained.len() - TIMELINES
        );
    }
    out
}
