//! slaflow: a service-level-management workflow and rules engine driven by declarative YAML.
//!
//! Data flows one way through the modules, from raw to running:
//!
//! 1. [`source`]: files and spans; [`diagnostic`]: stable codes and their renderers.
//! 2. [`model`]: the YAML shape of a bundle (serde + schemars, nothing else).
//! 3. [`load`]: files to a spanned node tree, sections merged, `uses`/`overrides` applied.
//! 4. [`validate`]: passes that check a loaded bundle and collect diagnostics.
//! 5. [`schema`]: JSON Schemas generated from the model.
//! 6. [`cli`]: the `slaflow` commands.

pub mod calendar;
pub mod cli;
pub mod clock;
pub mod condition;
pub mod diagnostic;
pub mod diff;
pub mod escalation;
pub mod explain;
pub mod graph;
pub mod import;
pub mod load;
pub mod model;
pub mod raci;
pub mod runtime;
pub mod schema;
pub mod script;
pub mod sla;
pub mod source;
pub mod store;
pub mod validate;
