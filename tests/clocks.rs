//! Clock semantics a contract pays on: the due instant of a clock that breached and then
//! paused, the due as the instant business time reached the goal (a property over random
//! histories), milestone rounding, and the vocabulary of issue 13 (reopen windows, final
//! breaches, fixed targets, warnings at a re-target, the order within one change, clocks
//! waiting for their deadline).

use std::sync::Arc;

use slaflow::program::Program;
use slaflow::runtime::Engine;
use slaflow::runtime::input::Lines;

use super::runtime::{compile, run};

fn ev(at: &str, record: &str, event: &str, fields: &str) -> String {
    super::runtime::event_of("incident", at, record, event, fields)
}

/// A P2 resolution goal of 8 business hours, weekdays 08:00-18:00 UTC, with a pause.
const P2: &str = r#"
calendars:
  office:
    timezone: UTC
    hours:
      weekdays: ["08:00-18:00"]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      p2-resolution:
        applies_to: {record_type: incident}
        start: {event: created}
        pause: {fields: {status: pending}}
        stop: {event: resolved}
        goal: 8h
"#;

#[test]
fn pauses_after_the_due_instant_do_not_move_it() {
    // Created 08:00 Monday, 8 business hours: due and breached 16:00 Monday. Paused 09:00-11:00
    // Tuesday and resolved 12:00: the due stays 16:00 Monday in every action after it.
    let c = compile(P2);
    let events = [
        ev("2026-11-23T08:00:00Z", "I", "created", "{}"),
        ev(
            "2026-11-24T09:00:00Z",
            "I",
            "updated",
            r#"{"status":"pending"}"#,
        ),
        ev(
            "2026-11-24T11:00:00Z",
            "I",
            "updated",
            r#"{"status":"in_progress"}"#,
        ),
        ev("2026-11-24T12:00:00Z", "I", "resolved", "{}"),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    assert_eq!(
        clock_lines(&actions),
        vec![
            "2026-11-23T08:00:00Z sla.started I p2-resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-23T16:00:00Z sla.breached I p2-resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-24T09:00:00Z sla.paused I p2-resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-24T11:00:00Z sla.resumed I p2-resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-24T12:00:00Z sla.stopped I p2-resolution 1 due 2026-11-23T16:00:00Z",
        ]
    );
    // And explain says the same.
    let mut engine = Engine::new(Arc::clone(&c));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(None);
    let explained = slaflow::explain::explain(&engine, "I").unwrap();
    assert_eq!(
        explained.clocks[0].due.map(|d| d.to_string()).as_deref(),
        Some("2026-11-23T16:00:00Z")
    );
}

/// Priorities whose targets re-measure from the original start (`retarget`), with pauses.
const PRIORITIES: &str = r#"
calendars:
  office:
    timezone: Europe/London
    hours:
      weekdays: ["09:00-17:00"]
    holidays: [2026-12-25, 2026-12-28]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      p1:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P1}}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: pending}}
        stop: {fields: {status: resolved}}
        goal: 2h
        on_change: retarget
        milestones: [{at: 75%}]
      p2:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P2}}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: pending}}
        stop: {fields: {status: resolved}}
        goal: 7h13m
        on_change: keep_elapsed
        milestones: [{at: 66.7%}]
      p3:
        measure: resolution
        applies_to: {record_type: incident}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: pending}}
        stop: {fields: {status: resolved}}
        goal: 3 working days
        on_change: retarget
"#;

/// A small deterministic generator (xorshift), so the histories are the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random history of one incident under [`PRIORITIES`]: created, then up to eleven changes
/// of status or priority, days apart.
fn random_history(random: &mut Random, record: &str) -> String {
    let mut at = 1_795_000_000 + random.below(86_400 * 14) as i64;
    let mut lines = Vec::new();
    let priority = ["P1", "P2", "P3"][random.below(3) as usize];
    lines.push(format!(
        r#"{{"at":"{}","record":"{record}","type":"incident","event":"created","fields":{{"status":"new","priority":"{priority}"}}}}"#,
        slaflow::model::Timestamp(at)
    ));
    for _ in 0..random.below(12) {
        at += random.below(3 * 86_400) as i64 + 1;
        let fields = match random.below(4) {
            0 => r#"{"status":"pending"}"#.to_string(),
            1 => r#"{"status":"open"}"#.to_string(),
            2 => format!(
                r#"{{"priority":"{}"}}"#,
                ["P1", "P2", "P3"][random.below(3) as usize]
            ),
            _ => r#"{"status":"resolved"}"#.to_string(),
        };
        lines.push(format!(
            r#"{{"at":"{}","record":"{record}","type":"incident","event":"updated","fields":{fields}}}"#,
            slaflow::model::Timestamp(at)
        ));
    }
    lines.join("\n")
}

