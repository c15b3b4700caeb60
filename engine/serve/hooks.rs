//! Webhook receivers: `POST /v1/hooks/jira`, `/v1/hooks/zammad` and `/v1/hooks/servicenow`
//! take a ticketing system's own webhook, map it with the map `slaflow import` uses, and apply
//! the events through the same path as `POST /v1/events` (answered once durable).
//!
//! ```yaml
//! hooks:
//!   jira:
//!     map: maps/jira.yaml              # relative to this file
//!     secret_env: SLAFLOW_JIRA_SECRET  # or secret_file: /run/secrets/jira, or secret: ...
//!   zammad:
//!     map: maps/zammad.yaml
//!     secret_file: /run/secrets/zammad
//! ```
//!
//! A vendor cannot send the server's bearer tokens, so a receiver is authenticated by the
//! vendor's own means: Jira's `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`, Zammad's
//! `X-Hub-Signature: sha1=<HMAC-SHA1 of the body>`, and for ServiceNow (which has no webhook,
//! only outbound REST messages from a business rule) the shared secret as `Authorization:
//! Bearer <secret>`. Every comparison is in constant time.
//!
//! A delivery is one moment of one record. It is compared, on the engine thread and in the
//! same round as its events are applied, with what the engine holds of the record: a record
//! the engine does not know is `created` with its mapped fields; otherwise the mapped fields
//! that changed make one event, named by the map's rules. Its id is the vendor's delivery id
//! (`jira:<X-Atlassian-Webhook-Identifier>`, `zammad:<X-Zammad-Delivery>`,
//! `servicenow:<sys_id>.<sys_mod_count>`), so a retried delivery is recognised and applied
//! once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::App;
use super::actor::Command;
use crate::import::{Delivery, ImportError, Known, LiveEvent, LoadedMap, Payload, Vendor};
use crate::model::Timestamp;
use crate::runtime::Engine;

/// The longest delivery id taken.
const MAX_DELIVERY_ID: usize = 200;

/// The webhook receivers configured, by sender.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    receivers: Vec<Receiver>,
}

/// One sender's receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// The sender.
    pub vendor: Vendor,
    /// The map its deliveries are read with.
    pub map: Arc<LoadedMap>,
    /// The HMAC key (Jira, Zammad) or shared secret (ServiceNow).
    secret: String,
}

/// The hooks file: one entry per sender a receiver is open for.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "slaflow webhook receivers")]
pub struct HooksFile {
    /// The receivers, by sender; a sender left out answers 404.
    pub hooks: HookEntries,
}

/// The receivers of a hooks file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookEntries {
    /// `POST /v1/hooks/jira`: Jira webhooks registered with a secret.
    #[serde(default)]
    pub jira: Option<HookEntry>,
    /// `POST /v1/hooks/zammad`: Zammad trigger webhooks with an HMAC SHA1 signature token.
    #[serde(default)]
    pub zammad: Option<HookEntry>,
    /// `POST /v1/hooks/servicenow`: a business rule's outbound REST message.
    #[serde(default)]
    pub servicenow: Option<HookEntry>,
}

/// One receiver: the map and the secret. Give the secret in exactly one way; keep it out of
/// files that are committed (`secret_env` or `secret_file`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookEntry {
    /// The import map the deliveries are read with (as for `slaflow import --map`); relative
    /// to the hooks file.
    pub map: String,
    /// The secret itself (tests and examples only).
    #[serde(default)]
    pub secret: Option<String>,
    /// An environment variable holding the secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// A file holding the secret (surrounding white space is ignored); relative to the hooks
    /// file.
    #[serde(default)]
    pub secret_file: Option<String>,
}

