//! What is wrong with a line of JSON, in the words of the person who wrote it.
//!
//! serde_json describes an error by the Rust types it was reading into (`expected u32`,
//! `expected struct Event`, `invalid type: sequence`); every reader of JSON input (events,
//! calendar queries) words its errors through [`json_problem`] instead.

/// What is wrong with a line of JSON, in the words of someone who writes JSON rather than of
/// the Rust types it was read into (`expected u32`, `expected struct Event`), with the column
/// when `column` (the line number is the caller's: serde_json only sees one line).
pub fn json_problem(error: &serde_json::Error, column: bool) -> String {
    let text = error.to_string();
    let (message, at) = match text.rsplit_once(" at line ") {
        Some((message, at)) => (message, at.split_once(" column ").map(|(_, c)| c)),
        None => (text.as_str(), None),
    };
    let message = reword(message);
    match at {
        Some(at) if column => format!("{message} (column {at})"),
        _ => message,
    }
}

/// A serde_json message with the Rust names in it replaced.
fn reword(message: &str) -> String {
    match message {
        "expected ident" | "expected value" => return "not valid JSON".into(),
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            return "a control character inside a text must be written escaped, e.g. `\\u001b`"
                .into();
        }
        _ => {}
    }
    let kinds = ["invalid type: ", "invalid value: "];
    if let Some((prefix, rest)) = kinds
        .iter()
        .find_map(|k| message.strip_prefix(k).map(|rest| (*k, rest)))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "{prefix}{}, expected {}",
            found_words(found),
            expected_words(expected)
        );
    }
    // serde's count is of the items it read before giving up, not the list's length.
    if let Some((_, expected)) = message
        .strip_prefix("invalid length ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!("expected {}, found a list", expected_words(expected));
    }
    message.to_string()
}

/// What serde says it found (`integer `1``, `sequence`), as JSON calls it.
fn found_words(found: &str) -> String {
    let kinds = [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("string ", "the text "),
        ("boolean ", ""),
    ];
    for (serde, json) in kinds {
        if let Some(value) = found.strip_prefix(serde) {
            return format!("{json}{value}");
        }
    }
    match found {
        "sequence" => "a list",
        "map" => "an object",
        "unit value" | "null" => "null",
        other => other,
    }
    .to_string()
}

/// What serde says it expected (`u32`, `struct Event`, `a map`), as JSON calls it.
fn expected_words(expected: &str) -> String {
    if expected.starts_with("struct Event") {
        return "an event (a JSON object)".into();
    }
    if expected.starts_with("internally tagged enum") {
        return "a JSON object with `op`".into();
    }
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of at least 0",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a map" => "an object",
        "a sequence" => "a list",
        "a string" => "text",
        "a boolean" => "`true` or `false`",
        other => other,
    }
    .to_string()
}
