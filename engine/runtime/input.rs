//! Events in: JSON Lines, one event per line, each read on its own so a bad line is rejected
//! with its number and reason while the rest go on.

use std::io::BufRead;

use crate::model::Event;

/// One line of the input, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line number, from 1.
    pub number: u64,
    /// The event, or why the line is not one.
    pub event: Result<Event, String>,
    /// The line as read, without its line break (kept by the journal).
    pub raw: String,
}

impl Default for Line {
    fn default() -> Line {
        Line {
            number: 0,
            event: Err(String::new()),
            raw: String::new(),
        }
    }
}

/// Reads one line of text into an event.
pub fn parse(number: u64, raw: String) -> Line {
    let event = serde_json::from_str::<Event>(&raw).map_err(|e| describe(&e));
    Line { number, event, raw }
}

fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends " at line 1 column N"; the line is ours, the column is useful.
    let text = match text.rsplit_once(" at line 1 column ") {
        Some((message, column)) => format!("{message} (column {column})"),
        None => text,
    };
    format!("not a valid event: {text}")
}

/// Reads JSON Lines from `reader`, skipping blank lines. Bytes that are not UTF-8 make that
/// line a rejection; an I/O error ends the input with that error.
pub struct Lines<R> {
    reader: R,
    number: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    /// Reads from `reader`.
    pub fn new(reader: R) -> Lines<R> {
        Lines {
            reader,
            number: 0,
            buffer: Vec::new(),
        }
    }
}

impl<R: BufRead> Lines<R> {
    /// Reads the next line that is not blank into `line`, reusing its memory; `false` at the
    /// end of the input.
    pub fn read_into(&mut self, line: &mut Line) -> std::io::Result<bool> {
        loop {
            self.buffer.clear();
            if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
                return Ok(false);
            }
            self.number += 1;
            while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
                self.buffer.pop();
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            line.number = self.number;
            line.raw.clear();
            match std::str::from_utf8(&self.buffer) {
                Ok(text) => {
                    line.raw.push_str(text);
                    line.event = serde_json::from_str::<Event>(&line.raw).map_err(|e| describe(&e));
                }
                Err(_) => {
                    line.raw.push_str(&String::from_utf8_lossy(&self.buffer));
                    line.event = Err("not a valid event: the line is not UTF-8 text".into());
                }
            }
            return Ok(true);
        }
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = std::io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Line::default();
        match self.read_into(&mut line) {
            Ok(true) => Some(Ok(line)),
            Ok(false) => None,
            Err(error) => Some(Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_and_bad_lines_with_numbers() {
        let text = "{\"at\":\"2026-10-01T09:00:00Z\",\"record\":\"INC1\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"vip\":true}}\n\n{\"at\":\"yesterday\",\"event\":\"x\"}\nnot json\n{\"at\":\"2026-10-01T09:00:00Z\",\"event\":\"created\",\"colour\":1}\n";
        let lines: Vec<Line> = Lines::new(text.as_bytes()).map(Result::unwrap).collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].event.is_ok());
        assert_eq!(lines[1].number, 3);
        assert!(
            lines[1]
                .event
                .as_ref()
                .unwrap_err()
                .contains("invalid timestamp `yesterday`"),
            "{:?}",
            lines[1].event
        );
        assert!(lines[2].event.is_err());
        assert!(
            lines[3]
                .event
                .as_ref()
                .unwrap_err()
                .contains("unknown field `colour`")
        );
    }
}
