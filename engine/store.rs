//! The durable journal of `slaflow run --db`: accepted events, emitted actions and periodic
//! snapshots of the engine's state, in SQLite.
//!
//! Events are applied in batches. For each batch the actions are written to standard output
//! and flushed first, then the batch's input lines and actions are committed in one
//! transaction (one row per batch: its lines, numbered, and the text of its actions as
//! printed). A crash (even `kill -9`) therefore loses nothing that was committed, and a batch
//! that was printed but not committed is applied again on restart, printing the same actions
//! with the same ids: a consumer may see a few repeated lines, never a missing or different one.
//!
//! On restart the latest snapshot is loaded, the events journaled after it are applied again
//! without printing (their actions were printed before they were committed), and reading the
//! input continues after the last journaled line. A snapshot is taken after at least
//! [`SNAPSHOT_EVERY`] lines, and after at least [`SNAPSHOT_PER_ITEM`] lines per record, clock,
//! escalation, instance and task, so that writing snapshots costs a bounded share of the run
//! however large the state grows (and replaying after a restart at most that many lines).
//! SQLite runs in WAL mode with `synchronous=NORMAL`: a committed batch survives a crash of the
//! process; surviving a power loss would need `synchronous=FULL`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use crate::runtime::input::{Line, Lines, parse};
use crate::runtime::{Action, Compiled, Engine, State};

/// Lines applied per transaction.
pub const BATCH: usize = 4_096;
/// Fewest lines between snapshots.
pub const SNAPSHOT_EVERY: u64 = 100_000;
/// Fewest lines between snapshots for each item of the state (record, clock, escalation,
/// process instance, task): a large state is written less often.
pub const SNAPSHOT_PER_ITEM: u64 = 2;
/// The version of the journal's tables and snapshots (3: clock timelines encoded as bytes).
const FORMAT: &str = "3";

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("journal `{path}`: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The journal was written by another version of the bundle.
    #[error(
        "journal `{path}` was written with bundle version {journal}, but this bundle is version {bundle}; use a new --db file for a changed bundle"
    )]
    OtherBundle {
        /// The database file.
        path: String,
        /// The journal's bundle hash.
        journal: String,
        /// This bundle's hash.
        bundle: String,
    },
    /// The journal was written by an earlier version of slaflow, in another format.
    #[error("journal `{path}` was written by an earlier version of slaflow; use a new --db file")]
    OtherFormat {
        /// The database file.
        path: String,
    },
    /// A snapshot could not be read.
    #[error("journal `{path}`: snapshot at line {line} is unreadable: {reason}")]
    Snapshot {
        /// The database file.
        path: String,
        /// The snapshot's line.
        line: u64,
        /// Why.
        reason: String,
    },
    /// Reading events or writing actions failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An open journal.
pub struct Journal {
    connection: Connection,
    path: String,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for a bundle version.
    pub fn open(path: &Path, bundle: &str) -> Result<Journal, StoreError> {
        let shown = crate::source::display_path(path);
        let sql = |source| StoreError::Sqlite {
            path: shown.clone(),
            source,
        };
        let connection = Connection::open(path).map_err(sql)?;
        // Large pages suit rows of whole batches (the size only applies to a new file).
        connection
            .execute_batch(
                "PRAGMA page_size = 65536;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS snapshots (line INTEGER PRIMARY KEY, state TEXT NOT NULL);",
            )
            .map_err(sql)?;
        let meta = |key: &str| -> Result<Option<String>, StoreError> {
            connection
                .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql)
        };
        match (meta("bundle")?, meta("format")?) {
            (Some(_), format) if format.as_deref() != Some(FORMAT) => {
                return Err(StoreError::OtherFormat { path: shown });
            }
            (Some(journal), _) if journal != bundle => {
                return Err(StoreError::OtherBundle {
                    path: shown,
                    journal,
                    bundle: bundle.to_string(),
                });
            }
            (Some(_), _) => {}
            (None, _) => {
                connection
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('bundle', ?1), ('format', ?2)",
                        params![bundle, FORMAT],
                    )
                    .map_err(sql)?;
            }
        }
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS batches (last_line INTEGER PRIMARY KEY, lines BLOB NOT NULL, actions BLOB NOT NULL);",
            )
            .map_err(sql)?;
        Ok(Journal {
            connection,
            path: shown,
        })
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Rebuilds the engine from the latest snapshot and the events journaled after it; returns
    /// the engine and the last journaled input line.
    pub fn recover(&self, compiled: &Arc<Compiled>) -> Result<(Engine, u64), StoreError> {
        let snapshot: Option<(i64, String)> = self
            .connection
            .query_row(
                "SELECT line, state FROM snapshots ORDER BY line DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let (mut engine, from) = match snapshot {
            Some((line, text)) => {
                let state: State =
                    serde_json::from_str(&text).map_err(|e| StoreError::Snapshot {
                        path: self.path.clone(),
                        line: u64::try_from(line).unwrap_or(0),
                        reason: e.to_string(),
                    })?;
                (Engine::resume(Arc::clone(compiled), state), line)
            }
            None => (Engine::new(Arc::clone(compiled)), 0),
        };
        let from = u64::try_from(from).unwrap_or(0);
        let mut last = from;
        let mut statement = self
            .connection
            .prepare("SELECT lines FROM batches WHERE last_line > ?1 ORDER BY last_line")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map(params![i64::try_from(from).unwrap_or(i64::MAX)], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let lines = row.map_err(|e| self.sql(e))?;
            for (number, raw) in journaled(&lines) {
                if number > from {
                    engine.apply_line(&parse(number, raw));
                    engine.drain_actions();
                    last = number;
                }
            }
        }
        Ok((engine, last))
    }

    /// Commits a batch: its input lines (`number raw` per line, see [`journal_line`]), the
    /// text of its actions as printed, and a snapshot when one is due.
    pub fn commit(
        &mut self,
        last_line: u64,
        lines: &[u8],
        actions: &[u8],
        snapshot: Option<&State>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let line = i64::try_from(last_line).unwrap_or(i64::MAX);
        let tx = self.connection.transaction().map_err(sql)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO batches (last_line, lines, actions) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut insert| insert.execute(params![line, lines, actions]))
        .map_err(sql)?;
        if let Some(state) = snapshot {
            let text = serde_json::to_string(state).unwrap_or_default();
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (line, state) VALUES (?1, ?2)",
                params![line, text],
            )
            .map_err(sql)?;
            tx.execute("DELETE FROM snapshots WHERE line < ?1", params![line])
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }
}

