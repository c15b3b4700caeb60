//! The governance calendar as iCalendar (RFC 5545): one event per report due and per forum
//! meeting, for Outlook, Google Calendar and other calendar programs to import or subscribe to.
//!
//! The text is the same for the same bundle and window, byte for byte: events come in the
//! order of [`super::report_dues`] and [`super::schedule`] (by time), every `UID` is made of
//! the report or forum id and the period (so re-importing a later export updates the same
//! entries instead of adding copies), and `DTSTAMP` is the start of the window rather than the
//! time of the export. Times are written in UTC (`...Z`), which every client converts to its
//! own zone, so no `VTIMEZONE` is needed. Lines end in CRLF and are folded at 75 octets, at
//! character boundaries; text values are escaped as RFC 5545 section 3.3.11 says.

use chrono::DateTime;

use super::{Meeting, ReportDue};

/// What the calendar is called and which bundle it belongs to.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// The calendar's name (`X-WR-CALNAME`), e.g. the bundle's name.
    pub name: &'a str,
    /// The domain part of every `UID`, naming the bundle (e.g. `mod-bmc-ela.slaflow`).
    pub domain: &'a str,
    /// The `DTSTAMP` of every event: the start of the exported window.
    pub stamp: i64,
}

/// The iCalendar text of `dues` and `meetings`.
pub fn calendar(header: &Header<'_>, dues: &[ReportDue], meetings: &[Meeting]) -> String {
    let mut out = Ics::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//slaflow//governance calendar//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.property("X-WR-CALNAME", &text(header.name));
    let stamp = utc(header.stamp);
    for due in dues {
        out.line("BEGIN:VEVENT");
        out.property(
            "UID",
            &uid(&["report", &due.report, &due.period], header.domain),
        );
        out.property("DTSTAMP", &stamp);
        // An instant without DTEND: the event ends when it starts (RFC 5545, 3.6.1).
        out.property("DTSTART", &utc(due.due));
        out.property(
            "SUMMARY",
            &text(&format!("Report due: {} ({})", due.name, due.period)),
        );
        out.property(
            "DESCRIPTION",
            &text(&format!(
                "{} for {} ({} to {}) is due by {}.",
                due.name,
                due.period,
                utc_text(due.from),
                utc_text(due.to),
                utc_text(due.due)
            )),
        );
        out.property("CATEGORIES", "Report");
        out.property("TRANSP", "TRANSPARENT");
        out.line("END:VEVENT");
    }
    for meeting in meetings {
        out.line("BEGIN:VEVENT");
        out.property(
            "UID",
            &uid(&["forum", &meeting.forum, &meeting.period], header.domain),
        );
        out.property("DTSTAMP", &stamp);
        out.property("DTSTART", &utc(meeting.start));
        out.property("DTEND", &utc(meeting.end));
        out.property(
            "SUMMARY",
            &text(&format!("{} ({})", meeting.name, meeting.period)),
        );
        let mut description = String::new();
        if !meeting.agenda.is_empty() {
            description.push_str("Agenda:");
            for (i, item) in meeting.agenda.iter().enumerate() {
                description.push_str(&format!("\n{}. {item}", i + 1));
            }
        }
        for notice in &meeting.notices {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!(
                "Notice {} before ({}) to {}",
                notice.before,
                utc_text(notice.at),
                notice.to.join(", ")
            ));
            if let Some(message) = &notice.message {
                description.push_str(&format!(": {message}"));
            }
        }
        if !description.is_empty() {
            out.property("DESCRIPTION", &text(&description));
        }
        out.property("CATEGORIES", "Forum");
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.text
}

/// iCalendar text being written.
#[derive(Default)]
struct Ics {
    text: String,
}

impl Ics {
    /// Writes `NAME:value` (the value already escaped), folded.
    fn property(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }

    /// Writes one content line, folded at 75 octets: continuation lines start with a space and
    /// hold at most 74 more octets; a character is never split.
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let len = c.len_utf8();
            if width + len > 75 {
                self.text.push_str("\r\n ");
                width = 1;
            }
            self.text.push(c);
            width += len;
        }
        self.text.push_str("\r\n");
    }
}

/// A TEXT value escaped: backslash, semicolon, comma and newline.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A stable UID: the parts joined by `/`, each with characters other than ASCII letters,
/// digits, `-`, `.` and `_` percent-encoded (so a `/` inside an id cannot make two UIDs equal).
fn uid(parts: &[&str], domain: &str) -> String {
    let encode = |part: &str| {
        let mut out = String::new();
        for byte in part.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_') {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    };
    let joined: Vec<String> = parts.iter().map(|p| encode(p)).collect();
    format!("{}@{}", joined.join("/"), text(domain))
}

/// An instant as an iCalendar UTC DATE-TIME, e.g. `20261112T160000Z`.
fn utc(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| "19700101T000000Z".into())
}

/// An instant as people read it in a description, e.g. `2026-11-12 16:00 UTC`.
fn utc_text(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut ics = Ics::default();
        let value = "å".repeat(100);
        ics.line(&format!("SUMMARY:{value}"));
        for line in ics.text.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.text.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{value}\r\n"));
    }

    #[test]
    fn text_and_uids_are_escaped() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(
            uid(&["forum", "förvaltningsforum", "2026-11"], "x.slaflow"),
            "forum/f%C3%B6rvaltningsforum/2026-11@x.slaflow"
        );
        assert_eq!(utc(0), "19700101T000000Z");
    }
}
