//! Governance as the source documents state it: report dues and overdue escalations, forum
//! meetings and their notices, availability against the downtime budget, the same in a replay
//! and in a live engine, and the governance calendar read back by an independent iCalendar
//! parser. Every expected instant is worked out by hand below from the documents' rules.

use std::io::BufReader;
use std::sync::Arc;

use slaflow::program::Program;
use slaflow::runtime::input::Lines;
use slaflow::runtime::{Action, Engine};

use crate::common::{root, slaflow, stdout};

/// The program of an example bundle.
fn example(name: &str) -> Arc<Program> {
    let compiled = Program::load(&root().join("examples").join(name))
        .unwrap_or_else(|_| panic!("example {name} compiles"));
    Arc::new(compiled.program)
}

/// Replays `events` (JSON Lines) and runs timers up to `until`.
fn replay(program: &Arc<Program>, events: &str, until: &str) -> Vec<Action> {
    let mut engine = Engine::new(Arc::clone(program));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(Some(at(until)));
    engine.take_actions()
}

/// Runs `events` as a live engine sees them: its timers run up to just before each event
/// arrives (the wall clock passing), then up to `until`.
fn live(program: &Arc<Program>, events: &str, until: &str) -> Vec<Action> {
    let mut engine = Engine::new(Arc::clone(program));
    for line in Lines::new(events.as_bytes()) {
        let line = line.unwrap();
        if let Ok(event) = &line.event {
            engine.advance_to(event.at.0 - 1);
        }
        engine.apply_line(&line);
    }
    engine.advance_to(at(until));
    engine.take_actions()
}

fn at(text: &str) -> i64 {
    text.parse::<slaflow::model::Timestamp>().unwrap().0
}

/// The actions of `kind` about `what` (a report or forum id), as `at due period` lines.
fn of(actions: &[Action], kind: &str, what: &str) -> Vec<String> {
    actions
        .iter()
        .filter(|a| a.kind.as_str() == kind)
        .filter(|a| {
            a.report.as_deref() == Some(what)
                || a.forum.as_deref() == Some(what)
                || a.target.as_deref() == Some(what)
        })
        .map(|a| {
            format!(
                "{} {} {}",
                a.at,
                a.due.map(|d| d.to_string()).unwrap_or_default(),
                a.period.as_deref().unwrap_or("")
            )
        })
        .collect()
}

fn events_of(name: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(name).join("events.jsonl")).unwrap()
}

/// Atos/BMC: "within five working days from the start of each month, Atos provides the
/// Authority with a monthly report". October 2026's report is owed when October ends (UK
/// midnight, GMT after the clocks went back on 25 October: 2026-11-01T00:00Z). 1 November is a
/// Sunday, so the five working days of `uk-office` (Monday to Friday 09:00-17:30) are 2 to 6
/// November: due at the close of Friday 6 November, 17:30 GMT. The sample events deliver it
/// on 5 November, so it is never overdue.
#[test]
fn the_bmc_monthly_report_is_due_five_working_days_into_the_month() {
    let actions = replay(
        &example("mod-bmc-ela"),
        &events_of("mod-bmc-ela"),
        "2026-11-30T00:00:00Z",
    );
    assert_eq!(
        of(&actions, "report.due", "ela-monthly-report"),
        ["2026-11-01T00:00:00Z 2026-11-06T17:30:00Z 2026-10"]
    );
    assert_eq!(
        of(&actions, "report.delivered", "ela-monthly-report"),
        ["2026-11-05T16:00:00Z 2026-11-06T17:30:00Z 2026-10"]
    );
    assert!(of(&actions, "report.overdue", "ela-monthly-report").is_empty());
}

