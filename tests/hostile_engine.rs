//! Hostile input the engine itself must survive (issue 11's engine items): processes nested
//! without end, instants far in the future, scripts that fail on every evaluation, goals past
//! the calendar's horizon, and state that would grow with every record ever seen.

use std::sync::Arc;

use slaflow::program::Program;
use slaflow::runtime::input::Lines;
use slaflow::runtime::{Action, Engine, Kind};

use crate::common::slaflow;

fn compile(yaml: &str) -> Arc<Program> {
    Arc::new(
        Program::from_text("test.yaml", yaml)
            .unwrap_or_else(|findings| panic!("{findings}"))
            .program,
    )
}

fn run(program: &Arc<Program>, events: &str, until: Option<i64>) -> Vec<Action> {
    let mut engine = Engine::new(Arc::clone(program));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(until);
    engine.take_actions()
}

/// Subprocess calls nested deeper than the engine allows stop with a clear action, however
/// long the chain of processes (a cycle is a validation error, E0410).
#[test]
fn subprocess_calls_nested_without_end_stop_at_the_call_depth() {
    let mut yaml = String::from("roles:\n  owner: {}\nprocesses:\n");
    for i in 0..40 {
        let step = if i < 39 {
            format!(
                "kind: subprocess\n            process: p{}\n            next: done\n            raci: {{owner: A}}",
                i + 1
            )
        } else {
            "raci: {owner: A}\n            next: done".to_string()
        };
        let trigger = if i == 0 {
            "\n    triggers:\n      - event: opened"
        } else {
            ""
        };
        yaml.push_str(&format!(
            "  p{i}:{trigger}\n    procedures:\n      \"1\":\n        steps:\n          \"1.1\":\n            {step}\n          done:\n            kind: end\n"
        ));
    }
    let program = compile(&yaml);
    let actions = run(
        &program,
        r#"{"at":"2026-11-02T09:00:00Z","event":"opened"}"#,
        None,
    );
    let failed: Vec<&Action> = actions
        .iter()
        .filter(|a| a.kind == Kind::ScriptFailed)
        .collect();
    assert_eq!(failed.len(), 1, "{actions:?}");
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("nested more than 32 deep")
    );
    let started = actions
        .iter()
        .filter(|a| a.kind == Kind::InstanceStarted)
        .count();
    assert_eq!(started, 33);
}

const DAILY: &str = r#"
roles:
  owner: {}
processes:
  daily-check:
    triggers:
      - schedule: daily
    procedures:
      "1":
        steps:
          "1.1":
            raci: {owner: A}
            next: done
          done:
            kind: end
"#;

/// An event in the year 9999 (a typo) is rejected instead of running a daily schedule for
/// eight thousand years; so are `--until` and `--switch` instants out of range.
#[test]
fn instants_beyond_the_years_slaflow_computes_are_refused() {
    let program = compile(DAILY);
    let actions = run(
        &program,
        r#"{"at":"2026-11-02T09:00:00Z","record":"A","type":"ticket","event":"created"}
{"at":"9999-11-02T09:00:00Z","record":"A","event":"updated"}"#,
        None,
    );
    let rejected = actions
        .iter()
        .find(|a| a.kind == Kind::EventRejected)
        .unwrap();
    assert!(
        rejected
            .error
            .as_deref()
            .unwrap()
            .contains("lies outside the years slaflow computes with (1970 to 2200)"),
        "{rejected:?}"
    );
    assert!(actions.len() < 10, "{} actions", actions.len());
    let dir = std::env::temp_dir().join(format!("slaflow-instants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("daily.yaml"), DAILY).unwrap();
    std::fs::write(
        dir.join("events.jsonl"),
        r#"{"at":"2026-11-02T09:00:00Z","record":"A","type":"ticket","event":"created"}"#,
    )
    .unwrap();
    let bundle = dir.join("daily.yaml");
    let events = dir.join("events.jsonl");
    let (bundle, events) = (bundle.to_str().unwrap(), events.to_str().unwrap());
    for extra in [
        ["--until", "9999-01-01T00:00:00Z"],
        ["--switch", "9999-01-01T00:00:00Z=x"],
    ] {
        let mut args = vec!["run", bundle, "--events", events];
        args.extend(extra);
        let out = slaflow(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("outside the years slaflow computes"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A script that fails on every evaluation is reported a hundred times, then no longer
/// evaluated, with one `script.disabled` action; the terminal shows five and a count.
#[test]
fn a_script_that_always_fails_is_disabled_after_a_hundred_failures() {
    let yaml = r#"
roles:
  owner: {}
rules:
  broken:
    when: record.count + 1 > 2
    actions:
      - notify: [owner]
"#;
    let events: String = (0..1_000)
        .map(|i| {
            format!(
                r#"{{"at":"2026-11-02T09:00:00Z","record":"R{i}","type":"ticket","event":"created"}}"#
            ) + "\n"
        })
        .collect();
    let actions = run(&compile(yaml), &events, None);
    let failed = actions
        .iter()
        .filter(|a| a.kind == Kind::ScriptFailed)
        .count();
    assert_eq!(failed, 100);
    let disabled: Vec<&Action> = actions
        .iter()
        .filter(|a| a.kind == Kind::ScriptDisabled)
        .collect();
    assert_eq!(disabled.len(), 1);
    assert!(
        disabled[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("rule broken at test.yaml:6:11")
    );
    // On the terminal: five warnings, a note, the disabling and the count.
    let dir = std::env::temp_dir().join(format!("slaflow-script-fails-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rules.yaml"), yaml).unwrap();
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();
    let out = slaflow(&[
        "run",
        dir.join("rules.yaml").to_str().unwrap(),
        "--events",
        dir.join("events.jsonl").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("failed: ").count(), 5, "{stderr}");
    assert!(stderr.contains("failed 100 times: it is not evaluated again in this run"));
    assert!(stderr.contains("failed 100 times in all"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A goal that ends beyond the calendar's horizon never breaches (10,000 working days of a
/// calendar open one hour a week is about two centuries).
#[test]
fn a_goal_past_the_calendars_horizon_never_breaches() {
    let yaml = r#"
calendars:
  sparse:
    timezone: Europe/London
    hours:
      mon: ["09:00-10:00"]
agreements:
  long:
    type: sla
    calendar: sparse
    targets:
      forever:
        applies_to: {record_type: ticket}
        start: {event: created}
        stop: {event: resolved}
        goal: 10000 working days
"#;
    let program = compile(yaml);
    let actions = run(
        &program,
        r#"{"at":"2026-11-02T09:00:00Z","record":"A","type":"ticket","event":"created"}"#,
        Some(slaflow::calendar::HORIZON_END - 1),
    );
    assert!(
        !actions.iter().any(|a| a.kind == Kind::SlaBreached),
        "{actions:?}"
    );
    let started = actions.iter().find(|a| a.kind == Kind::SlaStarted).unwrap();
    assert_eq!(started.due, None);
}
