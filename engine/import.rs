//! Importers: a ticketing system's own export becomes slaflow events (JSON Lines), in time
//! order, with every field change as it happened.
//!
//! Each vendor module ([`servicenow`], [`jira`], [`zammad`]) reads its payloads into the same
//! shape: a record's current state (the vendor's JSON) and its field changes. This module then
//! applies the [`map`]: it rebuilds the record's first state from the changes, turns vendor
//! values into bundle values (listing every value the map does not know, never guessing),
//! names each change as an event and sorts all events by time. It runs no engine and reads no
//! bundle; problems with the input are collected, never panicked on, and reported together.

pub mod map;

mod jira;
pub(crate) mod servicenow;
mod timeline;
mod zammad;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use map::{LoadedMap, Map};

/// The systems slaflow imports from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// ServiceNow: Table API records and their `sys_audit` history (JSON or CSV).
    Servicenow,
    /// Jira Service Management: issues from the REST search with `expand=changelog`.
    Jira,
    /// Zammad: tickets (`/api/v1/tickets`) and their history (`/api/v1/ticket_history/{id}`).
    Zammad,
}

impl Vendor {
    /// The name as written in a map and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Servicenow => "servicenow",
            Vendor::Jira => "jira",
            Vendor::Zammad => "zammad",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A file cannot be read.
    #[error("cannot read `{path}`: {error}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// The map file has problems (rendered diagnostics).
    #[error("{0}")]
    Map(String),
    /// The map is for another system than `--from`.
    #[error("`{path}` is a map for {map}, not for {from}")]
    WrongVendor {
        /// The map file.
        path: String,
        /// The system it maps.
        map: Vendor,
        /// The system asked for.
        from: Vendor,
    },
    /// The exports have problems; each names the file, record and field.
    #[error("{}", Problem::list(.0))]
    Input(Vec<Problem>),
    /// Vendor values the map does not list, each once.
    #[error("{}", Unmapped::list(.0, .1))]
    Unmapped(Vec<Unmapped>, String),
}

/// A problem with one place of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// The record (its id, or its position when it has none).
    pub record: Option<String>,
    /// The vendor field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(
        file: &str,
        record: Option<&str>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.to_string(),
            record: record.map(str::to_string),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    pub(crate) fn list(problems: &[Problem]) -> String {
        let mut text = String::new();
        for (n, problem) in problems.iter().enumerate() {
            if n > 0 {
                text.push_str("\nerror: ");
            }
            text.push_str(&problem.to_string());
        }
        text
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.file)?;
        if let Some(record) = &self.record {
            write!(f, ": record `{record}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A vendor value that the map's `values` for a field do not list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// The bundle field.
    pub field: String,
    /// The vendor field it comes from.
    pub from: String,
    /// The value.
    pub value: String,
    /// How many records hold it (at creation or in a change).
    pub records: usize,
    /// The first record that holds it.
    pub first_record: String,
    /// The file of that record.
    pub first_file: String,
}

impl Unmapped {
    fn list(unmapped: &[Unmapped], map: &str) -> String {
        let mut text = format!(
            "{} vendor {} not listed in `{map}`; add {} to the field's `values`:",
            unmapped.len(),
            if unmapped.len() == 1 {
                "value is"
            } else {
                "values are"
            },
            if unmapped.len() == 1 { "it" } else { "them" },
        );
        for u in unmapped {
            text.push_str(&format!(
                "\n  field `{}` (from `{}`): `{}` in {} record{}, first `{}` in `{}`",
                u.field,
                u.from,
                u.value,
                u.records,
                if u.records == 1 { "" } else { "s" },
                u.first_record,
                u.first_file
            ));
        }
        text
    }
}

/// One event written by the importer: a line of slaflow's event format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    /// When it happened, in UTC.
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// The record id.
    pub record: String,
    /// The record type, on the record's first event.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    /// The event name.
    pub event: String,
    /// The fields that are set (first event) or changed.
    pub fields: serde_json::Map<String, Value>,
}

fn rfc3339<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The events, in time order (records in input order at equal instants).
    pub events: Vec<Imported>,
    /// Things worth knowing that did not stop the import.
    pub warnings: Vec<String>,
    /// How many records were imported.
    pub records: usize,
}

impl Import {
    /// The events as JSON Lines.
    pub fn jsonl(&self) -> String {
        let mut out = String::new();
        for event in &self.events {
            out.push_str(&serde_json::to_string(event).unwrap_or_default());
            out.push('\n');
        }
        out
    }
}

/// What one webhook delivery's body holds.
#[derive(Debug, Clone)]
pub enum Payload {
    /// A record at one moment.
    Record(Delivery),
    /// Nothing to map (e.g. a Jira event that is not about an issue), and why.
    Ignored(String),
}

