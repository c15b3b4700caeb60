//! Jira Service Management SLA results: the SLA fields of the issues of a REST search (the
//! same pages `slaflow import` reads), each a custom field holding
//! `{"id", "name", "completedCycles": [...], "ongoingCycle": {...}}`.
//!
//! A completed cycle has `startTime`, `stopTime`, `breached`, `goalDuration`, `elapsedTime`
//! (business time within the SLA's calendar, pauses left out) and `remainingTime`; the ongoing
//! cycle adds `paused` and `withinCalendarHours`. Instants are `{"epochMillis", "iso8601",
//! "jira", "friendly"}` and durations `{"millis", "friendly"}`. A field is an SLA field when it
//! holds `completedCycles` or `ongoingCycle`; an issue without one is not compared. The cycles
//! are in the order Jira lists them: completed ones, then the ongoing one.

use serde_json::Value;

use super::{Stage, VendorCycle};
use crate::import::{LoadedMap, Problem, lookup, parse_json, text_of};
use crate::model::Timestamp;

/// Reads the SLA fields of every issue of every page.
pub(super) fn read(
    map: &LoadedMap,
    files: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<VendorCycle> {
    let mut cycles = Vec::new();
    for (file, text) in files {
        // The import has read these files already and reported what is wrong with them.
        let mut ignored = Vec::new();
        let Some(json) = parse_json(file, text, &mut ignored) else {
            continue;
        };
        let issues = json
            .get("issues")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for issue in issues {
            let Some(Ok(Some(key))) =
                lookup(issue, &map.map.record_id.value).map(|v| text_of(v, false))
            else {
                continue;
            };
            let Some(fields) = issue.get("fields").and_then(Value::as_object) else {
                continue;
            };
            for (id, value) in fields {
                let Some(sla) = value.as_object() else {
                    continue;
                };
                if !sla.contains_key("completedCycles") && !sla.contains_key("ongoingCycle") {
                    continue;
                }
                let mut reader = Field {
                    file,
                    key: &key,
                    path: format!("fields.{id}"),
                    problems: &mut *problems,
                };
                reader.cycles(value, &mut cycles);
            }
        }
    }
    cycles
}

/// One SLA field of one issue being read, its problems collected.
struct Field<'a> {
    file: &'a str,
    key: &'a str,
    path: String,
    problems: &'a mut Vec<Problem>,
}

impl Field<'_> {
    fn problem(&mut self, field: &str, why: impl Into<String>) {
        self.problems.push(Problem::new(
            self.file,
            Some(self.key),
            Some(field),
            why.into(),
        ));
    }

    fn cycles(&mut self, sla: &Value, out: &mut Vec<VendorCycle>) {
        let name = match sla.get("name").and_then(Value::as_str) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => {
                let field = format!("{}.name", self.path);
                self.problem(&field, "is missing; every SLA field names its SLA");
                return;
            }
        };
        let sla_id = sla.get("id").and_then(|v| text_of(v, false).ok().flatten());
        let completed = match sla.get("completedCycles") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(_) => {
                let field = format!("{}.completedCycles", self.path);
                self.problem(&field, "is not a list");
                return;
            }
        };
        let mut cycles: Vec<(String, &Value, bool)> = completed
            .iter()
            .enumerate()
            .map(|(n, c)| (format!("completedCycles[{n}]"), c, true))
            .collect();
        if let Some(ongoing) = sla.get("ongoingCycle").filter(|v| !v.is_null()) {
            cycles.push(("ongoingCycle".to_string(), ongoing, false));
        }
        for (at, cycle, done) in cycles {
            let path = format!("{}.{at}", self.path);
            let before = self.problems.len();
            let breached = self.flag(cycle, &path, "breached");
            let stage = if done {
                Stage::Completed
            } else if self.flag(cycle, &path, "paused") == Some(true) {
                Stage::Paused
            } else {
                Stage::InProgress
            };
            let elapsed = self.millis(cycle, &path, "elapsedTime", done);
            let start = self.instant(cycle, &path, "startTime");
            if self.problems.len() > before {
                continue;
            }
            out.push(VendorCycle {
                file: self.file.to_string(),
                row: format!("{} {path}", self.key),
                record: self.key.to_string(),
                sla: name.clone(),
                sla_id: sla_id.clone(),
                start,
                stage: Some(stage),
                breached,
                elapsed,
            });
        }
    }

    /// A boolean of the cycle; `breached` must be there.
    fn flag(&mut self, cycle: &Value, path: &str, key: &str) -> Option<bool> {
        match cycle.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) if key != "breached" => None,
            None => {
                self.problem(&format!("{path}.{key}"), "is missing");
                None
            }
            Some(other) => {
                self.problem(
                    &format!("{path}.{key}"),
                    format!("`{other}` is not true or false"),
                );
                None
            }
        }
    }

    /// A duration `{"millis": ...}` in whole seconds; `required` for a completed cycle.
    fn millis(&mut self, cycle: &Value, path: &str, key: &str, required: bool) -> Option<u64> {
        let field = format!("{path}.{key}.millis");
        match cycle.get(key).map(|d| d.get("millis")) {
            Some(Some(Value::Number(n))) => match n.as_i64() {
                Some(ms) if ms >= 0 => Some(u64::try_from(ms).unwrap_or(0) / 1000),
                _ => {
                    self.problem(&field, format!("`{n}` is not a duration in milliseconds"));
                    None
                }
            },
            Some(Some(other)) => {
                self.problem(
                    &field,
                    format!("`{other}` is not a duration in milliseconds"),
                );
                None
            }
            _ if required => {
                self.problem(&field, "is missing");
                None
            }
            _ => None,
        }
    }

    /// An instant `{"epochMillis": ...}` (or its `iso8601`), when given.
    fn instant(&mut self, cycle: &Value, path: &str, key: &str) -> Option<Timestamp> {
        let value = cycle.get(key).filter(|v| !v.is_null())?;
        if let Some(ms) = value.get("epochMillis").and_then(Value::as_i64) {
            return Some(Timestamp(ms.div_euclid(1000)));
        }
        if let Some(text) = value.get("iso8601").and_then(Value::as_str)
            && let Ok(at) = chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        {
            return Some(Timestamp(at.timestamp()));
        }
        self.problem(
            &format!("{path}.{key}"),
            format!("`{value}` is not an instant like `{{\"epochMillis\": 1792760400000}}`"),
        );
        None
    }
}
