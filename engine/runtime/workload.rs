//! Workloads for benchmarks and crash tests.
//!
//! [`amplify`] turns a shipped example's own events into a large stream of the same mix
//! (processes, tasks, record rules, escalations): many copies of its records, interleaved in
//! time so they are open at once.
//!
//! [`BUNDLE`] and [`events`] are a synthetic but realistic service-desk workload: three targets
//! per incident, pauses, reassignment, escalations and a record rule, over many open records.
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

/// `copies` copies of the JSON Lines `events`, interleaved: each line is written once per copy
/// before the next line, so every copy's records are open at the same time. Copy `k` renames
/// each record `R` to `R~k` (copy 0 keeps the names), and the process instances named after
/// records with it (`proc:R`, `proc:R#2/5.3`); a `step.completed` of an instance named after no
/// record (a scheduled one) is kept in copy 0 only. Lines that are not JSON objects are kept
/// as they are, once.
pub fn amplify(events: &str, copies: usize) -> String {
    use serde_json::Value;
    let mut out = String::with_capacity(events.len() * copies);
    for line in events.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(Value::Object(event)) = serde_json::from_str::<Value>(line) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        for k in 0..copies {
            let suffix = if k == 0 {
                String::new()
            } else {
                format!("~{k}")
            };
            let mut copy = event.clone();
            if let Some(Value::String(record)) = copy.get_mut("record") {
                record.push_str(&suffix);
            }
            if let Some(Value::String(instance)) = copy.get_mut("instance") {
                match renamed_instance(instance, &suffix) {
                    Some(renamed) => *instance = renamed,
                    None if k > 0 => continue,
                    None => {}
                }
            }
            let _ = serde_json::to_writer(
                // Writing JSON into a String through its bytes keeps it UTF-8.
                StringWriter(&mut out),
                &Value::Object(copy),
            );
            out.push('\n');
        }
    }
    out
}

/// `proc:R#2/5.3` with `R` renamed, or `None` for an instance named after no record.
fn renamed_instance(instance: &str, suffix: &str) -> Option<String> {
    let (process, rest) = instance.split_once(':')?;
    let end = rest.find(['#', '/']).unwrap_or(rest.len());
    let (record, tail) = rest.split_at(end);
    Some(format!("{process}:{record}{suffix}{tail}"))
}

/// Writes UTF-8 from `serde_json` into a `String`.
struct StringWriter<'a>(&'a mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.push_str(text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amplified_copies_rename_records_and_their_instances() {
        let events = r#"{"at":"2026-10-01T09:00:00Z","record":"T1","type":"task","event":"created"}
{"at":"2026-10-01T10:00:00Z","event":"step.completed","instance":"fix:T1#2/3","step":"1"}
{"at":"2026-10-01T11:00:00Z","event":"step.completed","instance":"review@2026-10-01","step":"1"}"#;
        let text = amplify(events, 2);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[1].contains(r#""record":"T1~1""#), "{text}");
        assert!(lines[3].contains(r#""instance":"fix:T1~1#2/3""#), "{text}");
        assert!(lines[4].contains("review@2026-10-01"), "{text}");
    }

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
