//! The engine thread: the one writer of the engine and its journal. HTTP handlers, the file
//! watcher and the clock send it commands; it applies them in arrival order, fires timers by the
//! wall clock, commits everything it did in one transaction per round (group commit) and only
//! then answers, so an acknowledged event is durable.
//!
//! A round: wait for a command or the next timer; take every command already waiting (up to a
//! bound); apply them; move the engine's time to the clock minus the grace (firing the timers
//! due); flush the sinks (the journal commits, then the stream publishes); answer.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, oneshot};

use super::metrics::Metrics;
use super::status::BundleStatus;
use crate::clock::Clock;
use crate::program::Program;
use crate::runtime::input::{Line, parse};
use crate::runtime::sink::{Actions, Input, Sink, SinkError};
use crate::runtime::{Driver, Engine, Kind, Switch};
use crate::store::Journal;

/// Lines taken in one round at most (the rest wait for the next round).
const ROUND_LINES: usize = 50_000;
/// The longest the engine thread sleeps without looking at the clock.
const LONGEST_WAIT: Duration = Duration::from_millis(500);

/// What an ingest did with its lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ingested {
    /// Lines accepted (applied, or recognised as a retry of an applied event).
    pub accepted: usize,
    /// Lines the engine refused, by line of the request (from 1), with the reason.
    pub rejected: Vec<Rejected>,
}

/// A line the engine refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// The line of the request, from 1.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// A question about the engine's state, answered on the engine thread.
pub type Query = Box<dyn FnOnce(&Engine) + Send>;

/// Writes events from the engine's state and the latest instant an event may have.
pub type Derive = Box<dyn FnOnce(&Engine, i64) -> Vec<String> + Send>;

/// An answer given once a round is durable.
type Answer = Box<dyn FnOnce(&Engine)>;

/// What the engine thread is asked to do.
pub enum Command {
    /// Apply events (raw JSON lines); answer when they are durable.
    Ingest {
        /// The lines, as received.
        lines: Vec<String>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<Ingested, String>>,
    },
    /// Complete a step of an instance now (as a `step.completed` event at the engine's next
    /// instant).
    Complete {
        /// The instance.
        instance: String,
        /// The step.
        step: String,
        /// The decision's outcome, if it is one.
        outcome: Option<String>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<Ingested, String>>,
    },
    /// Apply the events `make` writes from the engine's state at this command's turn in the
    /// round, given the latest instant an event may have (the clock plus the allowance
    /// ahead): a webhook delivery compared with the record the engine holds, with nothing
    /// between the look and the change. Answer when they are durable.
    Derive {
        /// Writes the events (raw JSON lines); none when it refuses (it says why itself).
        make: Derive,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<Ingested, String>>,
    },
    /// Switch to a new bundle version at the engine's next instant.
    Reload {
        /// The version.
        program: Arc<Program>,
        /// Where the answer (the instant of the switch) goes.
        reply: Option<oneshot::Sender<Result<i64, String>>>,
    },
    /// Answer a question about the state (after the round's changes are durable).
    Query(Query),
    /// The clock moved (virtual time): look at the timers.
    Tick,
    /// Stop after this round.
    Shutdown,
}

/// What the engine thread runs with.
pub struct Setup {
    /// The engine, recovered from the journal.
    pub engine: Engine,
    /// The journal.
    pub journal: Journal,
    /// The number of the last input line journaled.
    pub last_line: u64,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How far behind the clock the engine's timers run, in seconds.
    pub grace: i64,
    /// How far ahead of the clock an event may be dated, in seconds.
    pub ahead: i64,
    /// Where committed actions are published (the stream, webhooks).
    pub published: broadcast::Sender<Arc<Published>>,
    /// The counters.
    pub metrics: Arc<Metrics>,
    /// The bundle's status, updated at each switch.
    pub bundle: Arc<Mutex<BundleStatus>>,
    /// The latest actions, for the dashboard.
    pub latest: Arc<Mutex<VecDeque<String>>>,
}

/// A committed action: its number and its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The action's number (`a<n>`).
    pub number: u64,
    /// The action as one line of JSON.
    pub text: String,
}

/// How many latest actions the dashboard shows.
pub const LATEST: usize = 50;

