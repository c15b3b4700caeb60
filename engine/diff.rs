//! A semantic diff of two bundles: what an edit changes in agreements and targets, calendars
//! (and the working time they give), RACI letters, escalation paths and rate cards, rather than
//! which lines of YAML moved.
//!
//! Both bundles are already loaded and validated (`uses`, `overrides` and `role_map` applied),
//! so a value inherited from the library and the same value written out compare equal. Entries
//! are compared by id; within an entry, mappings are compared key by key and everything else
//! (lists, conditions' values, durations) as a whole, written as the YAML would write it. This
//! module computes; [`render`] writes Markdown and JSON; it reads no file and asks no clock.

mod calendar;
pub mod render;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::model::{Bundle, IdMap};
use crate::source::SourceMap;

/// What part of a bundle a change is in; changes are shown grouped by area, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// An agreement as a whole, or one of its own fields.
    Agreement,
    /// A target of an agreement.
    Target,
    /// A calendar: hours, holidays, exceptions.
    Calendar,
    /// A process or one of its steps (RACI letters apart).
    Process,
    /// The RACI letters of a role on a process step.
    Raci,
    /// An escalation matrix, its topics and levels.
    Escalation,
    /// A rate card.
    RateCard,
    /// Roles, KPIs, reports, forums, record rules and behaviour tests.
    Other,
}

impl Area {
    /// The heading of the area in Markdown.
    pub fn title(self) -> &'static str {
        match self {
            Area::Agreement => "Agreements",
            Area::Target => "Targets",
            Area::Calendar => "Calendars",
            Area::Process => "Processes",
            Area::Raci => "RACI",
            Area::Escalation => "Escalations",
            Area::RateCard => "Rate cards",
            Area::Other => "Other",
        }
    }
}

/// The kind of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    /// In the new bundle only.
    Added,
    /// In the old bundle only.
    Removed,
    /// In both, with another value.
    Changed,
}

impl What {
    /// The change from a value that is there (or not) to one that is there (or not).
    fn between(old: bool, new: bool) -> What {
        match (old, new) {
            (false, _) => What::Added,
            (_, false) => What::Removed,
            _ => What::Changed,
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The area.
    pub area: Area,
    /// The entry, e.g. `metlife-desk-side-sla/vip-response` or `itil-slm/1.1`.
    pub id: String,
    /// Added, removed or changed.
    pub change: What,
    /// What changed within the entry, e.g. `goal`, `hours.fri`, `level 2 after`, a role id;
    /// none when the entry itself was added or removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The old value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// A month whose working time differs between the two versions of a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkingTime {
    /// The calendar.
    pub calendar: String,
    /// The month, `2026-12`; the first month starts at `from`, the last ends 12 months later.
    pub month: String,
    /// Working seconds in the old calendar.
    pub old_seconds: u64,
    /// Working seconds in the new calendar.
    pub new_seconds: u64,
}

/// Everything that differs between two bundles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The old bundle, as given.
    pub old: String,
    /// The new bundle, as given.
    pub new: String,
    /// The first day of the 12 months whose working time is compared.
    #[serde(serialize_with = "date")]
    pub from: NaiveDate,
    /// Whether the bundles mean the same.
    pub equal: bool,
    /// The differences, by area, in the order of the bundles.
    pub changes: Vec<Change>,
    /// The months whose working time differs, per calendar in both bundles.
    pub working_time: Vec<WorkingTime>,
}

fn date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

/// A bundle to compare: the loaded bundle and its files (holiday files are read from them).
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// How the bundle was named.
    pub name: &'a str,
    /// The bundle.
    pub bundle: &'a Bundle,
    /// Its files.
    pub sources: &'a SourceMap,
}

/// Compares two bundles; working time is compared over the 12 months from `from`.
pub fn diff(old: Side<'_>, new: Side<'_>, from: NaiveDate) -> Diff {
    let mut out = Changes::default();
    agreements(old.bundle, new.bundle, &mut out);
    calendar::calendars(old, new, &mut out);
    processes(old.bundle, new.bundle, &mut out);
    escalations(old.bundle, new.bundle, &mut out);
    sections(
        Area::RateCard,
        &old.bundle.rate_cards,
        &new.bundle.rate_cards,
        &mut out,
    );
    let other = Area::Other;
    sections(other, &old.bundle.roles, &new.bundle.roles, &mut out);
    sections(other, &old.bundle.kpis, &new.bundle.kpis, &mut out);
    sections(other, &old.bundle.reports, &new.bundle.reports, &mut out);
    sections(other, &old.bundle.forums, &new.bundle.forums, &mut out);
    sections(other, &old.bundle.rules, &new.bundle.rules, &mut out);
    sections(other, &old.bundle.tests, &new.bundle.tests, &mut out);
    let working_time = calendar::working_time(old, new, from);
    let mut changes = out.0;
    changes.sort_by_key(|c| c.area);
    Diff {
        old: old.name.to_string(),
        new: new.name.to_string(),
        from,
        equal: changes.is_empty() && working_time.is_empty(),
        changes,
        working_time,
    }
}

