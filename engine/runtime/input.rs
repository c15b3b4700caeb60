//! Events in: JSON Lines, one event per line, each read on its own so a bad line is rejected
//! with its number and reason while the rest go on. Lines are read in bounded memory
//! ([`RawLines`]): a line longer than the limit is rejected without being held whole.

use std::io::BufRead;

use crate::model::Event;

/// One line of the input, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line number, from 1.
    pub number: u64,
    /// The event, or why the line is not one.
    pub event: Result<Event, String>,
    /// The line as read, without its line break (kept by the journal); empty for a line longer
    /// than the limit, which is never held whole.
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
    let event = parse_event(&raw);
    Line { number, event, raw }
}

/// Reads one line's text as an event, or says why it is not one.
fn parse_event(raw: &str) -> Result<Event, String> {
    serde_json::from_str::<Event>(raw)
        .map_err(|e| format!("not a valid event: {}", crate::base::json_problem(&e, true)))
        .and_then(|event| match event.record.as_deref() {
            Some(id) if id.trim().is_empty() => Err(
                "not a valid event: `record` is empty; a record id needs at least one character that is not a space"
                    .to_string(),
            ),
            _ => Ok(event),
        })
}

/// The longest line read by default: 1 MiB. A longer line is rejected with its number and
/// reading goes on at the next line; it is never held in memory whole.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// The UTF-8 byte-order mark some editors put at the start of a text file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line as read by [`RawLines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLine {
    /// The line's text, without its line break.
    Text(String),
    /// The line is not UTF-8: its text with the bad bytes replaced.
    NotText(String),
    /// The line is longer than the limit, in bytes: it was skipped.
    TooLong(usize),
}

impl RawLine {
    /// Why the line cannot be read as text, if it cannot: lowercase, no final period.
    pub fn problem(&self) -> Option<String> {
        match self {
            RawLine::Text(_) => None,
            RawLine::NotText(_) => Some("the line is not UTF-8 text".into()),
            RawLine::TooLong(limit) => Some(format!(
                "the line is longer than {limit} bytes, the limit; it was skipped"
            )),
        }
    }
}

/// Reads lines from `reader` with their numbers (from 1), skipping blank lines and a leading
/// byte-order mark, holding at most the line-length limit in memory: a longer line is reported
/// as soon as it passes the limit (so input that never ends a line, such as `/dev/zero`, is
/// reported at once) and then skipped up to its end, chunk by chunk.
#[derive(Debug)]
pub struct RawLines<R> {
    reader: R,
    number: u64,
    buffer: Vec<u8>,
    limit: usize,
    /// The current line passed the limit and was reported; the rest of it is still to skip.
    skipping: bool,
    /// The last line read ended exactly where the reader's buffered bytes did: reading the
    /// next one waits on the input itself.
    caught_up: bool,
}

impl<R: BufRead> RawLines<R> {
    /// Reads from `reader` with the default limit, [`MAX_LINE_BYTES`].
    pub fn new(reader: R) -> RawLines<R> {
        RawLines {
            reader,
            number: 0,
            buffer: Vec::new(),
            limit: MAX_LINE_BYTES,
            skipping: false,
            caught_up: false,
        }
    }

    /// Sets the longest line accepted, in bytes (at least 1).
    #[must_use]
    pub fn limit(mut self, bytes: usize) -> RawLines<R> {
        self.limit = bytes.max(1);
        self
    }

    /// Skips lines until `number` lines are consumed (when resuming), holding none of them.
    pub fn skip_to(&mut self, number: u64) -> std::io::Result<()> {
        while self.number < number {
            if !self.skip_rest()? || self.reader.fill_buf()?.is_empty() {
                return Ok(());
            }
            self.number += 1;
            self.skipping = true;
        }
        self.skip_rest().map(drop)
    }

