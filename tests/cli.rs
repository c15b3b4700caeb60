//! The commands' contracts: `calendar` answers in order and survives bad lines, `test` prints
//! its summary, exits 1 on a failure and writes JUnit XML, `run` keeps going past bad lines.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{root, slaflow, stdout};

fn with_stdin(args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn calendar_answers_each_query_in_order_and_survives_bad_lines() {
    let queries = [
        r#"{"op":"add","start":"2026-11-20T16:45:00Z","minutes":240}"#,
        r#"{"op":"between","start":"2026-11-20T16:45:00Z","end":"2026-11-23T09:15:00Z"}"#,
        "not json",
        r#"{"op":"add","start":"2026-12-24T16:00:00Z","minutes":120}"#,
        r#"{"op":"add","start":"2026-11-02T00:00:00Z","working_days":5}"#,
        r#"{"op":"add","start":"2026-11-20T16:45:00Z"}"#,
        r#"{"op":"is_open","at":"2026-11-21T12:00:00Z"}"#,
    ]
    .join("\n");
    let out = with_stdin(
        &[
            "calendar",
            "rules",
            "--calendar",
            "uk-office",
            "--queries",
            "-",
        ],
        &queries,
    );
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        vec![
            // Friday 16:45-17:30 is 45 minutes; Monday from 09:00 the other 195.
            r#"{"due":"2026-11-23T12:15:00Z"}"#,
            r#"{"minutes":60,"seconds":3600}"#,
            r#"{"error":"line 3: not valid JSON"}"#,
            // Christmas Day (Friday) and the Boxing Day substitute (Monday 28th) are closed.
            r#"{"due":"2026-12-29T09:30:00Z"}"#,
            // "Within five working days from the start of the month": the close of Friday the 6th.
            r#"{"due":"2026-11-06T17:30:00Z"}"#,
            r#"{"error":"line 6: `add` needs exactly one of `minutes`, `seconds` and `working_days`"}"#,
            r#"{"open":false}"#,
        ]
    );
}

#[test]
fn calendar_of_a_holiday_list_is_refused_with_a_reason() {
    let out = with_stdin(&["calendar", "rules", "--calendar", "uk-bank-holidays"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holiday-only calendars"));
}

#[test]
fn test_command_reports_failures_and_writes_junit() {
    let dir = std::env::temp_dir().join(format!("slaflow-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bundle.yaml"), "name: test bundle\n").unwrap();
    std::fs::write(
        dir.join("rules.yaml"),
        r#"
agreements:
  desk:
    type: sla
    targets:
      response:
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        goal: 1h
tests:
  breaches-after-an-hour:
    events:
      - {at: "2026-11-23T09:00:00Z", record: I1, type: incident, event: created}
    until: "2026-11-23T12:00:00Z"
    expect:
      - {kind: sla.breached, record: I1, at: "2026-11-23T10:00:00Z"}
  wrongly-expects-met:
    events:
      - {at: "2026-11-23T09:00:00Z", record: I2, type: incident, event: created}
    until: "2026-11-23T12:00:00Z"
    expect:
      - {kind: sla.met, record: I2}
"#,
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let out = slaflow(&[
        "test",
        dir.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.trim_end().ends_with("1 passed, 1 failed"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(
        xml.contains(r#"<testsuites tests="2" failures="1">"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"name="wrongly-expects-met""#) && xml.contains("<failure"),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_rejects_bad_lines_on_stdout_and_stderr_and_goes_on() {
    let events = [
        r#"{"at":"2026-10-06T13:00:00Z","record":"X1","type":"problem-ticket","event":"created","fields":{"vip":false}}"#,
        "{this is not json",
        r#"{"at":"2026-10-06T13:05:00Z","record":"X2","event":"created"}"#,
        r#"{"at":"2026-10-06T13:10:00Z","record":"X1","event":"responded"}"#,
    ]
    .join("\n");
    let out = with_stdin(&["run", "examples/metlife-desk", "--events", "-"], &events);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert_eq!(
        text.matches("\"kind\":\"event.rejected\"").count(),
        2,
        "{text}"
    );
    assert!(text.contains("\"line\":2") && text.contains("\"line\":3"));
    assert!(
        text.contains("\"kind\":\"sla.met\",\"record\":\"X1\""),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2: not a valid event")
            && stderr.contains("line 3: first event of record `X2` has no `type`"),
        "{stderr}"
    );
}