/// One vendor record at one moment, as a webhook delivers it: its current state, with no
/// history (the engine's state of the record is the state before).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The record id (by the map's `record_id`).
    pub record: String,
    /// When the change the delivery tells of happened, by the vendor's clock.
    pub at: DateTime<Utc>,
    /// An id of the delivery that the payload itself holds (ServiceNow: `sys_id` and
    /// `sys_mod_count`); Jira and Zammad send theirs in a header.
    pub key: Option<String>,
    source: Source,
}

/// What the engine holds of a record: the value of one of its bundle fields.
pub type Known<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// An event a delivery gives.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// The event.
    pub event: Imported,
    /// A `first` or an `at` rule named it: such a rule names one event per record, so the
    /// receiver remembers that it was given.
    pub once: bool,
}

/// A vendor record as its export module read it.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The file it came from.
    pub file: String,
    /// The record id (by the map's `record_id`).
    pub id: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// The vendor's record as exported: its current state.
    pub snapshot: Value,
    /// Its field changes, in the order the history lists them.
    pub changes: Vec<Change>,
}

/// One field change from a vendor's history.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    /// When.
    pub at: DateTime<Utc>,
    /// The field's names in the history (e.g. a Jira `fieldId` and `field`).
    pub names: Vec<String>,
    /// The value before, `None` when empty.
    pub old: Option<String>,
    /// The value after, `None` when empty.
    pub new: Option<String>,
}

/// Reads date-times as a vendor writes them.
#[derive(Debug, Clone)]
pub(crate) struct Times {
    vendor: Vendor,
    display: bool,
    zone: Option<Tz>,
    format: String,
}

impl Times {
    pub(crate) fn new(map: &LoadedMap) -> Times {
        Times {
            vendor: map.map.from.value,
            display: map.map.display_value == Some(map::DisplayValue::True),
            zone: map.time_zone,
            format: map.map.date_format().to_string(),
        }
    }

    /// A date-time field's value: RFC 3339, Jira's `2026-10-05T09:12:33.000+0200`, a
    /// ServiceNow `{"value": ...}` in UTC, or text without an offset (UTC for ServiceNow
    /// stored values, the map's `time_zone` for display values).
    pub fn read(&self, value: &Value) -> Result<DateTime<Utc>, String> {
        match value {
            Value::Object(object) => match object.get("value") {
                Some(Value::String(text)) => self.naive_utc(text),
                _ => Err("is not a date and time".into()),
            },
            Value::String(text) => {
                if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
                    return Ok(at.with_timezone(&Utc));
                }
                if let Ok(at) = DateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f%z") {
                    return Ok(at.with_timezone(&Utc));
                }
                if self.vendor == Vendor::Servicenow && !self.display {
                    self.naive_utc(text)
                } else {
                    self.local(text)
                }
            }
            Value::Null => Err("is empty".into()),
            _ => Err(format!("`{value}` is not a date and time")),
        }
    }

    /// Text without an offset, in UTC (a ServiceNow stored value).
    fn naive_utc(&self, text: &str) -> Result<DateTime<Utc>, String> {
        NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_utc())
            .map_err(|_| format!("`{text}` is not a date and time like `2026-10-05 13:00:00`"))
    }

    /// Text without an offset in the exporting user's zone (a display value).
    pub fn local(&self, text: &str) -> Result<DateTime<Utc>, String> {
        let Some(zone) = self.zone else {
            return Err(format!(
                "`{text}` has no time zone; display values are in the exporting user's zone: set `time_zone` in the map"
            ));
        };
        let naive = NaiveDateTime::parse_from_str(text.trim(), &self.format).map_err(|_| {
            format!(
                "`{text}` is not a date and time in the format `{}`",
                self.format
            )
        })?;
        match zone.from_local_datetime(&naive) {
            chrono::LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            chrono::LocalResult::None => Err(format!(
                "`{text}` does not exist in {zone} (the clocks went forward)"
            )),
        }
    }
}

/// The value at a dotted `path` of a vendor record: a key holding the whole remaining path
/// (ServiceNow's `caller_id.vip`) wins over nested objects (Jira's `fields.status.name`).
pub(crate) fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(path) {
        return Some(found);
    }
    let (head, rest) = path.split_once('.')?;
    lookup(object.get(head)?, rest)
}

