//! The runtime: events in, the engine, timers and actions out, through one event loop.
//!
//! [`input`] reads JSON Lines events; the [`driver`] feeds them (and version switches, and the
//! passing of time) to the [`engine`], which keeps every bundle version it has run and moves
//! clocks, instances and escalations by their own version's rules, firing [`timer`]s; the
//! [`action`]s it takes go to [`sink`]s: a printer, the journal, behaviour tests, the HTTP
//! stream. [`status`] reads the state as of an instant.

pub mod action;
pub mod behaviour;
pub mod driver;
pub mod engine;
pub mod input;
pub mod sink;
pub mod status;
pub mod timer;
pub mod workload;

pub use action::{Action, Kind};
pub use driver::{Driver, DriverError, Switch};
pub use engine::{Engine, State};
pub use sink::{Input, Sink, SinkError};