/// FNAL: the reports are due five working days after the month (fnal-office, 08:00-17:00
/// Chicago; CST from 1 November): 2, 3, 4, 5 and 6 November, so at 17:00 CST on Friday
/// 6 November, 23:00Z. The Service Desk report comes on Monday 9 November 09:00 CST: overdue at
/// 23:00Z on the 6th, its escalation reaches the Service Level Manager at once and stops when the
/// report arrives, before level 2 (a working day later, 17:00 CST on the 9th). The management
/// report never comes: level 2 (CS management) is reached at 23:00Z on 9 November.
#[test]
fn a_late_report_escalates_until_it_is_delivered() {
    let actions = replay(
        &example("fnal-slm"),
        &events_of("fnal-slm"),
        "2026-11-30T00:00:00Z",
    );
    assert_eq!(
        of(&actions, "report.overdue", "service-desk-service-report").last(),
        Some(&"2026-11-06T23:00:00Z 2026-11-06T23:00:00Z 2026-10".to_string())
    );
    let delivered = actions
        .iter()
        .find(|a| {
            a.kind.as_str() == "report.delivered"
                && a.report.as_deref() == Some("service-desk-service-report")
                && a.period.as_deref() == Some("2026-10")
        })
        .unwrap();
    assert_eq!(delivered.at.to_string(), "2026-11-09T15:00:00Z");
    assert_eq!(
        delivered.reason.as_deref(),
        Some("delivered late (due 2026-11-06T23:00:00Z)")
    );
    let levels = |report: &str| -> Vec<String> {
        actions
            .iter()
            .filter(|a| {
                a.kind.as_str() == "escalation.raised"
                    && a.report.as_deref() == Some(report)
                    && a.period.as_deref() == Some("2026-10")
            })
            .map(|a| format!("{} L{}", a.at, a.level.unwrap()))
            .collect()
    };
    assert_eq!(
        levels("service-desk-service-report"),
        ["2026-11-06T23:00:00Z L1"]
    );
    assert_eq!(
        levels("slm-management-report"),
        ["2026-11-06T23:00:00Z L1", "2026-11-09T23:00:00Z L2"]
    );
    assert!(
        of(&actions, "report.overdue", "email-service-report")
            .iter()
            .all(|line| !line.ends_with("2026-10"))
    );
}

/// FNAL's Communication Plan: the notice of the monthly SLA review goes out "7 days before
/// meeting". The example meets on the eighth working day at 10:00 Chicago time. November 2026:
/// 2, 3, 4, 5, 6, 9, 10 and (11 November is Veterans Day, a federal holiday) 12 November, so the
/// meeting is Thursday 12 November 10:00 CST (16:00Z) and its notice Thursday 5 November at the
/// same local time, with the agenda.
#[test]
fn the_fnal_review_notice_goes_out_seven_days_before_with_the_agenda() {
    let actions = replay(
        &example("fnal-slm"),
        &events_of("fnal-slm"),
        "2026-11-30T00:00:00Z",
    );
    assert_eq!(
        of(&actions, "forum.notice", "fnal-monthly-sla-review").last(),
        Some(&"2026-11-05T16:00:00Z 2026-11-12T16:00:00Z 2026-11".to_string())
    );
    let notice = actions
        .iter()
        .rfind(|a| a.forum.as_deref() == Some("fnal-monthly-sla-review"))
        .unwrap();
    assert_eq!(
        notice.agenda.first().map(String::as_str),
        Some("Performance against service targets, per service")
    );
    assert_eq!(
        &*notice.roles,
        ["fnal-service-owners", "fnal-infrastructure-leads"]
    );
}

/// Proact: förvaltningsforum monthly, taktiskt forum quarterly. The example holds the first on
/// the third working day at 10:00 and invites five working days before: November 2026 starts on
/// a Sunday, so 2, 3, 4 November, Wednesday the 4th 10:00 CET (09:00Z); five working days back
/// are 3, 2, 30 (31 October is a Saturday), 29 and 28 October, so the invitation goes at the
/// opening of Wednesday 28 October (08:00 CET, 07:00Z). The tactical forum of Q4 meets on the
/// tenth working day of October (1, 2, 5-9, 12, 13, 14: Wednesday 14 October 13:00 CEST,
/// 11:00Z), invited 14 days before at the same time.
#[test]
fn proact_forums_are_announced_at_their_lead_times() {
    let actions = replay(
        &example("proact-governance"),
        &events_of("proact-governance"),
        "2026-11-30T00:00:00Z",
    );
    let monthly = of(&actions, "forum.notice", "förvaltningsforum");
    assert!(
        monthly.contains(&"2026-10-28T07:00:00Z 2026-11-04T09:00:00Z 2026-11".to_string()),
        "{monthly:?}"
    );
    assert_eq!(
        of(&actions, "forum.notice", "taktiskt-forum"),
        ["2026-09-30T11:00:00Z 2026-10-14T11:00:00Z 2026-Q4"]
    );
}

