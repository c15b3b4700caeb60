//! A synthetic but realistic workload for benchmarks and crash tests: a service-desk bundle
//! with three targets per incident, pauses, reassignment, escalations and a record rule, and an
//! event stream over many open records.
//!
//! The stream opens `records` incidents over the first hours (so all are open at once), then
//! applies `updates_per_record` changes to each in time order: responses, holds and resumes,
//! reassignments to the OLA's group, priority changes, resolutions. A share of records is left
//! to breach, so milestones and escalations fire. The same parameters give the same stream.

use std::fmt::Write as _;

/// The bundle the workload runs against.
pub const BUNDLE: &str = r#"
calendars:
  office:
    timezone: Europe/London
    hours:
      weekdays: ["08:00-12:00", "13:00-17:30"]
    holidays: [2026-12-25, 2026-12-28, 2027-01-01]
roles:
  desk:
    members: [desk@example.com]
  manager:
    members: [manager@example.com]
  director:
    members: [director@example.com]
agreements:
  desk-sla:
    type: sla
    calendar: office
    underpinned_by: [network-ola]
    targets:
      vip-response:
        measure: response
        applies_to: {record_type: incident, fields: {vip: true}}
        start: {event: created}
        stop: {event: responded}
        goal: 1h
        milestones:
          - at: 75%
      response:
        measure: response
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        goal: 4h
        milestones:
          - at: 75%
      p1-resolution:
        measure: resolution
        applies_to: {record_type: incident, fields: {priority: P1}}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: on_hold}}
        stop: {fields: {status: [resolved, closed]}}
        goal: 4h
      resolution:
        measure: resolution
        applies_to: {record_type: incident}
        start: {fields: {status: [new, open]}}
        pause: {fields: {status: on_hold}}
        stop: {fields: {status: [resolved, closed]}}
        goal: 2 days
  network-ola:
    type: ola
    calendar: office
    provider: {name: Network team, group: network}
    targets:
      resolution:
        applies_to: {record_type: incident}
        start: {assigned: true}
        stop: {any: [{assigned: false}, {fields: {status: [resolved, closed]}}]}
        goal: 2h
escalations:
  desk-escalation:
    calendar: office
    max_levels: 3
    topics:
      breach:
        triggers:
          - on: sla_breached
            agreement_type: sla
        levels:
          - roles: [desk]
          - roles: [manager]
            after: 4h
          - roles: [director]
            after: 2 working days
rules:
  reopened-twice:
    record_type: incident
    when: record.reopened >= 2
    actions:
      - notify: [manager]
"#;

/// Writes the event stream for `records` incidents and `updates_per_record` updates each.
pub fn events(records: usize, updates_per_record: usize) -> String {
    let mut out = String::with_capacity(records * (updates_per_record + 1) * 140);
    // Monday 2026-11-02 08:00 UTC; records open one per second.
    let base: i64 = 1_793_606_400;
    let stamp = |t: i64| crate::model::Timestamp(t).to_string();
    for r in 0..records {
        let at = base + i64::try_from(r).unwrap_or(0);
        let vip = r % 10 == 0;
        let priority = if r % 7 == 0 { "P1" } else { "P3" };
        let _ = writeln!(
            out,
            r#"{{"at":"{}","record":"INC{r:07}","type":"incident","event":"created","fields":{{"status":"new","vip":{vip},"priority":"{priority}","assignment_group":"desk","reopened":0}}}}"#,
            stamp(at)
        );
    }
    // Updates in rounds: round k touches every record once, in record order.
    let open_end = base + i64::try_from(records).unwrap_or(0);
    for k in 0..updates_per_record {
        let round_start = open_end + i64::try_from(k).unwrap_or(0) * 1200;
        for r in 0..records {
            let at = round_start + i64::try_from(r).unwrap_or(0) / 100;
            let id = format!("INC{r:07}");
            // Every 13th record never gets a response: its clocks breach and escalate.
            let event = match (k % 6, r % 13 == 0) {
                (0, false) => ("responded", r#"{"status":"open"}"#.to_string()),
                (0, true) => ("updated", r#"{"status":"open"}"#.to_string()),
                (1, _) => ("updated", r#"{"assignment_group":"network"}"#.to_string()),
                (2, _) => ("updated", r#"{"status":"on_hold"}"#.to_string()),
                (3, _) => (
                    "updated",
                    r#"{"status":"open","assignment_group":"desk"}"#.to_string(),
                ),
                (4, _) if r % 5 == 0 => ("updated", r#"{"priority":"P1"}"#.to_string()),
                (4, _) => ("commented", r#"{"notes":"customer called"}"#.to_string()),
                _ if r % 3 == 0 => (
                    "reopened",
                    format!(r#"{{"status":"open","reopened":{}}}"#, k / 6 + 1),
                ),
                _ => ("resolved", r#"{"status":"resolved"}"#.to_string()),
            };
            let _ = writeln!(
                out,
                r#"{{"at":"{}","record":"{id}","event":"{}","fields":{}}}"#,
                stamp(at),
                event.0,
                event.1
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_ordered_and_parses() {
        let text = events(50, 7);
        let mut last = i64::MIN;
        let mut count = 0;
        for line in crate::runtime::input::Lines::new(text.as_bytes()) {
            let event = line.unwrap().event.unwrap();
            assert!(event.at.0 >= last);
            last = event.at.0;
            count += 1;
        }
        assert_eq!(count, 50 * 8);
    }
}