#[test]
fn the_due_is_the_first_instant_business_time_reaches_the_goal_in_every_history() {
    // For every clock after every event: business(due) == goal, and one second before the due
    // the goal was not yet reached (so the due is the instant it was reached, whatever pauses
    // and changes of target came after it).
    let program = compile(PRIORITIES);
    let mut random = Random(0x5eed_c10c);
    let mut checked = 0;
    for history in 0..200 {
        let mut engine = Engine::new(Arc::clone(&program));
        let text = random_history(&mut random, &format!("I{history}"));
        for line in Lines::new(text.as_bytes()) {
            engine.apply_line(&line.unwrap());
            for clock in engine.state.clocks.all.iter() {
                let target = engine.clock_target(clock).unwrap();
                let calendar = &target.calendar;
                // A due before the measuring start is one a kept elapsed time had already
                // passed under the previous target (tested on its own below).
                let Some(due) = clock.due(calendar).filter(|d| *d >= clock.measure_from()) else {
                    continue;
                };
                assert_eq!(
                    clock.business(calendar, due),
                    clock.goal(),
                    "history {history}: {text}"
                );
                assert!(
                    clock.business(calendar, due - 1) < clock.goal(),
                    "history {history}: {text}"
                );
                checked += 1;
            }
        }
        let _ = engine.take_actions();
    }
    assert!(checked > 500, "only {checked} clocks checked");
}

#[test]
fn every_clock_action_tells_the_business_time_elapsed_at_its_instant() {
    // The engine reads an action's elapsed time from the clock's timeline when the clock was
    // just logged at that instant; it must equal the time counted afresh from the clock's
    // pauses, for every action of every kind in random histories.
    let program = compile(PRIORITIES);
    let mut random = Random(0xe1a9_5ed0);
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for history in 0..200 {
        let mut engine = Engine::new(Arc::clone(&program));
        let text = random_history(&mut random, &format!("I{history}"));
        for line in Lines::new(text.as_bytes()) {
            engine.apply_line(&line.unwrap());
            for action in engine.take_actions() {
                let Some(elapsed) = action.elapsed else {
                    continue;
                };
                // The clock the action is about: same target and cycle (one record per engine).
                let clock = engine.state.clocks.all.iter().find(|c| {
                    c.cycle == action.cycle.unwrap()
                        && engine.clock_target(c).map(|t| &*t.id) == action.target.as_deref()
                });
                let Some(clock) = clock else { continue };
                let calendar = &engine.clock_target(clock).unwrap().calendar;
                assert_eq!(
                    elapsed,
                    clock.business(calendar, action.at.0),
                    "history {history}, {action:?}: {text}"
                );
                *checked.entry(action.kind.to_string()).or_default() += 1;
            }
        }
    }
    for kind in [
        "sla.paused",
        "sla.resumed",
        "sla.met",
        "sla.stopped",
        "sla.warning",
    ] {
        assert!(
            checked.get(kind).is_some_and(|n| *n > 10),
            "too few {kind} checked: {checked:?}"
        );
    }
}