/// Runs the engine thread until [`Command::Shutdown`] or until every sender is gone.
pub fn run(setup: Setup, commands: Receiver<Command>) -> Result<(), String> {
    let Setup {
        engine,
        mut journal,
        last_line,
        clock,
        grace,
        ahead,
        published,
        metrics,
        bundle,
        latest,
    } = setup;
    let mut publish = Publish {
        pending: Vec::new(),
        channel: published,
        metrics: Arc::clone(&metrics),
        latest,
    };
    let refused = Rc::new(RefCell::new(Vec::new()));
    let mut rejections = Rejections {
        lines: Rc::clone(&refused),
    };
    let mut driver = Driver::new(engine)
        .sink(&mut journal)
        .sink(&mut publish)
        .sink(&mut rejections)
        .batch(usize::MAX);
    let mut next_line = last_line + 1;
    // The instant of the latest switch planned by a reload.
    let mut planned: Option<i64> = None;
    let target = |clock: &Arc<dyn Clock>| clock.now().timestamp() - grace;
    // Timers that came due while the server was down fire now, each at its own instant.
    let _ = advance(&mut driver, target(&clock));
    if let Err(error) = driver.flush() {
        tracing::error!(%error, "Cannot commit the journal");
        return Err(error.to_string());
    }
    let mut open = true;
    while open {
        let wait = match driver.engine_mut().next_timer() {
            Some(at) => {
                let left = at.saturating_add(grace) - clock.now().timestamp();
                Duration::from_secs(u64::try_from(left).unwrap_or(0)).min(LONGEST_WAIT)
            }
            None => LONGEST_WAIT,
        };
        let mut round = Vec::new();
        match commands.recv_timeout(wait) {
            Ok(command) => round.push(command),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        let mut lines = 0;
        while lines < ROUND_LINES {
            match commands.try_recv() {
                Ok(command) => {
                    if let Command::Ingest { lines: l, .. } = &command {
                        lines += l.len();
                    }
                    round.push(command);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let started = Instant::now();
        let busy = !round.is_empty();
        let emitted = driver.engine().state.emitted;
        let mut answers: Vec<Answer> = Vec::new();
        let mut failed = None;
        for command in round {
            match command {
                Command::Ingest { lines, reply } => {
                    let latest = clock.now().timestamp().saturating_add(ahead);
                    let result = ingest(&mut driver, &refused, &mut next_line, lines, latest);
                    answers.push(ingested(result, reply, &metrics));
                }
                Command::Derive { make, reply } => {
                    let latest = clock.now().timestamp().saturating_add(ahead);
                    let lines = make(driver.engine(), latest);
                    let result = ingest(&mut driver, &refused, &mut next_line, lines, latest);
                    answers.push(ingested(result, reply, &metrics));
                }
                Command::Complete {
                    instance,
                    step,
                    outcome,
                    reply,
                } => {
                    let at = driver.engine().next_instant();
                    let event = serde_json::json!({
                        "at": crate::model::Timestamp(at).to_string(),
                        "event": "step.completed",
                        "instance": instance,
                        "step": step,
                        "outcome": outcome,
                    });
                    let lines = vec![event.to_string()];
                    let result = ingest(&mut driver, &refused, &mut next_line, lines, i64::MAX);
                    answers.push(Box::new(move |_| {
                        let _ = reply.send(result.map_err(|e| e.to_string()));
                    }));
                }
                Command::Reload { program, reply } => {
                    // The new version takes over at the next instant, before the first event
                    // at or after it (as `run --switch` does): events still coming at the
                    // engine's present instant are taken, not refused as late. A second
                    // reload before then takes the instant after.
                    let at = driver
                        .engine()
                        .next_instant()
                        .max(planned.map_or(i64::MIN, |p| p.saturating_add(1)));
                    let hash = program.hash.clone();
                    let result = driver.plan(vec![Switch { at, program }]).map(|()| at);
                    if result.is_ok() {
                        planned = Some(at);
                    }
                    match &result {
                        Ok(_) => {
                            if let Ok(mut status) = bundle.lock() {
                                status.switched(&hash, at, clock.now());
                            }
                            metrics.reloaded(true);
                        }
                        Err(error) => {
                            tracing::error!(%error, "Cannot switch to the new bundle version");
                            metrics.reloaded(false);
                        }
                    }
                    answers.push(Box::new(move |_| {
                        if let Some(reply) = reply {
                            let _ = reply.send(result.map_err(|e| e.to_string()));
                        }
                    }));
                }
                Command::Query(query) => answers.push(query),
                Command::Tick => {}
                Command::Shutdown => open = false,
            }
        }
        if let Err(error) = advance(&mut driver, target(&clock)) {
            failed = Some(error.to_string());
        }
        let committing = Instant::now();
        if let Err(error) = driver.flush() {
            failed = Some(error.to_string());
        }
        // Idle rounds (nothing asked, no timer fired) commit nothing: they are not counted.
        if busy || driver.engine().state.emitted != emitted {
            metrics.committed(committing.elapsed(), started.elapsed());
        }
        if let Some(error) = failed {
            // The journal cannot take what was applied: stop rather than acknowledge what is
            // not durable. The answers are dropped, so every waiting request fails.
            tracing::error!(%error, "Stopping: the journal failed");
            return Err(error);
        }
        for answer in answers {
            answer(driver.engine());
        }
    }
    tracing::info!("Engine thread stopped; journal closed");
    Ok(())
}

/// Moves the engine's time to `to` if it is ahead.
fn advance(driver: &mut Driver<'_>, to: i64) -> Result<(), crate::runtime::DriverError> {
    let engine = driver.engine();
    if engine.state.sealed.is_some_and(|sealed| to <= sealed) {
        return Ok(());
    }
    if engine.state.now.is_none() && engine.state.emitted == 0 && engine.state.sealed.is_none() {
        // Nothing happened yet: time starts with the first event.
        return Ok(());
    }
    driver.advance(to)
}

/// Counts an ingest's outcome and answers it once the round is durable.
fn ingested(
    result: Result<Ingested, crate::runtime::DriverError>,
    reply: oneshot::Sender<Result<Ingested, String>>,
    metrics: &Metrics,
) -> Answer {
    if let Ok(done) = &result {
        metrics.accepted(done.accepted, done.rejected.len());
    }
    Box::new(move |_| {
        let _ = reply.send(result.map_err(|e| e.to_string()));
    })
}

/// Applies the lines of one request, numbering them after the journal's.
fn ingest(
    driver: &mut Driver<'_>,
    refused: &RefCell<Vec<(u64, String)>>,
    next_line: &mut u64,
    lines: Vec<String>,
    latest: i64,
) -> Result<Ingested, crate::runtime::DriverError> {
    let first = *next_line;
    let count = lines.len();
    refused.borrow_mut().clear();
    for raw in lines {
        let mut line: Line = parse(*next_line, raw);
        if let Ok(event) = &line.event
            && event.at.0 > latest
        {
            line.event = Err(format!(
                "event at {} is ahead of the server's clock by more than it allows (up to {}): check the sender's clock; taken, it would move the engine's time on and make every event after it late",
                event.at,
                crate::model::Timestamp(latest)
            ));
        }
        *next_line += 1;
        driver.feed(&line)?;
    }
    let rejected: Vec<Rejected> = refused
        .borrow_mut()
        .drain(..)
        .map(|(number, reason)| Rejected {
            line: usize::try_from(number - first + 1).unwrap_or(0),
            reason,
        })
        .collect();
    Ok(Ingested {
        accepted: count - rejected.len(),
        rejected,
    })
}

/// Collects the lines the engine refused.
#[derive(Debug, Default)]
struct Rejections {
    lines: Rc<RefCell<Vec<(u64, String)>>>,
}

impl Sink for Rejections {
    fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        for action in actions.list() {
            if action.kind == Kind::EventRejected {
                self.lines.borrow_mut().push((
                    action.line.unwrap_or(0),
                    action.error.clone().unwrap_or_default(),
                ));
            }
        }
        Ok(())
    }
}

/// Publishes actions once they are committed: to the stream (and webhooks), the counters and
/// the dashboard's list of latest actions.
struct Publish {
    pending: Vec<Published>,
    channel: broadcast::Sender<Arc<Published>>,
    metrics: Arc<Metrics>,
    latest: Arc<Mutex<VecDeque<String>>>,
}

impl Sink for Publish {
    fn wants_text(&self) -> bool {
        true
    }

    fn receive(&mut self, _: &Input<'_>, actions: &Actions<'_>) -> Result<(), SinkError> {
        let text = String::from_utf8_lossy(actions.json_lines());
        for (action, line) in actions.list().iter().zip(text.lines()) {
            self.metrics.action(action);
            self.pending.push(Published {
                number: action.id,
                text: line.to_string(),
            });
        }
        Ok(())
    }

    fn flush(&mut self, _: &Engine) -> Result<(), SinkError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if let Ok(mut latest) = self.latest.lock() {
            for item in self.pending.iter().rev().take(LATEST).rev() {
                if latest.len() >= LATEST {
                    latest.pop_front();
                }
                latest.push_back(item.text.clone());
            }
        }
        for item in self.pending.drain(..) {
            // Nobody listening is fine: the journal has them.
            let _ = self.channel.send(Arc::new(item));
        }
        Ok(())
    }
}
