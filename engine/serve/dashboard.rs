//! The dashboard (`GET /`): one server-rendered page, self-contained (no script, no font, no
//! style sheet from elsewhere), readable without JavaScript, refreshing itself every ten
//! seconds. It shows the clocks at risk and breached (soonest due first, with why), this
//! month's outcomes per agreement and target (the month in the agreement's time zone), the
//! open tasks by role, links to this month's and last month's reports (`GET /v1/reports/{id}`,
//! the computation of `slaflow report`), the latest actions, and the bundle version with the
//! last reload error.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::App;
use super::api::{TokenQuery, ask, dashboard_auth, html};
use crate::model::{Period, PeriodUnit, Timestamp};
use crate::runtime::engine::short_hash;
use crate::runtime::status::{ClockStatus, InstanceStatus, status};

/// Rows a table shows at most (the API has the rest).
const ROWS: usize = 100;
/// Latest actions shown.
const ACTIONS: usize = 25;
/// Seconds between refreshes.
const REFRESH: u32 = 10;

/// What the page shows, gathered on the engine thread.
struct View {
    now: i64,
    risky: Vec<Risky>,
    month: BTreeMap<(String, String), Outcomes>,
    tasks: BTreeMap<String, Vec<OpenTask>>,
    versions: usize,
    /// The running version's report definitions.
    reports: Vec<String>,
}

/// A clock at risk or breached, with its record and the goal it runs to.
struct Risky {
    record: String,
    goal: String,
    clock: ClockStatus,
}

/// An open task on the page.
struct OpenTask {
    instance: String,
    step: String,
    opened: Timestamp,
    due: Option<Timestamp>,
    overdue: bool,
}

/// This month's outcomes of one target.
#[derive(Default)]
struct Outcomes {
    /// The goal as written.
    goal: String,
    /// The month, as `2026-11`, in the agreement's time zone.
    month: String,
    met: u32,
    breached: u32,
    open: u32,
}

