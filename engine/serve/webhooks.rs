//! Webhooks: each committed action POSTed as JSON to the endpoints a file lists, signed with
//! HMAC-SHA256, in the order the engine took them, retried with backoff until the endpoint
//! accepts (2xx): at least once, and the action's `id` lets a receiver drop a repeat. An action
//! whose content the endpoint refuses (400, 413, 415 or 422, five times running) is set aside
//! as **refused**, kept in the journal's database and listed by `GET /v1/webhooks`, so one
//! action the receiver cannot take does not hold back every later one; any other failure
//! (the endpoint down, a wrong secret or URL) is retried until it passes, nothing skipped.
//!
//! ```yaml
//! webhooks:
//!   - name: itsm
//!     url: https://itsm.example.com/slaflow
//!     secret: 0b7f...            # or secret_env: SLAFLOW_ITSM_SECRET
//!     kinds: [sla.breached, escalation.raised]   # all kinds when left out
//! ```
//!
//! Each endpoint has its own delivery thread, which reads the actions from the journal after
//! the last one it delivered; how far it got is kept in the journal's database, so a restart
//! goes on where it stopped. A new endpoint starts with the actions taken after it is first
//! configured. Every request carries `X-Slaflow-Action: a<n>` and `X-Slaflow-Signature:
//! sha256=<hex HMAC-SHA256 of the body with the secret>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use tokio::sync::broadcast;

use super::actor::Published;
use super::metrics::{Metrics, OutcomeLabels};
use crate::clock::Clock;

/// The longest wait between two attempts at one action.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How many times running an endpoint may refuse an action's content before it is set aside.
const REFUSALS: u32 = 5;

/// Whether an answer refuses the action's content (the same action sent again would be
/// refused again), not the endpoint being unavailable or the request unauthorised.
fn refuses_content(status: u16) -> bool {
    matches!(status, 400 | 413 | 415 | 422)
}

/// One endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its name (its progress is kept under it).
    pub name: String,
    /// Where actions are POSTed (http or https).
    pub url: String,
    /// The HMAC key.
    pub secret: String,
    /// The kinds of action sent (all when empty).
    pub kinds: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    webhooks: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    url: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secret_env: Option<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

/// Reads a webhooks file.
pub fn load(path: &Path) -> Result<Vec<Webhook>, String> {
    let file: File = super::read_config(path, "webhooks")?;
    let mut hooks = Vec::new();
    for entry in file.webhooks {
        let secret = match (entry.secret, entry.secret_env) {
            (Some(secret), None) => secret,
            (None, Some(variable)) => std::env::var(&variable).map_err(|_| {
                format!(
                    "webhook `{}`: the environment variable `{variable}` is not set",
                    entry.name
                )
            })?,
            _ => {
                return Err(format!(
                    "webhook `{}`: give one of `secret` and `secret_env`",
                    entry.name
                ));
            }
        };
        if !(entry.url.starts_with("http://") || entry.url.starts_with("https://")) {
            return Err(format!(
                "webhook `{}`: `{}` is not an http or https URL",
                entry.name, entry.url
            ));
        }
        for kind in &entry.kinds {
            if crate::runtime::Kind::parse(kind).is_none() {
                return Err(format!(
                    "webhook `{}`: unknown action kind `{kind}`",
                    entry.name
                ));
            }
        }
        hooks.push(Webhook {
            name: entry.name,
            url: entry.url,
            secret,
            kinds: entry.kinds,
        });
    }
    Ok(hooks)
}

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Starts a delivery thread per endpoint.
pub fn start(
    hooks: Vec<Webhook>,
    journal: PathBuf,
    published: &broadcast::Sender<Arc<Published>>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
) {
    for hook in hooks {
        let live = published.subscribe();
        let journal = journal.clone();
        let metrics = Arc::clone(&metrics);
        let clock = Arc::clone(&clock);
        let name = format!("slaflow-webhook-{}", hook.name);
        let spawned = std::thread::Builder::new()
            .name(name)
            .spawn(move || deliver(hook, journal, live, metrics, clock));
        if let Err(error) = spawned {
            tracing::error!(%error, "Cannot start a webhook delivery thread");
        }
    }
}

/// Where a delivery thread keeps its progress.
fn cursor_store(journal: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(journal)?;
    connection.busy_timeout(Duration::from_secs(10))?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS webhooks (name TEXT PRIMARY KEY, last_action INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS webhook_refusals (name TEXT NOT NULL, action INTEGER NOT NULL,
             status INTEGER NOT NULL, answer TEXT NOT NULL, at TEXT NOT NULL,
             PRIMARY KEY (name, action));",
    )?;
    Ok(connection)
}

/// An action an endpoint refused and that was set aside.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refusal {
    /// The action's id (`a<n>`).
    pub action: String,
    /// The endpoint's last answer's status.
    pub status: u16,
    /// The start of its body (at most 500 characters).
    pub answer: String,
    /// When it was set aside (the server's clock, RFC 3339; virtual with `--virtual-clock`).
    pub at: String,
}

/// An endpoint's delivery state, as `GET /v1/webhooks` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Progress {
    /// The endpoint's name.
    pub name: String,
    /// Where it is POSTed to.
    pub url: String,
    /// The last action handled (delivered, not wanted, or refused), `a<n>`; none yet.
    pub handled_through: Option<String>,
    /// The actions it refused, oldest first (at most the latest 1,000).
    pub refused: Vec<Refusal>,
}