/// Reads a hooks file: every map loaded and checked, every secret found.
pub fn load(path: &Path) -> Result<Hooks, String> {
    let shown = crate::source::display_path(path);
    let file: HooksFile = super::read_config(path, "hooks")?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let entries = [
        (Vendor::Jira, file.hooks.jira),
        (Vendor::Zammad, file.hooks.zammad),
        (Vendor::Servicenow, file.hooks.servicenow),
    ];
    let mut receivers = Vec::new();
    for (vendor, entry) in entries {
        let Some(entry) = entry else { continue };
        let at = |why: String| format!("hooks file `{shown}`: `{vendor}`: {why}");
        let map = LoadedMap::load(&dir.join(&entry.map)).map_err(|e| at(e.to_string()))?;
        if map.map.from.value != vendor {
            return Err(at(format!(
                "`{}` is a map for {}, not for {vendor}",
                entry.map, map.map.from.value
            )));
        }
        let secret = secret(dir, &entry).map_err(at)?;
        receivers.push(Receiver {
            vendor,
            map: Arc::new(map),
            secret,
        });
    }
    if receivers.is_empty() {
        return Err(format!(
            "hooks file `{shown}` configures no receiver: give `jira`, `zammad` or `servicenow` under `hooks`"
        ));
    }
    Ok(Hooks { receivers })
}

/// The secret of an entry, from the one place it is given.
fn secret(dir: &Path, entry: &HookEntry) -> Result<String, String> {
    let secret = match (&entry.secret, &entry.secret_env, &entry.secret_file) {
        (Some(secret), None, None) => secret.clone(),
        (None, Some(variable), None) => std::env::var(variable)
            .map_err(|_| format!("the environment variable `{variable}` is not set"))?,
        (None, None, Some(file)) => {
            let path: PathBuf = dir.join(file);
            std::fs::read_to_string(&path)
                .map_err(|e| {
                    format!(
                        "cannot read the secret file `{}`: {e}",
                        crate::source::display_path(&path)
                    )
                })?
                .trim()
                .to_string()
        }
        _ => return Err("give one of `secret`, `secret_env` and `secret_file`".into()),
    };
    if secret.trim().is_empty() {
        return Err("the secret is empty".into());
    }
    Ok(secret)
}

impl Hooks {
    /// The receiver for `vendor`, if one is configured.
    pub fn get(&self, vendor: Vendor) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.vendor == vendor)
    }

    /// Whether no receiver is configured.
    pub fn is_empty(&self) -> bool {
        self.receivers.is_empty()
    }
}

/// The header a sender's signature or secret comes in.
fn signature_header(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Jira | Vendor::Zammad => "X-Hub-Signature",
        Vendor::Servicenow => "Authorization",
    }
}

/// Checks that the request comes from the sender: its signature of the body (Jira, Zammad) or
/// the shared secret (ServiceNow), compared in constant time; `Err` says what is wrong.
pub fn verify(receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let name = signature_header(receiver.vendor);
    let Some(value) = headers.get(name) else {
        return Err(format!(
            "the `{name}` header is missing: {}",
            match receiver.vendor {
                Vendor::Jira => "register the Jira webhook with the secret of the hooks file",
                Vendor::Zammad => {
                    "give the Zammad webhook the secret of the hooks file as its HMAC SHA1 signature token"
                }
                Vendor::Servicenow => {
                    "the REST message must send `Authorization: Bearer <the secret of the hooks file>`"
                }
            }
        ));
    };
    let value = value.to_str().unwrap_or("").trim();
    let key = receiver.secret.as_bytes();
    let (prefix, valid) = match receiver.vendor {
        Vendor::Servicenow => {
            let given = super::api::bearer_token(value).unwrap_or("");
            use subtle::ConstantTimeEq;
            ("Bearer ", bool::from(given.as_bytes().ct_eq(key)))
        }
        Vendor::Jira => (
            "sha256=",
            hmac_matches::<sha2::Sha256>(key, body, value, "sha256="),
        ),
        Vendor::Zammad => (
            "sha1=",
            hmac_matches::<sha1::Sha1>(key, body, value, "sha1="),
        ),
    };
    if !value.starts_with(prefix) {
        return Err(format!(
            "the `{name}` header is not `{prefix}<{}>`",
            if receiver.vendor == Vendor::Servicenow {
                "secret"
            } else {
                "hex HMAC of the body"
            }
        ));
    }
    if valid {
        Ok(())
    } else if receiver.vendor == Vendor::Servicenow {
        Err("the secret is not the one of the hooks file".into())
    } else {
        Err("the signature does not match the body: is the secret the same in the sender and in the hooks file?".into())
    }
}

