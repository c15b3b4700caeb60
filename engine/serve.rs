//! The live engine: `slaflow serve`. One process runs the engine over its durable journal, fires
//! timers by the wall clock, takes events over HTTP, answers questions about the state, streams
//! the actions it takes, reloads the bundle when its files change, and shows a dashboard.
//!
//! The engine has one writer, the [`actor`] thread; HTTP handlers ([`api`], [`dashboard`]), the
//! file watcher ([`reload`]) and the signals send it commands. What it does goes through the same
//! event loop and sinks as `slaflow run` (the journal first), so the journal of a server replays
//! to exactly the actions it took: live equals replay.

pub mod actor;
pub mod api;
pub mod auth;
pub mod dashboard;
pub mod hooks;
pub mod metrics;
pub mod reload;
pub mod status;
pub mod webhooks;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::clock::{Clock, ManualClock};
use crate::program::{Failure, Program};
use crate::store::Journal;
use actor::{Command, Published, Setup};
use auth::Tokens;
use metrics::Metrics;
use reload::Reloader;
use status::BundleStatus;

/// Reads a YAML file of the server's configuration (`what`: `webhooks`, `hooks`) through the
/// bundle loader's parser; errors name the file.
pub(crate) fn read_config<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    what: &str,
) -> Result<T, String> {
    let shown = crate::source::display_path(path);
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {what} file `{shown}`: {e}"))?;
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let node = crate::load::yaml::parse(
        crate::source::FileId(0),
        &text,
        crate::load::yaml::Limits::default(),
        &mut diagnostics,
    );
    if let Some(first) = diagnostics.iter().next() {
        return Err(format!("{what} file `{shown}`: {}", first.message));
    }
    let node = node.ok_or_else(|| format!("{what} file `{shown}` is empty"))?;
    crate::load::de::from_node(&node).map_err(|e| format!("{what} file `{shown}`: {e}"))
}

/// How the server runs.
pub struct Config {
    /// The bundle.
    pub bundle: PathBuf,
    /// The journal (SQLite).
    pub db: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Who may call.
    pub tokens: Tokens,
    /// How far behind the clock timers run, in seconds: events may arrive that late.
    pub grace: i64,
    /// How far ahead of the clock an event may be dated, in seconds; a later one is refused
    /// (one event from a sender with a wrong clock would otherwise move the engine's time on and
    /// make every correct event after it late).
    pub ahead: i64,
    /// How long quiet records are kept, in seconds (`None`: forever).
    pub retention: Option<i64>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// The clock, when it is virtual (set with `POST /v1/clock`).
    pub virtual_clock: Option<ManualClock>,
    /// Watch the bundle's files and reload on change.
    pub watch: bool,
    /// Where committed actions are POSTed.
    pub webhooks: Vec<webhooks::Webhook>,
    /// The webhook receivers (`POST /v1/hooks/{vendor}`).
    pub hooks: hooks::Hooks,
}

/// What the handlers share.
pub struct App {
    /// The engine thread.
    pub commands: Sender<Command>,
    /// Who may call.
    pub tokens: Tokens,
    /// The bundle's status.
    pub bundle: Arc<Mutex<BundleStatus>>,
    /// The counters.
    pub metrics: Arc<Metrics>,
    /// Committed actions, as they come.
    pub published: broadcast::Sender<Arc<Published>>,
    /// The journal's file, read by resumed streams.
    pub journal_path: PathBuf,
    /// Reloads the bundle.
    pub reloader: Reloader,
    /// The clock, when virtual.
    pub virtual_clock: Option<ManualClock>,
    /// The latest actions, for the dashboard.
    pub latest: Arc<Mutex<VecDeque<String>>>,
    /// Becomes `true` when the server stops: open action streams end.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The webhook receivers.
    pub hooks: hooks::Hooks,
    /// The webhook endpoints actions are POSTed to (`GET /v1/webhooks` reads their progress).
    pub webhooks: Vec<webhooks::Webhook>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The bundle has errors (rendered) or cannot be read.
    #[error("{0}")]
    Bundle(String),
    /// The journal cannot be used.
    #[error(transparent)]
    Journal(#[from] crate::store::StoreError),
    /// The address cannot be listened on, or serving failed.
    #[error("{0}")]
    Io(String),
    /// The journal failed while serving: the engine stopped rather than acknowledge what is
    /// not durable, and the server shut down so that a supervisor restarts it.
    #[error(
        "the journal failed, so the server stopped (nothing unacknowledged was lost; start it again): {0}"
    )]
    Failed(String),
}

