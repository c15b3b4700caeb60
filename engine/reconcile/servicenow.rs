//! ServiceNow SLA results: `task_sla` rows from the Table API
//! (`GET /api/now/table/task_sla?sysparm_query=task.sys_class_name=incident`), in the same
//! `sysparm_display_value` as the records.
//!
//! A row names its task by reference (`task`: the incident's `sys_id`, whose display value is
//! its number) and its SLA definition (`sla`: the `contract_sla` by `sys_id`, displayed by
//! name). It says the `stage` (`in_progress`, `paused`, `completed`, `cancelled`; the legacy
//! `breached` stage says nothing of the stage), `has_breached`, and the `business_duration`
//! (business elapsed time, pauses left out) as a glide duration: stored as the instant that
//! long after 1970-01-01 00:00:00 (`1970-01-01 13:30:00`), displayed as `13 Hours 30
//! Minutes`. `start_time` orders a record's cycles of one definition.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::Value;

use super::{Stage, VendorCycle};
use crate::import::map::DisplayValue;
use crate::import::servicenow::is_task_sla;
use crate::import::{LoadedMap, Problem, Times, lookup, parse_json, text_of};
use crate::model::Timestamp;

/// Reads the `task_sla` rows of every JSON file; records in the same files give the numbers
/// of the tasks referenced by `sys_id`.
pub(super) fn read(
    map: &LoadedMap,
    times: &Times,
    files: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<VendorCycle> {
    let display = map.map.display_value == Some(DisplayValue::True);
    // The import has read these files already and reported what is wrong with them.
    let mut ignored = Vec::new();
    let parsed: Vec<(&str, Value)> = files
        .iter()
        .filter(|(_, text)| text.trim_start().starts_with('{'))
        .filter_map(|(file, text)| Some((file.as_str(), parse_json(file, text, &mut ignored)?)))
        .collect();
    let mut numbers: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::new();
    for (file, json) in &parsed {
        let Some(result) = json.get("result").and_then(Value::as_array) else {
            continue;
        };
        for (position, row) in result.iter().enumerate() {
            if is_task_sla(row) {
                rows.push((*file, position, row));
            } else if let (Some(Ok(Some(sys_id))), Some(Ok(Some(id)))) = (
                row.get("sys_id").map(|v| text_of(v, false)),
                lookup(row, &map.map.record_id.value).map(|v| text_of(v, false)),
            ) {
                numbers.insert(sys_id, id);
            }
        }
    }
    let mut cycles = Vec::new();
    for (file, position, row) in rows {
        let mut reader = Row {
            file,
            at: format!("task_sla #{}", position + 1),
            row,
            display,
            problems: &mut *problems,
        };
        if let Some(cycle) = reader.cycle(times, &numbers) {
            cycles.push(cycle);
        }
    }
    cycles
}

/// One `task_sla` row being read, its problems collected.
struct Row<'a> {
    file: &'a str,
    at: String,
    row: &'a Value,
    display: bool,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn problem(&mut self, field: &str, why: impl Into<String>) {
        self.problems.push(Problem::new(
            self.file,
            Some(&self.at),
            Some(field),
            why.into(),
        ));
    }

    /// The stored and displayed text of a field (either may be missing).
    fn texts(&self, field: &str) -> (Option<String>, Option<String>) {
        let Some(value) = self.row.get(field) else {
            return (None, None);
        };
        let read = |display: bool| text_of(value, display).ok().flatten();
        match value {
            Value::Object(_) => (read(false), read(true)),
            _ if self.display => (None, read(false)),
            _ => (read(false), None),
        }
    }

    /// A field that must hold text: (stored, displayed), at least one of them.
    fn required(&mut self, field: &str) -> Option<(Option<String>, Option<String>)> {
        let texts = self.texts(field);
        if texts.0.is_none() && texts.1.is_none() {
            let why = if self.row.get(field).is_some() {
                "is empty"
            } else {
                "is missing; export it in `sysparm_fields`"
            };
            self.problem(field, why);
            return None;
        }
        Some(texts)
    }

    fn cycle(&mut self, times: &Times, numbers: &HashMap<String, String>) -> Option<VendorCycle> {
        let task = self.required("task");
        let sla = self.required("sla");
        let stage = self.stage();
        let breached = self.breached();
        let elapsed = self.elapsed();
        let start = match self.row.get("start_time") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(value) => match times.read(value) {
                Ok(at) => Some(Timestamp(at.timestamp())),
                Err(why) => {
                    self.problem("start_time", why);
                    None
                }
            },
        };
        let ((stored, shown), (sla_id, sla_name)) = (task?, sla?);
        let record = match stored.as_ref().and_then(|s| numbers.get(s)) {
            Some(number) => number.clone(),
            None => shown.or(stored)?,
        };
        Some(VendorCycle {
            file: self.file.to_string(),
            row: self.at.clone(),
            record,
            sla: sla_name.or(sla_id.clone())?,
            sla_id,
            start,
            stage: stage?,
            breached: Some(breached?),
            elapsed: elapsed?,
        })
    }

    /// The stage; `None` inside for the legacy `breached` stage, which says no stage.
    fn stage(&mut self) -> Option<Option<Stage>> {
        let (stored, shown) = self.required("stage")?;
        let text = stored.or(shown)?;
        let stage = match text.trim().to_ascii_lowercase().replace(' ', "_").as_str() {
            "in_progress" => Some(Stage::InProgress),
            "paused" => Some(Stage::Paused),
            "completed" | "achieved" => Some(Stage::Completed),
            "cancelled" | "canceled" => Some(Stage::Cancelled),
            "breached" => None,
            _ => {
                self.problem(
                    "stage",
                    format!(
                        "`{text}` is not a task_sla stage (in_progress, paused, completed, cancelled)"
                    ),
                );
                return None;
            }
        };
        Some(stage)
    }

    fn breached(&mut self) -> Option<bool> {
        let (stored, shown) = self.required("has_breached")?;
        let text = stored.or(shown)?;
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                self.problem("has_breached", format!("`{text}` is not true or false"));
                None
            }
        }
    }

    /// The business elapsed time in seconds, `None` inside when the row leaves it empty.
    fn elapsed(&mut self) -> Option<Option<u64>> {
        let field = "business_duration";
        let (stored, shown) = self.texts(field);
        let parsed = match (&stored, &shown) {
            (Some(text), _) => glide_duration(text).ok_or_else(|| {
                format!("`{text}` is not a duration as stored, like `1970-01-01 13:30:00`")
            }),
            (None, Some(text)) => displayed_duration(text).ok_or_else(|| {
                format!("`{text}` is not a duration as displayed, like `13 Hours 30 Minutes`")
            }),
            (None, None) if self.row.get(field).is_none() => {
                self.problem(field, "is missing; export it in `sysparm_fields`");
                return None;
            }
            (None, None) => return Some(None),
        };
        match parsed {
            Ok(seconds) => Some(Some(seconds)),
            Err(why) => {
                self.problem(field, why);
                None
            }
        }
    }
}

