//! End to end, per example: its sample events in, golden actions out (`tests/golden/`), its
//! embedded behaviour tests pass, and `explain` tells the story of a disputed ticket.

use crate::common::{golden, root, slaflow, stdout};

const EXAMPLES: &[&str] = &[
    "mod-bmc-ela",
    "metlife-desk",
    "fnal-slm",
    "proact-governance",
];
const UNTIL: &str = "2027-01-01T00:00:00Z";

#[test]
fn each_example_replays_to_its_golden_actions() {
    for example in EXAMPLES {
        let bundle = format!("examples/{example}");
        let events = format!("{bundle}/events.jsonl");
        let out = slaflow(&["run", &bundle, "--events", &events, "--until", UNTIL]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(
            !text.contains("\"kind\":\"event.rejected\""),
            "{example}: its demo events must all apply"
        );
        assert!(
            !text.contains("\"kind\":\"script.failed\""),
            "{example}: no script may fail"
        );
        golden(
            &root().join(format!("tests/golden/{example}.actions.jsonl")),
            &text,
        );
    }
}

#[test]
fn each_example_passes_its_embedded_tests() {
    for example in EXAMPLES {
        let bundle = format!("examples/{example}");
        let out = slaflow(&["test", &bundle]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{example}:\n{text}");
        assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
    }
}

#[test]
fn explain_shows_why_a_vip_ticket_breached() {
    let out = slaflow(&[
        "explain",
        "examples/metlife-desk",
        "--events",
        "examples/metlife-desk/events.jsonl",
        "--record",
        "PRB0001002",
        "--until",
        UNTIL,
    ]);
    assert_eq!(out.status.code(), Some(0));
    golden(
        &root().join("tests/golden/metlife-desk.PRB0001002.explain.txt"),
        &stdout(&out),
    );
}

#[test]
fn explain_json_has_the_timeline_with_business_and_wall_time() {
    let out = slaflow(&[
        "explain",
        "examples/proact-governance",
        "--events",
        "examples/proact-governance/events.jsonl",
        "--record",
        "INC-1007",
        "--until",
        UNTIL,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let clocks = report["clocks"].as_array().unwrap();
    assert!(!clocks.is_empty());
    for clock in clocks {
        for line in clock["timeline"].as_array().unwrap() {
            assert!(line["business"].as_u64().unwrap() <= line["wall"].as_u64().unwrap());
            assert!(line["because"].as_str().is_some_and(|b| !b.is_empty()));
        }
    }
    golden(
        &root().join("tests/golden/proact-governance.INC-1007.explain.json"),
        &stdout(&out),
    );
}

#[test]
fn explain_of_an_unknown_record_is_a_usage_error() {
    let out = slaflow(&[
        "explain",
        "examples/metlife-desk",
        "--events",
        "examples/metlife-desk/events.jsonl",
        "--record",
        "NOPE",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event"));
}
