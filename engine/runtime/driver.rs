//! The one event loop: feeds input lines, version switches and the passing of time to the
//! engine, and hands what each produced to the sinks.
//!
//! Every way slaflow runs goes through a [`Driver`]: `run` (a printer, and a journal with
//! `--db`), `explain` and `status` (no sink: they read the state afterwards), behaviour tests
//! (a collector), and the live server. Sinks see inputs in the order they were applied, each
//! with its actions, and are flushed every [`BATCH`] inputs and at the end.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;

use super::engine::Engine;
use super::input::{Line, Lines};
use super::sink::{Actions, Input, Sink, SinkError};
use crate::program::Program;

/// Inputs applied between two flushes of the sinks.
pub const BATCH: usize = 4_096;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// A sink failed (or its reader went away: [`SinkError::Closed`]).
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The events could not be read.
    #[error("cannot read events: {0}")]
    Read(std::io::Error),
    /// A version switch cannot be applied.
    #[error("{0}")]
    Switch(String),
}

/// A version switch planned for an instant (`slaflow run --switch T=DIR`).
#[derive(Debug, Clone)]
pub struct Switch {
    /// From this instant on, new clocks and instances take `program`.
    pub at: i64,
    /// The version to switch to.
    pub program: Arc<Program>,
}

/// The event loop over one engine.
pub struct Driver<'s> {
    engine: Engine,
    sinks: Vec<&'s mut dyn Sink>,
    /// Whether a sink reads the actions' text.
    text_wanted: bool,
    /// The text of the actions of the input being delivered (kept to reuse its memory).
    text: Vec<u8>,
    /// The line being read (kept to reuse its memory).
    line: Line,
    switches: VecDeque<Switch>,
    batch: usize,
    since_flush: usize,
}

impl<'s> Driver<'s> {
    /// A driver over `engine`, with no sink yet.
    pub fn new(engine: Engine) -> Driver<'s> {
        Driver {
            engine,
            sinks: Vec::new(),
            text_wanted: false,
            text: Vec::new(),
            line: Line::default(),
            switches: VecDeque::new(),
            batch: BATCH,
            since_flush: 0,
        }
    }

    /// Adds a sink; sinks receive and flush in the order they were added.
    pub fn sink(mut self, sink: &'s mut dyn Sink) -> Driver<'s> {
        self.text_wanted |= sink.wants_text();
        self.sinks.push(sink);
        self
    }

    /// Flushes the sinks every `inputs` inputs (at least 1).
    pub fn batch(mut self, inputs: usize) -> Driver<'s> {
        self.batch = inputs.max(1);
        self
    }

    /// Plans version switches: each is applied before the first event at or after its instant
    /// (or at the end of the run, if it lies before the end). Instants must increase and lie
    /// after the engine's time.
    pub fn plan(&mut self, switches: Vec<Switch>) -> Result<(), DriverError> {
        let mut last = self.engine.state.now;
        for switch in &switches {
            if let Some(before) = last.filter(|before| switch.at <= *before) {
                return Err(DriverError::Switch(format!(
                    "a switch at {} comes after one at or after it ({}): switch instants must increase and lie after the events already applied",
                    crate::model::Timestamp(switch.at),
                    crate::model::Timestamp(before)
                )));
            }
            last = Some(switch.at);
        }
        self.switches.extend(switches);
        Ok(())
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, to ask it what is next (the timers).
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Gives the engine back (flush first).
    pub fn into_engine(self) -> Engine {
        self.engine
    }

    /// Applies one input line.
    pub fn feed(&mut self, line: &Line) -> Result<(), DriverError> {
        if let Ok(event) = &line.event {
            self.switch_before(event.at.0)?;
        }
        self.engine.apply_line(line);
        self.deliver(Input::Line(line))
    }

    /// Reads JSON Lines events from `reader` and applies each.
    pub fn feed_all(&mut self, reader: impl BufRead) -> Result<(), DriverError> {
        self.feed_lines(Lines::new(reader))
    }

    /// Applies every line of `lines`.
    pub fn feed_lines<R: BufRead>(&mut self, mut lines: Lines<R>) -> Result<(), DriverError> {
        let mut line = std::mem::take(&mut self.line);
        let result = loop {
            match lines.read_into(&mut line) {
                Ok(true) => {
                    if let Err(error) = self.feed(&line) {
                        break Err(error);
                    }
                }
                Ok(false) => break Ok(()),
                Err(error) => break Err(DriverError::Read(error)),
            }
        };
        self.line = line;
        result
    }

    /// Switches to `program` at `at` now (a reload of a live engine).
    pub fn switch(&mut self, at: i64, program: Arc<Program>) -> Result<(), DriverError> {
        self.engine
            .switch(at, Arc::clone(&program))
            .map_err(DriverError::Switch)?;
        self.deliver(Input::Switch {
            at,
            program: &program,
        })
    }

    /// Applies the planned switches at or before `at` (a switch at `T` comes before the events
    /// at `T`).
    fn switch_before(&mut self, at: i64) -> Result<(), DriverError> {
        while let Some(next) = self.switches.front().filter(|s| s.at <= at) {
            let Switch { at, program } = next.clone();
            self.switches.pop_front();
            self.switch(at, program)?;
        }
        Ok(())
    }

    /// Runs the timers up to `until` (by default the last event's instant), applying the planned
    /// switches before it, and flushes every sink. Switches planned after the end are not
    /// applied (a warning says so).
    pub fn finish(&mut self, until: Option<i64>) -> Result<(), DriverError> {
        if let Some(until) = until {
            self.switch_before(until)?;
        }
        for left in self.switches.drain(..) {
            tracing::warn!(
                at = %crate::model::Timestamp(left.at),
                version = %left.program.hash,
                "Switch not applied: it lies after the end of the run"
            );
        }
        self.engine.finish(until);
        let at = self.engine.state.now.unwrap_or(0);
        self.deliver(Input::Advance(at))?;
        self.flush()
    }

    /// Moves a live engine's time to `to` (timers fire by the wall clock), applying the planned
    /// switches at or before it, and hands what fired to the sinks.
    pub fn advance(&mut self, to: i64) -> Result<(), DriverError> {
        self.switch_before(to)?;
        self.engine.advance_to(to);
        self.deliver(Input::Advance(to))
    }

    /// Flushes every sink.
    pub fn flush(&mut self) -> Result<(), DriverError> {
        self.since_flush = 0;
        for sink in &mut self.sinks {
            sink.flush(&self.engine)?;
        }
        Ok(())
    }

    /// Hands the engine's pending actions to every sink with the input that produced them, and
    /// flushes at the end of a batch.
    fn deliver(&mut self, input: Input<'_>) -> Result<(), DriverError> {
        let pending = self.engine.pending();
        self.text.clear();
        let actions = if self.text_wanted {
            super::sink::write_json_lines(pending, &mut self.text);
            Actions::with_text(pending, &self.text)
        } else {
            Actions::new(pending)
        };
        for sink in &mut self.sinks {
            sink.receive(&input, &actions)?;
        }
        self.engine.clear_pending();
        self.since_flush += 1;
        if self.since_flush >= self.batch {
            self.flush()?;
        }
        Ok(())
    }
}
