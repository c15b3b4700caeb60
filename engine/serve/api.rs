//! The HTTP API: routes, their scopes, and their answers. Every handler either sends a command
//! to the engine thread and waits for its answer, or reads what the server keeps beside it (the
//! bundle's status, the counters, the journal for a resumed stream).

// Handlers answer early with a ready response; boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::App;
use super::actor::{Command, Published};
use super::auth::Scope;
use crate::runtime::Engine;
use crate::runtime::status;

/// Lines one request may carry.
pub const MAX_LINES: usize = 10_000;
/// Bytes one request body may carry.
pub const MAX_BODY: usize = 16 << 20;
/// The longest a request (other than the stream) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests handled at once; more wait.
pub const MAX_CONCURRENT: usize = 256;

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    let limited = Router::new()
        .route("/v1/events", post(ingest))
        .route("/v1/hooks/{vendor}", post(super::hooks::receive))
        .route("/v1/instances/{id}/steps/{step}/complete", post(complete))
        .route("/v1/records/{id}", get(record))
        .route("/v1/clocks", get(clocks))
        .route("/v1/instances", get(instances))
        .route("/v1/tasks", get(tasks))
        .route("/v1/bundle", get(bundle))
        .route("/v1/webhooks", get(webhook_progress))
        .route("/v1/reports/{id}", get(report))
        .route("/v1/reload", post(reload))
        .route("/v1/clock", post(set_clock))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/", get(super::dashboard::page))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    Router::new()
        .route("/v1/actions/stream", get(stream))
        .merge(limited)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_CONCURRENT,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

/// An error answer: a status and `{"error": ...}`.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// A `token` query parameter (browsers' `EventSource` and a dashboard link cannot send
/// headers).
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    /// The token.
    pub token: Option<String>,
}

/// The token of an `Authorization: Bearer TOKEN` value; the scheme is case-insensitive
/// (RFC 7235, section 2.1), so `bearer` and `BEARER` are read too.
pub(super) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Checks the request's token for `scope`: 401 without a valid one, 403 without the scope.
pub fn authorize(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    scope: Scope,
) -> Result<(), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match app.tokens.check(bearer.or(query), scope) {
        Ok(_) => Ok(()),
        Err(true) => Err((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(json!({"error": "a valid bearer token is needed"})),
        )
            .into_response()),
        Err(false) => Err(error(
            StatusCode::FORBIDDEN,
            format!("the token does not have the `{}` scope", scope.as_str()),
        )),
    }
}

/// Asks the engine thread a question and waits for the answer.
pub async fn ask<T: Send + 'static>(
    app: &App,
    question: impl FnOnce(&Engine) -> T + Send + 'static,
) -> Result<T, Response> {
    let (reply, answer) = oneshot::channel();
    let query = Command::Query(Box::new(move |engine| {
        let _ = reply.send(question(engine));
    }));
    if app.commands.send(query).is_err() {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine is stopping",
        ));
    }
    answer
        .await
        .map_err(|_| error(StatusCode::SERVICE_UNAVAILABLE, "the engine stopped"))
}

async fn ingest(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Ingest) {
        return denied;
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return error(StatusCode::BAD_REQUEST, "the body is not UTF-8 text");
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ndjson = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-ndjson"));
    let lines: Vec<String> = if ndjson {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    } else {
        vec![text.trim().to_string()]
    };
    if lines.len() > MAX_LINES {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a batch holds at most {MAX_LINES} events; this one has {}",
                lines.len()
            ),
        );
    }
    if lines.is_empty() {
        return error(StatusCode::BAD_REQUEST, "the body holds no event");
    }
    // Nothing is applied from a request with a line that is not an event: the sender fixes it
    // and sends the whole batch again.
    for (index, line) in lines.iter().enumerate() {
        let parsed = crate::runtime::input::parse(0, line.clone());
        if let Err(reason) = parsed.event {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": reason, "line": index + 1})),
            )
                .into_response();
        }
    }
    let (reply, answer) = oneshot::channel();
    if app.commands.send(Command::Ingest { lines, reply }).is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the engine is stopping");
    }
    match answer.await {
        Ok(Ok(done)) => axum::Json(done).into_response(),
        Ok(Err(reason)) => error(StatusCode::SERVICE_UNAVAILABLE, reason),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine stopped before the events were durable; send them again",
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Completion {
    outcome: Option<String>,
}

async fn complete(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((instance, step)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Admin) {
        return denied;
    }
    let completion: Completion = if body.iter().all(u8::is_ascii_whitespace) {
        Completion::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(c) => c,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a completion: {e}")),
        }
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::Complete {
        instance,
        step,
        outcome: completion.outcome,
        reply,
    };
    if app.commands.send(command).is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the engine is stopping");
    }
    match answer.await {
        Ok(Ok(done)) if done.rejected.is_empty() => axum::Json(done).into_response(),
        Ok(Ok(done)) => {
            let reason = done
                .rejected
                .first()
                .map(|r| r.reason.clone())
                .unwrap_or_default();
            error(StatusCode::CONFLICT, reason)
        }
        Ok(Err(reason)) => error(StatusCode::SERVICE_UNAVAILABLE, reason),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the engine stopped"),
    }
}

