//! One fixture per diagnostic code: `tests/fixtures/codes/<CODE>/bad` must report the code (its
//! plain output is a golden file), `fixed` must be clean, every format must carry the code at
//! the same place, and `docs/codes.md` is generated from the fixtures.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use slaflow::diagnostic::render::plain;
use slaflow::diagnostic::{Code, Severity};
use slaflow::validate::validate_paths;

use crate::common::{golden, root, slaflow, stdout};

fn fixture(code: Code) -> PathBuf {
    Path::new("tests/fixtures/codes").join(code.as_str())
}

fn plain_of(path: &Path) -> String {
    let report = validate_paths(&[path.to_path_buf()]).unwrap();
    plain(&report.diagnostics, &report.sources)
}

#[test]
fn every_code_has_a_fixture() {
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !root().join(fixture(**c)).join("bad").is_dir())
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn bad_fixtures_report_their_code_and_fixed_ones_are_clean() {
    for code in Code::ALL {
        let dir = fixture(*code);
        if !root().join(&dir).is_dir() {
            continue; // reported by every_code_has_a_fixture
        }
        let bad = plain_of(&dir.join("bad"));
        assert!(
            bad.contains(&format!("[{}]", code.as_str())),
            "{code}: bad fixture does not report it:\n{bad}"
        );
        golden(&root().join(&dir).join("expected.plain"), &bad);
        let fixed = plain_of(&dir.join("fixed"));
        assert_eq!(fixed, "", "{code}: fixed fixture is not clean");
    }
}

/// The first plain line of a fixture: (file, line, column).
fn first_location(code: Code) -> (String, usize, usize) {
    let text = plain_of(&fixture(code).join("bad"));
    let line = text
        .lines()
        .find(|l| l.contains(&format!("[{code}]")))
        .unwrap();
    let mut parts = line.splitn(4, ':');
    let file = parts.next().unwrap().to_string();
    let l = parts.next().unwrap().parse().unwrap();
    let c = parts.next().unwrap().parse().unwrap();
    (file, l, c)
}

#[test]
fn every_format_reports_the_code_at_the_same_place() {
    for code in Code::ALL {
        let dir = fixture(*code);
        if !root().join(&dir).is_dir() {
            continue;
        }
        let bad = dir.join("bad");
        let bad = bad.to_str().unwrap();
        let (file, line, col) = first_location(*code);
        let expected_exit = if code.severity() == Severity::Error {
            1
        } else {
            0
        };

        let out = slaflow(&["validate", bad, "--format", "plain"]);
        assert_eq!(out.status.code(), Some(expected_exit), "{code} plain exit");
        let out = slaflow(&["validate", bad, "--format", "plain", "--deny-warnings"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{code} exit with --deny-warnings"
        );

        let out = slaflow(&["validate", bad, "--format", "human"]);
        let text = stdout(&out);
        assert!(text.contains(&format!("[{code}]")), "{code} human: {text}");
        assert!(
            text.contains(&format!("--> {file}:{line}:{col}")),
            "{code} human: {text}"
        );

        let out = slaflow(&["validate", bad, "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let found = doc["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["code"] == code.as_str()
                && d["file"] == file.as_str()
                && d["line"] == line
                && d["column"] == col
        });
        assert!(found, "{code} json: {doc}");

        let out = slaflow(&["validate", bad, "--format", "sarif"]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let found = results.iter().any(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            r["ruleId"] == code.as_str()
                && location["artifactLocation"]["uri"] == file.as_str()
                && location["region"]["startLine"] == line
                && location["region"]["startColumn"] == col
        });
        assert!(found, "{code} sarif: {doc}");
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert!(
            rules.iter().any(|r| r["id"] == code.as_str()),
            "{code} sarif rules"
        );

        let out = slaflow(&["validate", bad, "--format", "github"]);
        let text = stdout(&out);
        let level = code.severity().as_str();
        let prefix = format!("::{level} file={file},line={line},col={col},");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&prefix) && l.contains(&format!("title={code} "))),
            "{code} github: {text}"
        );
    }
}

#[test]
fn valid_bundles_print_nothing() {
    for code in Code::ALL {
        let fixed = fixture(*code).join("fixed");
        if !root().join(&fixed).is_dir() {
            continue;
        }
        let out = slaflow(&["validate", fixed.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{code}");
        assert!(
            out.stdout.is_empty() && out.stderr.is_empty(),
            "{code}: output noise"
        );
    }
}

/// `docs/codes.md`, generated from the code registry and the fixtures.
fn codes_document() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Every problem `slaflow validate` reports has a stable code: `E` for errors (exit status 1), \
         `W` for warnings (exit status 1 only with `--deny-warnings`). Codes are never renumbered \
         or reused; tools should rely on the code, not the message. Each entry shows a bundle file \
         that has the problem, what `slaflow validate --format plain` prints for it, and the \
         fixed file. The examples are the test fixtures in `tests/fixtures/codes/`, so they are \
         checked on every test run.\n\n\
         This file is generated by `UPDATE_GOLDEN=1 cargo test codes`; do not edit it by hand.\n\n",
    );
    for code in Code::ALL {
        let _ = writeln!(out, "- [{code}](#{}): {}", code.doc_anchor(), code.title());
    }
    for code in Code::ALL {
        let dir = root().join(fixture(*code));
        let _ = write!(
            out,
            "\n## {code}\n\n**{}** ({}). {}\n",
            code.title(),
            code.severity().as_str(),
            code.description()
        );
        for (heading, sub) in [("Problem", "bad"), ("Fixed", "fixed")] {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(dir.join(sub)) {
                Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
                Err(_) => continue,
            };
            files.sort();
            let _ = writeln!(out, "\n{heading}:\n");
            for file in files {
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                match std::fs::read_to_string(&file) {
                    Ok(text) => {
                        let body: String = text
                            .lines()
                            .filter(|l| !l.starts_with("# yaml-language-server"))
                            .map(|l| format!("{l}\n"))
                            .collect();
                        if body.len() > 1500 {
                            let _ = writeln!(out, "`{name}` (long; see the fixture)\n");
                        } else {
                            let _ = writeln!(out, "```yaml\n# {name}\n{body}```\n");
                        }
                    }
                    Err(_) => {
                        let _ = writeln!(out, "`{name}` holds bytes that are not UTF-8 text.\n");
                    }
                }
            }
            if sub == "bad" {
                let plain = std::fs::read_to_string(dir.join("expected.plain")).unwrap_or_default();
                let prefix = format!("tests/fixtures/codes/{code}/bad/");
                let _ = writeln!(out, "```text\n{}```", plain.replace(&prefix, ""));
            }
        }
    }
    out
}

#[test]
fn docs_codes_md_is_generated_from_the_fixtures() {
    golden(&root().join("docs/codes.md"), &codes_document());
}
