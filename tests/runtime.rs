//! The runtime against small bundles: every clock condition, pauses in and out of working
//! hours, reopen and reset cycles, in-flight priority changes under each policy, retroactive
//! starts, deadlines, escalation levels, process instances, and bad input that must not stop
//! the engine.

use std::sync::Arc;

use slaflow::program::Program;
use slaflow::runtime::input::Lines;
use slaflow::runtime::{Action, Engine};

/// A compiled bundle from one YAML text, which must validate without errors.
pub fn compile(yaml: &str) -> Arc<Program> {
    let compiled =
        Program::from_text("test.yaml", yaml).unwrap_or_else(|findings| panic!("{findings}"));
    Arc::new(compiled.program)
}

/// Runs JSON Lines events (and timers up to `until`) and returns every action.
pub fn run(compiled: &Arc<Program>, events: &str, until: Option<&str>) -> Vec<Action> {
    let mut engine = Engine::new(Arc::clone(compiled));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(until.map(|u| u.parse::<slaflow::model::Timestamp>().unwrap().0));
    engine.take_actions()
}

/// The actions of some kinds as `kind record target at` lines, for readable assertions.
fn lines(actions: &[Action], kinds: &[&str]) -> Vec<String> {
    actions
        .iter()
        .filter(|a| kinds.contains(&a.kind.as_str()))
        .map(|a| {
            let mut s = format!("{} {}", a.at, a.kind);
            for part in [
                &a.record,
                &a.target,
                &a.milestone,
                &a.topic,
                &a.step,
                &a.instance,
                &a.outcome,
            ]
            .into_iter()
            .flatten()
            {
                s.push(' ');
                s.push_str(part);
            }
            if let Some(level) = a.level {
                s.push_str(&format!(" L{level}"));
            }
            s
        })
        .collect()
}

const SLA_KINDS: &[&str] = &[
    "sla.started",
    "sla.paused",
    "sla.resumed",
    "sla.warning",
    "sla.breached",
    "sla.met",
    "sla.cancelled",
    "sla.retargeted",
];

/// An office calendar (09:00-17:00 London, Monday to Friday) and a desk agreement whose
/// targets exercise every condition.
const DESK: &str = r#"
calendars:
  office:
    timezone: Europe/London
    hours:
      weekdays: ["09:00-17:00"]
    holidays: [2026-12-25, 2026-12-28]
roles:
  desk:
    members: [desk@example.com]
  manager:
    members: [manager@example.com]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      vip-response:
        measure: response
        applies_to: {record_type: incident, fields: {vip: true}}
        start: {event: created}
        stop: {event: responded}
        cancel: {fields: {status: cancelled}}
        goal: 1h
        milestones:
          - at: 50%
      response:
        measure: response
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        cancel: {fields: {status: cancelled}}
        goal: 4h
      resolution:
        applies_to: {record_type: incident}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: on_hold}}
        stop: {fields: {status: [resolved, closed]}}
        goal: 8h
        breach:
          - notify: [manager]
            message: Resolution breached
"#;

fn ev(at: &str, record: &str, event: &str, fields: &str) -> String {
    event_of("incident", at, record, event, fields)
}

/// One event line of a record type.
pub(crate) fn event_of(
    record_type: &str,
    at: &str,
    record: &str,
    event: &str,
    fields: &str,
) -> String {
    format!(
        r#"{{"at":"{at}","record":"{record}","type":"{record_type}","event":"{event}","fields":{fields}}}"#
    )
}

#[test]
fn first_matching_target_wins_and_the_clock_starts_at_creation() {
    let c = compile(DESK);
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "VIP1",
            "created",
            r#"{"vip":true,"status":"new"}"#,
        ),
        ev(
            "2026-11-23T10:00:00Z",
            "STD1",
            "created",
            r#"{"vip":false,"status":"new"}"#,
        ),
        ev("2026-11-23T10:20:00Z", "VIP1", "responded", "{}"),
    ]
    .join("\n");
    let got = lines(&run(&c, &events, Some("2026-11-23T12:00:00Z")), SLA_KINDS);
    assert_eq!(
        got,
        vec![
            "2026-11-23T10:00:00Z sla.started VIP1 vip-response",
            "2026-11-23T10:00:00Z sla.started VIP1 resolution",
            "2026-11-23T10:00:00Z sla.started STD1 response",
            "2026-11-23T10:00:00Z sla.started STD1 resolution",
            "2026-11-23T10:20:00Z sla.met VIP1 vip-response",
        ]
    );
}

