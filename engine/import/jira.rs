//! Jira Service Management exports: pages of the REST issue search
//! (`GET /rest/api/3/search/jql?...&expand=changelog`, or the older `/rest/api/3/search`),
//! each `{"issues": [...]}`.
//!
//! An issue carries its current `fields` and its `changelog.histories`, each history a
//! `created` instant (`2026-10-05T09:12:33.000+0200`, in the time zone of the user the export
//! ran as) and `items` with `field`, `fieldId`, `fromString` and `toString`. The search embeds
//! at most a page of histories per issue; an issue whose changelog is cut is refused, since a
//! partial history would give wrong clocks.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    Change, LoadedMap, Payload, Problem, Source, Times, at_moment, body_object, instant,
    parse_json, source_of, text_of,
};

/// Reads every page of issues.
pub(super) fn read(
    map: &LoadedMap,
    times: &Times,
    files: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<Source> {
    let mut sources = Vec::new();
    for (file, text) in files {
        let Some(json) = parse_json(file, text, problems) else {
            continue;
        };
        let Some(issues) = json.get("issues").and_then(Value::as_array) else {
            problems.push(Problem::new(
                file,
                None,
                None,
                "not a Jira search response: no `issues` list",
            ));
            continue;
        };
        for (position, issue) in issues.iter().enumerate() {
            let Some(mut source) = source_of(&map.map, times, file, position, issue, problems)
            else {
                continue;
            };
            let Some(changes) = changelog(file, &source.id, issue, times, problems) else {
                continue;
            };
            source.changes = changes;
            sources.push(source);
        }
    }
    sources
}

/// The field changes of an issue's changelog, oldest first.
fn changelog(
    file: &str,
    id: &str,
    issue: &Value,
    times: &Times,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Change>> {
    let Some(log) = issue.get("changelog") else {
        problems.push(Problem::new(
            file,
            Some(id),
            Some("changelog"),
            "is missing; export with `expand=changelog`",
        ));
        return None;
    };
    let histories = log
        .get("histories")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if let Some(total) = log.get("total").and_then(Value::as_u64)
        && total > histories.len() as u64
    {
        problems.push(Problem::new(
            file,
            Some(id),
            Some("changelog"),
            format!(
                "holds {} of {total} histories; fetch the rest from `/rest/api/3/issue/{id}/changelog` into `histories`",
                histories.len()
            ),
        ));
        return None;
    }
    let mut changes = Vec::new();
    for (n, history) in histories.iter().enumerate() {
        let field = format!("changelog.histories[{n}].created");
        let Some(at) = instant(times, file, id, &field, history.get("created"), problems) else {
            continue;
        };
        let items = history
            .get("items")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for item in items {
            let name = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
            let names: Vec<String> = [name("fieldId"), name("field")]
                .into_iter()
                .flatten()
                .collect();
            let value = |key: &str| item.get(key).map_or(Ok(None), |v| text_of(v, false));
            match (value("fromString"), value("toString")) {
                (Ok(old), Ok(new)) => changes.push(Change {
                    at,
                    names,
                    old,
                    new,
                }),
                (Err(why), _) | (_, Err(why)) => problems.push(Problem::new(
                    file,
                    Some(id),
                    names.first().map(String::as_str),
                    format!("a changelog item {why}"),
                )),
            }
        }
    }
    // Jira lists histories newest first in some versions; the history is their time order.
    changes.sort_by_key(|c| c.at);
    Some(changes)
}

/// A Jira webhook body (`jira:issue_created`, `jira:issue_updated`, or any event that carries
/// the issue): `{"timestamp": <ms>, "webhookEvent": ..., "issue": {"key": ..., "fields":
/// {...}}, "changelog": {...}}`. The issue is read as a search result's issue; `timestamp`
/// (milliseconds since 1970) is the instant of the change. The changelog is not needed: the
/// engine's state of the issue is the state before.
pub(super) fn delivery(
    map: &LoadedMap,
    times: &Times,
    body: &Value,
    problems: &mut Vec<Problem>,
) -> Option<Payload> {
    let event = body.get("webhookEvent").and_then(Value::as_str);
    if event == Some("jira:issue_deleted") {
        return Some(Payload::Ignored(
            "a deleted issue is not mapped: its clocks stay as they are".into(),
        ));
    }
    if let Some(event) = event
        && body.get("issue").is_none()
    {
        return Some(Payload::Ignored(format!(
            "`{event}` is not about an issue; only issue events are mapped"
        )));
    }
    let shape = "not a Jira issue webhook (`{\"webhookEvent\": ..., \"issue\": {...}}`)";
    body_object(body, "issue", shape, problems)?;
    let issue = body.get("issue")?;
    let source = source_of(&map.map, times, "issue", 0, issue, problems)?;
    let at = body
        .get("timestamp")
        .and_then(Value::as_i64)
        .and_then(DateTime::<Utc>::from_timestamp_millis);
    let Some(at) = at else {
        problems.push(Problem::new(
            "body",
            Some(&source.id),
            Some("timestamp"),
            "is missing or not a whole number of milliseconds; Jira sends the instant of the change there",
        ));
        return None;
    };
    Some(at_moment(source, at, None))
}
