//! The user documentation's examples are checked: every ```yaml block of `docs/*.md` (except
//! the generated `docs/codes.md`) is a valid bundle file together with the standard library,
//! unless it starts with `# invalid`, or a valid import map if it starts with the import map's
//! schema line; every ```json block parses, and so does every line of a ```jsonl block.
//!
//! Every ```console block (of those pages, the README and the examples' READMEs) is a
//! transcript that is run: its `$ `
//! lines are the commands, the other lines the output expected (standard output and error
//! together), where a `...` line stands for any number of lines and `...` inside a line for
//! any text. The commands run in a scratch directory that sees the repository's `examples`,
//! `rules`, `tests` and `schemas`, and the files the page sets up with an HTML comment:
//! `<!-- file PATH -->` right before a block writes the block to `PATH`;
//! `<!-- file PATH: TEXT -->` writes one line.

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
            (None, None) => {
                // Set-up comments become pseudo-blocks, in page order.
                if let Some(file) = line
                    .trim()
                    .strip_prefix("<!-- file ")
                    .and_then(|l| l.strip_suffix("-->"))
                {
                    out.push(("<!-- file".to_string(), number + 1, file.trim().to_string()));
                }
            }
        }
    }
    out
}

/// The schema line that marks a ```yaml block of the documentation as an import map.
const IMPORT_MAP: &str = "# yaml-language-server: $schema=../schemas/import-map.schema.json";

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
                "yaml" if body.starts_with(IMPORT_MAP) => {
                    if let Err(error) = slaflow::import::LoadedMap::parse("map.yaml", &body) {
                        panic!(
                            "{}:{line}: the import map does not load:\n{error}",
                            page.display()
                        );
                    }
                    checked += 1;
                }
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

/// Whether `actual` matches `expected`, where a `...` line matches any lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => {
            actual.first().is_some_and(|a| line_matches(line, a)) && matches(rest, &actual[1..])
        }
    }
}

/// Whether one output line matches an expected line, where `...` inside it matches any text
/// (a bundle version hash, say). Trailing spaces do not count.
fn line_matches(expected: &str, actual: &str) -> bool {
    let (expected, actual) = (expected.trim_end(), actual.trim_end());
    let mut parts = expected.split("...");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Runs one page's transcripts in `dir`, after its set-up files; returns how many ran.
fn run_transcripts(page: &Path, dir: &Path) -> usize {
    std::fs::create_dir_all(dir).unwrap();
    for shared in ["examples", "rules", "tests", "schemas"] {
        std::os::unix::fs::symlink(root().join(shared), dir.join(shared)).unwrap();
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_slaflow"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let text = std::fs::read_to_string(page).unwrap();
    let mut pending: Option<String> = None;
    let mut ran = 0;
    let write = |file: &str, body: &str| {
        let target = dir.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    };
    for (lang, line, body) in blocks(&text) {
        if let Some(file) = pending.take() {
            write(&file, &body);
            continue;
        }
        match lang.as_str() {
            "<!-- file" => match body.split_once(": ") {
                Some((file, content)) => write(file, &format!("{content}\n")),
                None => pending = Some(body),
            },
            "console" => {
                let script: String = body
                    .lines()
                    .filter_map(|l| l.strip_prefix("$ "))
                    .map(|c| format!("{c}\n"))
                    .collect();
                let expected: Vec<&str> = body.lines().filter(|l| !l.starts_with("$ ")).collect();
                let output = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(format!("exec 2>&1\n{script}"))
                    .current_dir(dir)
                    .env("PATH", &path)
                    .output()
                    .unwrap();
                let actual = String::from_utf8_lossy(&output.stdout);
                let actual: Vec<&str> = actual.lines().collect();
                assert!(
                    matches(&expected, &actual),
                    "{}:{line}: the transcript's output differs; the commands\n{script}printed\n{}",
                    page.display(),
                    actual.join("\n")
                );
                ran += 1;
            }
            _ => {}
        }
    }
    ran
}

#[test]
fn documented_transcripts_print_what_they_show() {
    let scratch = std::env::temp_dir().join(format!("slaflow-transcripts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    // The pages, and the examples' READMEs (whose outputs are transcripts too).
    let mut all = pages();
    for example in std::fs::read_dir(root().join("examples")).unwrap() {
        let readme = example.unwrap().path().join("README.md");
        if readme.is_file() {
            all.push(readme);
        }
    }
    let ran: usize = all
        .iter()
        .enumerate()
        .map(|(n, page)| {
            let name = page.file_stem().unwrap().to_string_lossy();
            run_transcripts(page, &scratch.join(format!("{n}-{name}")))
        })
        .sum();
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(ran >= 10, "only {ran} transcripts ran");
}

#[test]
fn transcript_wildcards_match_any_lines() {
    assert!(matches(&["a", "...", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "...", "d"], &["a", "d"]));
    assert!(matches(&["...", "c"], &["a", "b", "c"]));
    assert!(!matches(&["a", "...", "d"], &["a", "b", "c"]));
    assert!(!matches(&["a"], &["a", "b"]));
    assert!(matches(&["a ", "b"], &["a", "b"]));
    assert!(line_matches(
        "version ..., not ...;",
        "version 12ab, not 34cd;"
    ));
    assert!(line_matches("a...", "a"));
    assert!(!line_matches("ab...ba", "aba"));
    assert!(!line_matches("version ...;", "version 12ab"));
}
