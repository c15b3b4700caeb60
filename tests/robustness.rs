//! Bad input never panics the loader: every fixture file, and many mutations of them (truncated,
//! bytes flipped, lines shuffled), load to diagnostics.

use std::path::PathBuf;

use slaflow::diagnostic::Diagnostics;
use slaflow::load::yaml::{Limits, parse};
use slaflow::source::FileId;

use crate::common::root;

fn yaml_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("tests/fixtures"), root().join("rules")];
    if root().join("examples").is_dir() {
        stack.push(root().join("examples"));
    }
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Loads text the way the bundle loader does, all the way to typed entries.
fn load_text(text: &str) {
    let mut loader = slaflow::load::Loader::new();
    let loaded = loader.load_text("rules.yaml", text);
    let mut diagnostics = loaded.diagnostics;
    slaflow::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
    let mut diags = Diagnostics::new();
    let _ = parse(FileId(0), text, Limits::default(), &mut diags);
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn no_fixture_or_mutation_makes_the_loader_panic() {
    let mut rng = Lcg(42);
    let noise = [
        ":", "-", "[", "]", "{", "}", "\"", "'", "&a", "*a", "!!", "|", ">", "\t", "#", "~",
        "\n  ", "0.0", "%",
    ];
    for path in yaml_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        load_text(&text);
        for _ in 0..8 {
            let mut mutated = text.clone();
            let cut = rng.next() as usize % (mutated.len() + 1);
            match rng.next() % 3 {
                0 => mutated.truncate(mutated.floor_char_boundary(cut)),
                1 => {
                    let at = mutated.floor_char_boundary(cut);
                    mutated.insert_str(at, noise[rng.next() as usize % noise.len()]);
                }
                _ => {
                    let mut lines: Vec<&str> = text.lines().collect();
                    if lines.len() > 1 {
                        let a = rng.next() as usize % lines.len();
                        let b = rng.next() as usize % lines.len();
                        lines.swap(a, b);
                    }
                    mutated = lines.join("\n");
                }
            }
            load_text(&mutated);
        }
    }
}
