//! slaflow: a service-level-management workflow and rules engine driven by declarative YAML.
//!
//! Data flows one way through the modules, from raw to running; a module uses only those above
//! it in this list (a test checks it):
//!
//! 1. [`base`]: names, record fields, the fast hash map, value comparison, JSON errors in plain
//!    words, text made safe for a terminal.
//! 2. [`source`]: files and spans; [`diagnostic`]: stable codes and their renderers.
//! 3. [`model`]: the YAML shape of a bundle (serde + schemars, nothing else); [`clock`]: where
//!    "now" comes from.
//! 4. [`load`]: files to a spanned node tree, sections merged, `uses`/`overrides` applied.
//! 5. [`calendar`] (business time), [`graph`] (process graphs) and [`raci`]; [`script`] (the
//!    rhai sandbox) and [`condition`] (conditions over a record change).
//! 6. [`validate`]: the context the compile stage shares (calendars, graphs, scripts built
//!    once) and the passes that check a loaded bundle.
//! 7. Compiled forms with their builders: [`sla`] (targets and clocks), [`escalation`]
//!    (matrices), [`process`] (definitions and instance state), [`governance`] (report
//!    obligations and forum meetings, their dates and iCalendar export), [`availability`]
//!    (availability targets: outages, downtime budgets, availability per period), [`kpi`]
//!    (measures and the tallies of their periods), [`penalty`] (what a target owes for a
//!    period).
//! 8. [`program`]: the compile stage, whose product is an immutable, versioned [`program::Program`].
//! 9. [`runtime`]: the engine over every version it ran, the one event loop, sinks, status.
//! 10. [`store`] (the durable journal, a sink), [`explain`] (a clock's timeline) and [`report`]
//!     (a period's compliance, KPIs, credits, billing and licences, folded from the actions).
//! 11. [`import`]: a ticketing system's exports, or one webhook delivery against a record's
//!     state, to events (by a map; it runs no engine).
//! 12. [`serve`]: the live engine, an HTTP server over the engine, its journal and its bundle,
//!     with webhook receivers that read deliveries through [`import`].
//! 13. Tools over bundles and histories: [`diff`] (what an edit of a bundle changes),
//!     [`simulate`] (what an edit would have done to a history: both bundles replayed and their
//!     reports compared), [`schema`] (the JSON Schemas of the model, import maps and hooks files
//!     included).
//! 14. [`reconcile`]: a vendor's own SLA results against slaflow's (an export imported and
//!     replayed as the tools above do).

pub mod availability;
pub mod base;
pub mod calendar;
pub mod clock;
pub mod condition;
pub mod diagnostic;
pub mod diff;
pub mod escalation;
pub mod explain;
pub mod governance;
pub mod graph;
pub mod import;
pub mod kpi;
pub mod load;
pub mod model;
pub mod penalty;
pub mod process;
pub mod program;
pub mod raci;
pub mod reconcile;
pub mod report;
pub mod runtime;
pub mod schema;
pub mod script;
pub mod serve;
pub mod simulate;
pub mod sla;
pub mod source;
pub mod store;
pub mod validate;
