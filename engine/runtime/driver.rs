//! The one event loop: feeds input lines, version switches and the passing of time to the
//! engine, and hands what each produced to the sinks.
//!
//! Every way slaflow runs goes through a [`Driver`]: `run` (a printer, and a journal with
//! `--db`), `explain` and `status` (no sink: they read the state afterwards), behaviour tests
//! (a collector), and the live server. Sinks see inputs in the order they were applied, each
//! with its actions, and are flushed every [`BATCH`] inputs and at the end; while the driver
//! waits on an input that has nothing more for now, they are told it is idle (a printer then
//! shows what a live feed produced at once).

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

use super::engine::Engine;
use super::input::{Line, Lines};
use super::sink::{Actions, Input, Sink, SinkError};
use crate::program::Program;

/// Inputs applied between two flushes of the sinks.
pub const BATCH: usize = 4_096;

/// Lines the reader thread hands over at a time, at most (one hand-over costs about what
/// parsing a line does, so they go by the hundred); fewer when the input has no more to give
/// for now.
const READ_BATCH: usize = 256;

/// Batches the reader thread may be ahead of the engine.
const READ_AHEAD: usize = 8;

/// Lines read and parsed, and the read error that ended the input after them, if one did.
struct Batch {
    lines: Vec<Line>,
    error: Option<std::io::Error>,
}

/// The reader thread of [`Driver::feed_lines`].
struct Reader<'a> {
    /// Where batches read go.
    full: SyncSender<Batch>,
    /// Batches the engine is done with, to reuse their memory.
    recycled: Receiver<Vec<Line>>,
    /// Set when the engine stops taking lines.
    stop: &'a AtomicBool,
}

