//! The dashboard (`GET /`): one server-rendered page, self-contained (no script, no font, no
//! style sheet from elsewhere), readable without JavaScript, refreshing itself every ten
//! seconds. It shows the clocks at risk and breached (soonest due first), this month's
//! outcomes per agreement and target, the open tasks by role, links to this month's and last
//! month's reports (`GET /v1/reports/{id}`, the computation of `slaflow report`), the latest
//! actions, and the bundle version with the last reload error.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::App;
use super::api::{TokenQuery, ask, dashboard_auth, html};
use crate::runtime::status::{ClockStatus, InstanceStatus, status};

/// What the page shows, gathered on the engine thread.
struct View {
    now: i64,
    risky: Vec<(String, ClockStatus)>,
    month: BTreeMap<(String, String), Outcomes>,
    tasks: BTreeMap<String, Vec<OpenTask>>,
    /// The running version's report definitions.
    reports: Vec<String>,
}

/// An open task on the page: instance, step, due, overdue.
type OpenTask = (String, String, Option<String>, bool);

/// This month's outcomes of one target.
#[derive(Default)]
struct Outcomes {
    met: u32,
    breached: u32,
    running: u32,
}

fn gather(engine: &crate::runtime::Engine) -> View {
    let now = engine.state.now.unwrap_or(0);
    let month_start = crate::model::Timestamp(now).to_string();
    let month = month_start.get(..7).unwrap_or("").to_string();
    let (records, loose) = status(engine, None);
    let mut view = View {
        now,
        risky: Vec::new(),
        month: BTreeMap::new(),
        tasks: BTreeMap::new(),
        reports: engine.program().reports.clone(),
    };
    let mut add_tasks = |instance: &InstanceStatus| {
        for task in &instance.tasks {
            for role in &task.roles {
                view.tasks.entry(role.clone()).or_default().push((
                    instance.instance.clone(),
                    task.step.clone(),
                    task.due.map(|d| d.to_string()),
                    task.overdue,
                ));
            }
        }
    };
    for record in &records {
        for instance in &record.instances {
            add_tasks(instance);
        }
    }
    for instance in &loose {
        add_tasks(instance);
    }
    for record in records {
        for clock in record.clocks {
            let in_month = clock.started.to_string().starts_with(&month)
                || clock
                    .ended_at
                    .is_some_and(|e| e.to_string().starts_with(&month));
            if in_month {
                let entry = view
                    .month
                    .entry((clock.agreement.clone(), clock.target.clone()))
                    .or_default();
                match clock.state {
                    "met" => entry.met += 1,
                    "stopped" | "breached" => entry.breached += 1,
                    "running" | "paused" | "waiting" => entry.running += 1,
                    _ => {}
                }
            }
            let risky = clock.state == "breached"
                || (clock.warning_at.is_some() && matches!(clock.state, "running" | "paused"));
            if risky {
                view.risky.push((record.record.clone(), clock));
            }
        }
    }
    view.risky
        .sort_by(|a, b| (a.1.due, &a.0).cmp(&(b.1.due, &b.0)));
    view
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b}\
h1{font-size:20px;margin:0 0 .2em}h2{font-size:16px;margin:1.4em 0 .4em}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #ddd}\
th{background:#f3f3f3}.breached{color:#a40000;font-weight:600}.risk{color:#9a5b00;font-weight:600}\
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.6em;white-space:pre-wrap}\
.muted{color:#666}code{font-size:12px}td.num{text-align:right}";

/// Renders the page.
pub async fn page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(denied) = dashboard_auth(&app, &headers, &query) {
        return denied;
    }
    let view = match ask(&app, gather).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    let bundle = app.bundle.lock().map(|b| b.clone()).unwrap_or_default();
    let latest: Vec<String> = app
        .latest
        .lock()
        .map(|l| l.iter().rev().cloned().collect())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"10\"><title>slaflow</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<h1>slaflow</h1><p class=\"muted\">Engine time {} &middot; bundle version <code>{}</code> loaded {}</p>",
        crate::model::Timestamp(view.now),
        esc(crate::runtime::engine::short_hash(&bundle.active)),
        esc(bundle.loaded_at.as_deref().unwrap_or("-"))
    );
    if let Some(error) = &bundle.last_error {
        let _ = write!(
            out,
            "<h2>Last reload failed</h2><div class=\"error\" id=\"reload-error\">{} &mdash; the running version stays.\n{}</div>",
            esc(&error.at),
            esc(&error.diagnostics.join("\n"))
        );
    }
    let _ = write!(
        out,
        "<h2>Clocks at risk and breached ({})</h2>",
        view.risky.len()
    );
    if view.risky.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
    } else {
        out.push_str("<table id=\"risky\"><tr><th>due</th><th>record</th><th>agreement / target</th><th>state</th><th>why</th></tr>");
        for (record, clock) in &view.risky {
            let (class, why) = match clock.breached_at {
                Some(at) => ("breached", format!("breached at {at}")),
                None => (
                    "risk",
                    format!(
                        "warning at {}",
                        clock.warning_at.map(|w| w.to_string()).unwrap_or_default()
                    ),
                ),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{} / {}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
                clock
                    .due
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                esc(record),
                esc(&clock.agreement),
                esc(&clock.target),
                esc(clock.state),
                esc(&why)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>This month, per agreement and target</h2>");
    if view.month.is_empty() {
        out.push_str("<p class=\"muted\">No clock this month yet.</p>");
    } else {
        out.push_str("<table id=\"month\"><tr><th>agreement</th><th>target</th><th>met</th><th>breached</th><th>running</th><th>met, of those ended</th></tr>");
        for ((agreement, target), o) in &view.month {
            let ended = o.met + o.breached;
            let share = if ended == 0 {
                "-".to_string()
            } else {
                format!("{:.1}%", f64::from(o.met) * 100.0 / f64::from(ended))
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{share}</td></tr>",
                esc(agreement),
                esc(target),
                o.met,
                o.breached,
                o.running
            );
        }
        out.push_str("</table><p class=\"muted\">Of the records the engine keeps (see the retention); the monthly report counts every record.</p>");
    }
    out.push_str("<h2>Open tasks by role</h2>");
    if view.tasks.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
    } else {
        out.push_str(
            "<table id=\"tasks\"><tr><th>role</th><th>instance</th><th>step</th><th>due</th></tr>",
        );
        for (role, tasks) in &view.tasks {
            for (instance, step, due, overdue) in tasks {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
                    esc(role),
                    esc(instance),
                    esc(step),
                    if *overdue { " class=\"breached\"" } else { "" },
                    esc(due.as_deref().unwrap_or("-"))
                );
            }
        }
        out.push_str("</table>");
    }
    if !view.reports.is_empty() {
        // This month's and last month's reports, computed by `GET /v1/reports/{id}`.
        let this = crate::model::Timestamp(view.now).to_string();
        let month = this.get(..7).unwrap_or("");
        let last = crate::report::parse_period(month)
            .ok()
            .and_then(|d| d.first.pred_opt())
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default();
        let token = query
            .token
            .as_deref()
            .map(|t| format!("&token={}", esc(t)))
            .unwrap_or_default();
        out.push_str("<h2>Reports</h2><ul id=\"reports\">");
        for id in &view.reports {
            let link = |period: &str| {
                format!(
                    "<a href=\"/v1/reports/{}?period={period}&format=html{token}\">{period}</a>",
                    esc(id)
                )
            };
            let _ = write!(
                out,
                "<li>{}: {} &middot; {}</li>",
                esc(id),
                link(month),
                link(&last)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Latest actions</h2><table id=\"latest\"><tr><th>action</th></tr>");
    for line in &latest {
        let _ = write!(out, "<tr><td><code>{}</code></td></tr>", esc(line));
    }
    out.push_str("</table></body></html>");
    html(out)
}
