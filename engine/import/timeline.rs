//! From one vendor record and its changes to that record's events: the first state rebuilt
//! from the history, vendor values turned into bundle values, each change named by the map's
//! rules.
//!
//! The history says, for each change, the value before; so a field's first value is the
//! "before" of its first change, or its current value when it never changed. A ServiceNow
//! audit row of the insert itself (no value before, at the creation instant) gives the first
//! value instead of a change.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::map::{EventRule, FieldMap, LoadedMap, ValueType};
use super::{Change, Imported, LiveEvent, Problem, Source, Times, Unmapped, lookup, text_of};
use crate::base::same;
use crate::model::condition::FieldMatch;

/// Builds the events of every record, collecting unmapped values across records.
pub(super) struct Builder<'m> {
    map: &'m LoadedMap,
    times: &'m Times,
    events: Vec<Imported>,
    /// Unmapped values by (bundle field, vendor value), in the order first met.
    unmapped: Vec<Unmapped>,
    unmapped_at: HashMap<(String, String), usize>,
    /// Records already counted for an unmapped value, to count each record once.
    counted: HashMap<(usize, String), ()>,
}

/// One bundle field of the map, with its vendor names.
struct Column<'m> {
    name: &'m str,
    field: &'m FieldMap,
    history: Option<&'m str>,
}

