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
    /// The events given do not begin with the lines the journal applied.
    #[error(
        "the events do not continue journal `{path}`: line {line} is `{found}`, but the journal applied `{journaled}`; give the file the journal was written from (with lines appended if you like), or a new --db file"
    )]
    OtherInput {
        /// The database file.
        path: String,
        /// The first line that differs.
        line: u64,
        /// What the journal applied there (cut short).
        journaled: String,
        /// What the input has there (cut short).
        found: String,
    },
    /// Another process has the journal open.
    #[error(
        "journal `{path}` is in use by another slaflow process; wait for it to end, or use another --db file"
    )]
    InUse {
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
    /// The file, locked while the journal is open for writing.
    _lock: Option<std::fs::File>,
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
        // One writer at a time: a lock on the file (beside SQLite's own locks, which last only
        // a transaction) held while the journal is open, so a second `run` is refused.
        let lock = if read_only {
            None
        } else {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| StoreError::Damaged {
                    path: shown.clone(),
                    reason: format!("cannot open the file: {e}"),
                })?;
            match file.try_lock() {
                Ok(()) => Some(file),
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::InUse { path: shown });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(StoreError::Damaged {
                        path: shown,
                        reason: format!("cannot lock the file: {e}"),
                    });
                }
            }
        };
        let connection = Connection::open_with_flags(path, flags).map_err(sql)?;
        // Other connections (a server's webhook cursors, a `status` reading alongside) hold
        // short locks; wait for them rather than fail a commit.
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        let busy = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::InUse {
                    path: shown.clone(),
                }
            }
            _ => StoreError::Sqlite {
                path: shown.clone(),
                source,
            },
        };
        let application: i64 = connection
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(busy)?;
        let tables: i64 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(busy)?;
        if application != APPLICATION_ID && tables > 0 {
            // A journal of an earlier format has no application id, but its format in `meta`.
            let format: Option<String> = connection
                .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                    r.get(0)
                })
                .optional()
                .unwrap_or(None);
            if format.is_none() {
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
                     CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, inputs BLOB NOT NULL, actions BLOB NOT NULL, checksum INTEGER NOT NULL, last_action INTEGER NOT NULL DEFAULT 0);
                     CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, last_line INTEGER NOT NULL, state BLOB NOT NULL, checksum INTEGER NOT NULL);
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
            _lock: lock,
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
        let (mut engine, from, mut last_line) = match self.latest_snapshot(&mut program)? {
            Some(found) => found,
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
            .prepare(
                "SELECT seq, inputs, actions, checksum FROM batches WHERE seq > ?1 ORDER BY seq",
            )
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, Vec<u8>, Vec<u8>, i64)> = statement
            .query_map(params![from], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        drop(statement);
        let mut replayed = 0u64;
        for (seq, inputs, actions, checksum) in rows {
            if batch::checksum(&[&inputs, &actions]) != checksum as u64 {
                return Err(self.damaged(format!(
                    "batch {seq} is damaged (its checksum does not match); the inputs it held cannot be recovered"
                )));
            }
            let inputs = batch::unpack(&inputs)
                .map_err(|e| self.damaged(format!("batch {seq} is damaged: {e}")))?;
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
                    Entry::Advance { at } => engine.advance_to(at),
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

    /// The engine of the latest snapshot that reads back intact, with the batch it follows and
    /// the last input line; a damaged one is skipped (with a warning) for the one before it.
    #[allow(clippy::type_complexity)]
    fn latest_snapshot(
        &self,
        program: &mut dyn FnMut(&Journal, &str) -> Result<Arc<Program>, StoreError>,
    ) -> Result<Option<(Engine, i64, u64)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, last_line, state, checksum FROM snapshots ORDER BY seq DESC")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, i64, Vec<u8>, i64)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        drop(statement);
        for (seq, last_line, packed, checksum) in rows {
            let state = if batch::checksum(&[&packed]) != checksum as u64 {
                Err("its checksum does not match".to_string())
            } else {
                batch::unpack(&packed).and_then(|text| {
                    serde_json::from_slice::<State>(&text).map_err(|e| e.to_string())
                })
            };
            let state = match state {
                Ok(state) => state,
                Err(reason) => {
                    tracing::warn!(
                        batch = seq,
                        %reason,
                        "A snapshot of the journal is damaged; using an earlier one, or replaying from the start"
                    );
                    continue;
                }
            };
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
            return Ok(Some((engine, seq, u64::try_from(last_line).unwrap_or(0))));
        }
        Ok(None)
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

    /// Checks that `lines` begins with the input lines the journal applied, reading them: an
    /// events file that was rotated or edited since would otherwise be skipped blindly by as
    /// many lines as the journal holds. Leaves `lines` after the last journaled line.
    pub fn check_input<R: std::io::BufRead>(
        &self,
        lines: &mut crate::runtime::input::Lines<R>,
    ) -> Result<(), StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, inputs FROM batches ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let mut rows = statement.query([]).map_err(|e| self.sql(e))?;
        let mut line = crate::runtime::input::Line::default();
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let seq: i64 = row.get(0).map_err(|e| self.sql(e))?;
            let packed: Vec<u8> = row.get(1).map_err(|e| self.sql(e))?;
            let inputs = batch::unpack(&packed)
                .map_err(|e| self.damaged(format!("batch {seq} is damaged: {e}")))?;
            for entry in batch::entries(&inputs) {
                let Ok(Entry::Line { number, raw }) = entry else {
                    continue;
                };
                let differs = |found: &str| StoreError::OtherInput {
                    path: self.path.clone(),
                    line: number,
                    journaled: excerpt(&raw),
                    found: excerpt(found),
                };
                let read = lines
                    .read_into(&mut line)
                    .map_err(|e| StoreError::Damaged {
                        path: self.path.clone(),
                        reason: format!("cannot read the events: {e}"),
                    })?;
                if !read {
                    return Err(differs("(the input ends before it)"));
                }
                if line.number != number || line.raw != raw {
                    let found = if line.number == number {
                        line.raw.clone()
                    } else {
                        format!("(line {} is the next that is not blank)", line.number)
                    };
                    return Err(differs(&found));
                }
            }
        }
        Ok(())
    }

    /// Every batch the journal holds, oldest first: its input lines (number and text) and the
    /// JSON Lines of its actions, checked against their checksums. Folds over the whole history
    /// (reports) read it one batch at a time.
    pub fn history(&self, mut f: impl FnMut(&[(u64, String)], &str)) -> Result<(), StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, inputs, actions, checksum FROM batches ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let mut rows = statement.query([]).map_err(|e| self.sql(e))?;
        let mut lines = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let seq: i64 = row.get(0).map_err(|e| self.sql(e))?;
            let inputs: Vec<u8> = row.get(1).map_err(|e| self.sql(e))?;
            let packed: Vec<u8> = row.get(2).map_err(|e| self.sql(e))?;
            let checksum: i64 = row.get(3).map_err(|e| self.sql(e))?;
            if batch::checksum(&[&inputs, &packed]) != checksum as u64 {
                return Err(self.damaged(format!(
                    "batch {seq} is damaged (its checksum does not match)"
                )));
            }
            let damaged = |e: String| self.damaged(format!("batch {seq} is damaged: {e}"));
            let inputs = batch::unpack(&inputs).map_err(damaged)?;
            let actions = batch::unpack(&packed).map_err(damaged)?;
            lines.clear();
            for entry in batch::entries(&inputs) {
                if let Entry::Line { number, raw } = entry.map_err(damaged)? {
                    lines.push((number, raw));
                }
            }
            f(&lines, &String::from_utf8_lossy(&actions));
        }
        Ok(())
    }

    /// The journaled actions after action number `after` (as JSON Lines, in order), up to
    /// `limit` of them: what a stream resumed with `Last-Event-ID` sends before the live ones.
    pub fn actions_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, actions, checksum, inputs FROM batches WHERE last_action > ?1 ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let after_sql = i64::try_from(after).unwrap_or(i64::MAX);
        let mut rows = statement
            .query(params![after_sql])
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let seq: i64 = row.get(0).map_err(|e| self.sql(e))?;
            let packed: Vec<u8> = row.get(1).map_err(|e| self.sql(e))?;
            let checksum: i64 = row.get(2).map_err(|e| self.sql(e))?;
            let inputs: Vec<u8> = row.get(3).map_err(|e| self.sql(e))?;
            if batch::checksum(&[&inputs, &packed]) != checksum as u64 {
                return Err(self.damaged(format!(
                    "batch {seq} is damaged (its checksum does not match)"
                )));
            }
            let text = batch::unpack(&packed)
                .map_err(|e| self.damaged(format!("batch {seq} is damaged: {e}")))?;
            for line in String::from_utf8_lossy(&text).lines() {
                let Some(number) = action_number(line) else {
                    continue;
                };
                if number > after {
                    out.push((number, line.to_string()));
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
        }
        Ok(out)
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
        let packed_state = if snapshot {
            let text = serde_json::to_vec(state)
                .map_err(|e| self.damaged(format!("cannot write a snapshot of the engine: {e}")))?;
            Some(batch::pack(&text))
        } else {
            None
        };
        let inputs = batch::pack(&self.inputs);
        let actions = batch::pack(&self.actions);
        let checksum = batch::checksum(&[&inputs, &actions]) as i64;
        // Take the write lock first: a transaction that reads and then writes cannot wait for
        // another connection's write (a webhook cursor) that came in between, it fails at once.
        let tx = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let seq: i64 = tx
            .query_row("SELECT coalesce(max(seq), 0) + 1 FROM batches", [], |r| {
                r.get(0)
            })
            .map_err(sql)?;
        let last_action = i64::try_from(state.emitted).unwrap_or(i64::MAX);
        tx.prepare_cached(
            "INSERT INTO batches (seq, inputs, actions, checksum, last_action) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut insert| {
            insert.execute(params![seq, inputs, actions, checksum, last_action])
        })
        .map_err(sql)?;
        if let Some(packed) = packed_state {
            let last_line = i64::try_from(self.last_line).unwrap_or(i64::MAX);
            let checksum = batch::checksum(&[&packed]) as i64;
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (seq, last_line, state, checksum) VALUES (?1, ?2, ?3, ?4)",
                params![seq, last_line, packed, checksum],
            )
            .map_err(sql)?;
            // The one before stays, in case this one is ever found damaged.
            tx.execute(
                "DELETE FROM snapshots WHERE seq < (SELECT seq FROM snapshots WHERE seq < ?1 ORDER BY seq DESC LIMIT 1)",
                params![seq],
            )
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

/// The number of an action written as JSON (`{"id":"a42",...` gives 42).
pub fn action_number(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("{\"id\":\"a")?;
    let end = rest.find('"')?;
    rest.get(..end)?.parse().ok()
}

/// A line cut to 80 characters for a message.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
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
