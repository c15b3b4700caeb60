//! Where actions go: the [`Sink`] trait, which every consumer of the engine's output implements
//! (the JSON Lines printer, the durable journal, behaviour tests, the HTTP stream), and the two
//! sinks the library itself needs.
//!
//! The [`super::driver::Driver`] hands each sink every input it applied with the actions that
//! input produced, in order, and tells the sinks when a batch ends so they can make what they
//! received durable or visible. Sinks never change the engine.

use std::cell::OnceCell;
use std::io::Write;

use super::action::Action;
use super::engine::Engine;
use super::input::Line;
use crate::program::Program;

/// One input the engine applied, as sinks see it.
#[derive(Clone, Copy)]
pub enum Input<'a> {
    /// An input line: an event, or a line that was rejected.
    Line(&'a Line),
    /// The engine switched to another bundle version at this instant.
    Switch {
        /// The instant of the switch.
        at: i64,
        /// The version switched to.
        program: &'a Program,
    },
    /// Timers ran up to this instant without an event (the end of a replay, or the wall clock
    /// of a live engine).
    Advance(i64),
}

/// The actions one input produced, with their JSON Lines text made once for every sink that
/// wants it.
#[derive(Debug)]
pub struct Actions<'a> {
    list: &'a [Action],
    text: Option<&'a [u8]>,
    made: OnceCell<Vec<u8>>,
}

impl<'a> Actions<'a> {
    /// Wraps the actions of one input.
    pub fn new(list: &'a [Action]) -> Actions<'a> {
        Actions {
            list,
            text: None,
            made: OnceCell::new(),
        }
    }

    /// Wraps the actions of one input with their JSON Lines text, already written.
    pub fn with_text(list: &'a [Action], text: &'a [u8]) -> Actions<'a> {
        Actions {
            list,
            text: Some(text),
            made: OnceCell::new(),
        }
    }

    /// The actions, in the order they were taken.
    pub fn list(&self) -> &'a [Action] {
        self.list
    }

    /// The actions as JSON Lines (one object and a newline each).
    pub fn json_lines(&self) -> &[u8] {
        if let Some(text) = self.text {
            return text;
        }
        self.made.get_or_init(|| {
            let mut text = Vec::new();
            write_json_lines(self.list, &mut text);
            text
        })
    }
}

/// Appends actions to `out` as JSON Lines.
pub fn write_json_lines(actions: &[Action], out: &mut Vec<u8>) {
    for action in actions {
        action.write_json(out);
        out.push(b'\n');
    }
}

/// Why a sink could not take what it was given.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The reader of the output went away (a closed pipe): stop quietly.
    #[error("the reader of the output went away")]
    Closed,
    /// Writing failed.
    #[error("cannot write the actions: {0}")]
    Io(std::io::Error),
    /// The journal failed.
    #[error("{0}")]
    Journal(String),
}

impl From<std::io::Error> for SinkError {
    fn from(error: std::io::Error) -> SinkError {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            SinkError::Closed
        } else {
            SinkError::Io(error)
        }
    }
}

/// A consumer of the engine's actions.
pub trait Sink {
    /// Receives one input the engine applied and the actions it produced (possibly none).
    fn receive(&mut self, input: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError>;

    /// Whether the sink reads the actions' JSON Lines text: the driver then writes it once, in
    /// a buffer it keeps, for every sink.
    fn wants_text(&self) -> bool {
        false
    }

    /// A batch of inputs ended: what was received must now be visible (written out) or durable
    /// (committed). `engine` is the state after the batch, for sinks that snapshot it.
    fn flush(&mut self, engine: &Engine) -> Result<(), SinkError> {
        let _ = engine;
        Ok(())
    }

    /// The input has nothing more for now (a pipe fed as events happen): what was received
    /// should be visible while the driver waits. Durability still waits for the batch's end.
    fn idle(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Writes every action as one line of JSON (`slaflow run`).
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// Writes to `out` (buffer it: the printer writes each input's actions at once and flushes
    /// at the end of each batch).
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines { out }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for JsonLines<W> {
    fn wants_text(&self) -> bool {
        true
    }

    fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        if actions.list().is_empty() {
            return Ok(());
        }
        Ok(self.out.write_all(actions.json_lines())?)
    }

    fn flush(&mut self, _: &Engine) -> Result<(), SinkError> {
        Ok(self.out.flush()?)
    }

    fn idle(&mut self) -> Result<(), SinkError> {
        Ok(self.out.flush()?)
    }
}

/// Keeps every action (behaviour tests, embedding).
#[derive(Debug, Default)]
pub struct Collect {
    /// The actions received, in order.
    pub actions: Vec<Action>,
}

impl Sink for Collect {
    fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        self.actions.extend_from_slice(actions.list());
        Ok(())
    }
}

/// Drops every action (commands that only look at the state afterwards: explain, status).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn receive(&mut self, _: &Input<'_>, _: &Actions<'_>) -> Result<(), SinkError> {
        Ok(())
    }
}