/// A vendor value as text: strings as they are, numbers and booleans written out, empty
/// strings and null as `None`; a ServiceNow `{"display_value", "value"}` object gives one of
/// its two. Lists and other objects are not plain values.
pub(crate) fn text_of(value: &Value, display: bool) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Object(object) => {
            let key = if display { "display_value" } else { "value" };
            match object.get(key) {
                Some(
                    inner @ (Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_)),
                ) => text_of(inner, false),
                _ => Err(format!(
                    "is an object without `{key}`; point `from` at one of its keys ({})",
                    object
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        Value::Array(_) => Err("is a list, not a single value".into()),
    }
}

/// Reads the exports `files` with `map` and returns the events.
pub fn import(
    map: &LoadedMap,
    from: Vendor,
    files: &[std::path::PathBuf],
) -> Result<Import, ImportError> {
    if map.map.from.value != from {
        return Err(ImportError::WrongVendor {
            path: map.path.clone(),
            map: map.map.from.value,
            from,
        });
    }
    let mut texts = Vec::new();
    for path in files {
        let name = crate::source::display_path(path);
        let text = std::fs::read_to_string(path).map_err(|error| ImportError::Read {
            path: name.clone(),
            error,
        })?;
        texts.push((name, text));
    }
    import_texts(map, &texts)
}

/// Reads exports already in memory, each `(name, text)`.
pub fn import_texts(map: &LoadedMap, files: &[(String, String)]) -> Result<Import, ImportError> {
    let times = Times::new(map);
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let sources = match map.map.from.value {
        Vendor::Servicenow => servicenow::read(map, &times, files, &mut problems, &mut warnings),
        Vendor::Jira => jira::read(map, &times, files, &mut problems),
        Vendor::Zammad => zammad::read(map, &times, files, &mut problems, &mut warnings),
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for source in &sources {
        if let Some(first) = seen.insert(&source.id, &source.file) {
            problems.push(Problem::new(
                &source.file,
                Some(&source.id),
                None,
                format!("appears twice (also in `{first}`); give each record once"),
            ));
        }
    }
    let mut builder = timeline::Builder::new(map, &times);
    for source in &sources {
        builder.add(source, &mut problems);
    }
    if !problems.is_empty() {
        return Err(ImportError::Input(problems));
    }
    let (events, unmapped) = builder.finish();
    if !unmapped.is_empty() {
        return Err(ImportError::Unmapped(unmapped, map.path.clone()));
    }
    Ok(Import {
        events,
        warnings,
        records: sources.len(),
    })
}

/// Reads a webhook delivery's `body` with `map` (whose `from` is the sender): the record at
/// the moment it tells of, or problems naming the place in the body (not JSON, not the
/// vendor's shape, a field that cannot be read).
pub fn read_delivery(map: &LoadedMap, body: &[u8]) -> Result<Payload, ImportError> {
    let times = Times::new(map);
    let mut problems = Vec::new();
    let file = "body";
    let text = String::from_utf8_lossy(body);
    let read = parse_json(file, &text, &mut problems).and_then(|json| {
        if !json.is_object() {
            problems.push(Problem::new(file, None, None, "is not a JSON object"));
            return None;
        }
        match map.map.from.value {
            Vendor::Servicenow => servicenow::delivery(map, &times, &json, &mut problems),
            Vendor::Jira => jira::delivery(map, &times, &json, &mut problems),
            Vendor::Zammad => zammad::delivery(map, &times, &json, &mut problems),
        }
    });
    match read {
        Some(payload) if problems.is_empty() => Ok(payload),
        _ => Err(ImportError::Input(problems)),
    }
}

/// The events `delivery` gives against what the engine holds of its record: `known` gives
/// the record's bundle fields (`None`: the engine does not know the record), `given` whether
/// the event a `first` or `at` rule names was given for the record already, and `since` the
/// oldest instant an `at` rule's event is still new at. Values the map does not list are an
/// [`ImportError::Unmapped`], in the importer's words.
pub fn delivery_events(
    map: &LoadedMap,
    delivery: &Delivery,
    known: Option<Known<'_>>,
    given: &dyn Fn(&str) -> bool,
    since: DateTime<Utc>,
) -> Result<Vec<LiveEvent>, ImportError> {
    let times = Times::new(map);
    let mut problems = Vec::new();
    let mut builder = timeline::Builder::new(map, &times);
    let events = builder.moment(
        &delivery.source,
        delivery.at,
        known,
        given,
        since,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(ImportError::Input(problems));
    }
    let (_, unmapped) = builder.finish();
    if !unmapped.is_empty() {
        return Err(ImportError::Unmapped(unmapped, map.path.clone()));
    }
    Ok(events)
}

/// The object at `key` of a delivery's body, or a problem saying what the body must be.
pub(crate) fn body_object<'v>(
    body: &'v Value,
    key: &str,
    shape: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'v serde_json::Map<String, Value>> {
    let found = body.get(key).and_then(Value::as_object);
    if found.is_none() {
        problems.push(Problem::new(
            "body",
            None,
            Some(key),
            format!("is missing or not an object: {shape}"),
        ));
    }
    found
}

/// The record of a delivery, found at `file` in the body, and the instant in its `field`.
pub(crate) fn record_at(
    map: &LoadedMap,
    times: &Times,
    file: &str,
    record: &Value,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<(Source, DateTime<Utc>)> {
    let source = source_of(&map.map, times, file, 0, record, problems)?;
    let at = instant(times, file, &source.id, field, record.get(field), problems)?;
    Some((source, at))
}

/// A delivery of the record `source`, at `at`.
pub(crate) fn at_moment(source: Source, at: DateTime<Utc>, key: Option<String>) -> Payload {
    Payload::Record(Delivery {
        record: source.id.clone(),
        at,
        key,
        source,
    })
}

/// Parses a JSON export, or says why it cannot be read.
pub(crate) fn parse_json(file: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Value> {
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            problems.push(Problem::new(file, None, None, format!("not JSON: {error}")));
            None
        }
    }
}

/// A vendor record read as a [`Source`] with no changes yet: its id (by the map's
/// `record_id`) and creation instant, or problems naming it by its position.
pub(crate) fn source_of(
    map: &Map,
    times: &Times,
    file: &str,
    position: usize,
    record: &Value,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    let path = &map.record_id.value;
    let at = format!("#{}", position + 1);
    let id = match lookup(record, path).map(|v| text_of(v, false)) {
        Some(Ok(Some(id))) => id,
        Some(Err(why)) => {
            problems.push(Problem::new(file, Some(&at), Some(path), why));
            return None;
        }
        _ => {
            problems.push(Problem::new(
                file,
                Some(&at),
                Some(path),
                "is missing; every record needs an id",
            ));
            return None;
        }
    };
    let field = map.created_path();
    let created = instant(times, file, &id, field, lookup(record, field), problems)?;
    Some(Source {
        file: file.to_string(),
        id,
        created,
        snapshot: record.clone(),
        changes: Vec::new(),
    })
}

/// The instant in `value`, the field `field` of `record` in `file`, or a problem.
pub(crate) fn instant(
    times: &Times,
    file: &str,
    record: &str,
    field: &str,
    value: Option<&Value>,
    problems: &mut Vec<Problem>,
) -> Option<DateTime<Utc>> {
    let why = match value.map(|v| times.read(v)) {
        Some(Ok(at)) => return Some(at),
        Some(Err(why)) => why,
        None => "is missing".to_string(),
    };
    problems.push(Problem::new(file, Some(record), Some(field), why));
    None
}

/// Records and the history rows that name them by a key (ServiceNow's `sys_id`, Zammad's
/// `id`), joined once every file is read, whatever the order of the files.
pub(crate) struct Joiner<'m> {
    map: &'m Map,
    times: &'m Times,
    sources: Vec<Source>,
    keys: std::collections::HashMap<String, usize>,
    rows: Vec<(String, String, Change)>,
}