#[test]
fn a_stop_at_the_due_second_is_met_and_one_second_later_is_breached() {
    let c = compile(DESK);
    let on_time = [
        ev(
            "2026-11-23T10:00:00Z",
            "A",
            "created",
            r#"{"vip":true,"status":"new"}"#,
        ),
        ev("2026-11-23T11:00:00Z", "A", "responded", "{}"),
    ]
    .join("\n");
    let got = lines(&run(&c, &on_time, None), &["sla.met", "sla.breached"]);
    assert_eq!(got, vec!["2026-11-23T11:00:00Z sla.met A vip-response"]);
    let late = [
        ev(
            "2026-11-23T10:00:00Z",
            "A",
            "created",
            r#"{"vip":true,"status":"new"}"#,
        ),
        ev("2026-11-23T11:00:01Z", "A", "responded", "{}"),
    ]
    .join("\n");
    let got = lines(&run(&c, &late, None), &["sla.met", "sla.breached"]);
    assert_eq!(
        got,
        vec!["2026-11-23T11:00:00Z sla.breached A vip-response"]
    );
}

#[test]
fn warning_milestone_then_breach_in_business_time_across_a_weekend() {
    let c = compile(DESK);
    // Friday 16:30: 30 min left on Friday, the rest on Monday.
    let events = ev(
        "2026-11-20T16:30:00Z",
        "V",
        "created",
        r#"{"vip":true,"status":"new"}"#,
    );
    let got = lines(
        &run(&c, &events, Some("2026-11-24T00:00:00Z")),
        &["sla.warning", "sla.breached"],
    );
    assert!(
        got.contains(&"2026-11-20T17:00:00Z sla.warning V vip-response 50%".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"2026-11-23T09:30:00Z sla.breached V vip-response".to_string()),
        "{got:?}"
    );
}

#[test]
fn pause_time_is_measured_in_the_goal_calendar() {
    let c = compile(DESK);
    // Resolution goal 8 business hours from Monday 10:00. On hold from 16:00 Monday to 10:00
    // Tuesday: only 1h of that is business time (16:00-17:00 Mon, 09:00-10:00 Tue = 2h).
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "R",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T16:00:00Z",
            "R",
            "updated",
            r#"{"status":"on_hold"}"#,
        ),
        ev(
            "2026-11-24T10:00:00Z",
            "R",
            "updated",
            r#"{"status":"open"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, Some("2026-11-26T00:00:00Z"));
    let got: Vec<String> = lines(&actions, &["sla.paused", "sla.resumed", "sla.breached"])
        .into_iter()
        .filter(|l| l.ends_with("resolution"))
        .collect();
    // 6h counted before the pause, 2h left after 10:00 Tuesday: due 12:00 Tuesday.
    assert_eq!(
        got,
        vec![
            "2026-11-23T16:00:00Z sla.paused R resolution",
            "2026-11-24T10:00:00Z sla.resumed R resolution",
            "2026-11-24T12:00:00Z sla.breached R resolution",
        ]
    );
    let breach = actions
        .iter()
        .find(|a| a.kind == "sla.breached" && a.target.as_deref() == Some("resolution"))
        .unwrap();
    assert_eq!(breach.elapsed, Some(8 * 3600));
    let notify = actions.iter().find(|a| a.kind == "notify").unwrap();
    assert_eq!(notify.recipients.to_vec(), ["manager@example.com"]);
}

#[test]
fn after_until_the_engine_time_is_until_whatever_timers_were_left() {
    let c = compile(DESK);
    // The resolution clock pauses at 11:00, leaving its breach timer (10:00 Tuesday) stale;
    // the engine's time afterwards is `until`, not that stale timer's instant, so a clock
    // still paused shows its pause running up to `until`.
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "R",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "R",
            "updated",
            r#"{"status":"on_hold"}"#,
        ),
    ]
    .join("\n");
    let mut engine = Engine::new(Arc::clone(&c));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    let until: slaflow::model::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    engine.finish(Some(until.0));
    assert_eq!(engine.state.now, Some(until.0));
    let report = slaflow::explain::explain(&engine, "R").unwrap();
    let text = slaflow::explain::human(&report);
    assert!(
        text.contains("paused 2026-11-23T11:00:00Z to 2026-11-25T00:00:00Z"),
        "{text}"
    );
}

#[test]
fn pausing_outside_working_hours_costs_no_business_time() {
    let c = compile(DESK);
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "R",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T18:00:00Z",
            "R",
            "updated",
            r#"{"status":"on_hold"}"#,
        ),
        ev(
            "2026-11-23T20:00:00Z",
            "R",
            "updated",
            r#"{"status":"open"}"#,
        ),
    ]
    .join("\n");
    let got: Vec<String> = lines(
        &run(&c, &events, Some("2026-11-26T00:00:00Z")),
        &["sla.breached"],
    )
    .into_iter()
    .filter(|l| l.ends_with("resolution"))
    .collect();
    // 7h on Monday (10-17), 1h on Tuesday: due 10:00 Tuesday, the evening pause changes nothing.
    assert_eq!(got, vec!["2026-11-24T10:00:00Z sla.breached R resolution"]);
}