/// A live engine (timers run as the wall clock passes) and a replay of the same events emit
/// the same actions, byte for byte: report dues, overdue escalations and notices included.
#[test]
fn live_and_replay_emit_the_same_governance_actions() {
    for (name, kind) in [
        ("fnal-slm", "forum.notice"),
        ("mod-bmc-ela", "report.due"),
        ("proact-governance", "forum.notice"),
    ] {
        let program = example(name);
        let events = events_of(name);
        let text =
            |actions: Vec<Action>| -> Vec<String> { actions.iter().map(Action::to_json).collect() };
        let replayed = text(replay(&program, &events, "2027-01-15T00:00:00Z"));
        let lived = text(live(&program, &events, "2027-01-15T00:00:00Z"));
        let kind = format!("\"kind\":\"{kind}\"");
        assert!(
            replayed.iter().any(|a| a.contains(&kind)),
            "{name}: no {kind}"
        );
        assert_eq!(replayed, lived, "{name}");
    }
}

const DELIVERY_BUNDLE: &str = r#"
roles:
  sdm: {name: Service delivery manager, members: [sdm@example.com]}
calendars:
  office:
    timezone: Europe/London
    hours: {weekdays: ["09:00-17:30"]}
reports:
  monthly:
    period: monthly
    due: 5 working days
    calendar: office
    owner: sdm
"#;

/// A delivery names a report and period the bundle has; otherwise the event is rejected with
/// the reason, and the run goes on. Without `period`, the oldest period still owed is meant.
#[test]
fn deliveries_of_unknown_reports_or_periods_are_rejected() {
    let program = Arc::new(
        Program::from_text("test.yaml", DELIVERY_BUNDLE)
            .unwrap()
            .program,
    );
    let events = [
        r#"{"at":"2026-10-20T10:00:00Z","event":"report.delivered","report":"monthyl","period":"2026-09"}"#,
        r#"{"at":"2026-10-20T10:00:00Z","event":"report.delivered","report":"monthly","period":"2026-Q3"}"#,
        r#"{"at":"2026-10-20T10:00:00Z","event":"report.delivered"}"#,
        r#"{"at":"2026-11-03T10:00:00Z","event":"report.delivered","report":"monthly"}"#,
    ]
    .join("\n");
    let actions = replay(&program, &events, "2026-12-31T00:00:00Z");
    let errors: Vec<&str> = actions.iter().filter_map(|a| a.error.as_deref()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("unknown report `monthyl`") && errors[0].contains("`monthly`"));
    assert!(errors[1].contains("`2026-Q3` is not a period of report `monthly`"));
    assert!(errors[2].contains("has no `report`"));
    // October's report (due Friday 6 November 17:30 GMT) is delivered on 3 November; November's
    // (due Monday 7 December 17:30) never is.
    assert_eq!(
        of(&actions, "report.delivered", "monthly"),
        ["2026-11-03T10:00:00Z 2026-11-06T17:30:00Z 2026-10"]
    );
    assert_eq!(
        of(&actions, "report.overdue", "monthly"),
        ["2026-12-07T17:30:00Z 2026-12-07T17:30:00Z 2026-11"]
    );
}

