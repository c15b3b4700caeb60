//! `slaflow serve` (the live engine) and `slaflow token` (a token for it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use slaflow::clock::{Clock, ManualClock, SystemClock};
use slaflow::model::Timestamp;
use slaflow::serve::auth::{Scope, Tokens};

use super::run::{Retention, parse_retention};
use super::{EXIT_OK, EXIT_USAGE, fail};

/// How far ahead of the wall clock an event may be dated by default: 5 minutes.
const DEFAULT_MAX_AHEAD: i64 = 300;

/// Arguments of `slaflow serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    /// The durable journal (SQLite), created if missing; the server resumes from it.
    #[arg(long, default_value = "slaflow.db")]
    pub db: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// The tokens file (`slaflow token` makes entries for it).
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Accept every request without a token: only on a loopback address.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// How far behind the wall clock timers run (events may arrive that late), e.g. `5s`.
    #[arg(long, default_value = "5s", value_parser = parse_seconds)]
    pub grace: i64,
    /// How far ahead of the clock an event may be dated (a sender's clock running fast), e.g.
    /// `5m`; a later event is refused. Default: 5 minutes on the wall clock, no limit on a
    /// virtual clock (which is moved by hand, so history can be loaded ahead of it).
    #[arg(long, value_name = "DURATION", value_parser = parse_seconds)]
    pub max_ahead: Option<i64>,
    /// Forget a record once it has been quiet this long, e.g. `30d`; `forever` keeps all.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_retention)]
    pub retain: Retention,
    /// Run on a virtual clock starting at this instant, moved with `POST /v1/clock` (tests,
    /// demonstrations).
    #[arg(long, value_name = "INSTANT")]
    pub virtual_clock: Option<Timestamp>,
    /// Do not watch the bundle's files (reload with SIGHUP or `POST /v1/reload`).
    #[arg(long)]
    pub no_watch: bool,
    /// A webhooks file: endpoints every committed action is POSTed to, signed (see
    /// docs/commands.md).
    #[arg(long, value_name = "FILE")]
    pub webhooks: Option<PathBuf>,
    /// A hooks file: the webhook receivers (`POST /v1/hooks/jira`, `zammad`, `servicenow`),
    /// each with its import map and secret (see docs/serve.md).
    #[arg(long, value_name = "FILE")]
    pub hooks: Option<PathBuf>,
}

/// Reads a duration as seconds: `5s`, `2m`, `1h`, or a number of seconds.
fn parse_seconds(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as `5s` or `1m`, not `{text}`"))?;
    match unit.trim() {
        "s" => Ok(n),
        "m" => Ok(n * 60),
        "h" => Ok(n * 3600),
        _ => Err(format!(
            "expected a duration such as `5s` or `1m`, not `{text}`"
        )),
    }
}

/// Runs `slaflow serve`.
pub fn run(args: &Args) -> u8 {
    let tokens = match (&args.tokens, args.insecure_no_auth) {
        (Some(path), false) => match Tokens::load(path) {
            Ok(tokens) => tokens,
            Err(error) => return fail(error),
        },
        (None, true) if args.listen.ip().is_loopback() => Tokens::open(),
        (None, true) => {
            return fail(format!(
                "--insecure-no-auth is refused on {}: without tokens, listen on a loopback address only",
                args.listen
            ));
        }
        (Some(_), true) => return fail("give either --tokens or --insecure-no-auth, not both"),
        (None, false) => {
            return fail(
                "give a tokens file (--tokens FILE; `slaflow token NAME --scopes read,ingest,admin` makes entries), or --insecure-no-auth on a loopback address",
            );
        }
    };
    let (clock, virtual_clock): (Arc<dyn Clock>, Option<ManualClock>) = match args.virtual_clock {
        Some(start) => {
            let manual =
                ManualClock::at(chrono::DateTime::from_timestamp(start.0, 0).unwrap_or_default());
            (Arc::new(manual.clone()), Some(manual))
        }
        None => (Arc::new(SystemClock), None),
    };
    let webhooks = match &args.webhooks {
        Some(path) => match slaflow::serve::webhooks::load(path) {
            Ok(hooks) => hooks,
            Err(error) => return fail(error),
        },
        None => Vec::new(),
    };
    let hooks = match &args.hooks {
        Some(path) => match slaflow::serve::hooks::load(path) {
            Ok(hooks) => hooks,
            Err(error) => return fail(error),
        },
        None => slaflow::serve::hooks::Hooks::default(),
    };
    let config = slaflow::serve::Config {
        bundle: args.bundle.clone(),
        db: args.db.clone(),
        listen: args.listen,
        tokens,
        grace: args.grace,
        ahead: args.max_ahead.unwrap_or(if args.virtual_clock.is_some() {
            i64::MAX
        } else {
            DEFAULT_MAX_AHEAD
        }),
        retention: args.retain.0,
        clock,
        virtual_clock,
        watch: !args.no_watch,
        webhooks,
        hooks,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start: {error}")),
    };
    let result = runtime.block_on(slaflow::serve::run(config, shutdown(), |address| {
        eprintln!("slaflow serve: listening on http://{address}");
    }));
    match result {
        Ok(()) => EXIT_OK,
        Err(slaflow::serve::ServeError::Bundle(text)) => {
            eprint!("{text}");
            super::EXIT_FINDINGS
        }
        Err(error) => fail(error),
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Arguments of `slaflow token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// A name for the token (who uses it), e.g. `ticket-system`.
    pub name: String,
    /// What it may do: `read`, `ingest`, `admin`, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
}

/// Runs `slaflow token`: prints a new token (to give its user, once) and its entry for the
/// tokens file (which keeps only its hash).
pub fn token(args: &TokenArgs) -> u8 {
    let mut scopes = Vec::new();
    for scope in &args.scopes {
        match scope.trim() {
            "read" => scopes.push(Scope::Read),
            "ingest" => scopes.push(Scope::Ingest),
            "admin" => scopes.push(Scope::Admin),
            other => {
                return fail(format!(
                    "unknown scope `{other}`: use read, ingest or admin"
                ));
            }
        }
    }
    let token = match slaflow::serve::auth::new_token() {
        Ok(token) => token,
        Err(error) => return fail(format!("cannot make a random token: {error}")),
    };
    let list: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let text = format!(
        "# token for {name} (give it to its user; it is not kept): {token}\n  - name: {name}\n    sha256: {hash}\n    scopes: [{scopes}]\n",
        name = args.name,
        hash = slaflow::serve::auth::hash(&token),
        scopes = list.join(", ")
    );
    super::write_stdout(&text).unwrap_or(if text.is_empty() { EXIT_USAGE } else { EXIT_OK })
}