async fn record(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    let answer = ask(&app, move |engine| {
        let record = engine.record(&id)?;
        let (records, _) = status::status(engine, Some(std::slice::from_ref(&id)));
        let timeline = crate::explain::explain(engine, &id);
        Some(json!({
            "record": id,
            "record_type": record.record_type.to_string(),
            "fields": &*record.fields,
            "clocks": records.first().map(|r| &r.clocks),
            "instances": records.first().map(|r| &r.instances),
            "explain": timeline,
        }))
    })
    .await;
    match answer {
        Ok(Some(value)) => axum::Json(value).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such record"),
        Err(response) => response,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockFilter {
    state: Option<String>,
    agreement: Option<String>,
    target: Option<String>,
}

/// The clocks the engine keeps, with their record, as `status` prints them.
fn all_clocks(engine: &Engine) -> Vec<(String, status::ClockStatus)> {
    let (records, _) = status::status(engine, None);
    records
        .into_iter()
        .flat_map(|r| {
            let id = r.record;
            r.clocks.into_iter().map(move |c| (id.clone(), c))
        })
        .collect()
}

/// Whether a clock is at risk: a warning raised, not yet met, stopped or breached.
fn at_risk(clock: &status::ClockStatus) -> bool {
    clock.warning_at.is_some() && matches!(clock.state, "running" | "paused")
}

async fn clocks(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(filter): Query<ClockFilter>,
) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    if let Some(state) = &filter.state
        && !matches!(
            state.as_str(),
            "running"
                | "paused"
                | "at_risk"
                | "breached"
                | "met"
                | "stopped"
                | "cancelled"
                | "waiting"
        )
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown state `{state}`: use running, paused, at_risk, breached, met, stopped, cancelled or waiting"
            ),
        );
    }
    match ask(&app, all_clocks).await {
        Ok(all) => {
            let list: Vec<Value> = all
                .into_iter()
                .filter(|(_, c)| match filter.state.as_deref() {
                    None => true,
                    Some("at_risk") => at_risk(c),
                    Some(state) => c.state == state,
                })
                .filter(|(_, c)| filter.agreement.as_ref().is_none_or(|a| *a == c.agreement))
                .filter(|(_, c)| filter.target.as_ref().is_none_or(|t| *t == c.target))
                .map(|(record, c)| {
                    let mut value = serde_json::to_value(&c).unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut value {
                        map.insert("record".into(), Value::String(record));
                    }
                    value
                })
                .collect();
            axum::Json(list).into_response()
        }
        Err(response) => response,
    }
}

/// Every open instance, with its record if it has one.
fn open_instances(engine: &Engine) -> Vec<(Option<String>, status::InstanceStatus)> {
    let (records, loose) = status::status(engine, None);
    let mut all: Vec<(Option<String>, status::InstanceStatus)> = records
        .into_iter()
        .flat_map(|r| {
            let id = r.record;
            r.instances.into_iter().map(move |i| (Some(id.clone()), i))
        })
        .collect();
    all.extend(loose.into_iter().map(|i| (None, i)));
    all
}

