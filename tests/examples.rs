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

/// `status` of one record per example agrees with `explain`'s timeline of the same record:
/// clock by clock, the same target, cycle, state, start and due, the breach and first warning
/// at the instants of the timeline's entries, and for a clock that ended, the business time of
/// its last entry.
#[test]
fn status_agrees_with_the_explain_timeline_of_each_example() {
    for (example, record) in [
        ("mod-bmc-ela", "LIC-PO-0002"),
        ("metlife-desk", "TSK0002001"),
        ("fnal-slm", "INC0100001"),
        ("proact-governance", "INC-1007"),
    ] {
        let bundle = format!("examples/{example}");
        let events = format!("{bundle}/events.jsonl");
        let common = ["--events", &events, "--record", record, "--until", UNTIL];
        let mut args = vec!["status", bundle.as_str()];
        args.extend(common);
        let status = slaflow(&args);
        assert_eq!(status.status.code(), Some(0), "{example}: {status:?}");
        let status: serde_json::Value = serde_json::from_str(stdout(&status).trim()).unwrap();
        let mut args = vec!["explain", bundle.as_str()];
        args.extend(common);
        args.extend(["--format", "json"]);
        let explain: serde_json::Value = serde_json::from_str(&stdout(&slaflow(&args))).unwrap();
        let clocks = status["clocks"].as_array().unwrap();
        let timelines = explain["clocks"].as_array().unwrap();
        assert!(!clocks.is_empty(), "{example} {record} has clocks");
        assert_eq!(clocks.len(), timelines.len(), "{example} {record}");
        for (clock, told) in clocks.iter().zip(timelines) {
            let at = |what: &str| {
                told["timeline"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["what"].as_str().unwrap().starts_with(what))
                    .map(|l| l["at"].clone())
                    .unwrap_or(serde_json::Value::Null)
            };
            let context = format!("{example} {record}: {clock} / {told}");
            for field in ["agreement", "target", "cycle", "state"] {
                assert_eq!(clock[field], told[field], "{field} of {context}");
            }
            assert_eq!(clock["started"], told["start"], "{context}");
            assert_eq!(clock["version"], told["bundle"], "{context}");
            assert_eq!(clock["breached_at"], at("breached"), "{context}");
            assert_eq!(clock["warning_at"], at("milestone"), "{context}");
            if clock["state"] != "paused" {
                assert_eq!(clock["due"], told["due"], "{context}");
            }
            if let Some(last) = clock["ended_at"].as_str() {
                let entry = told["timeline"].as_array().unwrap().last().unwrap();
                assert_eq!(entry["at"], last, "{context}");
                assert_eq!(clock["elapsed"], entry["business"], "{context}");
                let paused: u64 = told["pauses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["business"].as_u64().unwrap())
                    .sum();
                assert_eq!(clock["paused"], paused, "{context}");
            }
        }
    }
}
