//! The durable journal: every input the engine applied (event lines, bundle version switches,
//! the passing of time in a live engine), the actions they produced, every bundle version with
//! its files, and periodic snapshots of the engine's state, in SQLite.
//!
//! The journal is a [`Sink`]: the driver hands it each input with its actions and flushes it at
//! the end of each batch, after the sinks before it (the printer flushes first). A flush commits
//! the batch's inputs and actions in one transaction (one row per batch), with the versions it
//! switched to, and a snapshot when one is due. A crash (even `kill -9`) therefore loses nothing
//! that was committed, and a batch that was printed but not committed is applied again on
//! restart, printing the same actions with the same ids: a consumer may see a few repeated
//! lines, never a missing or different one.
//!
//! On restart ([`Journal::recover`]) the versions the state needs are compiled again from the
//! files the journal keeps, the latest snapshot is loaded, and the inputs journaled after it are
//! applied again without printing (their actions were printed before they were committed). A
//! snapshot is taken after at least [`SNAPSHOT_EVERY`] inputs, and after at least
//! [`SNAPSHOT_PER_ITEM`] inputs per record, clock, escalation, instance and task, so that
//! writing snapshots costs a bounded share of the run however large the state grows. SQLite runs
//! in WAL mode with `synchronous=NORMAL`: a committed batch survives a crash of the process;
//! surviving a power loss would need `synchronous=FULL`.

mod batch;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::program::{Origin, Program};
use crate::runtime::engine::short_hash;
use crate::runtime::input::parse;
use crate::runtime::sink::{Actions, Input, Sink, SinkError};
use crate::runtime::{Engine, State};

pub use batch::Entry;

