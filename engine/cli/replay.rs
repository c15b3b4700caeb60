//! What `run`, `explain` and `status` share: the bundle, version switches (`--switch T=DIR`),
//! the journal, and the engine they start from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use slaflow::base::printable;
use slaflow::model::Timestamp;
use slaflow::program::Program;
use slaflow::runtime::sink::{Actions, Input, Sink, SinkError};
use slaflow::runtime::{Engine, Kind, Switch};
use slaflow::store::Journal;

use super::{EXIT_USAGE, fail};

/// A `--switch T=DIR` argument.
#[derive(Debug, Clone)]
pub struct SwitchArg {
    /// The instant.
    pub at: Timestamp,
    /// The bundle.
    pub bundle: PathBuf,
}

/// Reads `T=DIR`.
pub fn parse_switch(text: &str) -> Result<SwitchArg, String> {
    let (at, bundle) = text.split_once('=').ok_or_else(|| {
        format!("expected INSTANT=BUNDLE, e.g. 2026-11-15T00:00:00Z=rules-v2, not `{text}`")
    })?;
    let at: Timestamp = at.parse().map_err(|e: String| e.to_string())?;
    if let Some(why) = slaflow::runtime::engine::implausible(at.0) {
        return Err(why);
    }
    if bundle.is_empty() {
        return Err("the bundle after `=` is empty".into());
    }
    Ok(SwitchArg {
        at,
        bundle: PathBuf::from(bundle),
    })
}

/// The engine a command starts from, and what it still has to do.
pub struct Prepared {
    /// The engine: fresh, or recovered from the journal.
    pub engine: Engine,
    /// The journal, if one was given.
    pub journal: Option<Journal>,
    /// A version to switch to at the engine's time before anything else: the bundle given on
    /// the command line, when it differs from the version the journal ran.
    pub switch_now: Option<Arc<Program>>,
    /// The switches still to apply, in time order.
    pub switches: Vec<Switch>,
}

/// Compiles the bundle and the switches' bundles, and opens the journal (`write`: to go on with
/// it; else to read it). Errors are printed; the exit status is returned.
pub fn prepare(
    bundle: &Path,
    switches: &[SwitchArg],
    db: Option<&Path>,
    write: bool,
    snapshot_every: Option<u64>,
) -> Result<Prepared, u8> {
    let program = Arc::new(super::compile(bundle)?.program);
    let mut planned = Vec::new();
    for switch in switches {
        let compiled = super::compile(&switch.bundle).map_err(|status| {
            if status == super::EXIT_FINDINGS {
                fail(format!(
                    "--switch {}={}: the bundle has errors (above); nothing was run",
                    switch.at,
                    switch.bundle.display()
                ))
            } else {
                status
            }
        })?;
        planned.push(Switch {
            at: switch.at.0,
            program: Arc::new(compiled.program),
        });
    }
    if let Some([a, b]) = planned
        .windows(2)
        .find(|w| matches!(w, [a, b] if b.at <= a.at))
    {
        return Err(fail(format!(
            "--switch instants must increase: {} comes after {}",
            Timestamp(b.at),
            Timestamp(a.at)
        )));
    }
    let Some(db) = db else {
        return Ok(Prepared {
            engine: Engine::new(program),
            journal: None,
            switch_now: None,
            switches: planned,
        });
    };
    let opened = if write {
        Journal::open(db).map(|j| j.snapshot_every(snapshot_every))
    } else {
        Journal::open_read_only(db)
    };
    let mut journal = opened.map_err(fail)?;
    let recovered = journal.recover(&program).map_err(fail)?;
    let mut engine = recovered.engine;
    let now = engine.state.now;
    // Switches up to the journal's time must be the ones it was written with.
    let mut rest = Vec::new();
    let mut expected = Arc::clone(&program);
    for switch in planned {
        if now.is_some_and(|now| switch.at <= now) {
            let recorded = engine.state.switches.iter().any(|(at, version)| {
                *at == switch.at && engine.version_hash(*version) == switch.program.hash
            });
            if !recorded {
                return Err(fail(format!(
                    "the journal is already at {} and did not switch to the bundle `{}` at {}: give the switches it was written with, and new ones after {}",
                    Timestamp(now.unwrap_or(0)),
                    slaflow::runtime::engine::short_hash(&switch.program.hash),
                    Timestamp(switch.at),
                    Timestamp(now.unwrap_or(0)),
                )));
            }
            expected = switch.program;
        } else {
            rest.push(switch);
        }
    }
    // The version the command line says runs at the journal's time, if it is not the one the
    // journal runs, becomes the next version now.
    let mut switch_now = None;
    if engine.program().hash != expected.hash {
        if engine.state.now.is_none() && engine.state.emitted == 0 {
            // Nothing ran yet: the bundle given is the first version.
            if write {
                journal.restart_with(&expected).map_err(fail)?;
            }
            engine = Engine::new(Arc::clone(&expected));
        } else if write {
            tracing::info!(
                from = %slaflow::runtime::engine::short_hash(&engine.program().hash),
                to = %slaflow::runtime::engine::short_hash(&expected.hash),
                "The bundle changed since the journal was written: it becomes the next version"
            );
            switch_now = Some(expected);
        }
    }
    Ok(Prepared {
        engine,
        journal: Some(journal),
        switch_now,
        switches: rest,
    })
}

