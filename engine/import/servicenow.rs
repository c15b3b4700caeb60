//! ServiceNow exports: Table API records (`{"result": [...]}` from
//! `GET /api/now/table/{tableName}`) and their `sys_audit` rows, as the same API's JSON or as
//! a CSV list export.
//!
//! A record joins its audit rows by `sys_id` = `documentkey`. Values come in the three shapes
//! of `sysparm_display_value` (plain stored values, plain display values, or
//! `{"display_value", "value"}` objects). Audit rows hold stored values (choice values,
//! reference `sys_id`s, date-times in UTC) whatever the request; a CSV export writes its own
//! `sys_created_on` as a display value, in the exporting user's time zone and date format.
//! Rows of a `task_sla` export (the vendor's SLA results, read by [`crate::reconcile`]) are
//! skipped, so the same files can go to both commands.

use serde_json::Value;

use super::{
    Change, Joiner, LoadedMap, Payload, Problem, Source, Times, at_moment, body_object, instant,
    parse_json, record_at, text_of,
};

/// The columns of an audit row the importer reads.
const AUDIT_COLUMNS: [&str; 5] = [
    "documentkey",
    "fieldname",
    "oldvalue",
    "newvalue",
    "sys_created_on",
];

/// Reads every file: records and audit rows, joined.
pub(super) fn read(
    map: &LoadedMap,
    times: &Times,
    files: &[(String, String)],
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<String>,
) -> Vec<Source> {
    let mut joiner = Joiner::new(&map.map, times);
    for (file, text) in files {
        if is_csv(file, text) {
            read_csv(file, text, times, &mut joiner, problems);
            continue;
        }
        let Some(json) = parse_json(file, text, problems) else {
            continue;
        };
        let Some(rows) = json.get("result").and_then(Value::as_array) else {
            problems.push(Problem::new(
                file,
                None,
                None,
                "not a ServiceNow Table API response: no `result` list",
            ));
            continue;
        };
        for (position, row) in rows.iter().enumerate() {
            if is_task_sla(row) {
                // SLA results, which `slaflow reconcile` compares; no record of the history.
                continue;
            }
            if row.get("documentkey").is_some() && row.get("fieldname").is_some() {
                if let Some((key, change)) = audit_of(file, position, row, times, problems) {
                    joiner.change(file, key, change);
                }
            } else {
                joiner.record(file, position, row, "sys_id", problems);
            }
        }
    }
    joiner.finish(("audit row", "audit rows"), warnings)
}

/// Whether a Table API row is a `task_sla` record: the vendor's SLA result for a task.
pub(crate) fn is_task_sla(row: &Value) -> bool {
    ["task", "sla", "stage"]
        .iter()
        .all(|k| row.get(k).is_some())
}

fn is_csv(file: &str, text: &str) -> bool {
    file.to_ascii_lowercase().ends_with(".csv")
        || !matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// One audit row of a JSON export: the `documentkey` it changes, and the change.
fn audit_of(
    file: &str,
    position: usize,
    row: &Value,
    times: &Times,
    problems: &mut Vec<Problem>,
) -> Option<(String, Change)> {
    let at_row = format!("sys_audit #{}", position + 1);
    let text = |column: &str, problems: &mut Vec<Problem>| {
        let why = match row.get(column).map(|v| text_of(v, false)) {
            Some(Ok(text)) => return Some(text),
            Some(Err(why)) => why,
            None => "is missing".to_string(),
        };
        problems.push(Problem::new(file, Some(&at_row), Some(column), why));
        None
    };
    let key = text("documentkey", problems)??;
    let field = text("fieldname", problems)??;
    let old = text("oldvalue", problems)?;
    let new = text("newvalue", problems)?;
    let column = "sys_created_on";
    let at = instant(times, file, &at_row, column, row.get(column), problems)?;
    let names = vec![field];
    Some((
        key,
        Change {
            at,
            names,
            old,
            new,
        },
    ))
}

/// The audit rows of a CSV list export (`sys_audit_list.do?CSV`).
fn read_csv(
    file: &str,
    text: &str,
    times: &Times,
    joiner: &mut Joiner,
    problems: &mut Vec<Problem>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            problems.push(Problem::new(file, None, None, format!("not CSV: {error}")));
            return;
        }
    };
    let mut columns = [0usize; 5];
    for (slot, name) in columns.iter_mut().zip(AUDIT_COLUMNS) {
        match headers.iter().position(|h| h.trim() == name) {
            Some(index) => *slot = index,
            None => {
                problems.push(Problem::new(
                    file,
                    None,
                    Some(name),
                    format!(
                        "no such column; a sys_audit export needs {}",
                        AUDIT_COLUMNS.map(|c| format!("`{c}`")).join(", ")
                    ),
                ));
                return;
            }
        }
    }
    let [key, field, old, new, created] = columns;
    for (n, row) in reader.records().enumerate() {
        let at_row = format!("line {}", n + 2);
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                problems.push(Problem::new(
                    file,
                    Some(&at_row),
                    None,
                    format!("not CSV: {error}"),
                ));
                continue;
            }
        };
        let cell = |i: usize| row.get(i).map(str::to_string).filter(|s| !s.is_empty());
        let stamp = row.get(created).unwrap_or("");
        let at = match times.local(stamp) {
            Ok(at) => at,
            Err(why) => {
                problems.push(Problem::new(
                    file,
                    Some(&at_row),
                    Some("sys_created_on"),
                    why,
                ));
                continue;
            }
        };
        let (Some(document), Some(name)) = (cell(key), cell(field)) else {
            problems.push(Problem::new(
                file,
                Some(&at_row),
                Some("documentkey"),
                "is empty",
            ));
            continue;
        };
        let change = Change {
            at,
            names: vec![name],
            old: cell(old),
            new: cell(new),
        };
        joiner.change(file, document, change);
    }
}

/// A ServiceNow delivery: ServiceNow has no webhook of its own, so a business rule posts the
/// record with an outbound REST message, as `{"current": {...}}` where `current` is the
/// record as the Table API writes it (in the map's `display_value` shape). `sys_updated_on`
/// is the instant of the change; `sys_id` and `sys_mod_count` (which every update raises) make
/// the delivery's id.
pub(super) fn delivery(
    map: &LoadedMap,
    times: &Times,
    body: &Value,
    problems: &mut Vec<Problem>,
) -> Option<Payload> {
    let shape = "post the record as `{\"current\": {...}}`";
    body_object(body, "current", shape, problems)?;
    let current = body.get("current")?;
    let (source, at) = record_at(map, times, "current", current, "sys_updated_on", problems)?;
    let mut key = Vec::new();
    for column in ["sys_id", "sys_mod_count"] {
        match current.get(column).map(|v| text_of(v, false)) {
            Some(Ok(Some(text))) => key.push(text),
            _ => problems.push(Problem::new(
                "current",
                Some(&source.id),
                Some(column),
                "is missing; `sys_id` and `sys_mod_count` make the delivery's id",
            )),
        }
    }
    if key.len() < 2 {
        return None;
    }
    Some(at_moment(source, at, Some(key.join("."))))
}
