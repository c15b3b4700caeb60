//! Zammad exports: tickets (`GET /api/v1/tickets?expand=true`, a list; `expand` writes
//! state, priority, group and owner by name) and their histories
//! (`GET /api/v1/ticket_history/{id}`, each `{"history": [...], "assets": {...}}`; a file may
//! hold one such response or a list of them).
//!
//! A history entry is `{"object": "Ticket", "o_id": 42, "type": "updated", "attribute":
//! "state", "value_from": "new", "value_to": "open", "created_at": "...Z"}`: Zammad writes
//! every time in UTC. The database column names (`history_object`, `history_type`,
//! `history_attribute`) are read too. Article entries and other objects are skipped.

use serde_json::Value;

use super::{
    Change, Joiner, LoadedMap, Payload, Problem, Source, Times, at_moment, body_object, instant,
    parse_json, record_at, text_of,
};

/// Reads every file: ticket lists and history responses, joined by ticket id.
pub(super) fn read(
    map: &LoadedMap,
    times: &Times,
    files: &[(String, String)],
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<String>,
) -> Vec<Source> {
    let mut joiner = Joiner::new(&map.map, times);
    for (file, text) in files {
        let Some(json) = parse_json(file, text, problems) else {
            continue;
        };
        let responses: Vec<&Value> = match &json {
            Value::Object(object) if object.contains_key("history") => vec![&json],
            Value::Array(items) if is_histories(items) => items.iter().collect(),
            Value::Array(tickets) => {
                for (position, ticket) in tickets.iter().enumerate() {
                    joiner.record(file, position, ticket, "id", problems);
                }
                continue;
            }
            _ => {
                problems.push(Problem::new(
                    file,
                    None,
                    None,
                    "neither a Zammad ticket list nor a ticket history (`{\"history\": [...]}`)",
                ));
                continue;
            }
        };
        for response in responses {
            let entries = response
                .get("history")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (n, entry) in entries.iter().enumerate() {
                if let Some((key, change)) = change_of(file, n, entry, times, problems) {
                    joiner.change(file, key, change);
                }
            }
        }
    }
    joiner.finish(("history entry", "history entries"), warnings)
}

/// Whether a list holds ticket history responses (rather than tickets).
fn is_histories(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("history").is_some())
}

/// One history entry as a change of a ticket attribute, with the ticket's id; `None` for
/// entries that change no ticket attribute (creation, articles, notifications).
fn change_of(
    file: &str,
    n: usize,
    entry: &Value,
    times: &Times,
    problems: &mut Vec<Problem>,
) -> Option<(String, Change)> {
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| entry.get(*k))
            .and_then(|v| text_of(v, false).ok().flatten())
    };
    let object = text(&["object", "history_object"]);
    let kind = text(&["type", "history_type"]);
    let attribute = text(&["attribute", "history_attribute"]);
    if object.as_deref() != Some("Ticket") || kind.as_deref() != Some("updated") {
        return None;
    }
    let attribute = attribute?;
    let at_entry = format!("history #{}", n + 1);
    let Some(key) = text(&["o_id"]) else {
        problems.push(Problem::new(
            file,
            Some(&at_entry),
            Some("o_id"),
            "is missing; it names the ticket",
        ));
        return None;
    };
    let at = instant(
        times,
        file,
        &at_entry,
        "created_at",
        entry.get("created_at"),
        problems,
    )?;
    let value = |k: &str| entry.get(k).and_then(|v| text_of(v, false).ok().flatten());
    Some((
        key,
        Change {
            at,
            names: vec![attribute],
            old: value("value_from"),
            new: value("value_to"),
        },
    ))
}

/// The ticket attributes a Zammad webhook sends as the associated object, with the key that
/// names the object in `GET /api/v1/tickets?expand=true` (which maps are written for).
const ASSOCIATIONS: [(&str, &str); 7] = [
    ("priority", "name"),
    ("group", "name"),
    ("organization", "name"),
    ("owner", "login"),
    ("customer", "login"),
    ("created_by", "login"),
    ("updated_by", "login"),
];

/// A Zammad trigger webhook body (the default payload): `{"ticket": {...}, "article":
/// {...}}`. The ticket's `priority`, `group`, `organization` and users come as objects; each
/// is read as the expanded ticket API writes it (the name, or the user's login), so one map
/// serves exports and webhooks. `updated_at` is the instant of the change.
pub(super) fn delivery(
    map: &LoadedMap,
    times: &Times,
    body: &Value,
    problems: &mut Vec<Problem>,
) -> Option<Payload> {
    let shape = "not a Zammad trigger webhook with the default payload (`{\"ticket\": {...}, \"article\": {...}}`)";
    let mut ticket = body_object(body, "ticket", shape, problems)?.clone();
    for (key, name) in ASSOCIATIONS {
        if let Some(Value::Object(object)) = ticket.get(key) {
            let named = object.get(name).cloned().unwrap_or(Value::Null);
            ticket.insert(key.to_string(), named);
        }
    }
    let ticket = Value::Object(ticket);
    let (source, at) = record_at(map, times, "ticket", &ticket, "updated_at", problems)?;
    Some(at_moment(source, at, None))
}