/// `slaflow calendar-export` writes RFC 5545 that an independent parser (the `ical` crate)
/// reads back: one event per report due and meeting in the window, stable UIDs, UTC times, lines
/// of at most 75 octets ending in CRLF; the same text in every run.
#[test]
fn the_governance_calendar_is_valid_icalendar() {
    let args = [
        "calendar-export",
        "examples/proact-governance",
        "--from",
        "2026-10-01",
        "--to",
        "2027-01-01",
    ];
    let out = slaflow(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert_eq!(text, stdout(&slaflow(&args)), "the export is deterministic");
    assert!(text.ends_with("\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n'), "a bare LF in {line:?}");
    }
    let calendars: Vec<_> = ical::IcalParser::new(BufReader::new(text.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(calendars.len(), 1);
    let calendar = &calendars[0];
    let property = |props: &[ical::property::Property], name: &str| -> Option<String> {
        props
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(
        property(&calendar.properties, "VERSION").as_deref(),
        Some("2.0")
    );
    let events: Vec<(String, String, String)> = calendar
        .events
        .iter()
        .map(|e| {
            (
                property(&e.properties, "UID").unwrap(),
                property(&e.properties, "DTSTART").unwrap(),
                property(&e.properties, "SUMMARY").unwrap(),
            )
        })
        .collect();
    let mut uids: Vec<&str> = events.iter().map(|(u, _, _)| u.as_str()).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
    for event in &calendar.events {
        assert!(property(&event.properties, "DTSTAMP").is_some());
    }
    // November's förvaltningsforum (see proact_forums_are_announced_at_their_lead_times), its
    // Swedish name and agenda intact through folding and escaping.
    let (_, start, summary) = events
        .iter()
        .find(|(uid, _, _)| uid == "forum/f%C3%B6rvaltningsforum/2026-11@proact-governance.slaflow")
        .unwrap();
    assert_eq!(start, "20261104T090000Z");
    assert_eq!(summary, "Förvaltningsforum (2026-11)");
    let november = calendar
        .events
        .iter()
        .find(|e| property(&e.properties, "DTSTART").as_deref() == Some("20261104T090000Z"))
        .unwrap();
    assert_eq!(
        property(&november.properties, "DTEND").as_deref(),
        Some("20261104T110000Z")
    );
    let description = property(&november.properties, "DESCRIPTION").unwrap();
    assert!(
        description.contains(
            "1. Uppföljning SLA - Follow-up of the outcome of every agreed SLA level for the month."
        ),
        "{description}"
    );
    // The tactical forum of Q4 and the strategic forum of the second half year (tenth and
    // fifteenth working days: 14 October 13:00 CEST; 1 July is in 2027, outside the window).
    assert!(
        events
            .iter()
            .any(|(_, start, summary)| start == "20261014T110000Z"
                && summary == "Taktiskt forum (2026-Q4)")
    );
    assert!(
        !events
            .iter()
            .any(|(_, _, s)| s.starts_with("Strategiskt forum"))
    );
}

/// The BMC report dues in the export are the engine's: 6 November 17:30 GMT for October.
#[test]
fn exported_report_dues_are_the_engines_due_times() {
    let out = slaflow(&[
        "calendar-export",
        "examples/mod-bmc-ela",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
    ]);
    let text = stdout(&out);
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains(
        "UID:report/ela-monthly-report/2026-10@mod-bmc-ela.slaflow\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261106T173000Z\r\n"
    ), "{unfolded}");
    let bad = slaflow(&["calendar-export", "examples/mod-bmc-ela", "--from", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`--from soon`"));
}

const AVAILABILITY_BUNDLE: &str = r#"
roles:
  manager: {name: Service manager, members: [manager@example.com]}
calendars:
  office:
    timezone: Europe/London
    hours: {weekdays: ["09:00-17:30"]}
escalations:
  outages:
    topics:
      down:
        triggers:
          - on: sla_breached
            agreement: hosting
            target: uptime
        levels:
          - roles: [manager]
agreements:
  hosting:
    type: sla
    calendar: office
    period: monthly
    record_types: [outage]
    targets:
      uptime:
        applies_to: {record_type: outage}
        start: {event: created}
        stop: {event: restored}
        availability: 99%
        maintenance: excluded
        breach:
          - notify: [manager]
            message: The month's downtime budget is used up.
"#;

/// Outages of November 2026 against a 99% target in office hours (Monday to Friday 09:00-17:30
/// London, GMT): planned maintenance Monday 2 November 16:30-19:00 (1 h of it in service
/// hours), an unplanned outage Tuesday 3 November 08:00-10:00 (1 h), planned maintenance
/// Wednesday 4 November 09:00-10:00 overlapped by an unplanned outage from 09:30.
fn outages(restored: &str) -> String {
    [
        r#"{"at":"2026-11-02T16:30:00Z","record":"PLN-1","type":"outage","event":"created","fields":{"planned":true}}"#.to_string(),
        r#"{"at":"2026-11-02T19:00:00Z","record":"PLN-1","event":"restored"}"#.to_string(),
        r#"{"at":"2026-11-03T08:00:00Z","record":"OUT-1","type":"outage","event":"created","fields":{"planned":false}}"#.to_string(),
        r#"{"at":"2026-11-03T10:00:00Z","record":"OUT-1","event":"restored"}"#.to_string(),
        r#"{"at":"2026-11-04T09:00:00Z","record":"PLN-2","type":"outage","event":"created","fields":{"planned":true}}"#.to_string(),
        r#"{"at":"2026-11-04T09:30:00Z","record":"OUT-2","type":"outage","event":"created"}"#.to_string(),
        r#"{"at":"2026-11-04T10:00:00Z","record":"PLN-2","event":"restored"}"#.to_string(),
        format!(r#"{{"at":"{restored}","record":"OUT-2","event":"restored"}}"#),
    ]
    .join("\n")
}

/// November 2026 has 21 working days of 8.5 h: 642,600 s of service time; 99% leaves 1% of it,
/// 6,426 s (1 h 47 min 6 s). Planned maintenance is excluded, so the downtime is OUT-1's hour
/// and OUT-2's time in service hours. After OUT-1, 2,826 s (47 min 6 s) are left: OUT-2, from
/// 09:30, uses them up at 10:17:06 on 4 November, the breach instant. Restored at 10:30, the
/// month has 7,200 s of downtime: 635,400 / 642,600 = 98.87% (rounded down), missed. Only planned
/// maintenance was under way for 1 h on the 2nd and 09:00-09:30 on the 4th: 5,400 s.
#[test]
fn availability_counts_unplanned_downtime_in_service_hours_and_breaches_when_the_budget_is_gone() {
    let program = Arc::new(
        Program::from_text("test.yaml", AVAILABILITY_BUNDLE)
            .unwrap()
            .program,
    );
    let events = outages("2026-11-04T10:30:00Z");
    let mut engine = Engine::new(Arc::clone(&program));
    for line in Lines::new(events.as_bytes()) {
        engine.apply_line(&line.unwrap());
    }
    engine.finish(Some(at("2026-12-01T00:00:00Z")));
    let actions = engine.take_actions();
    let breaches: Vec<String> = actions
        .iter()
        .filter(|a| a.kind.as_str() == "sla.breached")
        .map(|a| {
            format!(
                "{} {} {} {}",
                a.at,
                a.record.as_deref().unwrap(),
                a.period.as_deref().unwrap(),
                a.elapsed.unwrap()
            )
        })
        .collect();
    assert_eq!(breaches, ["2026-11-04T10:17:06Z OUT-2 2026-11 6426"]);
    let after: Vec<String> = actions
        .iter()
        .filter(|a| a.at.to_string() == "2026-11-04T10:17:06Z")
        .map(|a| format!("{} {}", a.kind, a.topic.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        after,
        ["sla.breached ", "notify ", "escalation.raised down"]
    );

    let def = program.availability_target("hosting", "uptime").unwrap();
    let november = slaflow::calendar::period::parse_label(def.period, "2026-11").unwrap();
    let figures = slaflow::availability::per_period(
        def,
        &engine.state.outages,
        november,
        at("2026-12-01T00:00:00Z"),
    );
    assert_eq!(figures.service_seconds, 642_600);
    assert_eq!(figures.allowed_seconds, 6_426);
    assert_eq!(figures.downtime_seconds, 7_200);
    assert_eq!(figures.planned_seconds, 5_400);
    assert_eq!(figures.percent, (635_400, 642_600));
    assert_eq!(figures.percent_text(2), "98.87");
    assert_eq!(figures.objective, (99, 100));
    assert!(!figures.achieved);
    let records: Vec<(&str, bool, u64)> = figures
        .outages
        .iter()
        .map(|o| (&*o.record, o.counted, o.service_seconds))
        .collect();
    assert_eq!(
        records,
        [
            ("PLN-1", false, 3_600),
            ("OUT-1", true, 3_600),
            ("PLN-2", false, 3_600),
            ("OUT-2", true, 3_600)
        ]
    );
    // The month before has no outage: 22 working days of 8.5 h, all up.
    let october = slaflow::availability::per_period(
        def,
        &engine.state.outages,
        november - 1,
        at("2026-12-01T00:00:00Z"),
    );
    assert_eq!((october.downtime_seconds, october.achieved), (0, true));
    assert_eq!(october.percent_text(2), "100.00");
}

/// Restored at the very second the budget runs out, the outage is in time (as a clock
/// stopped at its due is met): no breach, and the month achieves 99% exactly. A live engine
/// breaches at the same instant as a replay when the outage goes on.
#[test]
fn an_outage_ending_as_the_budget_runs_out_does_not_breach_and_live_equals_replay() {
    let program = Arc::new(
        Program::from_text("test.yaml", AVAILABILITY_BUNDLE)
            .unwrap()
            .program,
    );
    let exact = replay(
        &program,
        &outages("2026-11-04T10:17:06Z"),
        "2026-12-01T00:00:00Z",
    );
    assert!(exact.iter().all(|a| a.kind.as_str() != "sla.breached"));
    let events = outages("2026-11-05T12:00:00Z");
    let text =
        |actions: Vec<Action>| -> Vec<String> { actions.iter().map(Action::to_json).collect() };
    let replayed = text(replay(&program, &events, "2026-12-01T00:00:00Z"));
    let lived = text(live(&program, &events, "2026-12-01T00:00:00Z"));
    assert!(
        replayed
            .iter()
            .any(|a| a.contains("\"at\":\"2026-11-04T10:17:06Z\",\"kind\":\"sla.breached\""))
    );
    assert_eq!(replayed, lived);
}

/// A forum held on a working day its period does not have meets on the period's last working
/// day, found without counting every day up to the one asked for: 30 November 2026 is the last
/// working day of the month (Monday), and the opening is 09:00 GMT.
#[test]
fn a_working_day_beyond_the_period_is_its_last_working_day() {
    let bundle = r#"
calendars:
  office:
    timezone: Europe/London
    hours: {weekdays: ["09:00-17:30"]}
forums:
  review:
    cadence: monthly
    calendar: office
    held: {working_day: 4000000000}
"#;
    let program = Program::from_text("test.yaml", bundle).unwrap().program;
    let forum = &program.forums[0];
    let november =
        slaflow::calendar::period::parse_label(forum.cadence.unwrap(), "2026-11").unwrap();
    let started = std::time::Instant::now();
    let (start, end) = forum.occurrence(november).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(
        (start, end),
        (at("2026-11-30T09:00:00Z"), at("2026-11-30T10:00:00Z"))
    );
}

/// The engine keeps a running tally of each availability target's downtime; the reports
/// compute it from the outages themselves. Over random histories of overlapping outages,
/// planned and unplanned, across two months, the two agree: a month breaches exactly when its
/// downtime ends above the budget, once, and at the breach the downtime is the budget.
#[test]
fn the_running_downtime_tally_agrees_with_the_outages_over_random_histories() {
    let program = Arc::new(
        Program::from_text("test.yaml", AVAILABILITY_BUNDLE)
            .unwrap()
            .program,
    );
    let def = &program.availability[0];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % below
    };
    let (mut over_budget, mut within) = (0, 0);
    for history in 0..40 {
        // Changes at random minutes of November and December 2026: outages open and close.
        let start = at("2026-11-01T00:00:00Z");
        let mut changes: Vec<(i64, String)> = Vec::new();
        for n in 0..(3 + next(12)) {
            let open = start + 60 * i64::try_from(next(61 * 24 * 60)).unwrap();
            let close = open
                + 60 * i64::try_from(1 + next(if history % 2 == 0 { 600 } else { 3000 })).unwrap();
            let planned = next(3) == 0;
            let record = format!("O-{history}-{n}");
            changes.push((
                open,
                format!(r#""record":"{record}","type":"outage","event":"created","fields":{{"planned":{planned}}}"#),
            ));
            changes.push((close, format!(r#""record":"{record}","event":"restored""#)));
        }
        changes.sort();
        let events: String = changes
            .iter()
            .map(|(t, rest)| format!("{{\"at\":\"{}\",{rest}}}\n", slaflow::model::Timestamp(*t)))
            .collect();
        let mut engine = Engine::new(Arc::clone(&program));
        for line in Lines::new(events.as_bytes()) {
            engine.apply_line(&line.unwrap());
        }
        engine.finish(Some(at("2027-01-01T00:00:00Z")));
        let actions = engine.take_actions();
        for (month, label) in [
            ("2026-11-15T00:00:00Z", "2026-11"),
            ("2026-12-15T00:00:00Z", "2026-12"),
        ] {
            let n = def.period_of(at(month));
            let (_, end) = def.bounds(n);
            let figures = slaflow::availability::per_period(def, &engine.state.outages, n, end);
            let breaches: Vec<&Action> = actions
                .iter()
                .filter(|a| a.kind.as_str() == "sla.breached" && a.period.as_deref() == Some(label))
                .collect();
            let over = figures.downtime_seconds > figures.allowed_seconds;
            if over {
                over_budget += 1;
            } else {
                within += 1;
            }
            assert_eq!(
                breaches.len(),
                usize::from(over),
                "history {history}, {label}: downtime {} of {} allowed\n{events}",
                figures.downtime_seconds,
                figures.allowed_seconds
            );
            if let Some(breach) = breaches.first() {
                assert_eq!(
                    breach.elapsed,
                    Some(figures.allowed_seconds),
                    "history {history}, {label}: the downtime at the breach\n{events}"
                );
            }
        }
    }
    // Both outcomes are exercised.
    assert!(
        over_budget > 10 && within > 10,
        "{over_budget} over, {within} within"
    );
}

/// A library forum is a template: it never meets by itself (a library knows neither the
/// contract's office hours nor its people). A contract's forum based on it with `uses` meets in
/// the contract's calendar with the template's cadence and notices: November 2026's first
/// working day in London is Monday the 2nd, opening 09:00 GMT; the notice seven calendar days
/// before is Monday 26 October 09:00 GMT (the clocks went back on the 25th).
#[test]
fn a_template_forum_never_meets_and_a_forum_based_on_it_does() {
    let bundle = r#"
calendars:
  office:
    timezone: Europe/London
    hours: {weekdays: ["09:00-17:30"]}
roles:
  slm: {name: Service level manager}
forums:
  library-review:
    template: true
    cadence: monthly
    chair: slm
    notices:
      - {before: 7 days, to: [slm]}
  review:
    uses: library-review
    calendar: office
"#;
    let program = Arc::new(Program::from_text("test.yaml", bundle).unwrap().program);
    let ids: Vec<&str> = program.forums.iter().map(|f| &*f.id).collect();
    assert_eq!(ids, ["review"]);
    let events =
        r#"{"at":"2026-10-01T00:00:00Z","record":"T-1","type":"ticket","event":"created"}"#;
    let actions = replay(&program, events, "2026-11-03T00:00:00Z");
    assert_eq!(
        of(&actions, "forum.notice", "review").last(),
        Some(&"2026-10-26T09:00:00Z 2026-11-02T09:00:00Z 2026-11".to_string())
    );
    assert!(of(&actions, "forum.notice", "library-review").is_empty());

    // The examples import the library: none of its forums is announced in them.
    for name in [
        "metlife-desk",
        "mod-bmc-ela",
        "proact-governance",
        "fnal-slm",
    ] {
        let actions = replay(&example(name), &events_of(name), "2027-01-01T00:00:00Z");
        let library: Vec<&str> = actions
            .iter()
            .filter_map(|a| a.forum.as_deref())
            .filter(|f| f.starts_with("monthly-sla-review") || f.starts_with("customer-survey"))
            .collect();
        assert!(library.is_empty(), "{name} announces {library:?}");
    }
}

/// `slaflow serve` on a virtual clock and `slaflow run` to the same instant journal and print
/// the same actions, byte for byte: report dues and deliveries, the availability breach and
/// escalations of the BMC example.
#[test]
fn serve_and_run_emit_byte_identical_governance_actions() {
    let db = crate::common::scratch("governance-serve").join("journal.db");
    let events = events_of("mod-bmc-ela");
    let lines: Vec<&str> = events.lines().filter(|l| !l.trim().is_empty()).collect();
    let server = crate::common::Server::serve(
        "examples/mod-bmc-ela",
        "2026-10-01T00:00:00Z",
        &["--db".as_ref(), db.as_os_str()],
    );
    server.ingest(&lines);
    server.set_clock("2026-12-15T00:00:00Z");
    server.stop();
    let served: Vec<String> = slaflow::store::Journal::open_read_only(&db)
        .unwrap()
        .actions_after(0, 100_000)
        .unwrap()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let run = slaflow(&[
        "run",
        "examples/mod-bmc-ela",
        "--events",
        "examples/mod-bmc-ela/events.jsonl",
        "--until",
        "2026-12-15T00:00:00Z",
    ]);
    let replayed: Vec<String> = stdout(&run).lines().map(str::to_string).collect();
    for kind in ["report.due", "report.delivered", "sla.breached"] {
        assert!(
            served
                .iter()
                .any(|a| a.contains(&format!("\"kind\":\"{kind}\""))),
            "no {kind} served"
        );
    }
    assert_eq!(served, replayed);
}
