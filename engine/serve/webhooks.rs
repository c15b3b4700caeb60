//! Webhooks: each committed action POSTed as JSON to the endpoints a file lists, signed with
//! HMAC-SHA256, in the order the engine took them, retried with backoff until the endpoint
//! accepts (2xx): at least once, and the action's `id` lets a receiver drop a repeat.
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

/// The longest wait between two attempts at one action.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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
) {
    for hook in hooks {
        let live = published.subscribe();
        let journal = journal.clone();
        let metrics = Arc::clone(&metrics);
        let name = format!("slaflow-webhook-{}", hook.name);
        let spawned = std::thread::Builder::new()
            .name(name)
            .spawn(move || deliver(hook, journal, live, metrics));
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
        "CREATE TABLE IF NOT EXISTS webhooks (name TEXT PRIMARY KEY, last_action INTEGER NOT NULL);",
    )?;
    Ok(connection)
}

fn deliver(
    hook: Webhook,
    journal: PathBuf,
    mut live: broadcast::Receiver<Arc<Published>>,
    metrics: Arc<Metrics>,
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
    loop {
        let items = crate::store::Journal::open_read_only(&journal)
            .and_then(|j| j.actions_after(cursor, 1_000))
            .unwrap_or_default();
        if items.is_empty() {
            // Wait for the next committed action (or look again in a while).
            match live.blocking_recv() {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
        for (number, text) in items {
            if wanted(&hook, &text) {
                post(&agent, &hook, number, &text, &metrics);
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

/// POSTs one action until the endpoint accepts it, waiting longer after each failure.
fn post(agent: &ureq::Agent, hook: &Webhook, number: u64, text: &str, metrics: &Metrics) {
    let mut backoff = Duration::from_millis(500);
    let signature = signature(&hook.secret, text.as_bytes());
    loop {
        let sent = agent
            .post(&hook.url)
            .set("Content-Type", "application/json")
            .set("X-Slaflow-Action", &format!("a{number}"))
            .set("X-Slaflow-Signature", &signature)
            .send_string(text);
        let outcome = match &sent {
            Ok(_) => "ok",
            Err(_) => "failed",
        };
        metrics
            .deliveries
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
        match sent {
            Ok(_) => return,
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