/// A stored glide duration: `1970-01-02 02:00:00` is 26 hours.
fn glide_duration(text: &str) -> Option<u64> {
    let at = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    u64::try_from(at.and_utc().timestamp()).ok()
}

/// A displayed glide duration: `1 Day 2 Hours 3 Minutes 4 Seconds`, any part left out.
fn displayed_duration(text: &str) -> Option<u64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return None;
    }
    let mut seconds = 0u64;
    for pair in words.chunks(2) {
        let [number, unit] = pair else { return None };
        let n: u64 = number.replace(',', "").parse().ok()?;
        let unit = unit.trim_end_matches('s').to_ascii_lowercase();
        let size = match unit.as_str() {
            "day" => 86_400,
            "hour" => 3600,
            "minute" => 60,
            "second" => 1,
            _ => return None,
        };
        seconds = seconds.checked_add(n.checked_mul(size)?)?;
    }
    Some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glide_durations_read_in_both_forms() {
        assert_eq!(glide_duration("1970-01-01 13:30:00"), Some(48_600));
        assert_eq!(glide_duration("1970-01-02 02:00:00"), Some(93_600));
        assert_eq!(glide_duration("13:30"), None);
        assert_eq!(displayed_duration("13 Hours 30 Minutes"), Some(48_600));
        assert_eq!(displayed_duration("1 Day 2 Hours"), Some(93_600));
        assert_eq!(displayed_duration("0 Seconds"), Some(0));
        assert_eq!(displayed_duration("1 Minute 1 Second"), Some(61));
        assert_eq!(displayed_duration("13 Hours 30"), None);
        assert_eq!(displayed_duration("soon"), None);
    }
}