/// Failed evaluations of one script told one by one on the terminal; the rest are counted
/// and summed up at the end.
const SCRIPT_WARNINGS: u32 = 5;

/// Tells a person at the terminal what went wrong with the input: rejected lines
/// (`line N: reason`) and failed scripts (the first few of each, then a count), on standard
/// error.
#[derive(Debug, Default)]
pub struct Warnings {
    /// Failures per script (`<owner> at <origin>`), in the order they first failed.
    failures: Vec<(String, u32)>,
}

impl Warnings {
    /// Prints how often each script failed, for those that failed more often than shown.
    pub fn summary(&self) {
        for (script, count) in &self.failures {
            if *count > SCRIPT_WARNINGS {
                eprintln!("warning: script of {script} failed {count} times in all");
            }
        }
    }
}

impl Sink for Warnings {
    fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        for action in actions.list() {
            // Made safe to show only for the kinds told here (every action passes by).
            let reason = || printable(action.reason.as_deref().unwrap_or("?"));
            let error = || printable(action.error.as_deref().unwrap_or("?"));
            match action.kind {
                Kind::EventRejected => eprintln!(
                    "line {}: {}",
                    action.line.unwrap_or(0),
                    printable(action.error.as_deref().unwrap_or("rejected"))
                ),
                Kind::ScriptFailed => {
                    let (reason, error) = (reason(), error());
                    let count = match self.failures.iter_mut().find(|(s, _)| *s == *reason) {
                        Some((_, count)) => {
                            *count += 1;
                            *count
                        }
                        None => {
                            self.failures.push((reason.to_string(), 1));
                            1
                        }
                    };
                    if count <= SCRIPT_WARNINGS {
                        eprintln!("warning: script of {reason} failed: {error}");
                    }
                    if count == SCRIPT_WARNINGS {
                        eprintln!(
                            "warning: script of {reason}: further failures are counted, not shown"
                        );
                    }
                }
                Kind::ScriptDisabled => eprintln!("warning: script of {} {}", reason(), error()),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Opens the events file (or standard input).
pub fn open_events(path: &Path) -> Result<Box<dyn std::io::Read + Send>, u8> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    std::fs::File::open(path)
        .map(|f| Box::new(f) as Box<dyn std::io::Read + Send>)
        .map_err(|error| fail(format!("cannot read `{}`: {error}", path.display())))
}

/// The exit status for a run that stopped with `error`: 0 when the reader of the output went
/// away, else 2 with the message.
pub fn stopped(error: slaflow::runtime::DriverError) -> u8 {
    match error {
        slaflow::runtime::DriverError::Sink(SinkError::Closed) => super::EXIT_OK,
        other => {
            fail(other);
            EXIT_USAGE
        }
    }
}

/// The lines still to read of an events file, each of at most `limit` bytes, after those the
/// journal applied (which must be the file's first lines).
pub fn lines_after(
    events: Box<dyn std::io::Read + Send>,
    journal: Option<&Journal>,
    limit: usize,
) -> Result<slaflow::runtime::input::Lines<std::io::BufReader<Box<dyn std::io::Read + Send>>>, u8> {
    let mut lines =
        slaflow::runtime::input::Lines::new(std::io::BufReader::new(events)).limit(limit);
    if let Some(journal) = journal {
        journal.check_input(&mut lines).map_err(fail)?;
    }
    Ok(lines)
}
