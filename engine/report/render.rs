//! A report as text: Markdown, one self-contained printable HTML page (A4, inline SVG trend
//! charts, no script, no external resource), CSV (one table per file) and JSON (for BI tools).
//! Every format lists the same tables in the same order: compliance, breaches, availability,
//! KPIs, credits, billing, licences, forums (the empty ones are left out).

use std::fmt::Write as _;

use super::{KpiRow, Report};

/// The tables of a report: a name, column headers and rows of cells.
pub struct Table {
    /// The table's file name stem and title key, e.g. `compliance`.
    pub name: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Column headers.
    pub headers: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

/// An instant as a table shows it: `2026-10-07 13:30Z`.
fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16), at.ends_with('Z')) {
        (Some(date), Some(time), true) => format!("{date} {time}Z"),
        _ => at.to_string(),
    }
}

/// The report's tables, in the order of its sections.
pub fn tables(r: &Report) -> Vec<Table> {
    let mut out = Vec::new();
    out.push(Table {
        name: "compliance",
        title: "Service level compliance",
        headers: vec![
            "Agreement",
            "Target",
            "Name",
            "By",
            "Scope",
            "Met",
            "Breached",
            "Cancelled",
            "Running",
            "Compliance %",
            "Objective",
            "Achieved",
        ],
        rows: r
            .compliance
            .iter()
            .flat_map(|c| {
                let mut rows = vec![vec![
                    format!("{} ({})", c.agreement, c.agreement_type.to_uppercase()),
                    c.target.clone(),
                    c.name.clone(),
                    c.count_by.clone(),
                    c.in_scope.to_string(),
                    c.met.to_string(),
                    c.breached.to_string(),
                    c.cancelled.to_string(),
                    c.running.to_string(),
                    opt(&c.compliance),
                    opt(&c.objective),
                    match c.achieved {
                        Some(true) => "achieved".into(),
                        Some(false) => "missed".into(),
                        None => "-".into(),
                    },
                ]];
                for b in &c.breakdown {
                    rows.push(vec![
                        String::new(),
                        String::new(),
                        format!("  {}", b.value),
                        String::new(),
                        (b.met + b.breached + b.cancelled).to_string(),
                        b.met.to_string(),
                        b.breached.to_string(),
                        b.cancelled.to_string(),
                        String::new(),
                        opt(&b.compliance),
                        String::new(),
                        String::new(),
                    ]);
                }
                rows
            })
            .collect(),
    });
    out.push(Table {
        name: "breaches",
        title: "Breaches",
        headers: vec![
            "Record",
            "Agreement",
            "Target",
            "Started",
            "Due",
            "Breached",
            "Why",
        ],
        rows: r
            .breaches
            .iter()
            .map(|b| {
                vec![
                    b.record.clone(),
                    b.agreement.clone(),
                    b.target.clone(),
                    when(&b.started),
                    when(&b.due),
                    when(&b.breached_at),
                    b.reason.clone(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "availability",
        title: "Availability",
        headers: vec![
            "Agreement",
            "Target",
            "Period",
            "Service hours",
            "Downtime",
            "Planned",
            "Allowed",
            "Availability %",
            "Objective",
            "Achieved",
            "Outages",
        ],
        rows: r
            .availability
            .iter()
            .map(|a| {
                let hours = |s: u64| format!("{}h {:02}m", s / 3600, s % 3600 / 60);
                let (num, den) = a.objective;
                vec![
                    a.agreement.to_string(),
                    a.target.to_string(),
                    a.period.clone(),
                    hours(a.service_seconds),
                    hours(a.downtime_seconds),
                    hours(a.planned_seconds),
                    hours(a.allowed_seconds),
                    a.percent_text(3),
                    if den == 0 {
                        "-".to_string()
                    } else {
                        let percent = rust_decimal::Decimal::from(num)
                            * rust_decimal::Decimal::from(100)
                            / rust_decimal::Decimal::from(den);
                        format!("{}%", percent.normalize())
                    },
                    if a.achieved { "achieved" } else { "missed" }.into(),
                    a.outages
                        .iter()
                        .map(|o| {
                            format!(
                                "{}{}",
                                o.record,
                                match (o.planned, o.counted) {
                                    (true, false) => " (planned, not counted)",
                                    (true, true) => " (planned)",
                                    _ => "",
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "kpis",
        title: "Key performance indicators",
        headers: vec![
            "KPI",
            "Name",
            "Value",
            "Unit",
            "Lower limit",
            "Upper limit",
            "Bounds",
            "Status",
        ],
        rows: r
            .kpis
            .iter()
            .map(|k| {
                vec![
                    k.kpi.clone(),
                    k.name.clone(),
                    opt(&k.value),
                    opt(&k.unit),
                    opt(&k.lower_limit),
                    opt(&k.upper_limit),
                    k.bounds.clone(),
                    k.status.replace('_', " "),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "credits",
        title: "Service credits and penalties",
        headers: vec![
            "Agreement",
            "Target",
            "Currency",
            "Compliance %",
            "Breaches",
            "Per breach",
            "Penalties",
            "Band",
            "Charge",
            "Credit",
            "Cap",
            "Due",
        ],
        rows: r
            .credits
            .iter()
            .map(|c| {
                vec![
                    c.agreement.clone(),
                    c.target.clone(),
                    opt(&c.currency),
                    opt(&c.compliance),
                    c.breaches.to_string(),
                    opt(&c.per_breach),
                    c.penalties.clone(),
                    opt(&c.band),
                    opt(&c.charge),
                    c.credit.clone(),
                    opt(&c.cap),
                    c.total.clone(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "billing",
        title: "Billing",
        headers: vec![
            "Rate card",
            "Line",
            "Kind",
            "Records",
            "Quantity",
            "Unit price",
            "Amount",
            "Currency",
            "Record ids",
        ],
        rows: r
            .billing
            .iter()
            .flat_map(|inv| {
                inv.lines.iter().map(move |l| {
                    vec![
                        inv.rate_card.clone(),
                        l.description.clone(),
                        l.kind.replace('_', " "),
                        l.records.to_string(),
                        l.quantity.clone(),
                        l.unit_price.clone(),
                        l.amount.clone(),
                        opt(&inv.currency),
                        l.record_ids.join(" "),
                    ]
                })
            })
            .collect(),
    });
    out.push(Table {
        name: "licences",
        title: "Licences",
        headers: vec![
            "Product",
            "Entitled",
            "Deployed",
            "Used",
            "Re-use pool",
            "Headroom",
            "Attention",
        ],
        rows: r
            .licences
            .iter()
            .map(|l| {
                vec![
                    l.product.clone(),
                    opt(&l.entitled),
                    opt(&l.deployed),
                    opt(&l.used),
                    l.reuse_pool.clone(),
                    opt(&l.headroom),
                    l.flags.join(", "),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "forums",
        title: "Next forums",
        headers: vec!["Forum", "Period", "Starts", "Ends", "Notices", "Agenda"],
        rows: r
            .forums
            .iter()
            .map(|f| {
                vec![
                    f.name.clone(),
                    f.period.clone(),
                    when(&f.start),
                    when(&f.end),
                    f.notices.join("; "),
                    f.agenda.join("; "),
                ]
            })
            .collect(),
    });
    out
}

/// The report as pretty JSON.
pub fn json(r: &Report) -> String {
    let mut text = serde_json::to_string_pretty(r).unwrap_or_default();
    text.push('\n');
    text
}

/// One table as CSV (RFC 4180: quoted when needed, CRLF-free lines).
pub fn csv(table: &Table) -> String {
    let cell = |c: &str| {
        if c.contains([',', '"', '\n']) {
            format!("\"{}\"", c.replace('"', "\"\""))
        } else {
            c.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        table
            .headers
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(",")
    );
    for row in &table.rows {
        let _ = writeln!(
            out,
            "{}",
            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",")
        );
    }
    out
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut out = format!(
        "# {}\n\nPeriod {} ({} to {})\n",
        r.name, r.period, r.from, r.to
    );
    if !r.sections.is_empty() {
        out.push_str("\nThe contract's sections:\n\n");
        for s in &r.sections {
            let _ = writeln!(out, "- {s}");
        }
    }
    let cell = |c: &str| c.replace('|', "\\|");
    for table in tables(r) {
        if table.rows.is_empty() {
            continue;
        }
        let _ = write!(out, "\n## {}\n\n", table.title);
        let _ = writeln!(out, "| {} |", table.headers.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(table.headers.len()));
        for row in &table.rows {
            let _ = writeln!(
                out,
                "| {} |",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        if table.name == "billing" {
            for inv in &r.billing {
                let _ = write!(out, "\n{}\n", invoice_summary(inv));
            }
        }
    }
    out
}

/// An invoice's total and its allowance, in one sentence.
fn invoice_summary(inv: &super::Invoice) -> String {
    let mut text = format!(
        "{}: total {} {}",
        inv.name,
        inv.total,
        inv.currency.clone().unwrap_or_default()
    );
    if let Some(a) = &inv.allowance {
        let _ = write!(
            text,
            "; allowance {} transactions from {} to {}: {} used, {} remaining",
            a.contracted,
            when(&a.from),
            when(&a.to),
            a.used,
            a.remaining
        );
    }
    text
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The month (`YYYY-MM`) of the middle of a period, whatever zone its bounds are written in.
fn middle(start: &str, end: &str) -> Option<String> {
    let start = start.parse::<crate::model::Timestamp>().ok()?.0;
    let end = end.parse::<crate::model::Timestamp>().ok()?.0;
    let middle = crate::model::Timestamp(start + (end - start) / 2).to_string();
    middle.get(..7).map(str::to_string)
}

/// A KPI's trend as an inline SVG line chart, with its control limits as dashed lines.
pub fn trend_svg(k: &KpiRow) -> String {
    let (w, h, pad) = (320.0_f64, 110.0_f64, 24.0_f64);
    // Display only: positions on a chart, not figures anyone is billed by.
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<f64>().ok());
    let values: Vec<Option<f64>> = k.trend.iter().map(|p| num(&p.value)).collect();
    let limits: Vec<f64> = [num(&k.lower_limit), num(&k.upper_limit)]
        .into_iter()
        .flatten()
        .collect();
    let all: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .chain(limits.iter().copied())
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{} trend\">",
        escape(&k.kpi)
    );
    svg.push_str(
        "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fafafa\" stroke=\"#ccc\"/>",
    );
    if all.is_empty() {
        svg.push_str("<text x=\"12\" y=\"58\" font-size=\"11\" fill=\"#666\">no value measured yet</text></svg>");
        return svg;
    }
    let (mut lo, mut hi) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    if (hi - lo).abs() < f64::EPSILON {
        lo -= 1.0;
        hi += 1.0;
    }
    let span = hi - lo;
    lo -= span * 0.1;
    hi += span * 0.1;
    let n = values.len().max(2) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * (i as f64) / (n - 1.0);
    let y = |v: f64| h - pad - (h - 2.0 * pad) * (v - lo) / (hi - lo);
    for (limit, label) in [(num(&k.lower_limit), "LCL"), (num(&k.upper_limit), "UCL")] {
        if let Some(l) = limit {
            let _ = write!(
                svg,
                "<line x1=\"{pad}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"9\" fill=\"#c0392b\">{label} {l}</text>",
                w - pad,
                w - pad - 40.0,
                y(l) - 3.0,
                y = y(l)
            );
        }
    }
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
        .collect();
    if points.len() > 1 {
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    for (i, (v, p)) in values.iter().zip(&k.trend).enumerate() {
        if let Some(v) = v {
            let colour = if p.out_of_limits {
                "#c0392b"
            } else {
                "#1f4e79"
            };
            let _ = write!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {v}</title></circle>",
                x(i),
                y(*v),
                escape(p.period_start.get(..10).unwrap_or(""))
            );
        }
        if let Some(month) = middle(&p.period_start, &p.period_end) {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"8\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                x(i),
                h - 6.0,
                escape(&month)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one self-contained HTML page, printable on A4.
pub fn html(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} {}</title>\n<style>\n{}\n</style></head><body>\n",
        escape(&r.name),
        escape(&r.period),
        CSS
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=\"period\">Period <strong>{}</strong>: {} to {}</p></header>",
        escape(&r.name),
        escape(&r.period),
        escape(&when(&r.from)),
        escape(&when(&r.to))
    );
    let achieved = r
        .compliance
        .iter()
        .filter(|c| c.achieved == Some(true))
        .count();
    let missed = r
        .compliance
        .iter()
        .filter(|c| c.achieved == Some(false))
        .count();
    let out_of = r
        .kpis
        .iter()
        .filter(|k| k.status == "out_of_limits")
        .count();
    let _ = writeln!(
        out,
        "<section class=\"summary\"><div><b>{achieved}</b> targets achieved</div><div class=\"{}\"><b>{missed}</b> missed</div><div><b>{}</b> breaches</div><div class=\"{}\"><b>{out_of}</b> KPIs out of limits</div></section>",
        if missed > 0 { "bad" } else { "" },
        r.breaches.len(),
        if out_of > 0 { "bad" } else { "" },
    );
    for table in tables(r) {
        if table.rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<section><h2>{}</h2>", escape(table.title));
        if table.name == "kpis" {
            out.push_str("<div class=\"kpis\">");
            for k in &r.kpis {
                let _ = write!(
                    out,
                    "<figure class=\"{}\"><figcaption><b>{}</b> {}<br>value <b>{}{}</b>, limits {} to {} ({}): {}</figcaption>{}</figure>",
                    if k.status == "out_of_limits" {
                        "bad"
                    } else {
                        ""
                    },
                    escape(&k.name),
                    escape(&k.kpi),
                    escape(&opt(&k.value)),
                    if k.unit.as_deref() == Some("percent") && k.value.is_some() {
                        "%"
                    } else {
                        ""
                    },
                    escape(&opt(&k.lower_limit)),
                    escape(&opt(&k.upper_limit)),
                    escape(&k.bounds),
                    escape(&k.status.replace('_', " ")),
                    trend_svg(k)
                );
            }
            out.push_str("</div>\n");
            out.push_str("</section>\n");
            continue;
        }
        out.push_str("<table><thead><tr>");
        for h in &table.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &table.rows {
            let bad = row.iter().any(|c| c == "missed");
            let _ = write!(out, "<tr{}>", if bad { " class=\"bad\"" } else { "" });
            for c in row {
                let _ = write!(out, "<td>{}</td>", escape(c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
        if table.name == "billing" {
            for inv in &r.billing {
                let _ = writeln!(
                    out,
                    "<p class=\"total\">{}</p>",
                    escape(&invoice_summary(inv))
                );
            }
        }
        out.push_str("</section>\n");
    }
    if !r.sections.is_empty() {
        out.push_str("<section><h2>Contents agreed in the contract</h2><ol>");
        for s in &r.sections {
            let _ = write!(out, "<li>{}</li>", escape(s));
        }
        out.push_str("</ol></section>\n");
    }
    out.push_str("<footer>Computed by slaflow from the engine's actions; every figure traces to the records listed.</footer>\n</body></html>\n");
    out
}

const CSS: &str = "@page { size: A4; margin: 14mm 12mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #222; max-width: 190mm; margin: 0 auto; }
header { border-bottom: 3px solid #1f4e79; margin-bottom: 8px; }
h1 { font-size: 17pt; color: #1f4e79; margin: 6px 0 2px; }
h2 { font-size: 12pt; color: #1f4e79; border-bottom: 1px solid #ccd; padding-bottom: 2px; margin-top: 16px; }
.period { margin: 0 0 6px; color: #555; }
.summary { display: flex; gap: 10px; margin: 8px 0; }
.summary div { flex: 1; border: 1px solid #ccd; border-radius: 4px; padding: 6px; text-align: center; background: #f4f7fb; }
.summary b { font-size: 14pt; display: block; }
.summary .bad { background: #fbeaea; border-color: #c0392b; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
th, td { border: 1px solid #d5d9e0; padding: 2px 3px; text-align: left; vertical-align: top; font-size: 8pt; overflow-wrap: break-word; }
th { background: #1f4e79; color: #fff; font-weight: normal; }
tr:nth-child(even) td { background: #f7f9fc; }
tr.bad td { background: #fbeaea; }
tr { page-break-inside: avoid; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; }
figure { margin: 0; border: 1px solid #d5d9e0; padding: 4px; width: 330px; page-break-inside: avoid; }
figure.bad { border-color: #c0392b; }
figcaption { font-size: 8.5pt; margin-bottom: 3px; }
.total { margin: 4px 0; }
footer { margin-top: 18px; font-size: 8pt; color: #777; border-top: 1px solid #ccd; padding-top: 4px; }";
