//! `slaflow calendar-export BUNDLE [--from DATE] [--to DATE]`: the bundle's report dues and forum
//! meetings in a window, as an iCalendar file (RFC 5545) on standard output.
//!
//! The window is `[from, to)`: a report due or a meeting that starts in it is exported. Dates
//! are `YYYY-MM-DD` (midnight UTC) or RFC 3339 instants. Without `--from`, the window starts on
//! 1 January of the current year (UTC); without `--to`, it lasts a year.

use std::path::PathBuf;

use super::{EXIT_OK, fail, write_stdout};
use slaflow::governance::{self, ics};
use slaflow::model::Timestamp;

/// Arguments of `slaflow calendar-export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    /// The start of the window: a date (`2026-10-01`, midnight UTC) or an instant; by default 1
    /// January of this year.
    #[arg(long)]
    pub from: Option<String>,
    /// The end of the window (not included); by default a year after its start.
    #[arg(long)]
    pub to: Option<String>,
}

/// Reads a date (midnight UTC) or an RFC 3339 instant.
fn instant(text: &str, option: &str) -> Result<i64, String> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp());
    }
    text.trim()
        .parse::<Timestamp>()
        .map(|t| t.0)
        .map_err(|_| format!("`--{option} {text}`: write a date such as `2026-10-01` or an instant such as `2026-10-01T00:00:00Z`"))
}

/// Runs `slaflow calendar-export`.
pub fn run(args: &Args) -> u8 {
    let from = match &args.from {
        Some(text) => instant(text, "from"),
        None => {
            let now = slaflow::clock::Clock::now(&slaflow::clock::SystemClock);
            let year = chrono::Datelike::year(&now);
            Ok(chrono::NaiveDate::from_ymd_opt(year, 1, 1).map_or(0, |d| {
                d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
            }))
        }
    };
    let from = match from {
        Ok(from) => from,
        Err(error) => return fail(error),
    };
    let to = match &args.to {
        Some(text) => match instant(text, "to") {
            Ok(to) => to,
            Err(error) => return fail(error),
        },
        None => chrono::DateTime::from_timestamp(from, 0)
            .and_then(|d| d.checked_add_months(chrono::Months::new(12)))
            .map_or(from, |d| d.timestamp()),
    };
    if let Some(why) = [from, to]
        .into_iter()
        .find_map(slaflow::runtime::engine::implausible)
    {
        return fail(why);
    }
    if to <= from {
        return fail(format!(
            "`--to` ({}) must come after `--from` ({})",
            Timestamp(to),
            Timestamp(from)
        ));
    }
    let compiled = match super::compile(&args.bundle) {
        Ok(compiled) => compiled,
        Err(status) => return status,
    };
    let program = &compiled.program;
    let name = compiled
        .bundle
        .name
        .clone()
        .unwrap_or_else(|| "slaflow".to_string());
    let domain = format!("{}.slaflow", slug(&args.bundle, &name));
    let header = ics::Header {
        name: &format!("{name}: reports and forums"),
        domain: &domain,
        stamp: from,
    };
    let dues = governance::report_dues(&program.reports, from, to);
    let meetings = governance::schedule(&program.forums, from, to);
    let text = ics::calendar(&header, &dues, &meetings);
    write_stdout(&text).unwrap_or(EXIT_OK)
}

/// A name for the bundle in UIDs: its directory's name (else the manifest's), in lower-case
/// ASCII letters, digits and `-`.
fn slug(path: &std::path::Path, name: &str) -> String {
    let path = if path.file_name().is_some_and(|f| f == "bundle.yaml") {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    let base = std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| name.to_string());
    let slug: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "bundle".into()
    } else {
        slug
    }
}