#[test]
fn cancel_and_a_reopened_record_starts_a_new_cycle() {
    let c = compile(DESK);
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "R",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "R",
            "resolved",
            r#"{"status":"resolved"}"#,
        ),
        ev(
            "2026-11-23T12:00:00Z",
            "R",
            "reopened",
            r#"{"status":"open"}"#,
        ),
        ev(
            "2026-11-23T13:00:00Z",
            "R",
            "updated",
            r#"{"status":"cancelled"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let got = lines(&actions, SLA_KINDS);
    assert_eq!(
        got,
        vec![
            "2026-11-23T10:00:00Z sla.started R response",
            "2026-11-23T10:00:00Z sla.started R resolution",
            "2026-11-23T11:00:00Z sla.met R resolution",
            "2026-11-23T12:00:00Z sla.started R resolution",
            "2026-11-23T13:00:00Z sla.cancelled R response",
        ]
    );
    let cycles: Vec<u32> = actions
        .iter()
        .filter(|a| a.kind == "sla.started" && a.target.as_deref() == Some("resolution"))
        .filter_map(|a| a.cycle)
        .collect();
    assert_eq!(cycles, vec![1, 2]);
}

/// Targets for in-flight priority changes: P3 (8h) and P1 (2h) in two calendars.
fn priorities(policy: &str) -> String {
    format!(
        r#"
calendars:
  office:
    timezone: Europe/London
    hours:
      weekdays: ["09:00-17:00"]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      p1:
        measure: resolution
        applies_to: {{record_type: incident, fields: {{priority: P1}}}}
        start: {{event: created}}
        stop: {{event: resolved}}
        goal: 2h
        calendar: 24x7
        on_change: {policy}
      p3:
        measure: resolution
        applies_to: {{record_type: incident}}
        start: {{event: created}}
        stop: {{event: resolved}}
        goal: 8h
"#
    )
}

fn upgrade(policy: &str) -> Vec<String> {
    let c = compile(&priorities(policy));
    // Created Monday 16:00 as P3; raised to P1 at 18:00 (after hours).
    let events = [
        ev(
            "2026-11-23T16:00:00Z",
            "I",
            "created",
            r#"{"priority":"P3"}"#,
        ),
        ev(
            "2026-11-23T18:00:00Z",
            "I",
            "updated",
            r#"{"priority":"P1"}"#,
        ),
    ]
    .join("\n");
    lines(&run(&c, &events, Some("2026-11-25T00:00:00Z")), SLA_KINDS)
}

#[test]
fn priority_change_retargets_from_the_original_start_by_default() {
    // P1 in 24x7 from the original start 16:00: due 18:00, reached at the change.
    assert_eq!(
        upgrade("retarget"),
        vec![
            "2026-11-23T16:00:00Z sla.started I p3",
            "2026-11-23T18:00:00Z sla.retargeted I p1",
            "2026-11-23T18:00:00Z sla.breached I p1",
        ]
    );
}

#[test]
fn priority_change_keeping_elapsed_carries_business_time_over() {
    // 1h counted in the office calendar (16:00-17:00), 1h left in 24x7 from 18:00: due 19:00.
    assert_eq!(
        upgrade("keep_elapsed"),
        vec![
            "2026-11-23T16:00:00Z sla.started I p3",
            "2026-11-23T18:00:00Z sla.retargeted I p1",
            "2026-11-23T19:00:00Z sla.breached I p1",
        ]
    );
}

#[test]
fn priority_change_restarting_starts_a_fresh_clock() {
    assert_eq!(
        upgrade("restart"),
        vec![
            "2026-11-23T16:00:00Z sla.started I p3",
            "2026-11-23T18:00:00Z sla.cancelled I p3",
            "2026-11-23T18:00:00Z sla.started I p1",
            "2026-11-23T20:00:00Z sla.breached I p1",
        ]
    );
}