impl<'m> Builder<'m> {
    pub(super) fn new(map: &'m LoadedMap, times: &'m Times) -> Builder<'m> {
        Builder {
            map,
            times,
            events: Vec::new(),
            unmapped: Vec::new(),
            unmapped_at: HashMap::new(),
            counted: HashMap::new(),
        }
    }

    /// The events in time order (stable: records in input order, a record's own order kept),
    /// and the unmapped values.
    pub(super) fn finish(mut self) -> (Vec<Imported>, Vec<Unmapped>) {
        self.events.sort_by_key(|e| e.at);
        (self.events, self.unmapped)
    }

    /// Adds the events of one record.
    pub(super) fn add(&mut self, source: &Source, problems: &mut Vec<Problem>) {
        let columns = self.columns();
        let before = problems.len();
        for change in &source.changes {
            if change.at < source.created {
                problems.push(Problem::new(
                    &source.file,
                    Some(&source.id),
                    change.names.first().map(String::as_str),
                    format!(
                        "changed at {} before the record was created ({})",
                        change.at.to_rfc3339(),
                        source.created.to_rfc3339()
                    ),
                ));
            }
        }
        // The first state, vendor text per column.
        let mut texts: Vec<Option<String>> = Vec::with_capacity(columns.len());
        for column in &columns {
            let current = current_text(source, column.field, problems);
            let first = column.history.and_then(|name| {
                source
                    .changes
                    .iter()
                    .find(|c| c.names.iter().any(|n| n == name))
            });
            texts.push(match first {
                Some(change) if is_insert(change, source.created) => change.new.clone(),
                Some(change) => change.old.clone(),
                None => current,
            });
        }
        let record_type = self.record_type(source, problems);
        if problems.len() > before {
            return;
        }
        let Some(record_type) = record_type else {
            return;
        };
        let mut state: Vec<Value> = Vec::with_capacity(columns.len());
        for (column, text) in columns.iter().zip(&texts) {
            state.push(self.convert(source, column, text.as_deref(), problems));
        }
        let mut fields = serde_json::Map::new();
        for (column, value) in columns.iter().zip(&state) {
            if !value.is_null() {
                fields.insert(column.name.to_string(), value.clone());
            }
        }
        self.events.push(Imported {
            at: source.created,
            record: source.id.clone(),
            record_type: Some(record_type),
            event: "created".into(),
            fields,
        });
        self.changes(source, &columns, state, problems);
    }

    /// The map's bundle fields, with their vendor names.
    fn columns(&self) -> Vec<Column<'m>> {
        let vendor = self.map.map.from.value;
        self.map
            .map
            .fields
            .iter()
            .map(|(name, field)| Column {
                name: name.value.as_str(),
                field,
                history: field.history_name(vendor),
            })
            .collect()
    }

    /// The events of one moment of a record (a webhook delivery, `source` with no changes,
    /// at the instant `at`): `created` with its current fields when the engine does not know
    /// the record (`known` is `None`); otherwise the change of its mapped fields from the
    /// values `known` gives (the engine's), named by the map's rules as [`Builder::add`]
    /// names a change. A `first` rule, or an `at` rule, names one event per record: `given`
    /// says whether its event was given for this record already, and an `at` instant before
    /// `since` is not new. Unmapped values are collected as by [`Builder::add`].
    pub(super) fn moment(
        &mut self,
        source: &Source,
        at: DateTime<Utc>,
        known: Option<super::Known<'_>>,
        given: &dyn Fn(&str) -> bool,
        since: DateTime<Utc>,
        problems: &mut Vec<Problem>,
    ) -> Vec<LiveEvent> {
        let columns = self.columns();
        let before = problems.len();
        let mut state: Vec<Value> = Vec::with_capacity(columns.len());
        for column in &columns {
            let text = current_text(source, column.field, problems);
            state.push(self.convert(source, column, text.as_deref(), problems));
        }
        let mut out = Vec::new();
        let mut fields = serde_json::Map::new();
        let mut old_of: HashMap<usize, Value> = HashMap::new();
        let rules = &self.map.map.events;
        let mut used: Vec<bool> = rules
            .iter()
            .map(|r| (r.value.first || r.value.at.is_some()) && given(&r.value.event))
            .collect();
        let mut named = None;
        match known {
            None => {
                let record_type = self.record_type(source, problems);
                if problems.len() > before {
                    return out;
                }
                let Some(record_type) = record_type else {
                    return out;
                };
                for (column, value) in columns.iter().zip(&state) {
                    if !value.is_null() {
                        fields.insert(column.name.to_string(), value.clone());
                    }
                }
                out.push(LiveEvent {
                    event: Imported {
                        at: source.created,
                        record: source.id.clone(),
                        record_type: Some(record_type),
                        event: "created".into(),
                        fields: std::mem::take(&mut fields),
                    },
                    once: false,
                });
            }
            Some(known) => {
                for (index, (column, new)) in columns.iter().zip(&state).enumerate() {
                    let old = known(column.name).unwrap_or(Value::Null);
                    if !same(&old, new) {
                        fields.insert(column.name.to_string(), new.clone());
                        old_of.insert(index, old);
                    }
                }
                let was = used.clone();
                named = self.name(&columns, &state, &old_of, &mut used).map(|name| {
                    let first = rules
                        .iter()
                        .zip(was.iter().zip(&used))
                        .any(|(r, (before, after))| r.value.first && !before && *after);
                    (name, first)
                });
            }
        }
        // The instants `at` rules name that are new: not given for this record yet, not
        // older than `since`.
        let mut timed: Vec<(DateTime<Utc>, String)> = Vec::new();
        for (rule, done) in rules.iter().zip(&used) {
            let Some(path) = &rule.value.at else { continue };
            if *done || !holds(&rule.value.when, &columns, &state) {
                continue;
            }
            let Some(value) = lookup(&source.snapshot, path).filter(|v| !v.is_null()) else {
                continue;
            };
            match self.times.read(value) {
                Ok(instant) if instant >= since => timed.push((instant, rule.value.event.clone())),
                Ok(_) => {}
                Err(why) => problems.push(Problem::new(
                    &source.file,
                    Some(&source.id),
                    Some(path),
                    why,
                )),
            }
        }
        if problems.len() > before {
            return Vec::new();
        }
        timed.sort_by_key(|(instant, _)| *instant);
        // A change no field rule names takes the name of an `at` rule of its instant.
        if named.is_none()
            && !fields.is_empty()
            && let Some(position) = timed.iter().position(|(instant, _)| *instant == at)
        {
            let (_, name) = timed.remove(position);
            named = Some((name, true));
        }
        let (name, once) = match named {
            Some((name, once)) => (Some(name), once),
            None if !fields.is_empty() => (Some("updated".to_string()), false),
            None => (None, false),
        };
        if let Some(name) = name {
            out.push(LiveEvent {
                event: Imported {
                    at,
                    record: source.id.clone(),
                    record_type: None,
                    event: name,
                    fields,
                },
                once,
            });
        }
        for (instant, name) in timed {
            out.push(LiveEvent {
                event: Imported {
                    at: instant,
                    record: source.id.clone(),
                    record_type: None,
                    event: name,
                    fields: serde_json::Map::new(),
                },
                once: true,
            });
        }
        out.sort_by_key(|e| e.event.at);
        out
    }

    /// The events of the record's changes, group by group (one group per instant).
    fn changes(
        &mut self,
        source: &Source,
        columns: &[Column<'m>],
        mut state: Vec<Value>,
        problems: &mut Vec<Problem>,
    ) {
        let mut groups: BTreeMap<DateTime<Utc>, Vec<&Change>> = BTreeMap::new();
        for change in &source.changes {
            if !is_insert(change, source.created) {
                groups.entry(change.at).or_default().push(change);
            }
        }
        let mut instants: BTreeMap<DateTime<Utc>, Vec<&'m EventRule>> = BTreeMap::new();
        for rule in &self.map.map.events {
            let Some(path) = &rule.value.at else { continue };
            let Some(value) = lookup(&source.snapshot, path).filter(|v| !v.is_null()) else {
                continue;
            };
            match self.times.read(value) {
                Ok(at) => instants.entry(at).or_default().push(&rule.value),
                Err(why) => problems.push(Problem::new(
                    &source.file,
                    Some(&source.id),
                    Some(path),
                    why,
                )),
            }
        }
        let mut used = vec![false; self.map.map.events.len()];
        let mut all: Vec<DateTime<Utc>> = groups.keys().chain(instants.keys()).copied().collect();
        all.sort();
        all.dedup();
        for at in all {
            let mut fields = serde_json::Map::new();
            let mut changed: Vec<(usize, Value)> = Vec::new();
            for change in groups.get(&at).into_iter().flatten() {
                for (index, column) in columns.iter().enumerate() {
                    let Some(name) = column.history else { continue };
                    if !change.names.iter().any(|n| n == name) {
                        continue;
                    }
                    let value = self.convert(source, column, change.new.as_deref(), problems);
                    if let Some(slot) = state.get_mut(index) {
                        if !same(slot, &value) {
                            changed.push((index, slot.clone()));
                        }
                        *slot = value;
                    }
                }
            }
            // The value before the instant; a field changed and changed back within one
            // instant is no change.
            let mut old_of: HashMap<usize, Value> = HashMap::new();
            for (index, old) in changed {
                old_of.entry(index).or_insert(old);
            }
            for (index, old) in &old_of {
                if let (Some(column), Some(new)) = (columns.get(*index), state.get(*index))
                    && !same(old, new)
                {
                    fields.insert(column.name.to_string(), new.clone());
                }
            }
            let named = self.name(columns, &state, &old_of, &mut used);
            let timed: Vec<&str> = instants
                .get(&at)
                .into_iter()
                .flatten()
                .filter(|rule| holds(&rule.when, columns, &state))
                .map(|rule| rule.event.as_str())
                .collect();
            let mut names: Vec<String> = Vec::new();
            match (named, timed.split_first()) {
                (Some(name), _) => {
                    names.push(name);
                    names.extend(timed.iter().map(|s| s.to_string()));
                }
                (None, Some((first, rest))) => {
                    names.push(first.to_string());
                    names.extend(rest.iter().map(|s| s.to_string()));
                }
                (None, None) if !fields.is_empty() => names.push("updated".into()),
                (None, None) => {}
            }
            for (n, event) in names.into_iter().enumerate() {
                self.events.push(Imported {
                    at,
                    record: source.id.clone(),
                    record_type: None,
                    event,
                    fields: if n == 0 {
                        fields.clone()
                    } else {
                        serde_json::Map::new()
                    },
                });
            }
        }
    }

    /// The name the first matching rule gives a change, if any.
    fn name(
        &self,
        columns: &[Column<'m>],
        state: &[Value],
        old_of: &HashMap<usize, Value>,
        used: &mut [bool],
    ) -> Option<String> {
        let index_of = |field: &str| columns.iter().position(|c| c.name == field);
        for (n, rule) in self.map.map.events.iter().enumerate() {
            let rule: &EventRule = &rule.value;
            let Some(field) = &rule.field else { continue };
            if rule.first && used.get(n).copied().unwrap_or(false) {
                continue;
            }
            let Some(index) = index_of(field) else {
                continue;
            };
            let (Some(old), Some(new)) = (old_of.get(&index), state.get(index)) else {
                continue;
            };
            if same(old, new) {
                continue;
            }
            let fits = |pattern: &Option<FieldMatch>, value: &Value| {
                pattern.as_ref().is_none_or(|p| matches(&p.0, value))
            };
            if fits(&rule.from, old) && fits(&rule.to, new) && holds(&rule.when, columns, state) {
                if let Some(slot) = used.get_mut(n) {
                    *slot = true;
                }
                return Some(rule.event.clone());
            }
        }
        None
    }

    /// The record type, by the map's `record_type`.
    fn record_type(&mut self, source: &Source, problems: &mut Vec<Problem>) -> Option<String> {
        let field = &self.map.map.record_type;
        let column = Column {
            name: "record_type",
            field,
            history: None,
        };
        let before = problems.len();
        let text = current_text(source, field, problems);
        if problems.len() > before {
            return None;
        }
        match self.convert(source, &column, text.as_deref(), problems) {
            Value::String(kind) if !kind.is_empty() => Some(kind),
            Value::Null if self.unmapped_for(source, "record_type") => None,
            other => {
                problems.push(Problem::new(
                    &source.file,
                    Some(&source.id),
                    field.from.as_ref().map(|f| f.value.as_str()),
                    format!("gives the record type `{other}`; a record type is a non-empty text"),
                ));
                None
            }
        }
    }

    fn unmapped_for(&self, source: &Source, field: &str) -> bool {
        self.unmapped
            .iter()
            .any(|u| u.field == field && u.first_record == source.id)
    }

    /// A vendor value as a bundle value, by the column's `value`, `values` and `type`.
    fn convert(
        &mut self,
        source: &Source,
        column: &Column<'_>,
        text: Option<&str>,
        problems: &mut Vec<Problem>,
    ) -> Value {
        let field = column.field;
        if let Some(constant) = &field.value {
            return constant.clone();
        }
        let from = field.from.as_ref().map_or("", |f| f.value.as_str());
        if let Some(values) = &field.values {
            let key = text.unwrap_or("");
            if let Some(value) = values.get(key) {
                return value.clone();
            }
            if text.is_none() {
                return Value::Null;
            }
            self.unmapped(source, column.name, from, key);
            return Value::Null;
        }
        let Some(text) = text else {
            return Value::Null;
        };
        match convert_text(text, field.kind.unwrap_or(ValueType::String)) {
            Ok(value) => value,
            Err(why) => {
                problems.push(Problem::new(
                    &source.file,
                    Some(&source.id),
                    Some(from),
                    why,
                ));
                Value::Null
            }
        }
    }

    fn unmapped(&mut self, source: &Source, field: &str, from: &str, value: &str) {
        let key = (field.to_string(), value.to_string());
        let index = match self.unmapped_at.get(&key) {
            Some(index) => *index,
            None => {
                self.unmapped.push(Unmapped {
                    field: field.to_string(),
                    from: from.to_string(),
                    value: value.to_string(),
                    records: 0,
                    first_record: source.id.clone(),
                    first_file: source.file.clone(),
                });
                let index = self.unmapped.len() - 1;
                self.unmapped_at.insert(key, index);
                index
            }
        };
        if self
            .counted
            .insert((index, source.id.clone()), ())
            .is_none()
            && let Some(entry) = self.unmapped.get_mut(index)
        {
            entry.records += 1;
        }
    }
}

/// The current vendor value of a field, as text; a value that is not plain is a problem.
fn current_text(source: &Source, field: &FieldMap, problems: &mut Vec<Problem>) -> Option<String> {
    let from = field.from.as_ref()?;
    match text_of(lookup(&source.snapshot, &from.value)?, field.display) {
        Ok(text) => text,
        Err(why) => {
            problems.push(Problem::new(
                &source.file,
                Some(&source.id),
                Some(&from.value),
                why,
            ));
            None
        }
    }
}

/// A ServiceNow audit row of the insert: no value before, at the creation instant.
fn is_insert(change: &Change, created: DateTime<Utc>) -> bool {
    change.old.is_none() && change.at <= created
}

/// Whether the record's bundle fields (`state`, by column) meet a rule's `when`.
fn holds(
    when: &indexmap::IndexMap<String, FieldMatch>,
    columns: &[Column<'_>],
    state: &[Value],
) -> bool {
    when.iter().all(|(field, pattern)| {
        columns
            .iter()
            .position(|c| c.name == field)
            .and_then(|i| state.get(i))
            .is_some_and(|v| matches(&pattern.0, v))
    })
}

/// Whether `value` is `pattern` or one of the items of a `pattern` list.
fn matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Array(items) => items.iter().any(|p| same(p, value)),
        _ => same(pattern, value),
    }
}

/// Vendor text as a value of `kind`.
fn convert_text(text: &str, kind: ValueType) -> Result<Value, String> {
    let trimmed = text.trim();
    match kind {
        ValueType::String => Ok(Value::String(text.to_string())),
        ValueType::Integer => trimmed
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not a whole number")),
        ValueType::Number => trimmed
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        ValueType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
    }
}
