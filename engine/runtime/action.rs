//! Actions out: what the engine did, one JSON object per line.
//!
//! Every action has a stable `id` (its position in the run, the same in every run of the same
//! input), an `at` instant and a `kind`, plus the ids it concerns. Fields are written in a fixed
//! order and omitted when empty, so the same input gives byte-identical output.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::model::Timestamp;

pub use crate::base::Name;

/// What an action says happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A clock attached (also a new cycle, a restart).
    #[default]
    SlaStarted,
    /// A clock paused.
    SlaPaused,
    /// A clock resumed.
    SlaResumed,
    /// A clock reached an `at` or `before_due` milestone.
    SlaWarning,
    /// A clock reached its goal or deadline while counting.
    SlaBreached,
    /// A clock stopped in time.
    SlaMet,
    /// A clock that had breached stopped.
    SlaStopped,
    /// A clock was cancelled.
    SlaCancelled,
    /// A clock is now measured against another target, or its deadline moved.
    SlaRetargeted,
    /// A stopped clock continues: the record reopened within its target's window.
    SlaReopened,
    /// A deadline clock has no due: the record field holding its deadline is not set.
    SlaWaiting,
    /// An escalation topic reached a level.
    EscalationRaised,
    /// A task (or a decision a person takes) opened.
    TaskOpened,
    /// An open task passed its due time.
    TaskOverdue,
    /// A task completed.
    TaskCompleted,
    /// A process instance started.
    InstanceStarted,
    /// A process instance completed.
    InstanceCompleted,
    /// Roles were notified.
    Notify,
    /// A record rule fired.
    RuleFired,
    /// An input line could not be applied.
    EventRejected,
    /// A script evaluation failed, or a process looped.
    ScriptFailed,
    /// A script failed too often and is no longer evaluated in this run.
    ScriptDisabled,
    /// The engine switched to another bundle version.
    BundleSwitched,
    /// A report's period ended: the report for it is owed, by its `due`.
    ReportDue,
    /// A report was delivered (a `report.delivered` event).
    ReportDelivered,
    /// A report was not delivered by its due time.
    ReportOverdue,
    /// A notice of a forum's next meeting went out, its lead time before the meeting.
    ForumNotice,
    /// A KPI's period closed: its value, and its control limits.
    KpiMeasured,
    /// A KPI's value for a period fell outside its control limits.
    KpiOutOfLimits,
    /// A target owes penalties or service credits for a period: a penalty case.
    PenaltyDue,
}

impl Kind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [Kind; 30] = [
        Kind::SlaStarted,
        Kind::SlaPaused,
        Kind::SlaResumed,
        Kind::SlaWarning,
        Kind::SlaBreached,
        Kind::SlaMet,
        Kind::SlaStopped,
        Kind::SlaCancelled,
        Kind::SlaRetargeted,
        Kind::SlaReopened,
        Kind::SlaWaiting,
        Kind::EscalationRaised,
        Kind::TaskOpened,
        Kind::TaskOverdue,
        Kind::TaskCompleted,
        Kind::InstanceStarted,
        Kind::InstanceCompleted,
        Kind::Notify,
        Kind::RuleFired,
        Kind::EventRejected,
        Kind::ScriptFailed,
        Kind::ScriptDisabled,
        Kind::BundleSwitched,
        Kind::ReportDue,
        Kind::ReportDelivered,
        Kind::ReportOverdue,
        Kind::ForumNotice,
        Kind::KpiMeasured,
        Kind::KpiOutOfLimits,
        Kind::PenaltyDue,
    ];

    /// The kind as written: `sla.started`, `escalation.raised`...
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SlaStarted => "sla.started",
            Kind::SlaPaused => "sla.paused",
            Kind::SlaResumed => "sla.resumed",
            Kind::SlaWarning => "sla.warning",
            Kind::SlaBreached => "sla.breached",
            Kind::SlaMet => "sla.met",
            Kind::SlaStopped => "sla.stopped",
            Kind::SlaCancelled => "sla.cancelled",
            Kind::SlaRetargeted => "sla.retargeted",
            Kind::SlaReopened => "sla.reopened",
            Kind::SlaWaiting => "sla.waiting",
            Kind::EscalationRaised => "escalation.raised",
            Kind::TaskOpened => "task.opened",
            Kind::TaskOverdue => "task.overdue",
            Kind::TaskCompleted => "task.completed",
            Kind::InstanceStarted => "instance.started",
            Kind::InstanceCompleted => "instance.completed",
            Kind::Notify => "notify",
            Kind::RuleFired => "rule.fired",
            Kind::EventRejected => "event.rejected",
            Kind::ScriptFailed => "script.failed",
            Kind::ScriptDisabled => "script.disabled",
            Kind::BundleSwitched => "bundle.switched",
            Kind::ReportDue => "report.due",
            Kind::ReportDelivered => "report.delivered",
            Kind::ReportOverdue => "report.overdue",
            Kind::ForumNotice => "forum.notice",
            Kind::KpiMeasured => "kpi.measured",
            Kind::KpiOutOfLimits => "kpi.out_of_limits",
            Kind::PenaltyDue => "penalty.due",
        }
    }

    /// The kind written as `text`, if there is one.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A kind equals its written form (`Kind::SlaMet == "sla.met"`).