    /// Skips the rest of a line that was reported too long (or is being skipped); `false` when
    /// the input ended first.
    fn skip_rest(&mut self) -> std::io::Result<bool> {
        while self.skipping {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                self.skipping = false;
                return Ok(false);
            }
            let (used, ended) = match available.iter().position(|b| *b == b'\n') {
                Some(end) => (end + 1, true),
                None => (available.len(), false),
            };
            self.reader.consume(used);
            self.skipping = !ended;
        }
        Ok(true)
    }

    /// Reads the next line into the buffer; `None` at the end of the input, `Some(false)` when
    /// the line passed the limit (and the rest of it is to be skipped).
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buffer.clear();
        // Room for the `\r` of a CRLF line break, and for a byte-order mark on the first line.
        let slack = if self.number == 0 { 1 + BOM.len() } else { 1 };
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(any.then_some(true));
            }
            any = true;
            let buffered = available.len();
            let (line, used, ended) = match available.iter().position(|b| *b == b'\n') {
                Some(end) => (available.get(..end).unwrap_or(&[]), end + 1, true),
                None => (available, available.len(), false),
            };
            self.caught_up = used == buffered;
            if self.buffer.len() + line.len() > self.limit.saturating_add(slack) {
                self.reader.consume(used);
                self.skipping = !ended;
                return Ok(Some(false));
            }
            self.buffer.extend_from_slice(line);
            self.reader.consume(used);
            if ended {
                return Ok(Some(true));
            }
        }
    }

    /// Whether reading the next line waits on the input (nothing of it is buffered, or the
    /// rest of a long line is still to skip): a line from a pipe that has said all it has for
    /// now, for instance.
    pub fn caught_up(&self) -> bool {
        self.caught_up || self.skipping
    }

    /// Gives back the memory of a line already used, so the next line reuses it.
    pub fn recycle(&mut self, mut bytes: Vec<u8>) {
        if bytes.capacity() > self.buffer.capacity() && bytes.capacity() <= self.limit {
            bytes.clear();
            self.buffer = bytes;
        }
    }

    /// The next line that is not blank, with its number; `None` at the end of the input.
    pub fn next_line(&mut self) -> std::io::Result<Option<(u64, RawLine)>> {
        loop {
            if !self.skip_rest()? {
                return Ok(None);
            }
            let Some(fits) = self.read_line()? else {
                return Ok(None);
            };
            self.number += 1;
            if !fits {
                return Ok(Some((self.number, RawLine::TooLong(self.limit))));
            }
            if self.buffer.last() == Some(&b'\r') {
                self.buffer.pop();
            }
            let mut text = std::mem::take(&mut self.buffer);
            if self.number == 1 && text.starts_with(BOM) {
                text.drain(..BOM.len());
            }
            if text.len() > self.limit {
                return Ok(Some((self.number, RawLine::TooLong(self.limit))));
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                self.buffer = text;
                continue;
            }
            let line = match String::from_utf8(text) {
                Ok(text) => RawLine::Text(text),
                Err(error) => {
                    RawLine::NotText(String::from_utf8_lossy(error.as_bytes()).into_owned())
                }
            };
            return Ok(Some((self.number, line)));
        }
    }
}

/// Reads JSON Lines events from `reader` (see [`RawLines`]): each line is an event, or a
/// rejection with its number and reason; an I/O error ends the input with that error.
pub struct Lines<R> {
    raw: RawLines<R>,
}

impl<R: BufRead> Lines<R> {
    /// Reads from `reader`, with lines of at most [`MAX_LINE_BYTES`].
    pub fn new(reader: R) -> Lines<R> {
        Lines {
            raw: RawLines::new(reader),
        }
    }

    /// Sets the longest line accepted, in bytes.
    #[must_use]
    pub fn limit(self, bytes: usize) -> Lines<R> {
        Lines {
            raw: self.raw.limit(bytes),
        }
    }

    /// Starts counting after `number` lines already consumed (when resuming).
    pub fn skip_to(&mut self, number: u64) -> std::io::Result<()> {
        self.raw.skip_to(number)
    }

    /// Whether reading the next line waits on the input (see [`RawLines::caught_up`]).
    pub fn caught_up(&self) -> bool {
        self.raw.caught_up()
    }