/// Starts the server and runs it until `shutdown` completes (SIGTERM, Ctrl-C), then lets
/// requests in flight finish, stops the engine thread and closes the journal. `ready` is told
/// the address listened on.
pub async fn run(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let compiled = match Program::load(&config.bundle) {
        Ok(compiled) => compiled,
        Err(Failure::Load(error)) => return Err(ServeError::Bundle(error.to_string())),
        Err(Failure::Invalid(diagnostics, sources)) => {
            return Err(ServeError::Bundle(crate::diagnostic::render::human(
                &diagnostics,
                &sources,
            )));
        }
    };
    let dirs = reload::directories(&compiled.sources);
    let program = Arc::new(compiled.program);
    let mut journal = Journal::open(&config.db)?.keep_advances();
    let recovered = journal.recover(&program)?;
    let mut engine = recovered.engine;
    let mut switch_to = None;
    if engine.program().hash != program.hash {
        if engine.state.now.is_none() && engine.state.emitted == 0 {
            journal.restart_with(&program)?;
            engine = crate::runtime::Engine::new(Arc::clone(&program));
        } else {
            switch_to = Some(Arc::clone(&program));
        }
    }
    engine.retain(config.retention);
    // Every version in the order it ran, from the journal's switches (a version that ran twice,
    // a change undone, is listed twice, as a live server lists it): the first without an
    // instant, then each switch with its own; the active one last.
    let history: Vec<(String, Option<i64>)> = {
        let hash = |v: u16| engine.state.versions.get(usize::from(v)).cloned();
        let first = engine
            .state
            .switches
            .first()
            .map_or(engine.state.current, |_| 0);
        hash(first)
            .map(|h| (h, None))
            .into_iter()
            .chain(
                engine
                    .state
                    .switches
                    .iter()
                    .filter_map(|(at, v)| Some((hash(*v)?, Some(*at)))),
            )
            .collect()
    };
    let bundle = Arc::new(Mutex::new(BundleStatus::new(history, config.clock.now())));
    let metrics = Arc::new(Metrics::new());
    let (published, _) = broadcast::channel(16_384);
    let latest = Arc::new(Mutex::new(VecDeque::new()));
    let (commands, receiver) = std::sync::mpsc::channel();
    let setup = Setup {
        engine,
        journal,
        last_line: recovered.last_line,
        clock: Arc::clone(&config.clock),
        grace: config.grace,
        ahead: config.ahead,
        published: published.clone(),
        metrics: Arc::clone(&metrics),
        bundle: Arc::clone(&bundle),
        latest: Arc::clone(&latest),
    };
    // The engine thread says when it stopped on a failure, so the server stops too.
    let (failed, failure) = tokio::sync::oneshot::channel::<String>();
    let engine_thread = std::thread::Builder::new()
        .name("slaflow-engine".into())
        .spawn(move || {
            if let Err(error) = actor::run(setup, receiver) {
                let _ = failed.send(error);
            }
        })
        .map_err(|e| ServeError::Io(format!("cannot start the engine thread: {e}")))?;
    if let Some(program) = switch_to {
        tracing::info!(version = %program.hash, "The bundle changed since the journal was written: it becomes the next version");
        let _ = commands.send(Command::Reload {
            program,
            reply: None,
        });
    }
    let reloader = Reloader {
        bundle: config.bundle.clone(),
        commands: commands.clone(),
        status: Arc::clone(&bundle),
        metrics: Arc::clone(&metrics),
        clock: Arc::clone(&config.clock),
        busy: Arc::new(Mutex::new(())),
    };
    let _watcher = if config.watch {
        match reload::watch(reloader.clone(), &dirs) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                tracing::warn!(%error, "Cannot watch the bundle's files; reload with SIGHUP or POST /v1/reload");
                None
            }
        }
    } else {
        None
    };
    let endpoints = config.webhooks.clone();
    webhooks::start(
        config.webhooks,
        config.db.clone(),
        &published,
        Arc::clone(&metrics),
        Arc::clone(&config.clock),
    );
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let app = Arc::new(App {
        commands: commands.clone(),
        tokens: config.tokens,
        bundle,
        metrics,
        published,
        journal_path: config.db.clone(),
        reloader: reloader.clone(),
        virtual_clock: config.virtual_clock,
        latest,
        stopping,
        hooks: config.hooks,
        webhooks: endpoints,
    });
    let hangups = tokio::spawn(async move {
        #[cfg(unix)]
        if let Ok(mut hangup) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            while hangup.recv().await.is_some() {
                let reloader = reloader.clone();
                let _ = tokio::task::spawn_blocking(move || reloader.reload()).await;
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServeError::Io(format!("cannot listen on {}: {e}", config.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    tracing::info!(%address, "Listening");
    ready(address);
    let fatal = Arc::new(Mutex::new(None));
    let fatal_seen = Arc::clone(&fatal);
    let shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            Ok(error) = failure => {
                if let Ok(mut slot) = fatal_seen.lock() {
                    *slot = Some(error);
                }
            }
        }
        let _ = stop.send(true);
    };
    let served = axum::serve(listener, api::router(app))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ServeError::Io(e.to_string()));
    hangups.abort();
    let _ = commands.send(Command::Shutdown);
    drop(commands);
    let _ = tokio::task::spawn_blocking(move || engine_thread.join()).await;
    let failure = fatal.lock().ok().and_then(|mut slot| slot.take());
    match failure {
        Some(error) => Err(ServeError::Failed(error)),
        None => served,
    }
}