impl PartialEq<&str> for Kind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Action {
    /// Stable id: the action's sequence number in the run, written as `a<n>`.
    pub id: u64,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: Kind,
    /// The record concerned.
    pub record: Option<Name>,
    /// The record's type.
    pub record_type: Option<Name>,
    /// The agreement of an SLA clock.
    pub agreement: Option<Name>,
    /// The target of an SLA clock.
    pub target: Option<Name>,
    /// The target a clock was measured against before a change.
    pub previous_target: Option<Name>,
    /// The clock's cycle (1 for the first clock of a target on a record, 2 after a reset...).
    pub cycle: Option<u32>,
    /// The milestone reached.
    pub milestone: Option<Name>,
    /// The clock's or task's due time.
    pub due: Option<Timestamp>,
    /// Business seconds elapsed on the clock.
    pub elapsed: Option<u64>,
    /// The process instance.
    pub instance: Option<Name>,
    /// The process.
    pub process: Option<Name>,
    /// The step.
    pub step: Option<Name>,
    /// The decision outcome taken.
    pub outcome: Option<Name>,
    /// The escalation matrix.
    pub matrix: Option<Name>,
    /// The escalation topic.
    pub topic: Option<Name>,
    /// The escalation level (from 1).
    pub level: Option<u32>,
    /// The record rule that fired.
    pub rule: Option<Name>,
    /// The report owed or delivered.
    pub report: Option<Name>,
    /// The forum a notice announces.
    pub forum: Option<Name>,
    /// The period a report covers or a forum's meeting is held for, e.g. `2026-10`, `2026-Q4`.
    pub period: Option<Name>,
    /// The KPI measured, out of its limits, or escalated.
    pub kpi: Option<Name>,
    /// The bundle version switched to (its hash).
    pub version: Option<Name>,
    /// Roles concerned (the R roles of a task, the roles of an escalation level...).
    pub roles: std::sync::Arc<[String]>,
    /// Who is notified: the members of the roles.
    pub recipients: std::sync::Arc<[String]>,
    /// Why it happened.
    pub reason: Option<String>,
    /// A message from the bundle.
    pub message: Option<String>,
    /// A forum's agenda, in order (forum notices).
    pub agenda: std::sync::Arc<[String]>,
    /// Record fields carried along (e.g. an escalation's notes).
    pub fields: Option<serde_json::Map<String, Value>>,
    /// The input line an event came from (rejections).
    pub line: Option<u64>,
    /// What went wrong (rejections, script failures).
    pub error: Option<String>,
}

