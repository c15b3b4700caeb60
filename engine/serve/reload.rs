//! Reloading the bundle: on a change of any of its files (watched with `notify`, debounced),
//! on `SIGHUP` and on `POST /v1/reload`, the whole bundle is loaded, validated and compiled
//! beside the running version; with errors the running version stays and the diagnostics are
//! kept for `GET /v1/bundle`; otherwise the engine switches to it at its next instant.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::actor::Command;
use super::status::BundleStatus;
use crate::clock::Clock;
use crate::program::{Failure, Program};

/// How long a burst of file events is waited out before reloading (editors save in steps).
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Reloaded {
    /// The bundle is unchanged (same version).
    Unchanged {
        /// The version.
        version: String,
    },
    /// The new version is planned: it takes over at `at`, the engine's next instant, before
    /// any event or timer at or after it (as `run --switch` does).
    Switched {
        /// The version.
        version: String,
        /// The engine instant it took over at.
        at: String,
    },
    /// The bundle has errors: the running version stays.
    Failed {
        /// The problems, one per line.
        diagnostics: Vec<String>,
    },
}

/// Reloads: knows the bundle path, the engine thread and the status to update.
#[derive(Clone)]
pub struct Reloader {
    /// The bundle path.
    pub bundle: PathBuf,
    /// The engine thread.
    pub commands: Sender<Command>,
    /// The status to update.
    pub status: Arc<Mutex<BundleStatus>>,
    /// The counters (a reload refused for the bundle's errors is counted here; the engine
    /// counts those it switches to or cannot plan).
    pub metrics: Arc<super::metrics::Metrics>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// One reload at a time.
    pub busy: Arc<Mutex<()>>,
}

impl Reloader {
    /// Loads the bundle again and, if it changed and is valid, has the engine switch to it at
    /// its next instant (waiting for the engine to plan it; the switch is journaled when it
    /// happens, before the first event or timer at or after that instant).
    pub fn reload(&self) -> Reloaded {
        let _one = self.busy.lock();
        match Program::load(&self.bundle) {
            Err(Failure::Load(error)) => {
                self.metrics.reloaded(false);
                self.failed(vec![error.to_string()])
            }
            Err(Failure::Invalid(diagnostics, sources)) => {
                self.metrics.reloaded(false);
                let text = crate::diagnostic::render::plain(&diagnostics, &sources);
                self.failed(text.lines().map(str::to_string).collect())
            }
            Ok(compiled) => {
                let active = self
                    .status
                    .lock()
                    .map(|s| s.active.clone())
                    .unwrap_or_default();
                let version = compiled.program.hash.clone();
                if version == active {
                    // The files are valid and what runs: a failed edit undone is no longer an
                    // error to show.
                    if let Ok(mut status) = self.status.lock() {
                        status.last_error = None;
                    }
                    return Reloaded::Unchanged { version };
                }
                let (reply, answer) = tokio::sync::oneshot::channel();
                let sent = self.commands.send(Command::Reload {
                    program: Arc::new(compiled.program),
                    reply: Some(reply),
                });
                if sent.is_err() {
                    return self.failed(vec!["the engine is stopping".into()]);
                }
                match answer.blocking_recv() {
                    Ok(Ok(at)) => {
                        tracing::info!(version = %version, "Reloaded the bundle");
                        Reloaded::Switched {
                            version,
                            at: crate::model::Timestamp(at).to_string(),
                        }
                    }
                    Ok(Err(error)) => self.failed(vec![error]),
                    Err(_) => self.failed(vec!["the engine is stopping".into()]),
                }
            }
        }
    }

    fn failed(&self, diagnostics: Vec<String>) -> Reloaded {
        tracing::warn!(
            problems = diagnostics.len(),
            first = diagnostics.first().map(String::as_str).unwrap_or(""),
            "Reload refused: the bundle has errors; the running version stays"
        );
        if let Ok(mut status) = self.status.lock() {
            status.failed(diagnostics.clone(), self.clock.now());
        }
        Reloaded::Failed { diagnostics }
    }
}

/// The directories to watch: every directory a file of the bundle was read from (the
/// bundle's and its imports').
pub fn directories(sources: &crate::source::SourceMap) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = sources
        .files()
        .filter_map(|(_, f)| f.path().parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Watches the directories and reloads after each burst of changes, on its own thread, as
/// long as the returned watcher lives.
pub fn watch(
    reloader: Reloader,
    dirs: &[PathBuf],
) -> Result<
    notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    String,
> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer =
        notify_debouncer_mini::new_debouncer(DEBOUNCE, tx).map_err(|e| e.to_string())?;
    for dir in dirs {
        debouncer
            .watcher()
            .watch(
                dir,
                notify_debouncer_mini::notify::RecursiveMode::NonRecursive,
            )
            .map_err(|e| format!("cannot watch `{}`: {e}", dir.display()))?;
    }
    std::thread::Builder::new()
        .name("slaflow-reload".into())
        .spawn(move || {
            for events in rx {
                let relevant = match events {
                    Ok(events) => events.iter().any(|e| {
                        e.path
                            .extension()
                            .and_then(|x| x.to_str())
                            .is_some_and(|x| matches!(x, "yaml" | "yml" | "ics"))
                    }),
                    Err(error) => {
                        tracing::warn!(%error, "File watch error");
                        false
                    }
                };
                if relevant {
                    let _ = reloader.reload();
                }
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(debouncer)
}
