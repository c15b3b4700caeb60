//! What the server says about its bundle: the version running, when it was loaded, the earlier
//! ones, and why the last reload failed, if it did.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The bundle's status, as `GET /v1/bundle` and the dashboard show it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BundleStatus {
    /// The version running (its hash).
    pub active: String,
    /// When it was loaded (wall clock).
    pub loaded_at: Option<String>,
    /// Every version the engine has run, oldest first, with the engine instant it took over
    /// (none for the first).
    pub versions: Vec<VersionEntry>,
    /// The last reload that failed since the last one that succeeded: when, and its
    /// diagnostics.
    pub last_error: Option<ReloadError>,
}

/// One version in the history.
#[derive(Debug, Clone, Serialize)]
pub struct VersionEntry {
    /// Its hash.
    pub version: String,
    /// The engine instant it took over at.
    pub since: Option<String>,
}

/// A reload that failed.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadError {
    /// When (wall clock).
    pub at: String,
    /// The problems, one per line, as `slaflow validate --format plain` writes them.
    pub diagnostics: Vec<String>,
}

impl BundleStatus {
    /// The status of an engine that runs `versions` (oldest first; switch instants per version
    /// after the first) with the last one active, loaded now.
    pub fn new(versions: Vec<(String, Option<i64>)>, now: DateTime<Utc>) -> BundleStatus {
        BundleStatus {
            active: versions.last().map(|(h, _)| h.clone()).unwrap_or_default(),
            loaded_at: Some(now.to_rfc3339()),
            versions: versions
                .into_iter()
                .map(|(version, since)| VersionEntry {
                    version,
                    since: since.map(|at| crate::model::Timestamp(at).to_string()),
                })
                .collect(),
            last_error: None,
        }
    }

    /// The engine switched to `hash` at engine instant `at`.
    pub fn switched(&mut self, hash: &str, at: i64, now: DateTime<Utc>) {
        self.active = hash.to_string();
        self.loaded_at = Some(now.to_rfc3339());
        self.versions.push(VersionEntry {
            version: hash.to_string(),
            since: Some(crate::model::Timestamp(at).to_string()),
        });
        self.last_error = None;
    }

    /// A reload failed with these diagnostics.
    pub fn failed(&mut self, diagnostics: Vec<String>, now: DateTime<Utc>) {
        self.last_error = Some(ReloadError {
            at: now.to_rfc3339(),
            diagnostics,
        });
    }
}