/// The delivery state of every endpoint, read from the journal's database.
pub fn progress(hooks: &[Webhook], journal: &Path) -> Result<Vec<Progress>, String> {
    let store = cursor_store(journal).map_err(|e| e.to_string())?;
    hooks
        .iter()
        .map(|hook| {
            let last: Option<i64> = store
                .query_row(
                    "SELECT last_action FROM webhooks WHERE name = ?1",
                    [&hook.name],
                    |r| r.get(0),
                )
                .ok();
            let mut query = store
                .prepare(
                    "SELECT action, status, answer, at FROM (SELECT * FROM webhook_refusals
                     WHERE name = ?1 ORDER BY action DESC LIMIT 1000) ORDER BY action",
                )
                .map_err(|e| e.to_string())?;
            let refused = query
                .query_map([&hook.name], |r| {
                    Ok(Refusal {
                        action: format!("a{}", r.get::<_, i64>(0)?),
                        status: u16::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        answer: r.get(2)?,
                        at: r.get(3)?,
                    })
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| e.to_string())?;
            Ok(Progress {
                name: hook.name.clone(),
                url: hook.url.clone(),
                handled_through: last.filter(|n| *n > 0).map(|n| format!("a{n}")),
                refused,
            })
        })
        .collect()
}

fn deliver(
    hook: Webhook,
    journal: PathBuf,
    mut live: broadcast::Receiver<Arc<Published>>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
) {
    let store = match cursor_store(&journal) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!(webhook = %hook.name, %error, "Cannot keep webhook progress; not delivering");
            return;
        }
    };
    let saved: Option<i64> = store
        .query_row(
            "SELECT last_action FROM webhooks WHERE name = ?1",
            [&hook.name],
            |r| r.get(0),
        )
        .ok();
    let mut cursor = match saved {
        Some(n) => u64::try_from(n).unwrap_or(0),
        None => {
            // A new endpoint starts after what the journal holds now.
            let last: i64 = store
                .query_row(
                    "SELECT coalesce(max(last_action), 0) FROM batches",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            let _ = store.execute(
                "INSERT OR REPLACE INTO webhooks (name, last_action) VALUES (?1, ?2)",
                rusqlite::params![hook.name, last],
            );
            u64::try_from(last).unwrap_or(0)
        }
    };
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let mut unreadable = 0u32;
    loop {
        let items = match crate::store::Journal::open_read_only(&journal)
            .and_then(|j| j.actions_after(cursor, 1_000))
        {
            Ok(items) => items,
            // A journal that cannot be read this moment (busy with a write, say) is read again
            // shortly: waiting for the next commit instead would leave the actions it already
            // holds undelivered until something else happens.
            Err(error) => {
                unreadable += 1;
                if unreadable == 1 {
                    tracing::warn!(webhook = %hook.name, %error, "Cannot read the journal; trying again");
                }
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        unreadable = 0;
        if items.is_empty() {
            // Wait for the next committed action (or look again in a while).
            match live.blocking_recv() {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
        for (number, text) in items {
            if wanted(&hook, &text)
                && let Err((status, answer)) = post(&agent, &hook, number, &text, &metrics)
            {
                tracing::error!(webhook = %hook.name, action = number, status, %answer, "Webhook refused the action; set aside (GET /v1/webhooks), going on with the next");
                let _ = store.execute(
                    "INSERT OR REPLACE INTO webhook_refusals (name, action, status, answer, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![
                        hook.name,
                        i64::try_from(number).unwrap_or(i64::MAX),
                        status,
                        answer,
                        clock.now().to_rfc3339()
                    ],
                );
            }
            cursor = number;
            let _ = store.execute(
                "INSERT OR REPLACE INTO webhooks (name, last_action) VALUES (?1, ?2)",
                rusqlite::params![hook.name, i64::try_from(number).unwrap_or(i64::MAX)],
            );
        }
    }
}

/// Whether the endpoint takes this action's kind.
fn wanted(hook: &Webhook, text: &str) -> bool {
    if hook.kinds.is_empty() {
        return true;
    }
    let kind = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string));
    kind.is_some_and(|k| hook.kinds.contains(&k))
}

/// POSTs one action until the endpoint accepts it, waiting longer after each failure; or,
/// when it refuses the action's content [`REFUSALS`] times running, gives up with the last
/// status and the start of its answer.
fn post(
    agent: &ureq::Agent,
    hook: &Webhook,
    number: u64,
    text: &str,
    metrics: &Metrics,
) -> Result<(), (u16, String)> {
    let mut backoff = Duration::from_millis(500);
    let signature = signature(&hook.secret, text.as_bytes());
    let mut refusals = 0;
    loop {
        let sent = agent
            .post(&hook.url)
            .set("Content-Type", "application/json")
            .set("X-Slaflow-Action", &format!("a{number}"))
            .set("X-Slaflow-Signature", &signature)
            .send_string(text);
        let refused = match &sent {
            Err(ureq::Error::Status(status, _)) if refuses_content(*status) => {
                refusals += 1;
                refusals >= REFUSALS
            }
            _ => {
                refusals = 0;
                false
            }
        };
        let outcome = match &sent {
            Ok(_) => "ok",
            Err(_) if refused => "refused",
            Err(_) => "failed",
        };
        metrics
            .deliveries
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
        match sent {
            Ok(_) => return Ok(()),
            Err(ureq::Error::Status(status, answer)) if refused => {
                let answer: String = answer
                    .into_string()
                    .unwrap_or_default()
                    .chars()
                    .take(500)
                    .collect();
                return Err((status, answer));
            }
            Err(error) => {
                tracing::warn!(webhook = %hook.name, action = number, %error, retry_in = ?backoff, "Webhook delivery failed");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
