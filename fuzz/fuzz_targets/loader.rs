//! Fuzzes the bundle loader and validator: any bytes must load to diagnostics, never a panic.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run loader` (cargo-fuzz from crates.io).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut loader = slaflow::load::Loader::new();
    let loaded = loader.load_text("fuzz.yaml", text);
    let mut diagnostics = loaded.diagnostics;
    slaflow::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
    let _ = slaflow::diagnostic::render::human(&diagnostics, loader.sources());
});
