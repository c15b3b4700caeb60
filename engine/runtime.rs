//! The runtime: compiled bundles, events in, the engine, timers and actions out.
//!
//! [`compiled`] turns a validated bundle into what the engine runs; [`input`] reads JSON Lines
//! events; [`engine`] applies them (with [`process`] for instances and tasks) and fires
//! [`timer`]s; [`action`] is what comes out.

pub mod action;
pub mod behaviour;
pub mod compiled;
pub mod engine;
pub mod input;
pub mod process;
pub mod timer;
pub mod workload;

pub use action::Action;
pub use compiled::Compiled;
pub use engine::{Engine, State};