async fn instances(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    match ask(&app, open_instances).await {
        Ok(list) => {
            let list: Vec<Value> = list
                .into_iter()
                .map(|(record, i)| {
                    let mut value = serde_json::to_value(&i).unwrap_or(Value::Null);
                    if let (Value::Object(map), Some(record)) = (&mut value, record) {
                        map.insert("record".into(), Value::String(record));
                    }
                    value
                })
                .collect();
            axum::Json(list).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFilter {
    role: Option<String>,
    open: Option<bool>,
}

async fn tasks(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(filter): Query<TaskFilter>,
) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    if filter.open == Some(false) {
        return error(
            StatusCode::BAD_REQUEST,
            "only open tasks are kept: closed ones are in the action stream (task.completed)",
        );
    }
    match ask(&app, open_instances).await {
        Ok(list) => {
            let tasks: Vec<Value> = list
                .into_iter()
                .flat_map(|(record, i)| {
                    let instance = i.instance.clone();
                    let process = i.process.clone();
                    i.tasks.into_iter().map(move |t| {
                        json!({
                            "instance": instance,
                            "process": process,
                            "record": record,
                            "step": t.step,
                            "roles": t.roles,
                            "opened": t.opened,
                            "due": t.due,
                            "overdue": t.overdue,
                        })
                    })
                })
                .filter(|t| {
                    filter.role.as_ref().is_none_or(|role| {
                        t["roles"]
                            .as_array()
                            .is_some_and(|roles| roles.iter().any(|r| r == role.as_str()))
                    })
                })
                .collect();
            axum::Json(tasks).into_response()
        }
        Err(response) => response,
    }
}

async fn bundle(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    let status = app.bundle.lock().map(|s| s.clone()).unwrap_or_default();
    axum::Json(status).into_response()
}

async fn webhook_progress(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    let (hooks, journal) = (app.webhooks.clone(), app.journal_path.clone());
    match tokio::task::spawn_blocking(move || super::webhooks::progress(&hooks, &journal)).await {
        Ok(Ok(progress)) => axum::Json(progress).into_response(),
        Ok(Err(reason)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("cannot read the webhooks' progress: {reason}"),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the read stopped"),
    }
}

async fn reload(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Admin) {
        return denied;
    }
    let reloader = app.reloader.clone();
    match tokio::task::spawn_blocking(move || reloader.reload()).await {
        Ok(done @ super::reload::Reloaded::Failed { .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(done)).into_response()
        }
        Ok(done) => axum::Json(done).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the reload stopped"),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockSetting {
    now: crate::model::Timestamp,
}

async fn set_clock(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Admin) {
        return denied;
    }
    let Some(manual) = &app.virtual_clock else {
        return error(
            StatusCode::NOT_FOUND,
            "the clock is the system's; start the server with --virtual-clock to set it",
        );
    };
    let setting: ClockSetting = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"now\": \"<RFC 3339>\"}}: {e}"),
            );
        }
    };
    manual.set(chrono::DateTime::from_timestamp(setting.now.0, 0).unwrap_or_default());
    let _ = app.commands.send(Command::Tick);
    // Answer once the engine has looked at its timers.
    match ask(&app, |engine| engine.state.sealed).await {
        Ok(sealed) => axum::Json(json!({
            "now": setting.now.to_string(),
            "timers_run_to": sealed.map(|s| crate::model::Timestamp(s).to_string()),
        }))
        .into_response(),
        Err(response) => response,
    }
}