/// The changes found so far.
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(
        &mut self,
        area: Area,
        id: &str,
        change: What,
        field: Option<String>,
        old: Option<Value>,
        new: Option<Value>,
    ) {
        self.0.push(Change {
            area,
            id: id.to_string(),
            change,
            field,
            old,
            new,
        });
    }

    /// An entry in one bundle only.
    fn presence(&mut self, area: Area, id: &str, in_old: bool) {
        let change = if in_old { What::Removed } else { What::Added };
        self.push(area, id, change, None, None, None);
    }

    /// Compares two values key by key through mappings, as a whole otherwise; `skip` names
    /// keys (at the top) that the caller compares itself.
    fn values(
        &mut self,
        area: Area,
        id: &str,
        path: &str,
        old: &Value,
        new: &Value,
        skip: &[&str],
    ) {
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let mut keys: Vec<&String> = a.keys().collect();
                keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
                let top = path.is_empty();
                for key in keys
                    .into_iter()
                    .filter(|k| !(top && skip.contains(&k.as_str())))
                {
                    let (x, y) = (
                        a.get(key).unwrap_or(&Value::Null),
                        b.get(key).unwrap_or(&Value::Null),
                    );
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    self.values(area, id, &inner, x, y, skip);
                }
            }
            _ if same(old, new) => {}
            _ => {
                let change = What::between(!empty(old), !empty(new));
                let field = (!path.is_empty()).then(|| path.to_string());
                let keep = |v: &Value| (!empty(v)).then(|| v.clone());
                self.push(area, id, change, field, keep(old), keep(new));
            }
        }
    }
}

/// Whether a value says nothing (an absent option or an empty list or mapping).
fn empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Equal values, where nothing and an empty list or mapping are the same.
fn same(a: &Value, b: &Value) -> bool {
    (empty(a) && empty(b)) || a == b
}

/// A model value as JSON, as it serializes (spans dropped, durations as written), without
/// the members that say nothing (absent options, empty lists and mappings).
fn json<T: Serialize>(value: &T) -> Value {
    let mut value = serde_json::to_value(value).unwrap_or(Value::Null);
    prune(&mut value);
    value
}

fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(prune);
            map.retain(|_, v| !empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

/// Compares one section entry by entry.
fn sections<K: std::borrow::Borrow<str> + std::hash::Hash + Eq, V: Serialize>(
    area: Area,
    old: &crate::model::Section<K, V>,
    new: &crate::model::Section<K, V>,
    out: &mut Changes,
) {
    each(old, new, |id, a, b| match (a, b) {
        (Some(a), Some(b)) => out.values(area, id, "", &json(a), &json(b), &[]),
        (a, _) => out.presence(area, id, a.is_some()),
    });
}

/// Calls `f` for every id of either section: the old ones in order, then the new ones.
fn each<'a, K: std::borrow::Borrow<str> + std::hash::Hash + Eq, V>(
    old: &'a crate::model::Section<K, V>,
    new: &'a crate::model::Section<K, V>,
    mut f: impl FnMut(&str, Option<&'a V>, Option<&'a V>),
) {
    for (id, entry) in old.iter() {
        f(id.borrow(), Some(&entry.value), new.get(id.borrow()));
    }
    for (id, entry) in new.iter() {
        if old.get(id.borrow()).is_none() {
            f(id.borrow(), None, Some(&entry.value));
        }
    }
}

/// Calls `f` for every key of either map: the old ones in order, then the new ones.
fn each_key<'a, K: std::borrow::Borrow<str>, V>(
    old: &'a IdMap<K, V>,
    new: &'a IdMap<K, V>,
    mut f: impl FnMut(&str, Option<&'a V>, Option<&'a V>),
) {
    for (id, value) in old.iter() {
        f(id.value.borrow(), Some(value), new.get(id.value.borrow()));
    }
    for (id, value) in new.iter() {
        if old.get(id.value.borrow()).is_none() {
            f(id.value.borrow(), None, Some(value));
        }
    }
}