#[test]
fn retroactive_start_and_reset_cycles() {
    let c = compile(
        r#"
agreements:
  ola:
    type: ola
    provider: {name: Storage, group: storage}
    targets:
      fix:
        applies_to: {record_type: incident}
        start: {assigned: true}
        stop: {any: [{assigned: false}, {event: resolved}]}
        reset: {event: reassigned}
        start_from: assigned_at
        goal: 2h
"#,
    );
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "I",
            "created",
            r#"{"assignment_group":"desk"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "I",
            "updated",
            r#"{"assignment_group":"storage","assigned_at":"2026-11-23T10:30:00Z"}"#,
        ),
        ev("2026-11-23T11:30:00Z", "I", "reassigned", "{}"),
        ev(
            "2026-11-23T12:00:00Z",
            "I",
            "updated",
            r#"{"assignment_group":"desk"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let started: Vec<&Action> = actions.iter().filter(|a| a.kind == "sla.started").collect();
    // Started retroactively at 10:30, so due 12:30; reset at 11:30 begins cycle 2 (due 13:30).
    assert_eq!(started[0].due.unwrap().to_string(), "2026-11-23T12:30:00Z");
    assert!(
        started[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("retroactively at 2026-11-23T10:30:00Z")
    );
    assert_eq!(started[1].cycle, Some(2));
    assert_eq!(
        lines(&actions, SLA_KINDS),
        vec![
            "2026-11-23T11:00:00Z sla.started I fix",
            "2026-11-23T11:30:00Z sla.met I fix",
            "2026-11-23T11:30:00Z sla.started I fix",
            "2026-11-23T12:00:00Z sla.met I fix",
        ]
    );
}

#[test]
fn a_deadline_from_a_record_field_is_not_moved_by_pauses() {
    let c = compile(
        r#"
agreements:
  ela:
    type: sla
    targets:
      renewal:
        applies_to: {record_type: licence}
        start: {event: created}
        pause: {fields: {status: waiting}}
        stop: {event: implemented}
        deadline: renewal_date
"#,
    );
    let events = r#"{"at":"2026-11-01T09:00:00Z","record":"L1","type":"licence","event":"created","fields":{"renewal_date":"2026-11-30T00:00:00Z"}}
{"at":"2026-11-10T09:00:00Z","record":"L1","event":"updated","fields":{"status":"waiting"}}"#;
    let got = lines(
        &run(&c, events, Some("2026-12-01T00:00:00Z")),
        &["sla.paused", "sla.breached"],
    );
    assert_eq!(
        got,
        vec![
            "2026-11-10T09:00:00Z sla.paused L1 renewal",
            "2026-11-30T00:00:00Z sla.breached L1 renewal"
        ]
    );
}

#[test]
fn escalation_climbs_its_levels_in_business_time_and_stops_when_the_clock_stops() {
    let mut yaml = DESK.to_string();
    yaml.push_str(
        r#"
escalations:
  desk-escalation:
    calendar: office
    max_levels: 3
    topics:
      breach:
        triggers:
          - on: sla_breached
            agreement: desk
            target: vip-response
        levels:
          - roles: [desk]
          - roles: [manager]
            after: 2h
          - roles: [manager]
            after: 1 working day
"#,
    );
    let c = compile(&yaml);
    // VIP response due Monday 11:00; level 2 at 13:00, level 3 at the close of Tuesday.
    let events = ev(
        "2026-11-23T10:00:00Z",
        "V",
        "created",
        r#"{"vip":true,"status":"new"}"#,
    );
    let got = lines(
        &run(&c, &events, Some("2026-11-26T00:00:00Z")),
        &["escalation.raised"],
    );
    assert_eq!(
        got,
        vec![
            "2026-11-23T11:00:00Z escalation.raised V vip-response breach L1",
            "2026-11-23T13:00:00Z escalation.raised V vip-response breach L2",
            "2026-11-24T17:00:00Z escalation.raised V vip-response breach L3",
        ]
    );
    // Responding after level 1 stops the climb.
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "V",
            "created",
            r#"{"vip":true,"status":"new"}"#,
        ),
        ev("2026-11-23T12:00:00Z", "V", "responded", "{}"),
    ]
    .join("\n");
    let got = lines(
        &run(&c, &events, Some("2026-11-26T00:00:00Z")),
        &["escalation.raised"],
    );
    assert_eq!(
        got,
        vec!["2026-11-23T11:00:00Z escalation.raised V vip-response breach L1"]
    );
}

#[test]
fn bad_lines_are_rejected_with_their_number_and_the_rest_go_on() {
    let c = compile(DESK);
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "A",
            "created",
            r#"{"status":"new"}"#,
        ),
        "{not json".to_string(),
        r#"{"at":"2026-11-23T10:05:00Z","record":"NEW","event":"created"}"#.to_string(),
        ev("2026-11-23T09:00:00Z", "A", "updated", "{}"),
        r#"{"at":"2026-11-23T10:06:00Z","record":"A","type":"change","event":"updated"}"#
            .to_string(),
        ev(
            "2026-11-23T10:10:00Z",
            "A",
            "resolved",
            r#"{"status":"resolved"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let rejected: Vec<(u64, String)> = actions
        .iter()
        .filter(|a| a.kind == "event.rejected")
        .map(|a| (a.line.unwrap(), a.error.clone().unwrap()))
        .collect();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert_eq!(rejected[0].0, 2);
    assert!(rejected[0].1.starts_with("not a valid event"));
    assert!(
        rejected[1]
            .1
            .contains("first event of record `NEW` has no `type`")
    );
    assert!(rejected[2].1.contains("older"), "{}", rejected[2].1);
    assert!(rejected[3].1.contains("type cannot change"));
    assert!(
        actions
            .iter()
            .any(|a| a.kind == "sla.met" && a.record.as_deref() == Some("A"))
    );
}