impl Reader<'_> {
    /// Reads `lines` into batches and hands them over until the input ends, a read fails or
    /// the engine stops taking them.
    fn run<R: BufRead>(self, mut lines: Lines<R>) {
        loop {
            let mut batch = self.recycled.try_recv().unwrap_or_default();
            let mut filled = 0;
            let mut error = None;
            let mut ended = false;
            while filled < READ_BATCH && !self.stop.load(Ordering::Relaxed) {
                if batch.len() == filled {
                    batch.push(Line::default());
                }
                let Some(line) = batch.get_mut(filled) else {
                    break;
                };
                match lines.read_into(line) {
                    // What was read goes to the engine before the reader waits for more (a
                    // pipe fed as events happen, or the rest of a long line to skip).
                    Ok(true) if lines.caught_up() => {
                        filled += 1;
                        break;
                    }
                    Ok(true) => filled += 1,
                    Ok(false) => {
                        ended = true;
                        break;
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            batch.truncate(filled);
            let last = ended || error.is_some();
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            if filled > 0 || error.is_some() {
                let batch = Batch {
                    lines: batch,
                    error,
                };
                if self.full.send(batch).is_err() {
                    return;
                }
            }
            if last {
                return;
            }
        }
    }
}

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
    pub fn feed_all(&mut self, reader: impl BufRead + Send) -> Result<(), DriverError> {
        self.feed_lines(Lines::new(reader))
    }

    /// Applies every line of `lines`, in order.
    ///
    /// The lines are read and parsed on a thread of their own, a few batches ahead of the
    /// engine, so reading overlaps applying: on a machine with two cores `run` takes about the
    /// engine's time instead of the engine's plus the parser's. Nothing else changes: the engine
    /// sees the same lines in the same order, and a read error ends the input after the lines
    /// before it were applied. A line is handed over as soon as the input has nothing more
    /// buffered (a pipe fed as events happen), never held back waiting for a full batch, and
    /// when no batch is read ahead the sinks are told the input is idle before the driver
    /// waits (see [`Sink::idle`]). When
    /// the run stops early (a sink failed, e.g. the reader of the output went away) the reader
    /// thread stops after the line it is reading: from a pipe that stays open and silent, that
    /// is when the next line or the end comes.
    pub fn feed_lines<R: BufRead + Send>(&mut self, lines: Lines<R>) -> Result<(), DriverError> {
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (full, batches) = std::sync::mpsc::sync_channel::<Batch>(READ_AHEAD);
            let (empty, recycled) = std::sync::mpsc::channel::<Vec<Line>>();
            let reader = Reader {
                full,
                recycled,
                stop: &stop,
            };
            scope.spawn(move || reader.run(lines));
            let result = (|| {
                loop {
                    let batch = match batches.try_recv() {
                        Ok(batch) => batch,
                        // Nothing read ahead: the input is slower than the engine (a live
                        // feed). What was printed shows now, not a batch later.
                        Err(TryRecvError::Empty) => {
                            self.idle()?;
                            match batches.recv() {
                                Ok(batch) => batch,
                                Err(_) => break,
                            }
                        }
                        Err(TryRecvError::Disconnected) => break,
                    };
                    for line in &batch.lines {
                        self.feed(line)?;
                    }
                    if let Some(error) = batch.error {
                        return Err(DriverError::Read(error));
                    }
                    // The reader may have ended: the batch's memory is then simply dropped.
                    let _ = empty.send(batch.lines);
                }
                Ok(())
            })();
            stop.store(true, Ordering::Relaxed);
            result
        })
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

    /// Tells every sink the input has nothing more for now.
    fn idle(&mut self) -> Result<(), DriverError> {
        for sink in &mut self.sinks {
            sink.idle()?;
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

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;
    use crate::runtime::sink::{Actions, Input, Sink, SinkError};
    use crate::runtime::workload;

    /// Every action's text, and after `limit` inputs, a closed output.
    #[derive(Default)]
    struct Collect {
        text: Vec<u8>,
        inputs: usize,
        limit: Option<usize>,
    }

    impl Sink for Collect {
        fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
            self.inputs += 1;
            if self.limit.is_some_and(|limit| self.inputs > limit) {
                return Err(SinkError::Closed);
            }
            self.text.extend_from_slice(actions.json_lines());
            Ok(())
        }

        fn wants_text(&self) -> bool {
            true
        }
    }

    fn program() -> Arc<Program> {
        Arc::new(
            Program::from_text("bundle.yaml", workload::BUNDLE)
                .unwrap()
                .program,
        )
    }

    #[test]
    fn lines_read_ahead_on_their_thread_give_the_actions_of_lines_fed_one_by_one() {
        let events = workload::events(300, 6);
        let mut ahead = Collect::default();
        let mut driver = Driver::new(Engine::new(program())).sink(&mut ahead);
        driver.feed_all(events.as_bytes()).unwrap();
        driver.finish(None).unwrap();
        drop(driver);
        let mut one_by_one = Collect::default();
        let mut driver = Driver::new(Engine::new(program())).sink(&mut one_by_one);
        for line in Lines::new(events.as_bytes()) {
            driver.feed(&line.unwrap()).unwrap();
        }
        driver.finish(None).unwrap();
        drop(driver);
        assert!(ahead.text.len() > 10_000, "the workload acts");
        assert_eq!(ahead.inputs, one_by_one.inputs);
        assert!(ahead.text == one_by_one.text, "same actions, same order");
    }

    /// The workload's lines, then a read error.
    struct FailsAfter {
        text: std::io::Cursor<Vec<u8>>,
    }

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.text.read(buf)? {
                0 => Err(std::io::Error::other("the disk went away")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_ends_the_input_after_the_lines_before_it_were_applied() {
        let events = workload::events(50, 2);
        let lines = events.lines().count();
        let reader = BufReader::new(FailsAfter {
            text: std::io::Cursor::new(events.into_bytes()),
        });
        let mut sink = Collect::default();
        let mut driver = Driver::new(Engine::new(program())).sink(&mut sink);
        let error = driver.feed_all(reader).unwrap_err();
        assert!(error.to_string().contains("the disk went away"), "{error}");
        assert_eq!(driver.engine().state.created, 50);
        drop(driver);
        assert_eq!(sink.inputs, lines);
    }

    /// An input that never ends: the same event line forever.
    struct Endless(usize);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let line = b"{\"at\":\"2026-11-02T09:00:00Z\",\"record\":\"INC1\",\"type\":\"incident\",\"event\":\"commented\"}\n";
            let rest = line.get(self.0..).unwrap_or_default();
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.0 = (self.0 + n) % line.len();
            Ok(n)
        }
    }

    #[test]
    fn when_the_output_closes_the_reader_of_an_endless_input_stops_too() {
        let mut sink = Collect {
            limit: Some(1_000),
            ..Collect::default()
        };
        let mut driver = Driver::new(Engine::new(program())).sink(&mut sink);
        let reader = BufReader::with_capacity(64, Endless(0));
        let error = driver.feed_all(reader).unwrap_err();
        assert!(
            matches!(error, DriverError::Sink(SinkError::Closed)),
            "{error}"
        );
    }

    /// Shows what it received only when flushed or told the input is idle, as a buffered
    /// printer does.
    struct Shown {
        pending: Vec<u8>,
        visible: Arc<std::sync::Mutex<Vec<u8>>>,
    }

    impl Shown {
        fn show(&mut self) {
            if let Ok(mut visible) = self.visible.lock() {
                visible.append(&mut self.pending);
            }
        }
    }

    impl Sink for Shown {
        fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
            self.pending.extend_from_slice(actions.json_lines());
            Ok(())
        }

        fn wants_text(&self) -> bool {
            true
        }

        fn flush(&mut self, _: &Engine) -> Result<(), SinkError> {
            self.show();
            Ok(())
        }

        fn idle(&mut self) -> Result<(), SinkError> {
            self.show();
            Ok(())
        }
    }

    #[test]
    fn the_actions_of_a_live_feed_show_while_the_driver_waits_for_more() {
        use std::io::Write;
        // They used to wait for a full batch of 4,096 inputs or the end of the input.
        let (reader, mut writer) = std::io::pipe().unwrap();
        let visible = Arc::new(std::sync::Mutex::new(Vec::new()));
        let shown = Arc::clone(&visible);
        let run = std::thread::spawn(move || {
            let mut sink = Shown {
                pending: Vec::new(),
                visible: shown,
            };
            let mut driver = Driver::new(Engine::new(program())).sink(&mut sink);
            driver.feed_all(BufReader::new(reader)).unwrap();
        });
        writer
            .write_all(b"{\"at\":\"2026-11-02T09:00:00Z\",\"record\":\"INC1\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"status\":\"new\"}}\n")
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        // The feed stays open: the actions of its first event must show meanwhile.
        while visible.lock().unwrap().is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "nothing shown while the feed was open"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let text = String::from_utf8(visible.lock().unwrap().clone()).unwrap();
        assert!(text.contains("\"kind\":\"sla.started\""), "{text}");
        drop(writer);
        run.join().unwrap();
    }
}
