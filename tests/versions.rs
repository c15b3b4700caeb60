//! Bundle versions: a history replayed with `--switch` keeps every clock on its own version's
//! rules, a journal resumes across versions printing what an uninterrupted run prints, a target
//! can adopt running clocks, and bad switches are refused before anything runs.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::slaflow;

/// Version 1: three resolution targets (P1 4h, P2 8h, any 24h) and a response target.
const V1: &str = r#"
agreements:
  desk:
    type: sla
    targets:
      p1-resolution:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P1}}
        start: {event: created}
        stop: {event: resolved}
        goal: 4h
      p2-resolution:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P2}}
        start: {event: created}
        stop: {event: resolved}
        goal: 8h
      any-resolution:
        measure: resolution
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: resolved}
        goal: 24h
      response:
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        goal: 1h
"#;

/// Version 2: the targets reordered (response first, P2 before the rest), P1 removed, the P2
/// goal changed to 12h. `{adopt}` is replaced by an `on_new_version` line or nothing.
const V2: &str = r#"
agreements:
  desk:
    type: sla
    targets:
      response:
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        goal: 1h
      p2-resolution:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P2}}
        start: {event: created}
        stop: {event: resolved}
        goal: 12h{adopt}
      any-resolution:
        measure: resolution
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: resolved}
        goal: 24h
"#;

/// Events on a 24x7 calendar; the switch is at 10:00.
const EVENTS: &str = r#"{"at":"2026-11-02T08:00:00Z","record":"INC1","type":"incident","event":"created","fields":{"priority":"P1"}}
{"at":"2026-11-02T08:00:00Z","record":"INC2","type":"incident","event":"created","fields":{"priority":"P2"}}
{"at":"2026-11-02T08:30:00Z","record":"INC1","event":"responded"}
{"at":"2026-11-02T10:00:00Z","record":"INC3","type":"incident","event":"created","fields":{"priority":"P1"}}
{"at":"2026-11-02T10:30:00Z","record":"INC4","type":"incident","event":"created","fields":{"priority":"P2"}}
{"at":"2026-11-02T11:00:00Z","record":"INC2","event":"updated","fields":{"priority":"P1"}}
{"at":"2026-11-02T13:00:00Z","record":"INC1","event":"resolved"}
{"at":"2026-11-02T13:30:00Z","record":"INC4","event":"responded"}
"#;

const SWITCH_AT: &str = "2026-11-02T10:00:00Z";
const UNTIL: &str = "2026-11-04T00:00:00Z";

/// A scratch directory with both versions and the events.
fn scratch(name: &str, adopt: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-versions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (version, text) in [("v1", V1.to_string()), ("v2", v2(adopt))] {
        std::fs::create_dir_all(dir.join(version)).unwrap();
        std::fs::write(dir.join(version).join("desk.yaml"), text).unwrap();
    }
    std::fs::write(dir.join("events.jsonl"), EVENTS).unwrap();
    dir
}