#[test]
fn a_retried_event_id_is_applied_once_even_behind_the_engines_time() {
    // A batch retried after its later events (or the timers) moved the engine on: the early
    // events are not refused as out of order, they are recognised and skipped.
    let c = compile(DESK);
    let with_id = |id: &str, line: String| format!(r#"{{"id":"{id}",{}"#, &line[1..]);
    let batch = [
        with_id(
            "e1",
            ev(
                "2026-11-23T10:00:00Z",
                "A",
                "created",
                r#"{"status":"new"}"#,
            ),
        ),
        with_id(
            "e2",
            ev(
                "2026-11-23T10:30:00Z",
                "A",
                "responded",
                r#"{"status":"open"}"#,
            ),
        ),
    ]
    .join("\n");
    let once = run(&c, &batch, Some("2026-11-24T00:00:00Z"));
    let twice = run(
        &c,
        &format!("{batch}\n{batch}"),
        Some("2026-11-24T00:00:00Z"),
    );
    assert!(once.iter().all(|a| a.kind != "event.rejected"), "{once:?}");
    assert_eq!(twice, once);
}

#[test]
fn a_refused_event_can_be_sent_again_corrected_under_its_id() {
    // The first try lacks the record's type and is refused; the same id with the type is a
    // new try, not a repeat, and is applied.
    let c = compile(DESK);
    let lines = [
        r#"{"id":"X1","at":"2026-11-23T10:00:00Z","record":"A","event":"created","fields":{"status":"new"}}"#,
        r#"{"id":"X1","at":"2026-11-23T10:00:00Z","record":"A","type":"incident","event":"created","fields":{"status":"new"}}"#,
        r#"{"id":"X1","at":"2026-11-23T10:00:00Z","record":"A","type":"incident","event":"created","fields":{"status":"new"}}"#,
    ]
    .join("\n");
    let actions = run(&c, &lines, None);
    let kinds: Vec<&str> = actions.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "event.rejected").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "sla.started").count(),
        2,
        "{kinds:?}"
    );
}