/// Appends one input line as the journal keeps it: its number, a space, and the line.
pub fn journal_line(out: &mut Vec<u8>, line: &Line) {
    out.extend_from_slice(line.number.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(line.raw.as_bytes());
    out.push(b'\n');
}

/// The lines of a journaled batch (see [`journal_line`]).
fn journaled(lines: &[u8]) -> impl Iterator<Item = (u64, String)> + '_ {
    lines.split(|b| *b == b'\n').filter_map(|line| {
        let space = line.iter().position(|b| *b == b' ')?;
        let number = std::str::from_utf8(line.get(..space)?).ok()?.parse().ok()?;
        let raw = String::from_utf8_lossy(line.get(space + 1..)?).into_owned();
        Some((number, raw))
    })
}

/// Whether a snapshot is due after `lines` lines since the last one.
fn snapshot_due(lines: u64, state: &State) -> bool {
    let items = state.records.len()
        + state.clocks.all.len()
        + state.escalations.len()
        + state.instances.len()
        + state.tasks.len();
    lines >= SNAPSHOT_EVERY.max(SNAPSHOT_PER_ITEM.saturating_mul(items as u64))
}

/// `slaflow run --db`: replays `events` durably, resuming from the journal, writing actions to
/// `out` (flushed before each batch commits).
pub fn run_durable(
    compiled: Arc<Compiled>,
    db: &Path,
    events: impl Read,
    until: Option<i64>,
    out: impl Write,
) -> Result<(), StoreError> {
    let mut journal = Journal::open(db, &compiled.hash)?;
    let (mut engine, last) = journal.recover(&compiled)?;
    let mut lines = Lines::new(BufReader::new(events));
    lines.skip_to(last)?;
    let mut out = out;
    let mut since_snapshot = 0u64;
    let mut batch: Vec<u8> = Vec::new();
    let mut printed: Vec<u8> = Vec::new();
    let mut done = false;
    while !done {
        batch.clear();
        printed.clear();
        let mut count = 0;
        let mut last_line = None;
        for line in lines.by_ref() {
            let line = line?;
            engine.apply_line(&line);
            print_actions(&mut printed, engine.drain_actions());
            journal_line(&mut batch, &line);
            last_line = Some(line.number);
            count += 1;
            if count >= BATCH {
                break;
            }
        }
        if count < BATCH {
            done = true;
        }
        out.write_all(&printed)?;
        out.flush()?;
        let Some(last_line) = last_line else {
            continue;
        };
        since_snapshot += count as u64;
        let snapshot = snapshot_due(since_snapshot, &engine.state).then_some(&engine.state);
        if snapshot.is_some() {
            since_snapshot = 0;
        }
        journal.commit(last_line, &batch, &printed, snapshot)?;
    }
    engine.finish(until);
    printed.clear();
    print_actions(&mut printed, engine.drain_actions());
    out.write_all(&printed)?;
    out.flush()?;
    Ok(())
}

/// Appends actions to `printed` as JSON Lines, and prints each rejected event on standard
/// error as `line N: reason`.
pub fn print_actions(printed: &mut Vec<u8>, actions: impl IntoIterator<Item = Action>) {
    for action in actions {
        if action.kind == "event.rejected" {
            eprintln!(
                "line {}: {}",
                action.line.unwrap_or(0),
                action.error.as_deref().unwrap_or("rejected")
            );
        }
        action.write_json(printed);
        printed.push(b'\n');
    }
}

/// Reads every line of a reader (used by tests to compare runs).
pub fn read_lines(reader: impl Read) -> std::io::Result<Vec<String>> {
    BufReader::new(reader).lines().collect()
}