/// One field's value as it is written.
enum Field<'a> {
    Id(u64),
    At(Timestamp),
    Text(&'a str),
    Number(u64),
    List(&'a [String]),
    Object(&'a serde_json::Map<String, Value>),
}

/// A field's name, and the same as it is written after a preceding field: `,"name":`.
#[derive(Clone, Copy)]
struct Key {
    name: &'static str,
    json: &'static str,
}

/// The [`Key`] of a field name.
macro_rules! key {
    ($name:literal) => {
        Key {
            name: $name,
            json: concat!(",\"", $name, "\":"),
        }
    };
}

impl Action {
    /// An action of `kind` at `at`; the id is given when it is emitted.
    pub fn new(kind: Kind, at: i64) -> Action {
        Action {
            kind,
            at: Timestamp(at),
            ..Action::default()
        }
    }

    /// The action as one line of JSON (without the newline).
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends the action as one line of JSON (without the newline) to `out`: the same text as
    /// serializing it with `serde_json`, written directly.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        let _ = self.visit(|key, field| {
            let json = key.json.as_bytes();
            // Every key but the first comes after a comma.
            out.extend_from_slice(if first {
                json.get(1..).unwrap_or(json)
            } else {
                json
            });
            first = false;
            match field {
                Field::Id(n) => {
                    out.extend_from_slice(b"\"a");
                    push_number(out, n);
                    out.push(b'"');
                }
                Field::At(at) => {
                    out.push(b'"');
                    at.write_to(out);
                    out.push(b'"');
                }
                Field::Text(text) => push_text(out, text),
                Field::Number(n) => push_number(out, n),
                Field::List(items) => {
                    out.push(b'[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        push_text(out, item);
                    }
                    out.push(b']');
                }
                Field::Object(map) => serde_json::to_writer(&mut *out, map)?,
            }
            Ok::<(), serde_json::Error>(())
        });
        out.push(b'}');
    }

    /// An action read back from its JSON form (a journal's text): the fields it has, the rest
    /// left empty. `None` if it is not an action (no known `kind`, or no `at`).
    pub fn from_value(value: &Value) -> Option<Action> {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let name = |key: &str| text(key).map(Name::from);
        let number = |key: &str| value.get(key).and_then(Value::as_u64);
        let at = |key: &str| text(key).and_then(|t| t.parse::<Timestamp>().ok());
        let list = |key: &str| -> std::sync::Arc<[String]> {
            value
                .get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(Action {
            id: text("id")
                .and_then(|id| id.strip_prefix('a'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            at: at("at")?,
            kind: Kind::parse(text("kind")?)?,
            record: name("record"),
            record_type: name("record_type"),
            agreement: name("agreement"),
            target: name("target"),
            previous_target: name("previous_target"),
            cycle: number("cycle").and_then(|n| u32::try_from(n).ok()),
            milestone: name("milestone"),
            due: at("due"),
            elapsed: number("elapsed"),
            instance: name("instance"),
            process: name("process"),
            step: name("step"),
            outcome: name("outcome"),
            matrix: name("matrix"),
            topic: name("topic"),
            level: number("level").and_then(|n| u32::try_from(n).ok()),
            rule: name("rule"),
            report: name("report"),
            forum: name("forum"),
            period: name("period"),
            kpi: name("kpi"),
            version: name("version"),
            roles: list("roles"),
            recipients: list("recipients"),
            agenda: list("agenda"),
            reason: text("reason").map(str::to_string),
            message: text("message").map(str::to_string),
            fields: value.get("fields").and_then(Value::as_object).cloned(),
            line: number("line"),
            error: text("error").map(str::to_string),
        })
    }

    /// The action as a JSON object, for matching test expectations.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Calls `f` with every field that is written, in output order (empty ones are left out).
    fn visit<E>(&self, mut f: impl FnMut(Key, Field<'_>) -> Result<(), E>) -> Result<(), E> {
        f(key!("id"), Field::Id(self.id))?;
        f(key!("at"), Field::At(self.at))?;
        f(key!("kind"), Field::Text(self.kind.as_str()))?;
        for (key, value) in [
            (key!("record"), &self.record),
            (key!("record_type"), &self.record_type),
            (key!("agreement"), &self.agreement),
            (key!("target"), &self.target),
            (key!("previous_target"), &self.previous_target),
        ] {
            if let Some(value) = value {
                f(key, Field::Text(value))?;
            }
        }
        if let Some(cycle) = self.cycle {
            f(key!("cycle"), Field::Number(u64::from(cycle)))?;
        }
        if let Some(milestone) = &self.milestone {
            f(key!("milestone"), Field::Text(milestone))?;
        }
        if let Some(due) = self.due {
            f(key!("due"), Field::At(due))?;
        }
        if let Some(elapsed) = self.elapsed {
            f(key!("elapsed"), Field::Number(elapsed))?;
        }
        for (key, value) in [
            (key!("instance"), &self.instance),
            (key!("process"), &self.process),
            (key!("step"), &self.step),
            (key!("outcome"), &self.outcome),
            (key!("matrix"), &self.matrix),
            (key!("topic"), &self.topic),
        ] {
            if let Some(value) = value {
                f(key, Field::Text(value))?;
            }
        }
        if let Some(level) = self.level {
            f(key!("level"), Field::Number(u64::from(level)))?;
        }
        for (key, value) in [
            (key!("rule"), &self.rule),
            (key!("report"), &self.report),
            (key!("forum"), &self.forum),
            (key!("period"), &self.period),
        ] {
            if let Some(value) = value {
                f(key, Field::Text(value))?;
            }
        }
        if let Some(kpi) = &self.kpi {
            f(key!("kpi"), Field::Text(kpi))?;
        }
        if let Some(version) = &self.version {
            f(key!("version"), Field::Text(version))?;
        }
        if !self.roles.is_empty() {
            f(key!("roles"), Field::List(&self.roles))?;
        }
        if !self.recipients.is_empty() {
            f(key!("recipients"), Field::List(&self.recipients))?;
        }
        for (key, value) in [
            (key!("reason"), &self.reason),
            (key!("message"), &self.message),
        ] {
            if let Some(value) = value {
                f(key, Field::Text(value))?;
            }
        }
        if !self.agenda.is_empty() {
            f(key!("agenda"), Field::List(&self.agenda))?;
        }
        if let Some(fields) = &self.fields {
            f(key!("fields"), Field::Object(fields))?;
        }
        if let Some(line) = self.line {
            f(key!("line"), Field::Number(line))?;
        }
        if let Some(error) = &self.error {
            f(key!("error"), Field::Text(error))?;
        }
        Ok(())
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.visit(|Key { name, .. }, field| match field {
            Field::Id(n) => map.serialize_entry(name, &format_args!("a{n}")),
            Field::At(at) => map.serialize_entry(name, &at),
            Field::Text(text) => map.serialize_entry(name, text),
            Field::Number(n) => map.serialize_entry(name, &n),
            Field::List(items) => map.serialize_entry(name, items),
            Field::Object(object) => map.serialize_entry(name, object),
        })?;
        map.end()
    }
}

/// Appends a number in decimal.
fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + u8::try_from(n % 10).unwrap_or(0);
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(i..).unwrap_or_default());
}

/// Appends a JSON string, escaped as `serde_json` escapes it: `"`, `\\` and control
/// characters (the short forms where JSON has them, `\u00XX` otherwise); the rest as is.
fn push_text(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(text.len() + 2);
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(i) = next_escape(bytes, start) {
        let byte = bytes.get(i).copied().unwrap_or_default();
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => &[],
        };
        if escape.is_empty() {
            let hex = |n: u8| HEX.get(usize::from(n)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(byte >> 4), hex(byte & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// The position of the first byte at or after `from` that JSON escapes (`"`, `\\`, a control
/// character). Eight bytes are tested at once (most texts have nothing to escape, and this is
/// on the path of every action written): a word has such a byte if, after subtracting one from
/// each byte, a byte that was below the bound (or equal to the quote or backslash, once XORed
/// to zero) borrows into its high bit.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below =
        |word: u64, bound: u8| word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS != 0;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(chunk);
        if below(word, 0x20)
            || below(word ^ (ONES * u64::from(b'"')), 1)
            || below(word ^ (ONES * u64::from(b'\\')), 1)
        {
            break;
        }
        i += 8;
    }
    let rest = bytes.get(i..)?;
    let offset = rest
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')?;
    Some(i + offset)
}

/// The fields an action can have, in output order (defined with the event contract, in
/// the model, so validation can check references to them).
pub use crate::model::event::ACTION_FIELDS as FIELDS;

/// Whether every field of `pattern` has the same value in `action` (test expectations).
///
/// Instants compare as instants (`2026-10-05T09:00:00-04:00` matches `...13:00:00Z`), numbers
/// as numbers, a string matches a list containing it, and `null` matches a missing field.
pub fn matches(action: &Value, pattern: &serde_json::Map<String, Value>) -> bool {
    pattern.iter().all(|(key, wanted)| match action.get(key) {
        Some(have) => same_value(have, wanted),
        None => wanted.is_null(),
    })
}

fn same_value(have: &Value, wanted: &Value) -> bool {
    if crate::base::same(have, wanted) {
        return true;
    }
    match (have, wanted) {
        (Value::Array(items), Value::String(s)) => items.iter().any(|i| i == s),
        (Value::String(a), Value::String(b)) => {
            matches!((a.parse::<Timestamp>(), b.parse::<Timestamp>()), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_in_a_fixed_order_without_empty_fields() {
        let mut a = Action::new(Kind::SlaBreached, 1_790_000_000);
        a.id = 1;
        a.record = Some("INC1".into());
        a.target = Some("p1".into());
        assert_eq!(
            a.to_json(),
            r#"{"id":"a1","at":"2026-09-21T14:13:20Z","kind":"sla.breached","record":"INC1","target":"p1"}"#
        );
    }

    #[test]
    fn the_field_list_is_every_serialized_field() {
        let full = full();
        let value = full.to_value();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected: Vec<&str> = FIELDS.to_vec();
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }

    fn full() -> Action {
        let text = |s: &str| Some(Name::from(s));
        Action {
            id: 12,
            kind: Kind::Notify,
            record: text("INC\"1\\"),
            record_type: text("incident"),
            agreement: text("sla"),
            target: text("p1"),
            previous_target: text("p3"),
            cycle: Some(1),
            milestone: text("75%"),
            due: Some(Timestamp(1_790_000_000)),
            elapsed: Some(18_446_744_073_709_551_615),
            instance: text("proc:INC1#2"),
            process: text("proc"),
            step: text("3.1"),
            outcome: text("yes"),
            matrix: text("m"),
            topic: text("t"),
            level: Some(1),
            rule: text("r"),
            report: text("monthly"),
            forum: text("review"),
            period: text("2026-10"),
            kpi: text("k"),
            version: text("0123abcd"),
            roles: vec!["a".into(), "b\u{7f}".into()].into(),
            recipients: vec!["x@example.com".into()].into(),
            reason: Some((0u8..0x20).map(char::from).collect()),
            message: Some("Smörgåsbord ✓ \u{2028} </script>".into()),
            agenda: vec!["Uppföljning SLA".into()].into(),
            fields: json!({"notes": "a\nb", "n": 1.5}).as_object().cloned(),
            line: Some(0),
            error: Some(String::new()),
            at: Timestamp(0),
        }
    }

    #[test]
    fn the_direct_writer_writes_what_serde_json_writes() {
        let full = full();
        assert_eq!(full.to_json(), serde_json::to_string(&full).unwrap());
        let short = Action::new(Kind::SlaMet, -5);
        assert_eq!(short.to_json(), serde_json::to_string(&short).unwrap());
        assert_eq!(
            full.to_value(),
            serde_json::from_str::<Value>(&full.to_json()).unwrap()
        );
    }

    #[test]
    fn texts_are_escaped_as_serde_json_escapes_them_wherever_the_byte_falls() {
        // Every ASCII byte and a few wider characters, at every offset of a word and in texts
        // longer than one.
        let specials: Vec<String> = (0u8..0x80)
            .map(|b| char::from(b).to_string())
            .chain(["é", "€", "𝄞", "\u{7f}", "\u{2028}"].map(String::from))
            .collect();
        for special in &specials {
            for before in 0..18 {
                let text = format!("{}{special}{}", "a".repeat(before), "b".repeat(before % 5));
                let mut out = Vec::new();
                push_text(&mut out, &text);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json::to_string(&text).unwrap(),
                    "{text:?}"
                );
            }
        }
        let mut out = Vec::new();
        push_text(&mut out, "\"\\\u{1}x\n\"");
        assert_eq!(out, br#""\"\\\u0001x\n\"""#);
    }

    #[test]
    fn actions_read_back_from_their_json() {
        let full = full();
        let back = Action::from_value(&full.to_value()).unwrap();
        assert_eq!(back.to_json(), full.to_json());
        assert!(
            Action::from_value(&json!({"kind": "nothing", "at": "2026-10-01T00:00:00Z"})).is_none()
        );
    }

    #[test]
    fn instants_compare_as_instants() {
        let action = json!({"kind": "sla.breached", "at": "2026-10-05T13:00:00Z"});
        let pattern = json!({"at": "2026-10-05T09:00:00-04:00"});
        assert!(matches(&action, pattern.as_object().unwrap()));
    }

    #[test]
    fn patterns_match_partially() {
        let action = json!({"kind": "notify", "record": "INC1", "roles": ["sdm", "cedp"]});
        let pattern = json!({"kind": "notify", "roles": "cedp"});
        assert!(matches(&action, pattern.as_object().unwrap()));
        let wrong = json!({"kind": "notify", "record": "INC2"});
        assert!(!matches(&action, wrong.as_object().unwrap()));
    }
}
