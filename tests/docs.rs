//! The user documentation's examples are checked: every ```yaml block of `docs/*.md` (except
//! the generated `docs/codes.md`) is a valid bundle file together with the standard library,
//! unless it starts with `# invalid`; every ```json block parses, and so does every line of a
//! ```jsonl block.

use std::path::{Path, PathBuf};

use crate::common::root;

/// The fenced blocks of a Markdown file: (language, first line number, text).
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(lang)) => {
                current = Some((lang.trim().to_string(), number + 2, String::new()))
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => out.extend(current.take()),
            (Some((_, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("codes.md"))
        .collect();
    pages.push(root().join("README.md"));
    pages.sort();
    pages
}

fn validate_with_library(page: &Path, line: usize, yaml: &str, scratch: &Path) {
    let dir = scratch.join(format!(
        "{}-{line}",
        page.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bundle.yaml"),
        format!("imports: [{}]\n", root().join("rules").display()),
    )
    .unwrap();
    std::fs::write(dir.join("example.yaml"), yaml).unwrap();
    let report = slaflow::validate::validate_paths(&[dir]).unwrap();
    assert!(
        report.diagnostics.is_empty(),
        "{}:{line}: the yaml example does not validate:\n{}",
        page.display(),
        slaflow::diagnostic::render::plain(&report.diagnostics, &report.sources)
    );
}

#[test]
fn documentation_examples_are_valid() {
    let scratch = std::env::temp_dir().join(format!("slaflow-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (lang, line, body) in blocks(&text) {
            match lang.as_str() {
                "yaml" if body.starts_with("# invalid") => {}
                "yaml" => {
                    validate_with_library(&page, line, &body, &scratch);
                    checked += 1;
                }
                "json" => {
                    serde_json::from_str::<serde_json::Value>(&body).unwrap_or_else(|e| {
                        panic!("{}:{line}: json block does not parse: {e}", page.display())
                    });
                    checked += 1;
                }
                "jsonl" => {
                    for (n, l) in body
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty() && l.trim() != "...")
                    {
                        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| {
                            panic!(
                                "{}:{}: jsonl line does not parse: {e}",
                                page.display(),
                                line + n
                            )
                        });
                    }
                    checked += 1;
                }
                _ => {}
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(checked > 0);
}