fn v2(adopt: bool) -> String {
    let line = if adopt {
        "\n        on_new_version: adopt"
    } else {
        ""
    };
    V2.replace("{adopt}", line)
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_str().unwrap();
    let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", dir)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    slaflow(&args)
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn json_lines(output: &Output) -> Vec<Value> {
    lines(output)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The hash of a bundle, as `explain --format json` reports it.
fn hash_of(dir: &Path, version: &str) -> String {
    let out = run_in(
        dir,
        &[
            "status",
            &format!("{{dir}}/{version}"),
            "--events",
            "{dir}/events.jsonl",
            "--record",
            "INC1",
        ],
    );
    json_lines(&out)[0]["clocks"][0]["version"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The clock of `record` for `target` in a status line.
fn clock<'a>(status: &'a [Value], record: &str, target: &str) -> &'a Value {
    status
        .iter()
        .find(|r| r["record"] == record)
        .and_then(|r| {
            r["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["target"] == target)
        })
        .unwrap_or_else(|| panic!("no clock {target} on {record} in {status:#?}"))
}

#[test]
fn every_clock_keeps_the_rules_of_its_own_version() {
    let dir = scratch("switch", false);
    let (v1, v2) = (hash_of(&dir, "v1"), hash_of(&dir, "v2"));
    assert_ne!(v1, v2);
    let switch = format!("{SWITCH_AT}={{dir}}/v2");
    let out = run_in(
        &dir,
        &[
            "status",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--switch",
            &switch,
            "--until",
            UNTIL,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let status = json_lines(&out);
    let check = |record: &str, target: &str, version: &str, state: &str, due: &str| {
        let c = clock(&status, record, target);
        assert_eq!(c["version"], version, "{record} {target}: {c}");
        assert_eq!(c["state"], state, "{record} {target}: {c}");
        assert_eq!(c["due"], due, "{record} {target}: {c}");
    };
    // INC1 started under v1: its P1 target (removed in v2) still rules it: 4h from 08:00,
    // breached at 12:00 and stopped by the resolution at 13:00.
    check(
        "INC1",
        "p1-resolution",
        &v1,
        "stopped",
        "2026-11-02T12:00:00Z",
    );
    check("INC1", "response", &v1, "met", "2026-11-02T09:00:00Z");
    // INC2 started under v1 as P2 (8h). Its priority changed to P1 after the switch: it is
    // re-targeted among v1's alternatives, to v1's P1 (4h from the original start), although
    // v2 has no P1 target.
    check(
        "INC2",
        "p1-resolution",
        &v1,
        "breached",
        "2026-11-02T12:00:00Z",
    );
    // INC3 started under v2: no P1 target there, so the catch-all (24h).
    check(
        "INC3",
        "any-resolution",
        &v2,
        "breached",
        "2026-11-03T10:00:00Z",
    );
    check("INC3", "response", &v2, "breached", "2026-11-02T11:00:00Z");
    // INC4 started under v2 as P2: v2's goal of 12h, not v1's 8h.
    check(
        "INC4",
        "p2-resolution",
        &v2,
        "breached",
        "2026-11-02T22:30:00Z",
    );
    check("INC4", "response", &v2, "stopped", "2026-11-02T11:30:00Z");

    // The actions say the same: the switch, and each breach with its own version's target.
    let out = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--switch",
            &switch,
            "--until",
            UNTIL,
        ],
    );
    let actions = json_lines(&out);
    let switched: Vec<&Value> = actions
        .iter()
        .filter(|a| a["kind"] == "bundle.switched")
        .collect();
    assert_eq!(switched.len(), 1);
    assert_eq!(switched[0]["at"], SWITCH_AT);
    assert_eq!(switched[0]["version"], v2.as_str());
    let retargeted = actions
        .iter()
        .find(|a| a["kind"] == "sla.retargeted" && a["record"] == "INC2")
        .unwrap();
    assert_eq!(retargeted["target"], "p1-resolution");
    assert_eq!(retargeted["previous_target"], "p2-resolution");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_target_that_adopts_takes_running_clocks_over_at_the_switch() {
    let dir = scratch("adopt", true);
    let switch = format!("{SWITCH_AT}={{dir}}/v2");
    let out = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--switch",
            &switch,
        ],
    );
    let actions = json_lines(&out);
    // INC2's P2 clock (8h under v1) is measured against v2's P2 (12h) from its original start.
    let adopted = actions
        .iter()
        .find(|a| a["kind"] == "sla.retargeted" && a["record"] == "INC2")
        .unwrap();
    assert_eq!(adopted["at"], SWITCH_AT);
    assert_eq!(adopted["target"], "p2-resolution");
    assert_eq!(adopted["previous_target"], "p2-resolution");
    assert_eq!(adopted["due"], "2026-11-02T20:00:00Z");
    assert!(
        adopted["reason"]
            .as_str()
            .unwrap()
            .starts_with("adopted by bundle version"),
        "{adopted}"
    );
    // INC1's P1 clock is not adopted: v2 has no P1 target, and its catch-all does not adopt.
    assert!(
        !actions
            .iter()
            .any(|a| a["kind"] == "sla.retargeted" && a["record"] == "INC1")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Removes later lines that repeat an earlier one exactly (what a resume may print again).
fn without_repeats(lines: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    lines
        .into_iter()
        .filter(|l| seen.insert(l.clone()))
        .collect()
}

#[test]
fn a_resumed_journal_prints_what_an_uninterrupted_run_prints_across_versions() {
    let dir = scratch("resume", false);
    let switch = format!("{SWITCH_AT}={{dir}}/v2");
    let full = |db: Option<&str>| {
        let mut args = vec![
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--switch",
            &switch,
            "--until",
            UNTIL,
        ];
        if let Some(db) = db {
            args.extend(["--db", db]);
        }
        run_in(&dir, &args)
    };
    let reference = full(None);
    assert_eq!(reference.status.code(), Some(0));
    let reference = lines(&reference);

    // Stop before the switch, then resume with it.
    let head: String = EVENTS.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("head.jsonl"), head).unwrap();
    let first = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/head.jsonl",
            "--db",
            "{dir}/before.db",
        ],
    );
    let second = full(Some("{dir}/before.db"));
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let mut printed = lines(&first);
    printed.extend(lines(&second));
    assert_eq!(without_repeats(printed), reference);

    // Stop after the switch, then resume with the same switch: the journal ran it already.
    let head: String = EVENTS.lines().take(6).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("head.jsonl"), head).unwrap();
    let first = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/head.jsonl",
            "--db",
            "{dir}/after.db",
            "--switch",
            &switch,
        ],
    );
    let second = full(Some("{dir}/after.db"));
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let mut printed = lines(&first);
    printed.extend(lines(&second));
    assert_eq!(without_repeats(printed), reference);
    // The journal kept both versions with their files: status reads it without the events.
    let status = run_in(
        &dir,
        &[
            "status",
            "{dir}/v1",
            "--db",
            "{dir}/after.db",
            "--record",
            "INC4",
        ],
    );
    let status = json_lines(&status);
    assert_eq!(
        clock(&status, "INC4", "p2-resolution")["due"],
        "2026-11-02T22:30:00Z"
    );

    // Resuming past the switch without it, or with another bundle at that instant, is refused.
    let out = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--db",
            "{dir}/after.db",
            "--switch",
            &format!("{SWITCH_AT}={{dir}}/v1"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did not switch to the bundle"),
        "{out:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_switches_are_refused_before_anything_runs() {
    let dir = scratch("bad", false);
    std::fs::create_dir_all(dir.join("broken")).unwrap();
    std::fs::write(
        dir.join("broken/desk.yaml"),
        V1.replace("goal: 4h", "goal: 4 lightyears"),
    )
    .unwrap();
    let head: String = EVENTS.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("head.jsonl"), head).unwrap();
    let journal = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/head.jsonl",
            "--db",
            "{dir}/journal.db",
        ];
        args.extend_from_slice(extra);
        run_in(&dir, &args)
    };
    let first = journal(&[]);
    assert_eq!(first.status.code(), Some(0));
    // A switch to a bundle with errors: its diagnostics, exit 2, nothing run or journaled.
    let out = journal(&["--switch", "2026-11-03T00:00:00Z={dir}/broken"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the bundle has errors"), "{stderr}");
    assert!(stderr.contains("lightyears"), "{stderr}");
    assert!(out.stdout.is_empty());
    // Switch instants out of order.
    let out = journal(&[
        "--switch",
        "2026-11-03T00:00:00Z={dir}/v2",
        "--switch",
        "2026-11-02T12:00:00Z={dir}/v1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must increase"));
    // Not an instant.
    let out = journal(&["--switch", "tomorrow={dir}/v2"]);
    assert_eq!(out.status.code(), Some(2));
    // The journal lost nothing: the whole history resumes and prints what one run prints.
    let reference = lines(&run_in(
        &dir,
        &["run", "{dir}/v1", "--events", "{dir}/events.jsonl"],
    ));
    let rest = run_in(
        &dir,
        &[
            "run",
            "{dir}/v1",
            "--events",
            "{dir}/events.jsonl",
            "--db",
            "{dir}/journal.db",
        ],
    );
    let mut printed = lines(&first);
    printed.extend(lines(&rest));
    assert_eq!(without_repeats(printed), reference);
    let _ = std::fs::remove_dir_all(&dir);
}
