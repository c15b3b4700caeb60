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

use super::{EXIT_OK, fail, output_failed};
use slaflow::calendar::query::{answer, error_line};
use slaflow::diagnostic::fuzzy;
use slaflow::runtime::input::{MAX_LINE_BYTES, RawLine, RawLines};

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
        let text = answer.unwrap_or_else(|error| error_line(number, &error));
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
