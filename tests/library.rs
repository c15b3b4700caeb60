//! The shipped library and examples: they validate without warnings, the library's RACI matrix
//! is Appendix 1 of the FNAL document, pictures render, and the committed schemas are current.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{root, slaflow, stdout};

#[test]
fn library_and_examples_validate_without_warnings() {
    let mut args = vec!["validate", "rules", "--deny-warnings"];
    if root().join("examples").is_dir() {
        args.insert(1, "examples");
    }
    let out = slaflow(&args);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn raci_of_the_library_process_is_appendix_1() {
    // Transcribed by hand from Appendix 1 of ../shared/seeds/002_377e9d3e97881ce7.txt.
    let expected =
        std::fs::read_to_string(root().join("tests/fixtures/fnal-appendix-1.md")).unwrap();
    let out = slaflow(&["raci", "rules", "--process", "itil-slm"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), expected);
}

#[test]
fn raci_csv_has_a_row_per_step_and_heading() {
    let out = slaflow(&["raci", "rules", "--process", "itil-slm", "--format", "csv"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 5 + 24, "header, 5 procedures, 24 steps");
    assert_eq!(lines[3], "1.2 - Update Capabilities?,A,,,C,C,");
    assert_eq!(lines[18], "3.5 - Sign SLA,A,R,I,I,R,R");
}

#[test]
fn mermaid_shows_procedures_decisions_parallel_and_roles() {
    let out = slaflow(&["graph", "rules", "--process", "itil-slm"]);
    let text = stdout(&out);
    assert!(
        text.contains("subgraph p2[\"3.0 Define Agreements\"]"),
        "{text}"
    );
    assert!(
        text.contains("{\"1.2 Update Capabilities?"),
        "decisions are diamonds"
    );
    assert!(
        text.contains("{{\"3.2-3.3 Negotiate UCs/OLAs and SLA\"}}"),
        "parallel is a hexagon"
    );
    assert!(text.contains("==>|parallel|"), "branches are visible");
    assert!(text.contains("-.->|join|"), "the join is visible");
    assert!(text.contains("-->|define-capabilities|"), "outcome labels");
    assert!(
        text.contains("R: Infrastructure Leads"),
        "the R role on tasks"
    );
}

#[test]
fn dot_output_renders_with_graphviz() {
    let out = slaflow(&["graph", "rules", "--process", "itil-slm", "--format", "dot"]);
    assert_eq!(out.status.code(), Some(0));
    let dot = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => {
            eprintln!(
                "graphviz `dot` is not installed; skipping the render check (.ci/run installs it)"
            );
            return;
        }
    };
    let mut dot = dot;
    dot.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let rendered = dot.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let svg = String::from_utf8_lossy(&rendered.stdout);
    assert!(svg.contains("<svg") && svg.contains("Negotiate SLA"));
}

#[test]
fn committed_schemas_are_current() {
    let out = slaflow(&["schema", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "run `cargo run -- schema` to regenerate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_process_is_a_usage_error_with_a_suggestion() {
    let out = slaflow(&["raci", "rules", "--process", "itil-slmm"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `itil-slm`?"));
}
