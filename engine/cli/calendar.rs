//! `slaflow calendar BUNDLE --calendar ID --queries FILE`: business-time questions in batch.
//!
//! Each non-blank input line is a JSON query; the answers come one per line, in input order:
//!
//! - `{"op":"add","start":T,"minutes":N}` (or `"seconds"`, or `"working_days"`) -> `{"due":T}`
//! - `{"op":"between","start":T,"end":T}` -> `{"minutes":M,"seconds":S}` (business time in `[start, end)`)
//! - `{"op":"next_open","at":T}` -> `{"open":T}`; `{"op":"is_open","at":T}` -> `{"open":true}`
//!
//! A line that is not a valid query gets `{"error":"line N: ..."}` (N is its line in the input)
//! and the rest still run. Blank lines, and a byte-order mark at the start, are skipped; a line
//! longer than `--max-line-bytes` is answered with an error without being read whole.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use serde::Deserialize;

use super::{EXIT_OK, fail, output_failed};
use slaflow::calendar::BusinessCalendar;
use slaflow::diagnostic::fuzzy;
use slaflow::model::Timestamp;
use slaflow::runtime::input::{MAX_LINE_BYTES, RawLine, RawLines, json_problem};

/// Arguments of `slaflow calendar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle whose calendar to use.
    pub bundle: PathBuf,
    /// The calendar id (`24x7` is built in).
    #[arg(long)]
    pub calendar: String,
    /// JSON Lines queries; `-` reads standard input.
    #[arg(long, default_value = "-")]
    pub queries: PathBuf,
    /// The longest query line read, in bytes; a longer one is answered with an error.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
}

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
    if seconds % 60 == 0 {
        return (seconds / 60).to_string();
    }
    let text = format!("{:.6}", seconds as f64 / 60.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Runs the command.
pub fn run(args: &Args) -> u8 {
    let loaded = match super::compile(&args.bundle) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let Some(calendar) = loaded.program.calendars.get(&args.calendar) else {
        let known = loaded
            .bundle
            .calendars
            .ids()
            .chain(std::iter::once(slaflow::model::ALWAYS_OPEN));
        let hint = fuzzy::did_you_mean(&args.calendar, known).unwrap_or_else(|| {
            "holiday-only calendars (without `hours`) cannot answer time questions".into()
        });
        return fail(format!("unknown calendar `{}`; {hint}", args.calendar));
    };
    let reader: Box<dyn Read> = if args.queries.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(&args.queries) {
            Ok(file) => Box::new(file),
            Err(error) => {
                return fail(format!("cannot read `{}`: {error}", args.queries.display()));
            }
        }
    };
    let mut lines = RawLines::new(BufReader::new(reader)).limit(args.max_line_bytes);
    let mut out = BufWriter::new(std::io::stdout().lock());
    loop {
        let (number, answer, flush) = match lines.next_line() {
            Ok(Some((number, RawLine::Text(line)))) => (number, answer(calendar, &line), false),
            // Shown at once: what follows a line too long to read may be long in coming.
            Ok(Some((number, other))) => (number, Err(other.problem().unwrap_or_default()), true),
            Ok(None) => break,
            Err(error) => {
                let _ = out.flush();
                return fail(format!("cannot read the queries: {error}"));
            }
        };
        let text = match answer {
            Ok(answer) => answer,
            Err(error) => format!("{{\"error\":\"line {number}: {}\"}}", json_escape(&error)),
        };
        let written =
            writeln!(out, "{text}").and_then(|()| if flush { out.flush() } else { Ok(()) });
        if let Err(error) = written {
            return output_failed(&error);
        }
    }
    match out.flush() {
        Ok(()) => EXIT_OK,
        Err(error) => output_failed(&error),
    }
}

fn json_escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted.trim_matches('"').to_string()
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
