//! Validation: passes over a loaded bundle that collect diagnostics.
//!
//! Each pass is `fn check(&Context, &mut Diagnostics)` and every pass runs, so one run shows every
//! problem. Passes read the model and never change it.

use crate::diagnostic::Diagnostics;
use crate::model::Bundle;
use crate::source::SourceMap;

/// What passes can see.
pub struct Context<'a> {
    /// The loaded bundle.
    pub bundle: &'a Bundle,
    /// Its files, for passes that look at source text (script positions).
    pub sources: &'a SourceMap,
}

/// Runs every pass.
pub fn check(bundle: &Bundle, sources: &SourceMap, diagnostics: &mut Diagnostics) {
    let _cx = Context { bundle, sources };
    let _ = diagnostics;
}