#[test]
fn a_kept_elapsed_time_past_the_new_goal_is_due_when_it_reached_it() {
    // P1 (2 h) from 09:00 Monday; at 13:00 Tuesday it becomes P2 (7h13m, keep_elapsed) with
    // 12 business hours spent: the new goal was passed at 16:13 Monday, so that is the due,
    // and the breach of P1 stands.
    let c = compile(PRIORITIES);
    let events = [
        ev(
            "2026-11-23T09:00:00Z",
            "I",
            "created",
            r#"{"status":"new","priority":"P1"}"#,
        ),
        ev(
            "2026-11-24T13:00:00Z",
            "I",
            "updated",
            r#"{"priority":"P2"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, Some("2026-11-24T14:00:00Z"));
    assert_eq!(
        clock_lines(&actions),
        vec![
            "2026-11-23T09:00:00Z sla.started I p1 1 due 2026-11-23T11:00:00Z",
            "2026-11-23T10:30:00Z sla.warning I p1 1 due 2026-11-23T11:00:00Z",
            "2026-11-23T11:00:00Z sla.breached I p1 1 due 2026-11-23T11:00:00Z",
            // The breach stands: the new goal was missed too, at 16:13 Monday.
            "2026-11-24T13:00:00Z sla.retargeted I p2 1 due 2026-11-23T16:13:00Z",
        ]
    );
}

#[test]
fn a_share_milestone_falls_on_the_second_it_is_reached_rounded_up() {
    // 66.7% of 7h13m (25,980 s) is 17,328.66 s: the warning falls at 17,329 s, 4h48m49s into
    // the office day (09:00 + 4:48:49 = 13:48:49 London, GMT in November).
    let c = compile(PRIORITIES);
    let events = ev(
        "2026-11-23T09:00:00Z",
        "I",
        "created",
        r#"{"status":"new","priority":"P2"}"#,
    );
    let actions = run(&c, &events, Some("2026-11-24T09:00:00Z"));
    let warning = actions
        .iter()
        .find(|a| a.kind.as_str() == "sla.warning")
        .unwrap();
    assert_eq!(warning.at.to_string(), "2026-11-23T13:48:49Z");
    assert_eq!(warning.elapsed, Some(17_329));
}

#[test]
fn percentages_read_as_the_exact_ratio_written() {
    use slaflow::model::Percent;
    for (text, ratio) in [
        ("75%", (75, 100)),
        ("66.7%", (667, 1000)),
        ("99.95%", (9995, 10000)),
        ("0.1%", (1, 1000)),
        ("150%", (150, 100)),
    ] {
        let percent: Percent = text.parse().unwrap();
        assert_eq!(percent.ratio(), ratio, "{text}");
    }
}

#[test]
fn a_bundle_compiles_for_these_tests() {
    // The fixtures above validate without findings.
    for yaml in [P2, PRIORITIES] {
        let compiled = Program::from_text("test.yaml", yaml).unwrap();
        assert!(compiled.warnings.is_empty(), "{:?}", compiled.warnings);
    }
}

/// `at kind record target cycle due` lines of the clock actions.
fn clock_lines(actions: &[slaflow::runtime::Action]) -> Vec<String> {
    actions
        .iter()
        .filter(|a| a.kind.as_str().starts_with("sla."))
        .map(|a| {
            format!(
                "{} {} {} {} {} due {}",
                a.at,
                a.kind,
                a.record.as_deref().unwrap_or(""),
                a.target.as_deref().unwrap_or(""),
                a.cycle.unwrap_or(0),
                a.due.map_or("-".to_string(), |d| d.to_string())
            )
        })
        .collect()
}

fn change(at: &str, record: &str, event: &str, fields: &str) -> String {
    super::runtime::event_of("change", at, record, event, fields)
}

/// A resolution goal of 8 business hours that a reopening within 2 working days continues.
const REOPEN: &str = r#"
calendars:
  office:
    timezone: UTC
    hours:
      weekdays: ["08:00-18:00"]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      resolution:
        applies_to: {record_type: incident}
        start: {fields: {status: [new, open]}}
        stop: {fields: {status: resolved}}
        goal: 8h
        reopen:
          within: 2 working days
"#;

#[test]
fn a_reopening_within_the_window_continues_the_clock_and_a_later_one_starts_a_cycle() {
    let c = compile(REOPEN);
    let events = [
        ev(
            "2026-11-23T08:00:00Z",
            "I",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T10:00:00Z",
            "I",
            "updated",
            r#"{"status":"resolved"}"#,
        ),
        // 9 business hours later (Tuesday 09:00): within 2 working days, so the clock goes
        // on with its 2 h spent; 6 h are left, due 15:00 Tuesday.
        ev(
            "2026-11-24T09:00:00Z",
            "I",
            "updated",
            r#"{"status":"open"}"#,
        ),
        ev(
            "2026-11-24T10:00:00Z",
            "I",
            "updated",
            r#"{"status":"resolved"}"#,
        ),
        // The window after Tuesday's stop closes at the end of Thursday: Monday is too late.
        ev(
            "2026-11-30T09:00:00Z",
            "I",
            "updated",
            r#"{"status":"open"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    assert_eq!(
        clock_lines(&actions),
        vec![
            "2026-11-23T08:00:00Z sla.started I resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-23T10:00:00Z sla.met I resolution 1 due 2026-11-23T16:00:00Z",
            "2026-11-24T09:00:00Z sla.reopened I resolution 1 due 2026-11-24T15:00:00Z",
            "2026-11-24T10:00:00Z sla.met I resolution 1 due 2026-11-24T15:00:00Z",
            "2026-11-30T09:00:00Z sla.started I resolution 2 due 2026-11-30T17:00:00Z",
        ]
    );
    let reopened = actions
        .iter()
        .find(|a| a.kind.as_str() == "sla.reopened")
        .unwrap();
    assert_eq!(reopened.elapsed, Some(7_200));
    let met = actions
        .iter()
        .rfind(|a| a.kind.as_str() == "sla.met")
        .unwrap();
    assert_eq!(
        met.elapsed,
        Some(10_800),
        "2 h + 1 h; the 9 h between not counted"
    );

    // explain shows the gap as a pause.
    let mut engine = Engine::new(Arc::clone(&c));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(None);
    let text = slaflow::explain::human(&slaflow::explain::explain(&engine, "I").unwrap());
    assert!(
        text.contains("reopened: continues, the 9h since it stopped not counted"),
        "{text}"
    );
    assert!(
        text.contains(
            "paused 2026-11-23T10:00:00Z to 2026-11-24T09:00:00Z: 9h business time not counted"
        ),
        "{text}"
    );
}

#[test]
fn a_record_kept_for_its_reopen_window_outlives_a_short_retention() {
    // Released after one hour of quiet, except that the window still runs: the reopening
    // the next morning continues the clock.
    let c = compile(REOPEN);
    let events = [
        ev(
            "2026-11-23T08:00:00Z",
            "I",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-23T10:00:00Z",
            "I",
            "updated",
            r#"{"status":"resolved"}"#,
        ),
        ev(
            "2026-11-24T09:00:00Z",
            "I",
            "updated",
            r#"{"status":"open"}"#,
        ),
    ]
    .join("\n");
    let mut engine = Engine::new(Arc::clone(&c));
    engine.retain(Some(3_600));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(None);
    let actions = engine.take_actions();
    assert!(
        actions.iter().any(|a| a.kind.as_str() == "sla.reopened"),
        "{:#?}",
        clock_lines(&actions)
    );
}

/// Targets for the order, policy and warning cases.
const CHANGES: &str = r#"
calendars:
  office:
    timezone: UTC
    hours:
      weekdays: ["08:00-18:00"]
agreements:
  desk:
    type: sla
    calendar: office
    targets:
      p1:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P1}}
        start: {event: created}
        stop: {event: resolved}
        cancel: {fields: {state: withdrawn}}
        goal: 2h
      p2:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P2}}
        start: {event: created}
        stop: {event: resolved}
        goal: 5h
        milestones: [{at: 50%}]
      p3:
        measure: resolution
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: resolved}
        goal: 8h
        milestones: [{at: 75%}]
      response:
        applies_to: {record_type: incident, fields: {priority: P1}}
        start: {event: created}
        stop: {event: resolved}
        goal: 1h
        on_change: fixed
      planned:
        applies_to: {record_type: change}
        start: {event: created}
        stop: {event: closed}
        deadline: planned_end