/// Whether `header` is `prefix` and the hex HMAC of `body` under `key` (checked by the MAC's
/// own constant-time comparison).
fn hmac_matches<D: hmac::EagerHash>(key: &[u8], body: &[u8], header: &str, prefix: &str) -> bool
where
    Hmac<D>: KeyInit + Mac,
{
    let Some(bytes) = header.strip_prefix(prefix).and_then(from_hex) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// Bytes written as hex digits, if they are.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The delivery's id as the sender gives it: a header (Jira, Zammad) or the payload's key
/// (ServiceNow).
fn delivery_id(vendor: Vendor, headers: &HeaderMap, delivery: &Delivery) -> Result<String, String> {
    let (id, from) = match vendor {
        Vendor::Jira => (
            header(headers, "X-Atlassian-Webhook-Identifier"),
            "the `X-Atlassian-Webhook-Identifier` header",
        ),
        Vendor::Zammad => (
            header(headers, "X-Zammad-Delivery"),
            "the `X-Zammad-Delivery` header",
        ),
        Vendor::Servicenow => (
            delivery.key.clone(),
            "`current.sys_id` and `current.sys_mod_count`",
        ),
    };
    let Some(id) = id.filter(|id| !id.is_empty()) else {
        return Err(format!(
            "{from} is missing; it identifies the delivery, so that a retry is applied once"
        ));
    };
    if id.len() > MAX_DELIVERY_ID
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(format!(
            "{from} is not a delivery id: at most {MAX_DELIVERY_ID} letters, digits, `-`, `_`, `.` and `:`"
        ));
    }
    Ok(id)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// What the engine thread made of a delivery.
#[derive(Debug)]
enum Made {
    /// Events to apply: each with its instant as the vendor gave it.
    Events(Vec<Written>),
    /// The delivery was applied before (a retry).
    Duplicate,
    /// Refused before anything was applied: status and answer.
    Refused(StatusCode, &'static str, Value),
}

/// An event written for the engine.
#[derive(Debug)]
struct Written {
    id: String,
    event: String,
    at: DateTime<Utc>,
    vendor_at: DateTime<Utc>,
}

/// The tail of the id of a `first` or `at` rule's event for a record (`HEAD>TAIL`, the
/// delivery in the head): `vendor:event@record`, which the engine finds in constant time.
fn marker(prefix: &str, event: &str, record: &str) -> String {
    format!("{prefix}{event}@{record}")
}

/// Compares the delivery with the engine's record and writes its events (on the engine
/// thread). `base` is the delivery's event id; `latest` the latest instant an event may have.
fn make(
    engine: &Engine,
    latest: i64,
    map: &LoadedMap,
    delivery: &Delivery,
    base: &str,
    prefix: &str,
) -> (Vec<String>, Made) {
    if engine.remembers_head(base) {
        return (Vec::new(), Made::Duplicate);
    }
    let record = engine.record(&delivery.record);
    let fields = record.map(|r| std::sync::Arc::clone(&r.fields));
    let known = fields
        .as_ref()
        .map(|fields| move |name: &str| fields.get(name).cloned());
    let known_ref: Option<Known<'_>> = known.as_ref().map(|k| k as Known<'_>);
    let given = |event: &str| engine.remembers_tail(&marker(prefix, event, &delivery.record));
    let now = engine.state.now;
    let since = now
        .map(|n| n.saturating_sub(crate::runtime::engine::DEDUP_WINDOW))
        .and_then(|n| DateTime::from_timestamp(n, 0))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let events = match crate::import::delivery_events(map, delivery, known_ref, &given, since) {
        Ok(events) => events,
        Err(error @ ImportError::Unmapped(..)) => {
            return (
                Vec::new(),
                Made::Refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unmapped",
                    json!({"error": error.to_string()}),
                ),
            );
        }
        Err(error) => return (Vec::new(), invalid(&error)),
    };
    // The earliest instant the engine takes: after its timers' run, not before its time or
    // the record's last event.
    let floor = [
        now,
        engine.state.sealed.map(|s| s.saturating_add(1)),
        record.map(|r| r.last_at),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(i64::MIN);
    let mut previous = floor;
    let mut written = Vec::new();
    let mut lines = Vec::new();
    for (n, LiveEvent { event, once }) in events.into_iter().enumerate() {
        let at = event.at.timestamp().max(previous);
        previous = at;
        if at > latest {
            return (
                Vec::new(),
                Made::Refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "refused",
                    json!({"error": format!(
                        "the delivery is dated {}, ahead of the server's clock by more than it allows (up to {}): check the sender's clock",
                        Timestamp(at), Timestamp(latest)
                    )}),
                ),
            );
        }
        let mut id = if n == 0 {
            base.to_string()
        } else {
            format!("{base}#{}", n + 1)
        };
        if once {
            id.push('>');
            id.push_str(&marker(prefix, &event.event, &event.record));
        }
        let mut value = serde_json::to_value(&event).unwrap_or(Value::Null);
        if let Value::Object(object) = &mut value {
            object.insert("id".into(), Value::String(id.clone()));
            object.insert("at".into(), Value::String(Timestamp(at).to_string()));
        }
        lines.push(value.to_string());
        written.push(Written {
            id,
            event: event.event,
            at: DateTime::from_timestamp(at, 0).unwrap_or(event.at),
            vendor_at: event.at,
        });
    }
    (lines, Made::Events(written))
}

