//! The durable journal of `slaflow run --db`: accepted events, emitted actions and periodic
//! snapshots of the engine's state, in SQLite.
//!
//! Events are applied in batches. For each batch the actions are written to standard output
//! and flushed first, then the batch's input lines and actions are committed in one
//! transaction. A crash (even `kill -9`) therefore loses nothing that was committed, and a batch
//! that was printed but not committed is applied again on restart, printing the same actions
//! with the same ids: a consumer may see a few repeated lines, never a missing or different one.
//!
//! On restart the latest snapshot is loaded, the events journaled after it are applied again
//! without printing (their actions were printed before they were committed), and reading the
//! input continues after the last journaled line. SQLite runs in WAL mode with
//! `synchronous=NORMAL`: a committed batch survives a crash of the process; surviving a power
//! loss would need `synchronous=FULL`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use crate::runtime::input::{Lines, parse};
use crate::runtime::{Action, Compiled, Engine, State};

/// Lines applied per transaction.
pub const BATCH: usize = 4_096;
/// Lines between snapshots.
pub const SNAPSHOT_EVERY: u64 = 100_000;

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
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS events (line INTEGER PRIMARY KEY, raw TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS actions (seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, json TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS snapshots (line INTEGER PRIMARY KEY, state TEXT NOT NULL);",
            )
            .map_err(sql)?;
        let existing: Option<String> = connection
            .query_row("SELECT value FROM meta WHERE key = 'bundle'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql)?;
        match existing {
            Some(journal) if journal != bundle => {
                return Err(StoreError::OtherBundle {
                    path: shown,
                    journal,
                    bundle: bundle.to_string(),
                });
            }
            Some(_) => {}
            None => {
                connection
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('bundle', ?1)",
                        params![bundle],
                    )
                    .map_err(sql)?;
            }
        }
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
        let mut last = u64::try_from(from).unwrap_or(0);
        let mut statement = self
            .connection
            .prepare("SELECT line, raw FROM events WHERE line > ?1 ORDER BY line")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map(params![from], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let (line, raw) = row.map_err(|e| self.sql(e))?;
            let line = u64::try_from(line).unwrap_or(0);
            engine.apply_line(&parse(line, raw));
            engine.take_actions();
            last = line;
        }
        Ok((engine, last))
    }

    /// Commits a batch of input lines and their actions, with a snapshot when one is due.
    pub fn commit(
        &mut self,
        lines: &[(u64, String)],
        actions: &[(u64, Action)],
        snapshot: Option<(u64, &State)>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.connection.transaction().map_err(sql)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR REPLACE INTO events (line, raw) VALUES (?1, ?2)")
                .map_err(sql)?;
            for (line, raw) in lines {
                insert
                    .execute(params![i64::try_from(*line).unwrap_or(i64::MAX), raw])
                    .map_err(sql)?;
            }
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO actions (seq, line, json) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            for (line, action) in actions {
                let seq: i64 = action.id.trim_start_matches('a').parse().unwrap_or(0);
                insert
                    .execute(params![
                        seq,
                        i64::try_from(*line).unwrap_or(i64::MAX),
                        action.to_json()
                    ])
                    .map_err(sql)?;
            }
            if let Some((line, state)) = snapshot {
                let text = serde_json::to_string(state).unwrap_or_default();
                tx.execute(
                    "INSERT OR REPLACE INTO snapshots (line, state) VALUES (?1, ?2)",
                    params![i64::try_from(line).unwrap_or(i64::MAX), text],
                )
                .map_err(sql)?;
                tx.execute(
                    "DELETE FROM snapshots WHERE line < ?1",
                    params![i64::try_from(line).unwrap_or(i64::MAX)],
                )
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }
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
    let mut out = std::io::BufWriter::new(out);
    let mut since_snapshot = 0u64;
    let mut batch: Vec<(u64, String)> = Vec::with_capacity(BATCH);
    let mut done = false;
    while !done {
        batch.clear();
        let mut actions: Vec<(u64, Action)> = Vec::new();
        for line in lines.by_ref() {
            let line = line?;
            engine.apply_line(&line);
            for action in engine.take_actions() {
                actions.push((line.number, action));
            }
            batch.push((line.number, line.raw));
            if batch.len() >= BATCH {
                break;
            }
        }
        if batch.len() < BATCH {
            done = true;
        }
        print(&mut out, &actions)?;
        since_snapshot += batch.len() as u64;
        let last_line = batch.last().map(|(n, _)| *n);
        let snapshot = match last_line {
            Some(line) if since_snapshot >= SNAPSHOT_EVERY => {
                since_snapshot = 0;
                Some((line, &engine.state))
            }
            _ => None,
        };
        journal.commit(&batch, &actions, snapshot)?;
    }
    engine.finish(until);
    let tail: Vec<(u64, Action)> = engine.take_actions().into_iter().map(|a| (0, a)).collect();
    print(&mut out, &tail)?;
    Ok(())
}

fn print(out: &mut impl Write, actions: &[(u64, Action)]) -> std::io::Result<()> {
    for (_, action) in actions {
        if action.kind == "event.rejected" {
            eprintln!(
                "line {}: {}",
                action.line.unwrap_or(0),
                action.error.as_deref().unwrap_or("rejected")
            );
        }
        out.write_all(action.to_json().as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Reads every line of a reader (used by tests to compare runs).
pub fn read_lines(reader: impl Read) -> std::io::Result<Vec<String>> {
    BufReader::new(reader).lines().collect()
}