"#;

/// A P1 breached at 10:00 and lowered to P3 (8 h) at 11:00.
fn lowered() -> String {
    [
        ev(
            "2026-11-23T08:00:00Z",
            "A",
            "created",
            r#"{"priority":"P1"}"#,
        ),
        ev(
            "2026-11-23T11:00:00Z",
            "A",
            "updated",
            r#"{"priority":"P3"}"#,
        ),
    ]
    .join("\n")
}

#[test]
fn a_longer_goal_lifts_a_breach_unless_the_breach_is_final() {
    // Not final (the default): at 11:00 the clock has 3 h of 8; the breach is lifted, the
    // 75% warning comes at 14:00 and the breach again at 16:00.
    let c = compile(CHANGES);
    let lines: Vec<String> = clock_lines(&run(&c, &lowered(), Some("2026-11-24T00:00:00Z")))
        .into_iter()
        .filter(|l| !l.contains(" response "))
        .collect();
    assert_eq!(
        lines,
        vec![
            "2026-11-23T08:00:00Z sla.started A p1 1 due 2026-11-23T10:00:00Z",
            "2026-11-23T10:00:00Z sla.breached A p1 1 due 2026-11-23T10:00:00Z",
            "2026-11-23T11:00:00Z sla.retargeted A p3 1 due 2026-11-23T16:00:00Z",
            "2026-11-23T14:00:00Z sla.warning A p3 1 due 2026-11-23T16:00:00Z",
            "2026-11-23T16:00:00Z sla.breached A p3 1 due 2026-11-23T16:00:00Z",
        ]
    );
    // Final (here for the whole agreement): the breach stands, so neither the warning nor a
    // second breach comes.
    let c = compile(&CHANGES.replace("    type: sla\n", "    type: sla\n    final_breach: true\n"));
    let actions = run(&c, &lowered(), Some("2026-11-24T00:00:00Z"));
    let lines: Vec<String> = clock_lines(&actions)
        .into_iter()
        .filter(|l| !l.contains(" response "))
        .collect();
    assert_eq!(
        lines,
        vec![
            "2026-11-23T08:00:00Z sla.started A p1 1 due 2026-11-23T10:00:00Z",
            "2026-11-23T10:00:00Z sla.breached A p1 1 due 2026-11-23T10:00:00Z",
            "2026-11-23T11:00:00Z sla.retargeted A p3 1 due 2026-11-23T16:00:00Z",
        ]
    );
    let mut engine = Engine::new(Arc::clone(&c));
    for line in Lines::new(lowered().as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(None);
    let (records, _) = slaflow::runtime::status::status(&engine, None);
    let p3 = records[0].clocks.iter().find(|c| c.target == "p3").unwrap();
    assert_eq!(
        p3.breached_at.map(|t| t.to_string()).as_deref(),
        Some("2026-11-23T10:00:00Z"),
        "the final breach stands in status"
    );
}

#[test]
fn a_fixed_target_keeps_the_clock_it_started_whatever_changes() {
    // `response` (P1, on_change: fixed) keeps running after the change to P3: no re-target,
    // no cancel, and its breach at 09:00 is the P1 goal's.
    let c = compile(CHANGES);
    let lines: Vec<String> = clock_lines(&run(&c, &lowered(), Some("2026-11-24T00:00:00Z")))
        .into_iter()
        .filter(|l| l.contains(" response "))
        .collect();
    assert_eq!(
        lines,
        vec![
            "2026-11-23T08:00:00Z sla.started A response 1 due 2026-11-23T09:00:00Z",
            "2026-11-23T09:00:00Z sla.breached A response 1 due 2026-11-23T09:00:00Z",
        ]
    );
}

#[test]
fn a_warning_passed_by_a_retarget_is_raised_at_the_change() {
    // P3 from 12:00; at 15:00 (3 h spent) it becomes P2, 5 h with a warning at 50% (2.5 h):
    // the warning is raised at the change, the breach follows at 17:00.
    let c = compile(CHANGES);
    let events = [
        ev(
            "2026-11-23T12:00:00Z",
            "B",
            "created",
            r#"{"priority":"P3"}"#,
        ),
        ev(
            "2026-11-23T15:00:00Z",
            "B",
            "updated",
            r#"{"priority":"P2"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, Some("2026-11-24T00:00:00Z"));
    assert_eq!(
        clock_lines(&actions),
        vec![
            "2026-11-23T12:00:00Z sla.started B p3 1 due 2026-11-24T10:00:00Z",
            "2026-11-23T15:00:00Z sla.retargeted B p2 1 due 2026-11-23T17:00:00Z",
            "2026-11-23T15:00:00Z sla.warning B p2 1 due 2026-11-23T17:00:00Z",
            "2026-11-23T17:00:00Z sla.breached B p2 1 due 2026-11-23T17:00:00Z",
        ]
    );
}

#[test]
fn a_stop_and_a_cancel_in_one_event_is_a_stop() {
    // Resolved and withdrawn in one event: the clock is met, not cancelled.
    let c = compile(CHANGES);
    let events = [
        ev(
            "2026-11-23T16:00:00Z",
            "C",
            "created",
            r#"{"priority":"P1"}"#,
        ),
        ev(
            "2026-11-23T17:00:00Z",
            "C",
            "resolved",
            r#"{"state":"withdrawn"}"#,
        ),
    ]
    .join("\n");
    let lines: Vec<String> = clock_lines(&run(&c, &events, None))
        .into_iter()
        .filter(|l| l.contains(" p1 "))
        .collect();
    assert_eq!(
        lines,
        vec![
            "2026-11-23T16:00:00Z sla.started C p1 1 due 2026-11-23T18:00:00Z",
            "2026-11-23T17:00:00Z sla.met C p1 1 due 2026-11-23T18:00:00Z",
        ]
    );
}

#[test]
fn a_deadline_clock_without_its_field_says_it_waits() {
    // A change with no `planned_end` yet: the clock runs but has no due, and says so; when
    // the field comes, the due follows it.
    let c = compile(CHANGES);
    let events = [
        change("2026-11-23T17:00:00Z", "D", "created", "{}"),
        change(
            "2026-11-24T09:00:00Z",
            "D",
            "updated",
            r#"{"planned_end":"2026-11-25T12:00:00Z"}"#,
        ),
    ]
    .join("\n");
    let actions = run(&c, &events, None);
    let waiting = actions
        .iter()
        .find(|a| a.kind.as_str() == "sla.waiting")
        .expect("a waiting action");
    assert_eq!(waiting.at.to_string(), "2026-11-23T17:00:00Z");
    assert!(
        waiting
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("`planned_end`")),
        "{waiting:?}"
    );
    let lines = clock_lines(&actions);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2026-11-24T09:00:00Z")
                && l.ends_with("due 2026-11-25T12:00:00Z")),
        "{lines:#?}"
    );
}