/// Fewest inputs between snapshots.
pub const SNAPSHOT_EVERY: u64 = 100_000;
/// Fewest inputs between snapshots for each item of the state (record, clock, escalation,
/// process instance, task): a large state is written less often.
pub const SNAPSHOT_PER_ITEM: u64 = 2;
/// The version of the journal's tables and snapshots (4: bundle versions and switches).
const FORMAT: &str = "4";
/// SQLite's application id of an slaflow journal (`slaf`).
const APPLICATION_ID: i64 = 0x736c_6166;

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
    /// The journal was written in another format.
    #[error(
        "journal `{path}` was written in journal format {found} by another version of slaflow (this one writes format {FORMAT}); use a new --db file"
    )]
    OtherFormat {
        /// The database file.
        path: String,
        /// The format found.
        found: String,
    },
    /// The file is an SQLite database, but not an slaflow journal.
    #[error(
        "`{path}` is not an slaflow journal (it is an SQLite database with other tables); give a new or an slaflow --db file"
    )]
    NotAJournal {
        /// The database file.
        path: String,
    },
    /// No journal at the path (reading only).
    #[error("no journal at `{path}`")]
    Missing {
        /// The database file.
        path: String,
    },
    /// Something stored cannot be read back.
    #[error("journal `{path}`: {reason}")]
    Damaged {
        /// The database file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The engine refused an input while replaying.
    #[error("journal `{path}`: {reason}")]
    Replay {
        /// The database file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// An engine rebuilt from a journal.
pub struct Recovered {
    /// The engine, as it was after the last committed input.
    pub engine: Engine,
    /// The number of the last input line journaled (0 for none): reading resumes after it.
    pub last_line: u64,
    /// Whether the journal held nothing yet.
    pub fresh: bool,
}

/// An open journal.
pub struct Journal {
    connection: Connection,
    path: String,
    /// Versions stored, by hash, with their number.
    versions: HashMap<String, i64>,
    /// The batch being gathered: its inputs and the text of their actions.
    inputs: Vec<u8>,
    actions: Vec<u8>,
    /// Inputs gathered since the last commit.
    pending: u64,
    /// Inputs committed since the last snapshot.
    since_snapshot: u64,
    /// The last input line number received.
    last_line: u64,
    /// Whether `Advance` inputs are journaled (a live engine's clock) or left out (the end of
    /// a replay, which the next run with more events must not have moved past).
    keep_advances: bool,
    /// An advance that was left out has moved the engine: its state must not be snapshotted.
    moved: bool,
    /// Opened only to read.
    read_only: bool,
    /// Inputs between snapshots, if fixed (else see [`snapshot_due`]).
    every: Option<u64>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for writing.
    pub fn open(path: &Path) -> Result<Journal, StoreError> {
        Journal::open_with(path, false)
    }

    /// Opens the journal at `path` to read it (it must exist).
    pub fn open_read_only(path: &Path) -> Result<Journal, StoreError> {
        Journal::open_with(path, true)
    }

    fn open_with(path: &Path, read_only: bool) -> Result<Journal, StoreError> {
        let shown = crate::source::display_path(path);
        let sql = |source| StoreError::Sqlite {
            path: shown.clone(),
            source,
        };
        if read_only && !path.exists() {
            return Err(StoreError::Missing { path: shown });
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::default()
        };
        let connection = Connection::open_with_flags(path, flags).map_err(sql)?;
        let application: i64 = connection
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(sql)?;
        let tables: i64 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if application != APPLICATION_ID && tables > 0 {
            let ours: bool = connection
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(sql)?
                > 0;
            if !ours {
                return Err(StoreError::NotAJournal { path: shown });
            }
        }
        if !read_only {
            // Large pages suit rows of whole batches (the size only applies to a new file).
            connection
                .execute_batch(&format!(
                    "PRAGMA page_size = 65536;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA application_id = {APPLICATION_ID};
                     CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                ))
                .map_err(sql)?;
        }
        let format: Option<String> = connection
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .or_else(|e| if read_only { Err(e) } else { Ok(None) })
            .map_err(sql)?;
        match format {
            Some(found) if found != FORMAT => {
                return Err(StoreError::OtherFormat { path: shown, found });
            }
            Some(_) => {}
            None if read_only => return Err(StoreError::Missing { path: shown }),
            None => connection
                .execute_batch(&format!(
                    "CREATE TABLE IF NOT EXISTS versions (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, origin TEXT NOT NULL);
                     CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, inputs BLOB NOT NULL, actions BLOB NOT NULL);
                     CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, last_line INTEGER NOT NULL, state TEXT NOT NULL);
                     INSERT OR REPLACE INTO meta (key, value) VALUES ('format', '{FORMAT}');"
                ))
                .map_err(sql)?,
        }
        let mut versions = HashMap::new();
        {
            let mut statement = connection
                .prepare("SELECT number, hash FROM versions")
                .map_err(sql)?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql)?;
            for row in rows {
                let (number, hash) = row.map_err(sql)?;
                versions.insert(hash, number);
            }
        }
        Ok(Journal {
            connection,
            path: shown,
            versions,
            inputs: Vec::new(),
            actions: Vec::new(),
            pending: 0,
            since_snapshot: 0,
            last_line: 0,
            keep_advances: false,
            moved: false,
            read_only,
            every: None,
        })
    }

    /// Takes a snapshot every `inputs` inputs, whatever the size of the state, instead of the
    /// default rule (see [`SNAPSHOT_EVERY`]): more often shortens recovery, less often writes
    /// less.
    pub fn snapshot_every(mut self, inputs: Option<u64>) -> Journal {
        self.every = inputs.map(|n| n.max(1));
        self
    }

    /// Journals `Advance` inputs too (a live engine, whose timers fire by the wall clock).
    pub fn keep_advances(mut self) -> Journal {
        self.keep_advances = true;
        self
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn damaged(&self, reason: impl Into<String>) -> StoreError {
        StoreError::Damaged {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// Every version the journal holds, oldest first: number, hash.
    pub fn version_list(&self) -> Vec<(i64, String)> {
        let mut list: Vec<(i64, String)> = self
            .versions
            .iter()
            .map(|(hash, number)| (*number, hash.clone()))
            .collect();
        list.sort();
        list
    }

    /// Compiles a stored version again from its files.
    fn compile_version(&self, hash: &str) -> Result<Arc<Program>, StoreError> {
        let origin: String = self
            .connection
            .query_row(
                "SELECT origin FROM versions WHERE hash = ?1",
                params![hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?
            .ok_or_else(|| self.damaged(format!("bundle version {hash} is not stored")))?;
        let origin: Origin = serde_json::from_str(&origin)
            .map_err(|e| self.damaged(format!("bundle version {hash} is unreadable: {e}")))?;
        let compiled = origin
            .compile(hash)
            .map_err(|e| self.damaged(e.to_string()))?;
        Ok(Arc::new(compiled.program))
    }

    /// Rebuilds the engine from the latest snapshot and the inputs journaled after it. `initial`
    /// runs a journal that holds nothing yet (and is the first version it records).
    pub fn recover(&mut self, initial: &Arc<Program>) -> Result<Recovered, StoreError> {
        let fresh = self.versions.is_empty();
        if fresh && !self.read_only {
            self.remember(initial)?;
        }
        let mut programs: HashMap<String, Arc<Program>> = HashMap::new();
        programs.insert(initial.hash.clone(), Arc::clone(initial));
        let mut program = |journal: &Journal, hash: &str| -> Result<Arc<Program>, StoreError> {
            if let Some(found) = programs.get(hash) {
                return Ok(Arc::clone(found));
            }
            let compiled = journal.compile_version(hash)?;
            tracing::info!(version = %short_hash(hash), "Compiled a journaled bundle version again");
            programs.insert(hash.to_string(), Arc::clone(&compiled));
            Ok(compiled)
        };
        let snapshot: Option<(i64, i64, String)> = self
            .connection
            .query_row(
                "SELECT seq, last_line, state FROM snapshots ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let (mut engine, from, mut last_line) = match snapshot {
            Some((seq, last_line, text)) => {
                let state: State = serde_json::from_str(&text).map_err(|e| {
                    self.damaged(format!("the snapshot after batch {seq} is unreadable: {e}"))
                })?;
                let mut failed = None;
                let engine = Engine::resume(state, |hash| match program(self, hash) {
                    Ok(p) => Some(p),
                    Err(error) => {
                        failed.get_or_insert(error);
                        None
                    }
                });
                let engine = match (engine, failed) {
                    (Ok(engine), _) => engine,
                    (Err(_), Some(error)) => return Err(error),
                    (Err(reason), None) => return Err(self.damaged(reason)),
                };
                tracing::info!(batch = seq, "Resumed from a snapshot");
                (engine, seq, u64::try_from(last_line).unwrap_or(0))
            }
            None => {
                let first = self
                    .version_list()
                    .first()
                    .map(|(_, hash)| hash.clone())
                    .unwrap_or_else(|| initial.hash.clone());
                (Engine::new(program(self, &first)?), 0, 0)
            }
        };
        let mut statement = self
            .connection
            .prepare("SELECT seq, inputs FROM batches WHERE seq > ?1 ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, Vec<u8>)> = statement
            .query_map(params![from], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        drop(statement);
        let mut replayed = 0u64;
        for (seq, inputs) in rows {
            for entry in batch::entries(&inputs) {
                match entry.map_err(|e| self.damaged(format!("batch {seq}: {e}")))? {
                    Entry::Line { number, raw } => {
                        engine.apply_line(&parse(number, raw));
                        last_line = number;
                    }
                    Entry::Switch { at, hash } => {
                        let switched = program(self, &hash)?;
                        engine
                            .switch(at, switched)
                            .map_err(|reason| StoreError::Replay {
                                path: self.path.clone(),
                                reason,
                            })?;
                    }
                    Entry::Advance { at } => engine.finish(Some(at)),
                }
                engine.clear_pending();
                replayed += 1;
            }
        }
        if replayed > 0 {
            tracing::info!(
                inputs = replayed,
                "Replayed the journal after its last snapshot"
            );
        }
        self.last_line = last_line;
        self.since_snapshot = replayed;
        Ok(Recovered {
            engine,
            last_line,
            fresh,
        })
    }

    /// Starts the journal again with `program` as its first version, when it holds no input
    /// yet (the bundle changed before anything ran).
    pub fn restart_with(&mut self, program: &Program) -> Result<(), StoreError> {
        let inputs: i64 = self
            .connection
            .query_row("SELECT count(*) FROM batches", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        if inputs > 0 {
            return Err(self.damaged("cannot start again: the journal holds inputs"));
        }
        self.connection
            .execute_batch("DELETE FROM versions; DELETE FROM snapshots;")
            .map_err(|e| self.sql(e))?;
        self.versions.clear();
        self.remember(program)
    }

    /// Records a bundle version (its files), if the journal does not hold it yet.
    fn remember(&mut self, program: &Program) -> Result<(), StoreError> {
        if self.versions.contains_key(&program.hash) {
            return Ok(());
        }
        let number = i64::try_from(self.versions.len()).unwrap_or(i64::MAX) + 1;
        let origin = serde_json::to_string(&program.origin)
            .map_err(|e| self.damaged(format!("cannot store a bundle version: {e}")))?;
        self.connection
            .execute(
                "INSERT INTO versions (number, hash, origin) VALUES (?1, ?2, ?3)",
                params![number, program.hash, origin],
            )
            .map_err(|e| self.sql(e))?;
        self.versions.insert(program.hash.clone(), number);
        Ok(())
    }

    /// Commits the gathered batch, and a snapshot of `state` if one is due.
    fn commit(&mut self, state: &State) -> Result<(), StoreError> {
        if self.pending == 0 {
            return Ok(());
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        self.since_snapshot += self.pending;
        let due = match self.every {
            Some(every) => self.since_snapshot >= every,
            None => snapshot_due(self.since_snapshot, state),
        };
        let snapshot = !self.moved && due;
        let text =
            if snapshot {
                Some(serde_json::to_string(state).map_err(|e| {
                    self.damaged(format!("cannot write a snapshot of the engine: {e}"))
                })?)
            } else {
                None
            };
        let tx = self.connection.transaction().map_err(sql)?;
        let seq: i64 = tx
            .query_row("SELECT coalesce(max(seq), 0) + 1 FROM batches", [], |r| {
                r.get(0)
            })
            .map_err(sql)?;
        tx.prepare_cached("INSERT INTO batches (seq, inputs, actions) VALUES (?1, ?2, ?3)")
            .and_then(|mut insert| insert.execute(params![seq, self.inputs, self.actions]))
            .map_err(sql)?;
        if let Some(text) = text {
            let last_line = i64::try_from(self.last_line).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (seq, last_line, state) VALUES (?1, ?2, ?3)",
                params![seq, last_line, text],
            )
            .map_err(sql)?;
            tx.execute("DELETE FROM snapshots WHERE seq < ?1", params![seq])
                .map_err(sql)?;
            self.since_snapshot = 0;
        }
        tx.commit().map_err(sql)?;
        self.inputs.clear();
        self.actions.clear();
        self.pending = 0;
        Ok(())
    }
}

impl Sink for Journal {
    fn wants_text(&self) -> bool {
        true
    }

    fn receive(&mut self, input: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        let journal = |e: StoreError| SinkError::Journal(e.to_string());
        match input {
            Input::Line(line) => {
                batch::put_line(&mut self.inputs, line.number, &line.raw);
                self.last_line = line.number;
            }
            Input::Switch { at, program } => {
                self.remember(program).map_err(journal)?;
                batch::put_switch(&mut self.inputs, *at, &program.hash);
            }
            Input::Advance(at) if self.keep_advances => batch::put_advance(&mut self.inputs, *at),
            Input::Advance(_) => {
                // Not journaled: its actions are printed, and printed again by the next run.
                self.moved = true;
                return Ok(());
            }
        }
        self.actions.extend_from_slice(actions.json_lines());
        self.pending += 1;
        Ok(())
    }

    fn flush(&mut self, engine: &Engine) -> Result<(), SinkError> {
        self.commit(&engine.state)
            .map_err(|e| SinkError::Journal(e.to_string()))
    }
}

/// Whether a snapshot is due after `inputs` inputs since the last one, by default.
fn snapshot_due(inputs: u64, state: &State) -> bool {
    let items = state.records.len()
        + state.clocks.all.len()
        + state.escalations.len()
        + state.instances.len()
        + state.tasks.len();
    inputs >= SNAPSHOT_EVERY.max(SNAPSHOT_PER_ITEM.saturating_mul(items as u64))
}