fn gather(engine: &crate::runtime::Engine) -> View {
    let now = engine.state.now.unwrap_or(0);
    let program = engine.program();
    let month = Period {
        unit: PeriodUnit::Month,
        count: 1,
    };
    // Per target of the running version: its goal, this month's bounds in its agreement's
    // calendar's zone and that month's name (UTC for a clock whose target it no longer has).
    let bounds = |tz: chrono_tz::Tz| {
        let (from, to) = crate::calendar::period::bounds(month, tz, now);
        let name = crate::calendar::period::local_date(tz, from)
            .format("%Y-%m")
            .to_string();
        (from, to, name)
    };
    let mut targets: BTreeMap<(&str, &str), (String, Month)> = BTreeMap::new();
    for target in &program.targets {
        targets.insert(
            (&target.agreement, &target.id),
            (target.goal_text.clone(), bounds(target.calendar.tz())),
        );
    }
    let utc = bounds(chrono_tz::UTC);
    let (records, loose) = status(engine, None);
    let mut view = View {
        now,
        risky: Vec::new(),
        month: BTreeMap::new(),
        tasks: BTreeMap::new(),
        versions: engine.state.versions.len(),
        reports: engine
            .program()
            .reports
            .iter()
            .map(|r| r.id.to_string())
            .collect(),
    };
    let mut add_tasks = |instance: &InstanceStatus| {
        for task in &instance.tasks {
            for role in &task.roles {
                view.tasks.entry(role.clone()).or_default().push(OpenTask {
                    instance: instance.instance.clone(),
                    step: task.step.clone(),
                    opened: task.opened,
                    due: task.due,
                    overdue: task.overdue,
                });
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
            let (goal, (from, to, name)) = targets
                .get(&(clock.agreement.as_str(), clock.target.as_str()))
                .cloned()
                .unwrap_or_else(|| (String::new(), utc.clone()));
            // A clock counts in the month it ended in; one still open, in this month.
            let outcome = match (clock.state, clock.ended_at) {
                ("met", Some(end)) if (from..to).contains(&end.0) => Some(Outcome::Met),
                ("stopped", Some(end)) if (from..to).contains(&end.0) => Some(Outcome::Breached),
                ("breached", None) => Some(Outcome::Breached),
                ("running" | "paused" | "waiting", None) => Some(Outcome::Open),
                _ => None,
            };
            if let Some(outcome) = outcome {
                let entry = view
                    .month
                    .entry((clock.agreement.clone(), clock.target.clone()))
                    .or_default();
                entry.goal.clone_from(&goal);
                entry.month = name;
                match outcome {
                    Outcome::Met => entry.met += 1,
                    Outcome::Breached => entry.breached += 1,
                    Outcome::Open => entry.open += 1,
                }
            }
            let risky = clock.state == "breached"
                || (clock.warning_at.is_some() && matches!(clock.state, "running" | "paused"));
            if risky {
                // The goal the clock runs to is its own version's.
                let goal = engine
                    .state
                    .versions
                    .iter()
                    .position(|hash| *hash == clock.version)
                    .and_then(|index| engine.version(u16::try_from(index).ok()?))
                    .and_then(|program| {
                        program
                            .targets
                            .iter()
                            .find(|t| *t.agreement == *clock.agreement && *t.id == *clock.target)
                    })
                    .map_or(goal, |target| target.goal_text.clone());
                view.risky.push(Risky {
                    record: record.record.clone(),
                    goal,
                    clock,
                });
            }
        }
    }
    view.risky.sort_by(|a, b| {
        (a.clock.due, &a.record, &a.clock.target).cmp(&(b.clock.due, &b.record, &b.clock.target))
    });
    view
}

/// A month: its first instant, the first instant of the next, and its name (`2026-11`).
type Month = (i64, i64, String);

/// Where a clock counts this month.
enum Outcome {
    Met,
    Breached,
    Open,
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
            c if c.is_control() && c != '\n' => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// A span of seconds as `3d 4h`, `2h 05m`, `12m` or `40s`.
fn span(seconds: u64) -> String {
    let (d, h, m) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{seconds}s")
    }
}

/// A wall-clock instant kept as RFC 3339 text, written as [`when`] writes instants.
fn wall(text: &str) -> String {
    text.parse::<Timestamp>()
        .map_or_else(|_| text.to_string(), when)
}

/// An instant as the page writes it: `2026-11-03 17:25Z`, seconds only when they are not 0.
fn when(at: Timestamp) -> String {
    let text = at.to_string();
    let text = text
        .strip_suffix(":00Z")
        .map_or(text.clone(), |t| format!("{t}Z"));
    text.replacen('T', " ", 1)
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1b1b1b;background:#fafafa}\
header{background:#24313f;color:#fff;padding:.8em 1.5em}header h1{font-size:20px;margin:0}\
header p{margin:.2em 0 0;color:#c9d3dd}header code{color:#fff;font-size:13px}\
main{padding:0 1.5em 1.5em;max-width:1400px}\
h2{font-size:16px;margin:1.5em 0 .4em}h2 small{font-weight:normal;color:#666}\
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #ddd}\
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e6e6;vertical-align:baseline}\
th{background:#eef1f4;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}\
.breached{color:#a40000;font-weight:600}.risk{color:#8a4b00;font-weight:600}.ok{color:#1d6b2f}\
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.6em .8em;white-space:pre-wrap;\
font:13px/1.4 ui-monospace,monospace;margin:0}\
.muted{color:#666}td.when{white-space:nowrap;font-variant-numeric:tabular-nums}\
code,.mono{font:12.5px ui-monospace,monospace}";

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
        .map(|l| l.iter().rev().take(ACTIONS).cloned().collect())
        .unwrap_or_default();
    let mut out = String::with_capacity(32 << 10);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\">\
<meta http-equiv=\"refresh\" content=\"{REFRESH}\"><title>slaflow dashboard</title>\
<style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<header><h1>slaflow</h1><p>Engine time <b id=\"now\">{}</b> &middot; bundle version \
<code id=\"version\">{}</code> loaded {} &middot; {} version{} run &middot; refreshes every {REFRESH} s</p></header><main>",
        esc(&when(Timestamp(view.now))),
        esc(short_hash(&bundle.active)),
        esc(&bundle
            .loaded_at
            .as_deref()
            .map_or_else(|| "-".to_string(), wall)),
        view.versions,
        if view.versions == 1 { "" } else { "s" },
    );
    if let Some(error) = &bundle.last_error {
        let _ = write!(
            out,
            "<h2 class=\"breached\">Last reload failed <small>at {}; version <code>{}</code> keeps running</small></h2>\
<pre class=\"error\" id=\"reload-error\">{}</pre>",
            esc(&wall(&error.at)),
            esc(short_hash(&bundle.active)),
            esc(&error.diagnostics.join("\n"))
        );
    }
    risky_table(&mut out, &view);
    month_table(&mut out, &view);
    tasks_table(&mut out, &view);
    reports_list(&mut out, &view, query.token.as_deref());
    actions_table(&mut out, &latest);
    out.push_str("</main></body></html>");
    html(out)
}

fn risky_table(out: &mut String, view: &View) {
    let breached = view
        .risky
        .iter()
        .filter(|r| r.clock.breached_at.is_some())
        .count();
    let _ = write!(
        out,
        "<h2>Clocks at risk and breached <small>{breached} breached, {} at risk; soonest due first</small></h2>",
        view.risky.len() - breached
    );
    if view.risky.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
        return;
    }
    out.push_str("<table id=\"risky\"><thead><tr><th>due</th><th>record</th><th>agreement</th><th>target</th><th>goal</th><th>state</th><th>why</th></tr></thead><tbody>");
    for risky in view.risky.iter().take(ROWS) {
        let clock = &risky.clock;
        let (class, state, why) = match clock.breached_at {
            Some(at) => (
                "breached",
                "breached".to_string(),
                format!(
                    "breached at {}, {} ago",
                    when(at),
                    span(u64::try_from(view.now - at.0).unwrap_or(0))
                ),
            ),
            None => (
                "risk",
                if clock.state == "paused" {
                    "at risk (paused)".to_string()
                } else {
                    "at risk".to_string()
                },
                format!(
                    "warning at {}, {} of business time left",
                    clock.warning_at.map(when).unwrap_or_default(),
                    span(clock.remaining.unwrap_or(0))
                ),
            ),
        };
        let _ = write!(
            out,
            "<tr><td class=\"when\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            clock.due.map(when).unwrap_or_else(|| "-".into()),
            esc(&risky.record),
            esc(&clock.agreement),
            esc(&clock.target),
            esc(&risky.goal),
            esc(&state),
            esc(&why)
        );
    }
    out.push_str("</tbody></table>");
    more(out, view.risky.len(), "/v1/clocks?state=breached");
}

fn month_table(out: &mut String, view: &View) {
    let months: std::collections::BTreeSet<&str> =
        view.month.values().map(|o| o.month.as_str()).collect();
    let label: Vec<&str> = months.into_iter().collect();
    let _ = write!(
        out,
        "<h2>This month <small>{}, in each agreement's time zone; clocks ended this month and clocks still open</small></h2>",
        esc(&label.join(", "))
    );
    if view.month.is_empty() {
        out.push_str("<p class=\"muted\">No clock this month yet.</p>");
        return;
    }
    out.push_str("<table id=\"month\"><thead><tr><th>agreement</th><th>target</th><th>goal</th><th class=\"num\">met</th><th class=\"num\">breached</th><th class=\"num\">open</th><th class=\"num\">met, of those decided</th></tr></thead><tbody>");
    for ((agreement, target), o) in &view.month {
        let decided = o.met + o.breached;
        let share = if decided == 0 {
            "<td class=\"num muted\">-</td>".to_string()
        } else {
            let class = if o.breached == 0 { "ok" } else { "breached" };
            format!(
                "<td class=\"num {class}\">{:.1}%</td>",
                f64::from(o.met) * 100.0 / f64::from(decided)
            )
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{share}</tr>",
            esc(agreement),
            esc(target),
            esc(&o.goal),
            o.met,
            o.breached,
            o.open
        );
    }
    out.push_str("</tbody></table><p class=\"muted\">Of the records the engine keeps (see the retention); the monthly report counts every record.</p>");
}

fn tasks_table(out: &mut String, view: &View) {
    let count: usize = view.tasks.values().map(Vec::len).sum();
    let _ = write!(out, "<h2>Open tasks by role <small>{count}</small></h2>");
    if view.tasks.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
        return;
    }
    out.push_str("<table id=\"tasks\"><thead><tr><th>role</th><th>instance</th><th>step</th><th>opened</th><th>due</th></tr></thead><tbody>");
    let mut shown = 0;
    for (role, tasks) in &view.tasks {
        for task in tasks {
            if shown == ROWS {
                break;
            }
            shown += 1;
            let due = match (task.due, task.overdue) {
                (Some(due), true) => {
                    format!("<td class=\"when breached\">{} (overdue)</td>", when(due))
                }
                (Some(due), false) => format!("<td class=\"when\">{}</td>", when(due)),
                (None, _) => "<td class=\"muted\">-</td>".to_string(),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"when\">{}</td>{due}</tr>",
                esc(role),
                esc(&task.instance),
                esc(&task.step),
                when(task.opened),
            );
        }
    }
    out.push_str("</tbody></table>");
    more(out, count, "/v1/tasks");
}

/// One action line as the page shows it: instant, kind, record and a short description.
fn describe(line: &str) -> (String, String, String, String) {
    let Ok(serde_json::Value::Object(action)) = serde_json::from_str::<serde_json::Value>(line)
    else {
        return (
            String::new(),
            String::new(),
            String::new(),
            line.to_string(),
        );
    };
    let text = |key: &str| action.get(key).and_then(|v| v.as_str()).unwrap_or("");
    let at = text("at")
        .parse::<Timestamp>()
        .map(when)
        .unwrap_or_default();
    let record = if text("record").is_empty() {
        text("instance").to_string()
    } else {
        text("record").to_string()
    };
    let mut parts: Vec<String> = Vec::new();
    if !text("target").is_empty() {
        parts.push(format!("{} / {}", text("agreement"), text("target")));
    }
    if let Some(level) = action.get("level").and_then(serde_json::Value::as_u64) {
        parts.push(format!("level {level}"));
    }
    if !text("step").is_empty() {
        parts.push(format!("step {}", text("step")));
    }
    if let Some(serde_json::Value::Array(roles)) = action.get("roles") {
        let roles: Vec<&str> = roles.iter().filter_map(|r| r.as_str()).collect();
        parts.push(format!("to {}", roles.join(", ")));
    }
    if !text("version").is_empty() {
        parts.push(format!("version {}", short_hash(text("version"))));
    }
    for key in ["message", "reason", "error"] {
        if !text(key).is_empty() {
            parts.push(text(key).to_string());
            break;
        }
    }
    (at, text("kind").to_string(), record, parts.join(" · "))
}

/// Links to this month's and last month's report of each report definition.
fn reports_list(out: &mut String, view: &View, token: Option<&str>) {
    if view.reports.is_empty() {
        return;
    }
    let this = Timestamp(view.now).to_string();
    let month = this.get(..7).unwrap_or("");
    let last = crate::report::parse_period(month)
        .ok()
        .and_then(|d| d.first.pred_opt())
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default();
    let token = token
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

fn actions_table(out: &mut String, latest: &[String]) {
    let _ = write!(
        out,
        "<h2>Latest actions <small>newest first; every action is in <code>/v1/actions/stream</code></small></h2>"
    );
    if latest.is_empty() {
        out.push_str("<p class=\"muted\">None since the server started.</p>");
        return;
    }
    out.push_str("<table id=\"latest\"><thead><tr><th>at</th><th>action</th><th>record</th><th>what</th></tr></thead><tbody>");
    for line in latest {
        let (at, kind, record, what) = describe(line);
        let class = match kind.as_str() {
            "sla.breached" | "task.overdue" | "event.rejected" => " class=\"breached\"",
            "sla.warning" | "escalation.raised" => " class=\"risk\"",
            _ => "",
        };
        let _ = write!(
            out,
            "<tr><td class=\"when\">{}</td><td class=\"mono\"><span{class}>{}</span></td><td>{}</td><td>{}</td></tr>",
            esc(&at),
            esc(&kind),
            esc(&record),
            esc(&what)
        );
    }
    out.push_str("</tbody></table>");
}

/// A note under a table that shows only the first [`ROWS`] of `count`.
fn more(out: &mut String, count: usize, api: &str) {
    if count > ROWS {
        let _ = write!(
            out,
            "<p class=\"muted\">The first {ROWS} of {count}; <code>{api}</code> has them all.</p>"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_instants_read_short() {
        assert_eq!(span(40), "40s");
        assert_eq!(span(600), "10m");
        assert_eq!(span(3 * 3600 + 300), "3h 05m");
        assert_eq!(span(2 * 86_400 + 4 * 3600), "2d 4h");
        assert_eq!(when(Timestamp(1_793_727_900)), "2026-11-03 17:45Z");
        assert_eq!(when(Timestamp(1_793_727_901)), "2026-11-03 17:45:01Z");
    }

    #[test]
    fn an_action_is_described_in_words() {
        let (at, kind, record, what) = describe(
            r#"{"id":"a7","at":"2026-11-03T14:30:00Z","kind":"sla.breached","record":"PRB1","agreement":"sla","target":"vip-response"}"#,
        );
        assert_eq!(
            (at.as_str(), kind.as_str(), record.as_str(), what.as_str()),
            (
                "2026-11-03 14:30Z",
                "sla.breached",
                "PRB1",
                "sla / vip-response"
            )
        );
        assert_eq!(describe("not json").3, "not json");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