    /// Reads the next line that is not blank into `line`, reusing its memory; `false` at the
    /// end of the input.
    pub fn read_into(&mut self, line: &mut Line) -> std::io::Result<bool> {
        let Some((number, raw)) = self.raw.next_line()? else {
            return Ok(false);
        };
        line.number = number;
        match raw {
            RawLine::Text(text) => {
                let old = std::mem::replace(&mut line.raw, text);
                self.raw.recycle(old.into_bytes());
                line.event = parse_event(&line.raw);
            }
            other => {
                line.event = Err(format!(
                    "not a valid event: {}",
                    other.problem().unwrap_or_default()
                ));
                line.raw.clear();
                if let RawLine::NotText(text) = other {
                    line.raw = text;
                }
            }
        }
        Ok(true)
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

    fn raw_lines(text: &[u8], chunk: usize, limit: usize) -> Vec<(u64, RawLine)> {
        let reader = std::io::BufReader::with_capacity(chunk, text);
        let mut lines = RawLines::new(reader).limit(limit);
        std::iter::from_fn(|| lines.next_line().unwrap()).collect()
    }

    #[test]
    fn long_lines_are_skipped_to_their_end_whatever_the_chunks() {
        let text = b"\xEF\xBB\xBFabc\r\n0123456789\n\n  \nxyz\r\n0123456789abc\nend";
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(
                raw_lines(text, chunk, 5),
                vec![
                    (1, RawLine::Text("abc".into())),
                    (2, RawLine::TooLong(5)),
                    (5, RawLine::Text("xyz".into())),
                    (6, RawLine::TooLong(5)),
                    (7, RawLine::Text("end".into())),
                ],
                "chunks of {chunk}"
            );
        }
        // Exactly at the limit, with or without a CRLF.
        assert_eq!(
            raw_lines(b"12345\r\n12345", 2, 5),
            vec![
                (1, RawLine::Text("12345".into())),
                (2, RawLine::Text("12345".into()))
            ]
        );
        assert_eq!(
            raw_lines(b"\xff\n", 8, 5),
            vec![(1, RawLine::NotText("\u{fffd}".into()))]
        );
    }

    #[test]
    fn a_line_that_never_ends_is_reported_at_once() {
        let endless = std::io::BufReader::new(std::io::repeat(0));
        let mut lines = RawLines::new(endless).limit(1000);
        assert_eq!(
            lines.next_line().unwrap(),
            Some((1, RawLine::TooLong(1000)))
        );
        assert!(lines.buffer.capacity() <= 8 * 1024);
    }

    #[test]
    fn resuming_skips_whole_lines_long_ones_too() {
        let text = b"a\n0123456789\nb\n\nc\n";
        let mut lines = RawLines::new(std::io::BufReader::with_capacity(2, &text[..])).limit(3);
        lines.skip_to(2).unwrap();
        assert_eq!(
            lines.next_line().unwrap(),
            Some((3, RawLine::Text("b".into())))
        );
        let mut lines = RawLines::new(&text[..]).limit(3);
        assert_eq!(
            lines.next_line().unwrap(),
            Some((1, RawLine::Text("a".into())))
        );
        assert_eq!(lines.next_line().unwrap(), Some((2, RawLine::TooLong(3))));
        let mut resumed = RawLines::new(&text[..]).limit(3);
        resumed.skip_to(4).unwrap();
        assert_eq!(
            resumed.next_line().unwrap(),
            Some((5, RawLine::Text("c".into())))
        );
        assert_eq!(resumed.next_line().unwrap(), None);
    }

    /// Gives one line per read, as a pipe fed as events happen does.
    struct LineAtATime(Vec<&'static [u8]>);

    impl std::io::Read for LineAtATime {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let line = self.0.remove(0);
            buf.get_mut(..line.len())
                .ok_or_else(|| std::io::Error::other("buffer too small"))?
                .copy_from_slice(line);
            Ok(line.len())
        }
    }

    #[test]
    fn a_line_that_used_up_what_the_input_gave_says_the_next_read_waits() {
        let reader = std::io::BufReader::new(LineAtATime(vec![b"{}\n", b"{}\n{}\n", b"{}\n"]));
        let mut lines = RawLines::new(reader);
        let mut caught_up = Vec::new();
        while lines.next_line().unwrap().is_some() {
            caught_up.push(lines.caught_up());
        }
        assert_eq!(caught_up, [true, false, true, true]);
        // A file read in large blocks is caught up only where a line ends a block.
        let text = "{}\n".repeat(10_000);
        let mut lines = RawLines::new(std::io::BufReader::with_capacity(300, text.as_bytes()));
        let mut waits = 0;
        while lines.next_line().unwrap().is_some() {
            waits += usize::from(lines.caught_up());
        }
        assert_eq!(waits, 100);
    }
}