#[test]
fn rules_can_see_how_long_ago_the_last_event_and_a_field_change_were() {
    let c = compile(
        r#"
rules:
  quiet-then-reopened:
    when: 'record.status == "open" && since_last_event >= 86400 && since.status >= 172800'
    actions:
      - notify: [owner]
roles:
  owner: {name: Owner}
"#,
    );
    let events = [
        ev(
            "2026-11-23T08:00:00Z",
            "I",
            "created",
            r#"{"status":"resolved"}"#,
        ),
        // Two days after the status was set, one day after the last event: fires.
        ev("2026-11-24T08:00:00Z", "I", "updated", r#"{"note":"x"}"#),
        ev(
            "2026-11-25T08:00:00Z",
            "I",
            "updated",
            r#"{"status":"open"}"#,
        ),
        // Another record: the status changed one day before, so it does not fire.
        ev(
            "2026-11-23T08:00:00Z",
            "J",
            "created",
            r#"{"status":"new"}"#,
        ),
        ev(
            "2026-11-24T08:00:00Z",
            "J",
            "updated",
            r#"{"status":"resolved"}"#,
        ),
        ev(
            "2026-11-25T08:00:00Z",
            "J",
            "updated",
            r#"{"status":"open"}"#,
        ),
    ];
    let mut sorted = events.to_vec();
    sorted.sort();
    let actions = run(&c, &sorted.join("\n"), None);
    let fired: Vec<String> = actions
        .iter()
        .filter(|a| a.kind.as_str() == "rule.fired")
        .map(|a| format!("{} {}", a.at, a.record.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(fired, vec!["2026-11-25T08:00:00Z I"]);
}

#[test]
fn slaflow_test_warns_when_a_test_leaves_a_clock_waiting() {
    let dir = crate::common::scratch("test-waiting");
    let tests = r#"
tests:
  forgot-the-planned-end:
    events:
      - {at: "2026-11-23T17:00:00Z", record: D, type: change, event: created}
    expect:
      - {kind: sla.started, record: D}
  gave-it-later:
    events:
      - {at: "2026-11-23T17:00:00Z", record: E, type: change, event: created}
      - {at: "2026-11-24T09:00:00Z", record: E, event: updated, fields: {planned_end: "2026-11-25T12:00:00Z"}}
    expect:
      - {kind: sla.waiting, record: E}
"#;
    std::fs::write(dir.join("desk.yaml"), format!("{CHANGES}{tests}")).unwrap();
    let bundle = dir.join("desk.yaml");
    let out = crate::common::slaflow(&["test", bundle.to_str().unwrap()]);
    let text = crate::common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains(
            "forgot-the-planned-end: clock desk / planned of record D (cycle 1) is still waiting at the end: "
        ) && warnings[0].contains("`planned_end`"),
        "{text}"
    );
    assert!(text.ends_with("2 passed, 0 failed, 1 warning\n"), "{text}");
    let denied = crate::common::slaflow(&["test", bundle.to_str().unwrap(), "--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1));
}