async fn metrics(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorize(&app, &headers, None, Scope::Read) {
        return denied;
    }
    let counts = ask(&app, |engine| {
        // Every state is set, to 0 when no clock is in it, so a gauge never keeps a stale count.
        let mut counts: std::collections::BTreeMap<&'static str, i64> =
            CLOCK_STATES.iter().map(|state| (*state, 0)).collect();
        for (_, c) in all_clocks(engine) {
            *counts.entry(c.state).or_default() += 1;
            if at_risk(&c) {
                *counts.entry("at_risk").or_default() += 1;
            }
        }
        counts
    })
    .await;
    if let Ok(counts) = counts {
        for (state, n) in counts {
            app.metrics
                .clocks
                .get_or_create(&super::metrics::StateLabels {
                    state: state.into(),
                })
                .set(n);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}

/// The states the clocks gauge is reported for (those `status` gives, and `at_risk`).
const CLOCK_STATES: &[&str] = &[
    "running",
    "paused",
    "waiting",
    "met",
    "breached",
    "stopped",
    "cancelled",
    "at_risk",
];

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let answer = tokio::time::timeout(Duration::from_secs(2), ask(&app, |_| ())).await;
    match answer {
        Ok(Ok(())) => "ready\n".into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine does not answer",
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
struct StreamQuery {
    token: Option<String>,
    last_event_id: Option<String>,
}

/// The number of an action id as a client sends it back (`a42` or `42`).
fn action_id(text: &str) -> Option<u64> {
    text.trim().trim_start_matches('a').parse().ok()
}

async fn stream(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Response {
    if let Err(denied) = authorize(&app, &headers, query.token.as_deref(), Scope::Read) {
        return denied;
    }
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(query.last_event_id)
        .and_then(|t| action_id(&t))
        .unwrap_or(0);
    // Listen first, then read what the journal holds: nothing falls between the two.
    let live = app.published.subscribe();
    let journal = app.journal_path.clone();
    let state = (
        last,
        live,
        journal,
        std::collections::VecDeque::<Arc<Published>>::new(),
    );
    let events = futures_util::stream::unfold(
        state,
        |(mut last, mut live, journal, mut queue)| async move {
            loop {
                if let Some(item) = queue.pop_front() {
                    if item.number <= last {
                        continue;
                    }
                    last = item.number;
                    let event = SseEvent::default()
                        .id(format!("a{}", item.number))
                        .data(item.text.clone());
                    return Some((Ok::<_, Infallible>(event), (last, live, journal, queue)));
                }
                match live.try_recv() {
                    // Caught up with the journal: serve the live actions.
                    Ok(item) if item.number == last + 1 => queue.push_back(item),
                    Ok(item) if item.number <= last => {}
                    // Behind (the first read, nothing live yet, or the stream lagged):
                    // read on from the journal; when it has nothing more, wait for the
                    // next live action.
                    Ok(_)
                    | Err(
                        tokio::sync::broadcast::error::TryRecvError::Lagged(_)
                        | tokio::sync::broadcast::error::TryRecvError::Empty,
                    ) => {
                        let items = read_journal(journal.clone(), last).await?;
                        if items.is_empty() {
                            match live.recv().await {
                                Ok(item) => queue.push_back(item),
                                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                                Err(_) => return None,
                            }
                        }
                        queue.extend(items);
                    }
                    Err(tokio::sync::broadcast::error::TryRecvError::Closed) => return None,
                }
            }
        },
    );
    // A stream never ends by itself: it ends when the server stops, so a shutdown does not
    // wait for the clients that are listening.
    let mut stopping = app.stopping.clone();
    let events = futures_util::StreamExt::take_until(events, async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The query of a report: its period, its format, and a token for links from a browser.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    period: Option<String>,
    format: Option<String>,
    token: Option<String>,
}

/// `GET /v1/reports/{id}?period=2026-11[&format=json|html|md]`: the report of a period, folded
/// from the journal by the computation `slaflow report --db` makes, under the running version
/// of the bundle.
async fn report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "the query takes `period`, `format` and `token`",
        );
    };
    if let Err(denied) = authorize(&app, &headers, query.token.as_deref(), Scope::Read) {
        return denied;
    }
    let Some(period) = query.period else {
        return error(
            StatusCode::BAD_REQUEST,
            "give the period, e.g. `?period=2026-11`",
        );
    };
    let dates = match crate::report::parse_period(&period) {
        Ok(dates) => dates,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let format = query.format.unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "html" | "md") {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown format `{format}`: use `json`, `html` or `md`"),
        );
    }
    let program = match ask(&app, |engine| Arc::clone(engine.program())).await {
        Ok(program) => program,
        Err(response) => return response,
    };
    let journal = app.journal_path.clone();
    let made = tokio::task::spawn_blocking(move || {
        let compiled = program
            .origin
            .compile(&program.hash)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let program = Arc::new(compiled.program);
        let sections = crate::report::Sections::of(&compiled.bundle, Some(&id), &program)
            .map_err(|e| (StatusCode::NOT_FOUND, e))?;
        let mut ledger =
            crate::report::Ledger::new(&compiled.bundle, &program, sections, &period, dates);
        let mut journal = crate::store::Journal::open_read_only(&journal)
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
        crate::report::fold_journal(&mut ledger, &journal)
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e))?;
        let (outages, now) = crate::report::journal_outages(&mut journal, &program)
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e))?;
        ledger.outages(outages, now);
        Ok::<_, (StatusCode, String)>(ledger.report())
    })
    .await;
    let report = match made {
        Ok(Ok(report)) => report,
        Ok(Err((status, why))) => return error(status, why),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "the report failed"),
    };
    use crate::report::render;
    match format.as_str() {
        "html" => html(render::html(&report)),
        "md" => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            render::markdown(&report),
        )
            .into_response(),
        _ => axum::Json(report).into_response(),
    }
}

/// The journaled actions after number `last` (`None` if the journal cannot be read).
async fn read_journal(path: std::path::PathBuf, last: u64) -> Option<Vec<Arc<Published>>> {
    let read = tokio::task::spawn_blocking(move || {
        crate::store::Journal::open_read_only(&path).and_then(|j| j.actions_after(last, 10_000))
    })
    .await;
    match read {
        Ok(Ok(items)) => Some(
            items
                .into_iter()
                .map(|(number, text)| Arc::new(Published { number, text }))
                .collect(),
        ),
        _ => None,
    }
}

/// The dashboard page's token check: `read`, from the header or `?token=`.
pub fn dashboard_auth(app: &App, headers: &HeaderMap, query: &TokenQuery) -> Result<(), Response> {
    authorize(app, headers, query.token.as_deref(), Scope::Read)
}

/// Plain HTML answer.
pub fn html(text: String) -> Response {
    Html(text).into_response()
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }
}