/// A 400 answer for problems with the body.
fn invalid(error: &ImportError) -> Made {
    Made::Refused(
        StatusCode::BAD_REQUEST,
        "invalid",
        json!({"error": error.to_string()}),
    )
}

/// `POST /v1/hooks/{vendor}`.
pub async fn receive(
    State(app): State<Arc<App>>,
    UrlPath(vendor): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(vendor) = [Vendor::Jira, Vendor::Zammad, Vendor::Servicenow]
        .into_iter()
        .find(|v| v.as_str() == vendor)
    else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": format!("there is no receiver `{vendor}`: the receivers are `jira`, `zammad` and `servicenow`")}),
        );
    };
    let name = vendor.as_str();
    let Some(receiver) = app.hooks.get(vendor) else {
        app.metrics.hook(name, "unconfigured");
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": format!("the `{name}` receiver is not configured: give it an entry in the hooks file (`slaflow serve --hooks FILE`)")}),
        );
    };
    let (status, outcome, body) = handle(&app, receiver, &headers, &body).await;
    app.metrics.hook(name, outcome);
    if status.is_success() {
        tracing::info!(vendor = name, outcome, "Webhook delivery");
    } else {
        tracing::warn!(vendor = name, outcome, status = status.as_u16(), answer = %body, "Webhook delivery refused");
    }
    answer(status, body)
}

fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        // Not the bearer scheme of the rest of the API: the sender signs.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Checks, reads and applies one delivery: the status, the outcome counted, the answer.
async fn handle(
    app: &App,
    receiver: &Receiver,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, &'static str, Value) {
    if let Err(why) = verify(receiver, headers, body) {
        return (
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            json!({"error": why}),
        );
    }
    let delivery = match crate::import::read_delivery(&receiver.map, body) {
        Ok(Payload::Record(delivery)) => delivery,
        Ok(Payload::Ignored(why)) => {
            return (
                StatusCode::OK,
                "ignored",
                json!({"accepted": 0, "ignored": why}),
            );
        }
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                "invalid",
                json!({"error": error.to_string()}),
            );
        }
    };
    let id = match delivery_id(receiver.vendor, headers, &delivery) {
        Ok(id) => id,
        Err(why) => return (StatusCode::BAD_REQUEST, "invalid", json!({"error": why})),
    };
    let prefix = format!("{}:", receiver.vendor);
    let base = format!("{prefix}{id}");
    let (told, made) = oneshot::channel();
    let map = Arc::clone(&receiver.map);
    let record = delivery.record.clone();
    let write = {
        let base = base.clone();
        Box::new(move |engine: &Engine, latest: i64| {
            let (lines, what) = make(engine, latest, &map, &delivery, &base, &prefix);
            let _ = told.send(what);
            lines
        })
    };
    let (reply, done) = oneshot::channel();
    if app
        .commands
        .send(Command::Derive { make: write, reply })
        .is_err()
    {
        return unavailable("the engine is stopping");
    }
    let done = done.await;
    let Ok(made) = made.await else {
        return unavailable("the engine stopped");
    };
    let done = match done {
        Ok(Ok(done)) => done,
        Ok(Err(reason)) => return unavailable(&reason),
        Err(_) => {
            return unavailable(
                "the engine stopped before the delivery was durable; send it again",
            );
        }
    };
    match made {
        Made::Duplicate => (
            StatusCode::OK,
            "duplicate",
            json!({"accepted": 0, "duplicate": true, "delivery": base, "record": record}),
        ),
        Made::Refused(status, outcome, body) => (status, outcome, body),
        Made::Events(written) => {
            let events: Vec<Value> = written
                .iter()
                .map(|w| {
                    let mut e = json!({"id": w.id, "event": w.event, "at": Timestamp(w.at.timestamp()).to_string()});
                    if w.at != w.vendor_at
                        && let Value::Object(e) = &mut e
                    {
                        e.insert("vendor_at".into(), Value::String(Timestamp(w.vendor_at.timestamp()).to_string()));
                    }
                    e
                })
                .collect();
            let body = json!({
                "accepted": done.accepted,
                "rejected": done.rejected,
                "delivery": base,
                "record": record,
                "events": events,
            });
            if done.rejected.is_empty() {
                (StatusCode::OK, "accepted", body)
            } else {
                (StatusCode::UNPROCESSABLE_ENTITY, "refused", body)
            }
        }
    }
}

fn unavailable(why: &str) -> (StatusCode, &'static str, Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        json!({"error": why}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receiver(vendor: Vendor, secret: &str) -> Receiver {
        let text = format!("from: {vendor}\nrecord_id: key\nrecord_type: {{value: incident}}\n");
        Receiver {
            vendor,
            map: Arc::new(LoadedMap::parse("map.yaml", &text).unwrap()),
            secret: secret.into(),
        }
    }

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        headers
    }

    #[test]
    fn signatures_are_checked_per_sender() {
        let body = b"{\"ticket\":{}}";
        let zammad = receiver(Vendor::Zammad, "s3cret");
        let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let good = headers("x-hub-signature", &format!("sha1={hex}"));
        assert_eq!(verify(&zammad, &good, body), Ok(()));
        assert!(
            verify(&zammad, &good, b"{}")
                .unwrap_err()
                .contains("does not match")
        );
        let sha256 = headers("x-hub-signature", &format!("sha256={hex}"));
        assert!(
            verify(&zammad, &sha256, body)
                .unwrap_err()
                .contains("is not `sha1=")
        );
        assert!(
            verify(&zammad, &HeaderMap::new(), body)
                .unwrap_err()
                .contains("missing")
        );
        let jira = receiver(Vendor::Jira, "s3cret");
        let signed = super::super::webhooks::signature("s3cret", body);
        assert_eq!(
            verify(&jira, &headers("x-hub-signature", &signed), body),
            Ok(())
        );
        let servicenow = receiver(Vendor::Servicenow, "s3cret");
        assert_eq!(
            verify(
                &servicenow,
                &headers("authorization", "Bearer s3cret"),
                body
            ),
            Ok(())
        );
        assert!(verify(&servicenow, &headers("authorization", "Bearer s3cre"), body).is_err());
    }

    #[test]
    fn hex_is_read_whole_or_not_at_all() {
        assert_eq!(from_hex("0aff"), Some(vec![0x0a, 0xff]));
        assert_eq!(from_hex("0af"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é0"), None);
    }
}
