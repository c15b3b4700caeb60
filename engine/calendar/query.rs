//! Business-time questions in batch, as `slaflow calendar` answers them: one JSON query per
//! line, one JSON answer per query.
//!
//! - `{"op":"add","start":T,"minutes":N}` (or `"seconds"`, or `"working_days"`) -> `{"due":T}`
//! - `{"op":"between","start":T,"end":T}` -> `{"minutes":M,"seconds":S}` (business time in `[start, end)`)
//! - `{"op":"next_open","at":T}` -> `{"open":T}`; `{"op":"is_open","at":T}` -> `{"open":true}`
//!
//! Reading the lines is the caller's; this module answers one line, or words why it cannot.

use serde::Deserialize;

use super::BusinessCalendar;
use crate::base::json_problem;
use crate::model::Timestamp;

/// One query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "op", rename_all = "snake_case")]
enum Query {
    Add {
        start: Timestamp,
        #[serde(default)]
        minutes: Option<f64>,
        #[serde(default)]
        seconds: Option<u64>,
        #[serde(default)]
        working_days: Option<u32>,
    },
    Between {
        start: Timestamp,
        end: Timestamp,
    },
    NextOpen {
        at: Timestamp,
    },
    IsOpen {
        at: Timestamp,
    },
}

/// Answers one query line.
pub fn answer(calendar: &BusinessCalendar, line: &str) -> Result<String, String> {
    let query: Query = serde_json::from_str(line).map_err(|e| json_problem(&e, false))?;
    let beyond = "the result lies beyond the calendar's horizon (years 1970-2200)";
    match query {
        Query::Add {
            start,
            minutes,
            seconds,
            working_days,
        } => {
            let due = match (minutes, seconds, working_days) {
                (Some(m), None, None) if m.is_finite() && m >= 0.0 => {
                    calendar.add(start.0, (m * 60.0).round() as u64)
                }
                (Some(_), None, None) => {
                    return Err("`minutes` must be a number of at least 0".into());
                }
                (None, Some(s), None) => calendar.add(start.0, s),
                (None, None, Some(d)) => calendar.add_working_days(start.0, d),
                _ => {
                    return Err(
                        "`add` needs exactly one of `minutes`, `seconds` and `working_days`".into(),
                    );
                }
            };
            let due = due.ok_or(beyond)?;
            Ok(format!("{{\"due\":\"{}\"}}", Timestamp(due)))
        }
        Query::Between { start, end } => {
            let seconds = calendar.between(start.0, end.0);
            Ok(format!(
                "{{\"minutes\":{},\"seconds\":{seconds}}}",
                minutes(seconds)
            ))
        }
        Query::NextOpen { at } => {
            let open = calendar.next_open(at.0).ok_or(beyond)?;
            Ok(format!("{{\"open\":\"{}\"}}", Timestamp(open)))
        }
        Query::IsOpen { at } => Ok(format!("{{\"open\":{}}}", calendar.is_open(at.0))),
    }
}

/// Seconds as minutes with up to six decimals, without trailing zeros.
fn minutes(seconds: u64) -> String {
    if seconds.is_multiple_of(60) {
        return (seconds / 60).to_string();
    }
    let text = format!("{:.6}", seconds as f64 / 60.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The answer to a query that failed: `{"error":"line N: ..."}`.
pub fn error_line(number: u64, error: &str) -> String {
    let quoted = serde_json::to_string(&format!("line {number}: {error}")).unwrap_or_default();
    format!("{{\"error\":{quoted}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minutes_like_the_contract() {
        assert_eq!(minutes(14_390), "239.833333");
        assert_eq!(minutes(14_400), "240");
        assert_eq!(minutes(30), "0.5");
    }

    #[test]
    fn answers_and_rejects() {
        let always = BusinessCalendar::always_open();
        assert_eq!(
            answer(
                &always,
                r#"{"op":"add","start":"2026-11-20T16:45:00Z","minutes":240}"#
            ),
            Ok(r#"{"due":"2026-11-20T20:45:00Z"}"#.into())
        );
        assert_eq!(
            answer(
                &always,
                r#"{"op":"between","start":"2026-11-20T16:45:00Z","end":"2026-11-20T20:44:50Z"}"#
            ),
            Ok(r#"{"minutes":239.833333,"seconds":14390}"#.into())
        );
        assert!(answer(&always, r#"{"op":"add","start":"2026-11-20T16:45:00Z"}"#).is_err());
        assert!(
            answer(&always, r#"{"op":"teleport"}"#)
                .unwrap_err()
                .contains("unknown variant")
        );
    }
}