impl<'m> Joiner<'m> {
    /// Joins records read with `map`, their times read by `times`.
    pub(crate) fn new(map: &'m Map, times: &'m Times) -> Joiner<'m> {
        Joiner {
            map,
            times,
            sources: Vec::new(),
            keys: std::collections::HashMap::new(),
            rows: Vec::new(),
        }
    }

    /// Adds a record whose history rows name it by the value of its `key` field.
    pub(crate) fn record(
        &mut self,
        file: &str,
        position: usize,
        record: &Value,
        key: &str,
        problems: &mut Vec<Problem>,
    ) {
        let Some(source) = source_of(self.map, self.times, file, position, record, problems) else {
            return;
        };
        match record.get(key).map(|v| text_of(v, false)) {
            Some(Ok(Some(value))) => {
                self.keys.insert(value, self.sources.len());
                self.sources.push(source);
            }
            _ => problems.push(Problem::new(
                file,
                Some(&source.id),
                Some(key),
                "is missing; it joins the record to its history",
            )),
        }
    }

    /// Adds a history row of the record whose key is `key`.
    pub(crate) fn change(&mut self, file: &str, key: String, change: Change) {
        self.rows.push((file.to_string(), key, change));
    }

    /// The records with their changes in time order; rows of records not in the exports
    /// are counted in a warning per file (`rows` names one row and several).
    pub(crate) fn finish(mut self, rows: (&str, &str), warnings: &mut Vec<String>) -> Vec<Source> {
        let mut orphans: BTreeMap<String, usize> = BTreeMap::new();
        for (file, key, change) in std::mem::take(&mut self.rows) {
            match self.keys.get(&key).and_then(|&i| self.sources.get_mut(i)) {
                Some(source) => source.changes.push(change),
                None => *orphans.entry(file).or_default() += 1,
            }
        }
        for (file, count) in orphans {
            let (noun, verb) = if count == 1 {
                (rows.0, "concerns")
            } else {
                (rows.1, "concern")
            };
            warnings.push(format!(
                "{count} {noun} in `{file}` {verb} records not in the exports; ignored"
            ));
        }
        // Histories may list newest first; the history is their time order.
        for source in &mut self.sources {
            source.changes.sort_by_key(|c| c.at);
        }
        self.sources
    }
}
