//! What the events and queries fuzz targets share: the bundle they run, compiled once.

use std::sync::{Arc, LazyLock};

use slaflow::program::Program;

/// `fuzzed.yaml`, compiled.
pub static PROGRAM: LazyLock<Arc<Program>> = LazyLock::new(|| {
    let compiled = Program::from_text("fuzzed.yaml", include_str!("fuzzed.yaml"))
        .unwrap_or_else(|findings| panic!("the fuzzed bundle does not compile:\n{findings}"));
    Arc::new(compiled.program)
});