#[test]
fn a_runaway_script_fails_its_evaluation_and_the_engine_goes_on() {
    let c = compile(
        r#"
roles:
  sam:
    members: [sam@example.com]
rules:
  spin:
    record_type: licence
    when: "let n = 0; loop { n += 1; } true"
  overuse:
    record_type: licence
    when: record.used > record.entitled
    actions:
      - notify: [sam]
"#,
    );
    let events = r#"{"at":"2026-11-23T10:00:00Z","record":"L1","type":"licence","event":"created","fields":{"used":5,"entitled":10}}
{"at":"2026-11-23T11:00:00Z","record":"L1","event":"updated","fields":{"used":12}}
{"at":"2026-11-23T12:00:00Z","record":"L1","event":"updated","fields":{"used":13}}"#;
    let actions = run(&c, events, None);
    let failed: Vec<&Action> = actions
        .iter()
        .filter(|a| a.kind == "script.failed")
        .collect();
    assert!(!failed.is_empty());
    assert!(failed[0].error.as_deref().unwrap().contains("runaway"));
    assert!(
        failed[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("rule spin at test.yaml:")
    );
    // The overuse rule fires once, when the condition becomes true, not on every update.
    let fired: Vec<&Action> = actions.iter().filter(|a| a.kind == "rule.fired").collect();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule.as_deref(), Some("overuse"));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let c = compile(DESK);
    let events = (0..200)
        .map(|i| {
            let at = format!("2026-11-23T{:02}:{:02}:00Z", 9 + i / 60, i % 60);
            ev(
                &at,
                &format!("R{}", i % 17),
                if i % 5 == 0 { "responded" } else { "created" },
                r#"{"status":"new","vip":true}"#,
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let first: Vec<String> = run(&c, &events, Some("2026-11-30T00:00:00Z"))
        .iter()
        .map(Action::to_json)
        .collect();
    let second: Vec<String> = run(&compile(DESK), &events, Some("2026-11-30T00:00:00Z"))
        .iter()
        .map(Action::to_json)
        .collect();
    assert_eq!(first, second);
    assert!(first.len() > 50);
}

const PROCESS: &str = r#"
roles:
  slm:
    members: [slm@example.com]
  owner:
    members: [owner@example.com]
  vendor:
    members: [vendor@example.com]
processes:
  define:
    procedures:
      "3.0":
        triggers:
          - event: service.requested
        steps:
          "3.1":
            raci: {slm: "A, R", owner: I}
            next: negotiate
          negotiate:
            kind: parallel
            branches: ["3.2", "3.3"]
            join: "3.4"
          "3.2":
            raci: {slm: A, vendor: R}
            due: 2h
            next: "3.4"
          "3.3":
            raci: {slm: "A, R", owner: C}
            next: "3.4"
          "3.4":
            kind: decision
            raci: {slm: A}
            outcomes:
              "yes": improve
              "no": negotiate
          improve:
            kind: subprocess
            process: csi
            raci: {slm: A}
            next: done
          done:
            kind: end
  csi:
    procedures:
      csi:
        steps:
          decide:
            kind: decision
            raci: {slm: A}
            outcomes:
              quick: finish
              slow:
                to: finish
                when: record.size > 10
          finish:
            kind: end
escalations:
  late:
    topics:
      overdue:
        triggers:
          - on: step_overdue
            process: define
        levels:
          - roles: [slm]
"#;

#[test]
fn processes_fork_join_loop_call_subprocesses_and_escalate_overdue_tasks() {
    let c = compile(PROCESS);
    let step = |at: &str, step: &str, outcome: &str| {
        format!(
            r#"{{"at":"{at}","event":"step.completed","instance":"define:S1","step":"{step}"{outcome}}}"#
        )
    };
    let events = [
        r#"{"at":"2026-11-23T09:00:00Z","record":"S1","type":"service","event":"service.requested","fields":{"size":3}}"#.to_string(),
        step("2026-11-23T09:10:00Z", "3.1", ""),
        step("2026-11-23T09:20:00Z", "3.3", ""),
        step("2026-11-23T09:30:00Z", "3.4", ""),
        step("2026-11-23T11:30:00Z", "3.2", ""),
        step("2026-11-23T11:40:00Z", "3.4", r#","outcome":"no""#),
        step("2026-11-23T11:50:00Z", "3.2", ""),
        step("2026-11-23T11:55:00Z", "3.3", ""),
        step("2026-11-23T12:00:00Z", "3.4", r#","outcome":"yes""#),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let got = lines(
        &actions,
        &[
            "instance.started",
            "instance.completed",
            "task.opened",
            "task.completed",
            "task.overdue",
            "escalation.raised",
            "event.rejected",
        ],
    );
    assert_eq!(
        got,
        vec![
            "2026-11-23T09:00:00Z instance.started S1 3.1 define:S1",
            "2026-11-23T09:00:00Z task.opened S1 3.1 define:S1",
            "2026-11-23T09:10:00Z task.completed S1 3.1 define:S1",
            "2026-11-23T09:10:00Z task.opened S1 3.2 define:S1",
            "2026-11-23T09:10:00Z task.opened S1 3.3 define:S1",
            "2026-11-23T09:20:00Z task.completed S1 3.3 define:S1",
            // 3.4 is not open until both branches arrive: the event is rejected.
            "2026-11-23T09:30:00Z event.rejected",
            "2026-11-23T11:10:00Z task.overdue S1 3.2 define:S1",
            "2026-11-23T11:10:00Z escalation.raised S1 overdue 3.2 define:S1 L1",
            "2026-11-23T11:30:00Z task.completed S1 3.2 define:S1",
            "2026-11-23T11:30:00Z task.opened S1 3.4 define:S1",
            "2026-11-23T11:40:00Z task.completed S1 3.4 define:S1 no",
            "2026-11-23T11:40:00Z task.opened S1 3.2 define:S1",
            "2026-11-23T11:40:00Z task.opened S1 3.3 define:S1",
            "2026-11-23T11:50:00Z task.completed S1 3.2 define:S1",
            "2026-11-23T11:55:00Z task.completed S1 3.3 define:S1",
            "2026-11-23T11:55:00Z task.opened S1 3.4 define:S1",
            "2026-11-23T12:00:00Z task.completed S1 3.4 define:S1 yes",
            "2026-11-23T12:00:00Z instance.started S1 decide define:S1/improve",
            "2026-11-23T12:00:00Z task.completed S1 decide define:S1/improve quick",
            "2026-11-23T12:00:00Z instance.completed S1 finish define:S1/improve",
            "2026-11-23T12:00:00Z instance.completed S1 done define:S1",
        ]
    );
    // RACI: the task for 3.1 goes to the R role, I is informed.
    let opened = actions.iter().find(|a| a.kind == "task.opened").unwrap();
    assert_eq!(opened.recipients.to_vec(), ["slm@example.com"]);
    let informed = actions.iter().find(|a| a.kind == "notify").unwrap();
    assert_eq!(informed.reason.as_deref(), Some("informed of step 3.1"));
    assert_eq!(informed.recipients.to_vec(), ["owner@example.com"]);
}

#[test]
fn a_deadline_waits_for_its_field_and_follows_it_when_it_moves() {
    let c = compile(
        r#"
agreements:
  ela:
    type: sla
    targets:
      renewal:
        applies_to: {record_type: licence}
        start: {event: created}
        stop: {event: implemented}
        deadline: renewal_date
"#,
    );
    let events = r#"{"at":"2026-11-01T09:00:00Z","record":"L1","type":"licence","event":"created","fields":{}}
{"at":"2026-11-02T09:00:00Z","record":"L1","event":"updated","fields":{"renewal_date":"2026-11-20T00:00:00Z"}}
{"at":"2026-11-03T09:00:00Z","record":"L1","event":"updated","fields":{"renewal_date":"2026-11-10T00:00:00Z"}}"#;
    let actions = run(&c, events, Some("2026-12-01T00:00:00Z"));
    let got = lines(&actions, SLA_KINDS);
    assert_eq!(
        got,
        vec![
            // No renewal date yet: the clock has no due time and does not breach.
            "2026-11-01T09:00:00Z sla.started L1 renewal",
            "2026-11-02T09:00:00Z sla.retargeted L1 renewal",
            "2026-11-03T09:00:00Z sla.retargeted L1 renewal",
            "2026-11-10T00:00:00Z sla.breached L1 renewal",
        ]
    );
    let moved: Vec<String> = actions
        .iter()
        .filter(|a| a.kind == "sla.retargeted")
        .map(|a| a.due.unwrap().to_string())
        .collect();
    assert_eq!(moved, vec!["2026-11-20T00:00:00Z", "2026-11-10T00:00:00Z"]);
}

#[test]
fn a_clock_stopped_after_its_breach_says_so() {
    let c = compile(DESK);
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "V",
            "created",
            r#"{"vip":true,"status":"new"}"#,
        ),
        ev("2026-11-23T12:00:00Z", "V", "responded", "{}"),
    ]
    .join("\n");
    let got = lines(
        &run(&c, &events, None),
        &["sla.breached", "sla.stopped", "sla.met"],
    );
    assert_eq!(
        got,
        vec![
            "2026-11-23T11:00:00Z sla.breached V vip-response",
            "2026-11-23T12:00:00Z sla.stopped V vip-response",
        ]
    );
}

#[test]
fn a_clock_attaches_when_its_target_starts_to_apply_while_start_already_holds() {
    let c = compile(
        r#"
agreements:
  ola:
    type: ola
    provider: {name: Network, group: network}
    targets:
      network-fix:
        applies_to: {record_type: incident, fields: {category: network}}
        start: {assigned: true}
        stop: {assigned: false}
        goal: 2h
"#,
    );
    // Assigned first, categorised later: the target starts to apply with start already true.
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "I",
            "created",
            r#"{"assignment_group":"network"}"#,
        ),
        ev(
            "2026-11-23T10:30:00Z",
            "I",
            "updated",
            r#"{"category":"network"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "I",
            "updated",
            r#"{"notes":"checking the switch"}"#,
        ),
    ]
    .join("\n");
    let got = lines(&run(&c, &events, None), SLA_KINDS);
    assert_eq!(got, vec!["2026-11-23T10:30:00Z sla.started I network-fix"]);
}

#[test]
fn a_reset_on_the_change_that_starts_a_clock_does_not_add_a_cycle() {
    let c = compile(
        r#"
agreements:
  desk:
    type: sla
    targets:
      fix:
        applies_to: {record_type: incident}
        start: {fields: {status: open}}
        stop: {fields: {status: resolved}}
        reset: {event: reopened}
        goal: 4h
"#,
    );
    let events = [
        ev(
            "2026-11-23T10:00:00Z",
            "I",
            "created",
            r#"{"status":"open"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "I",
            "resolved",
            r#"{"status":"resolved"}"#,
        ),
        ev(
            "2026-11-23T12:00:00Z",
            "I",
            "reopened",
            r#"{"status":"open"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let cycles: Vec<(String, u32)> = actions
        .iter()
        .filter(|a| a.kind.as_str().starts_with("sla."))
        .map(|a| (a.kind.to_string(), a.cycle.unwrap()))
        .collect();
    assert_eq!(
        cycles,
        vec![
            ("sla.started".into(), 1),
            ("sla.met".into(), 1),
            ("sla.started".into(), 2)
        ]
    );
}

#[test]
fn retargeting_to_a_longer_goal_lifts_a_breach() {
    let c = compile(&priorities("retarget"));
    // Created P1 (2h in 24x7) at 09:00, breached at 11:00, downgraded to P3 (8h office) at
    // 12:00, resolved at 14:00: within the P3 goal, so the clock ends met.
    let events = [
        ev(
            "2026-11-23T09:00:00Z",
            "I",
            "created",
            r#"{"priority":"P1"}"#,
        ),
        ev(
            "2026-11-23T12:00:00Z",
            "I",
            "updated",
            r#"{"priority":"P3"}"#,
        ),
        ev("2026-11-23T14:00:00Z", "I", "resolved", "{}"),
    ]
    .join("\n");
    let got = lines(&run(&c, &events, None), SLA_KINDS);
    assert_eq!(
        got,
        vec![
            "2026-11-23T09:00:00Z sla.started I p1",
            "2026-11-23T11:00:00Z sla.breached I p1",
            "2026-11-23T12:00:00Z sla.retargeted I p3",
            "2026-11-23T14:00:00Z sla.met I p3",
        ]
    );
}

#[test]
fn an_overdue_step_trigger_can_test_the_record() {
    let c = compile(
        r#"
roles:
  slm:
    members: [slm@example.com]
processes:
  review:
    escalation: late
    procedures:
      "1.0":
        triggers:
          - event: review.requested
        steps:
          "1.1":
            raci: {slm: "A, R"}
            due: 1h
            next: done
          done:
            kind: end
escalations:
  late:
    topics:
      important:
        triggers:
          - on: step_overdue
            when: record.important == true
        levels:
          - roles: [slm]
"#,
    );
    let events = r#"{"at":"2026-11-23T09:00:00Z","record":"A","type":"service","event":"review.requested","fields":{"important":true}}
{"at":"2026-11-23T09:00:00Z","record":"B","type":"service","event":"review.requested","fields":{"important":false}}"#;
    let raised: Vec<String> = run(&c, events, Some("2026-11-23T12:00:00Z"))
        .iter()
        .filter(|a| a.kind == "escalation.raised")
        .map(|a| a.record.as_deref().unwrap_or("").to_string())
        .collect();
    assert_eq!(raised, vec!["A"]);
}

/// Records that have been quiet for the retention are released, their clocks with them, and
/// their slots reused: the state grows with what is open, not with everything ever seen. A
/// record still running (here one never responded to) is kept whatever its age, and an event
/// for a released record makes it a new record.
#[test]
fn quiet_records_are_released_after_the_retention_and_their_slots_reused() {
    let c = compile(DESK);
    let mut engine = Engine::new(Arc::clone(&c));
    engine.retain(Some(2 * 86_400));
    let day = 86_400i64;
    let base: i64 = 1_793_606_400; // Monday 2026-11-02 08:00Z
    let stamp = |t: i64| slaflow::model::Timestamp(t).to_string();
    let mut events = vec![format!(
        r#"{{"at":"{}","record":"KEEP","type":"incident","event":"created","fields":{{"status":"new"}}}}"#,
        stamp(base)
    )];
    for d in 0..20 {
        for r in 0..100 {
            let at = base + d * day + 60 * r;
            let id = format!("D{d}-{r}");
            events.push(format!(
                r#"{{"at":"{}","record":"{id}","type":"incident","event":"created","fields":{{"status":"new"}}}}"#,
                stamp(at)
            ));
            events.push(format!(
                r#"{{"at":"{}","record":"{id}","event":"responded","fields":{{"status":"resolved"}}}}"#,
                stamp(at + 30)
            ));
        }
    }
    for line in Lines::new(events.join("\n").as_bytes()) {
        engine.apply_line(&line.unwrap());
        assert!(
            !engine
                .drain_actions()
                .any(|a| a.kind == slaflow::runtime::Kind::EventRejected)
        );
    }
    let live = engine.state.records.iter().filter(|r| r.is_live()).count();
    // Two days of retention: about three days of records are kept, and KEEP.
    assert!(live <= 301, "{live} live records");
    assert!(engine.state.released >= 1_600, "{}", engine.state.released);
    assert!(
        engine.state.records.len() <= 400,
        "slots are reused: {}",
        engine.state.records.len()
    );
    assert!(
        engine.state.clocks.all.len() <= 1_300,
        "{}",
        engine.state.clocks.all.len()
    );
    assert!(engine.record("KEEP").is_some(), "a running record is kept");
    assert!(
        engine.record("D0-1").is_none(),
        "an old quiet record is released"
    );
    // A released record that comes back is a new record: it needs its type again.
    let late = format!(
        r#"{{"at":"{}","record":"D0-1","event":"reopened","fields":{{"status":"open"}}}}"#,
        stamp(base + 21 * day)
    );
    engine.apply_line(&Lines::new(late.as_bytes()).next().unwrap().unwrap());
    let actions: Vec<Action> = engine.drain_actions().collect();
    assert!(
        actions
            .iter()
            .any(|a| a.kind == slaflow::runtime::Kind::EventRejected
                && a.error.as_deref().unwrap_or("").contains("has no `type`"))
    );
}