/// Agreements, and their targets one by one (targets of one measure are tried in order, so
/// their order is compared too).
fn agreements(old: &Bundle, new: &Bundle, out: &mut Changes) {
    each(&old.agreements, &new.agreements, |id, a, b| {
        let (Some(a), Some(b)) = (a, b) else {
            return out.presence(Area::Agreement, id, a.is_some());
        };
        out.values(Area::Agreement, id, "", &json(a), &json(b), &["targets"]);
        each_key(&a.targets, &b.targets, |target, x, y| {
            let path = format!("{id}/{target}");
            match (x, y) {
                (Some(x), Some(y)) => out.values(Area::Target, &path, "", &json(x), &json(y), &[]),
                (x, y) => {
                    out.presence(Area::Target, &path, x.is_some());
                    // Say what the target promised or promises.
                    if let Some(last) = out.0.last_mut() {
                        let brief = |t: &crate::model::Target| {
                            let mut v = json(t);
                            if let Value::Object(map) = &mut v {
                                map.retain(|k, _| {
                                    matches!(
                                        k.as_str(),
                                        "goal"
                                            | "deadline"
                                            | "availability"
                                            | "objective"
                                            | "calendar"
                                    )
                                });
                            }
                            v
                        };
                        last.old = x.map(brief);
                        last.new = y.map(brief);
                    }
                }
            }
        });
        let order = |targets: &IdMap<crate::model::TargetId, crate::model::Target>,
                     other: &IdMap<_, _>|
         -> Vec<String> {
            targets
                .iter()
                .map(|(k, _)| k.value.as_str().to_string())
                .filter(|k| other.get(k).is_some())
                .collect()
        };
        let (before, after) = (order(&a.targets, &b.targets), order(&b.targets, &a.targets));
        if before != after {
            out.push(
                Area::Agreement,
                id,
                What::Changed,
                Some("target order".into()),
                Some(json(&before)),
                Some(json(&after)),
            );
        }
    });
}

/// Processes: their own fields, each step's fields, and the RACI letters role by role.
fn processes(old: &Bundle, new: &Bundle, out: &mut Changes) {
    each(&old.processes, &new.processes, |id, a, b| {
        let (Some(a), Some(b)) = (a, b) else {
            return out.presence(Area::Process, id, a.is_some());
        };
        out.values(
            Area::Process,
            id,
            "",
            &json(a),
            &json(b),
            &["procedures", "overrides", "uses", "role_map"],
        );
        let steps = |p: &crate::model::Process| -> IdMap<crate::model::StepId, crate::model::process::Step> {
            let mut all = IdMap::default();
            for (_, procedure) in p.procedures.iter() {
                for (step, value) in procedure.steps.iter() {
                    all.push(step.clone(), value.clone());
                }
            }
            all
        };
        each_key(&procedures(a), &procedures(b), |procedure, x, y| {
            let path = format!("{id}/{procedure}");
            match (x, y) {
                (Some(x), Some(y)) => out.values(Area::Process, &path, "", x, y, &[]),
                (x, _) => out.presence(Area::Process, &path, x.is_some()),
            }
        });
        each_key(&steps(a), &steps(b), |step, x, y| {
            let path = format!("{id}/{step}");
            let (Some(x), Some(y)) = (x, y) else {
                return out.presence(Area::Process, &path, x.is_some());
            };
            out.values(Area::Process, &path, "", &json(x), &json(y), &["raci"]);
            each_key(&x.raci, &y.raci, |role, p, q| {
                let letters = |r: Option<&crate::model::Spanned<crate::model::process::Raci>>| {
                    r.map(|r| Value::String(r.value.to_string()))
                };
                let (p, q) = (letters(p), letters(q));
                if p != q {
                    let change = What::between(p.is_some(), q.is_some());
                    out.push(Area::Raci, &path, change, Some(role.to_string()), p, q);
                }
            });
        });
    });
}

/// A process's procedures without their steps (compared step by step instead).
fn procedures(process: &crate::model::Process) -> IdMap<crate::model::StepId, Value> {
    let mut all = IdMap::default();
    for (id, procedure) in process.procedures.iter() {
        let mut value = json(procedure);
        if let Value::Object(map) = &mut value {
            map.remove("steps");
        }
        all.push(id.clone(), value);
    }
    all
}

/// Escalation matrices: their fields, their topics, and each topic's levels one by one.
fn escalations(old: &Bundle, new: &Bundle, out: &mut Changes) {
    each(&old.escalations, &new.escalations, |id, a, b| {
        let (Some(a), Some(b)) = (a, b) else {
            return out.presence(Area::Escalation, id, a.is_some());
        };
        out.values(
            Area::Escalation,
            id,
            "",
            &json(a),
            &json(b),
            &["topics", "uses", "role_map"],
        );
        each_key(&a.topics, &b.topics, |topic, x, y| {
            let path = format!("{id}/{topic}");
            let (Some(x), Some(y)) = (x, y) else {
                return out.presence(Area::Escalation, &path, x.is_some());
            };
            out.values(Area::Escalation, &path, "", &json(x), &json(y), &["levels"]);
            let count = x.levels.len().max(y.levels.len());
            for n in 0..count {
                let level = format!("level {}", n + 1);
                match (x.levels.get(n), y.levels.get(n)) {
                    (Some(p), Some(q)) => {
                        out.values(Area::Escalation, &path, &level, &json(p), &json(q), &[])
                    }
                    (p, q) => {
                        let change = if p.is_some() {
                            What::Removed
                        } else {
                            What::Added
                        };
                        out.push(
                            Area::Escalation,
                            &path,
                            change,
                            Some(level),
                            p.map(json),
                            q.map(json),
                        );
                    }
                }
            }
        });
    });
}
