//! Text made safe to show on a terminal.
//!
//! Record ids, event names and field values come from ticket systems, and file names and YAML
//! text from anyone who can write a file: printed raw, an escape sequence in them could move the
//! cursor, recolour or hide what a terminal shows, or a line break fake a line of output. Every
//! human-readable output escapes what it did not write itself with these functions; JSON output
//! needs nothing more than JSON's own escaping.

use std::borrow::Cow;

/// Whether a character could change what a terminal shows rather than show itself: the C0 and
/// C1 control characters, DEL, and the characters that reorder bidirectional text.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with `replace` applied to each unsafe character; borrowed when there is none.
fn escape<'a>(text: &'a str, keep: &[char], replace: impl Fn(char, &mut String)) -> Cow<'a, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep.contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && !keep.contains(&c) {
            replace(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `\u` and four hex digits, as JSON writes a control character.
fn json_escape(c: char, out: &mut String) {
    out.push_str(&format!("\\u{:04x}", u32::from(c)));
}

/// One line of text with every control or bidirectional formatting character (line breaks
/// included) written as `\u001b`, as JSON writes it: for ids and messages.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, &[], json_escape)
}

/// Like [`printable`], keeping line breaks: for text of several lines.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape(text, &['\n'], json_escape)
}

/// A line shown with a caret under it: each control character becomes one visible character
/// (its Unicode control picture, such as `␛` for ESC; `�` for those that have none), so the
/// caret stays under the column it points at.
pub fn printable_columns(text: &str) -> Cow<'_, str> {
    escape(text, &[], |c, out| {
        let code = u32::from(c);
        let picture = match code {
            0..=0x1f => char::from_u32(0x2400 + code),
            0x7f => Some('\u{2421}'),
            _ => None,
        };
        out.push(picture.unwrap_or('\u{fffd}'));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert!(matches!(printable("INC0001 ✓ område"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}[2J\u{7}x\ny\u{9b}\u{202e}"),
            "\\u001b[2J\\u0007x\\u000ay\\u009b\\u202e"
        );
        assert_eq!(printable_lines("a\u{1b}\nb"), "a\\u001b\nb");
        assert_eq!(
            printable_columns("a\u{1b}b\u{7f}\u{85}"),
            "a\u{241b}b\u{2421}\u{fffd}"
        );
    }
}
