//! Compiled conditions over a record change, and the rhai evaluation behind them.
//!
//! A [`Condition`] is the runtime form of a model condition: event names, field values, the
//! `assigned` test and a compiled rhai script. It is evaluated against a [`Change`] (the record
//! before and after one event). A script that fails (for example, a runaway loop hitting the
//! operation limit) makes that evaluation false and is reported as a [`ScriptFailure`]; it never
//! stops the engine.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rhai::{AST, Dynamic, Engine, ImmutableString, Scope};
use serde_json::Value;

use crate::base::{Fields, Name, SharedNames, same, same_text};
use crate::model;
use crate::script::{self, RecordView, ScriptContext};

/// A record after one change, and what the changed fields were before it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The record id.
    pub record: &'a str,
    /// The record type.
    pub record_type: &'a str,
    /// The event name of the change.
    pub event: &'a str,
    /// Fields after the change.
    pub fields: &'a Arc<Fields>,
    /// The fields this change set, with their value before it (`None`: absent before).
    pub before: &'a [(&'a str, Option<Value>)],
    /// Whether the record is new with this change (so nothing held before).
    pub is_new: bool,
    /// The instant of the change.
    pub now: i64,
    /// The instant of the record's event before this one (`None` for a new record).
    pub previous_event: Option<i64>,
    /// When the fields scripts read through `since` last changed before this change.
    pub changed_at: &'a [(Name, i64)],
}

/// Which side of a change a condition is evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The record after the change, with the change's event.
    After,
    /// The record before the change, without an event.
    Before,
}

impl<'a> Change<'a> {
    /// A field's value on one side of the change.
    pub fn value(&self, key: &str, side: Side) -> Option<&'a Value> {
        if side == Side::Before
            && let Some((_, old)) = self.before.iter().find(|(k, _)| same_text(k, key))
        {
            return old.as_ref();
        }
        self.fields.get(key)
    }

    /// The record's fields before the change.
    pub fn previous_fields(&self) -> Fields {
        if self.is_new {
            return Fields::new();
        }
        // A change may set thousands of fields: look them up by name once they are many.
        let many: Option<HashMap<&str, &Option<Value>>> =
            (self.before.len() > 8).then(|| self.before.iter().map(|(k, old)| (*k, old)).collect());
        let changed = |name: &str| match &many {
            Some(many) => many.get(name).copied(),
            None => self
                .before
                .iter()
                .find(|(k, _)| same_text(k, name))
                .map(|(_, old)| old),
        };
        let mut fields = Fields::with_capacity(self.fields.len());
        for (name, value) in self.fields.shared() {
            let value = match changed(name) {
                None => value,
                Some(Some(old)) => old,
                Some(None) => continue, // set by this change
            };
            fields.insert(Name::clone(name), value.clone());
        }
        fields
    }
}

/// A compiled rhai script and where it is written, for error messages.
#[derive(Debug, Clone)]
pub struct CompiledScript {
    /// The compiled script.
    pub ast: Arc<AST>,
    /// `file:line:col` of the script in the bundle.
    pub origin: Arc<str>,
    /// What the script belongs to, e.g. `rule licence-overuse` or `target p1-response (stop)`.
    pub owner: Arc<str>,
    /// Results remembered by the values the script reads, when it reads only record fields by
    /// name (and perhaps `event` and `record_type`); see [`script::reads`].
    pub memo: Option<Arc<Memo>>,
}

/// The most results a [`Memo`] keeps; beyond it, the oldest is forgotten.
const MEMO_ENTRIES: usize = 16;

/// Remembered results of one record condition script, by the values it reads.
///
/// A script that reads only some record fields by name gives the same result whenever those
/// fields (and, if it mentions them, the event name and record type) have the same values, so
/// most evaluations of a condition over a stream of changes can be answered without running
/// it. Failed evaluations are never remembered: they run, and are reported, every time.
#[derive(Debug)]
pub struct Memo {
    reads: script::Reads,
    /// The fields read, by name; shared with records' names once [`Memo::share_names`] ran.
    fields: Vec<Name>,
    entries: Mutex<MemoEntries>,
}

/// The remembered results, oldest replaced first.
#[derive(Debug, Default)]
struct MemoEntries {
    list: Vec<MemoEntry>,
    next: usize,
}

/// One remembered result: the values read, and what the script returned.
#[derive(Debug)]
struct MemoEntry {
    values: Vec<Option<Value>>,
    event: Option<String>,
    record_type: Option<String>,
    result: bool,
}

/// The values a script reads on one side of a change.
struct Inputs<'a> {
    values: [Option<&'a Value>; script::MAX_READS],
    event: &'a str,
    record_type: &'a str,
}

impl Memo {
    /// A memo for a script with this text, if what it reads can be told (see
    /// [`script::reads`]).
    pub fn for_text(text: &str) -> Option<Memo> {
        script::reads(text).map(|reads| Memo {
            fields: reads
                .fields
                .iter()
                .map(|f| Name::from(f.as_str()))
                .collect(),
            reads,
            entries: Mutex::new(MemoEntries::default()),
        })
    }

    /// Takes the field names it reads from `names` (see [`Condition::share_names`]).
    fn share_names(&mut self, names: &mut SharedNames) {
        for field in &mut self.fields {
            *field = names.get(field);
        }
    }

    fn inputs<'a>(&self, change: &Change<'a>, side: Side) -> Inputs<'a> {
        let mut values = [None; script::MAX_READS];
        for (slot, field) in values.iter_mut().zip(&self.fields) {
            *slot = if side == Side::Before && change.is_new {
                None
            } else {
                change.value(field, side)
            };
        }
        Inputs {
            values,
            event: if side == Side::After {
                change.event
            } else {
                ""
            },
            record_type: change.record_type,
        }
    }

    fn fits(&self, entry: &MemoEntry, inputs: &Inputs<'_>) -> bool {
        entry
            .values
            .iter()
            .zip(&inputs.values)
            .all(|(have, want)| have.as_ref() == *want)
            && (!self.reads.event || entry.event.as_deref() == Some(inputs.event))
            && (!self.reads.record_type || entry.record_type.as_deref() == Some(inputs.record_type))
    }

    fn recall(&self, inputs: &Inputs<'_>) -> Option<bool> {
        let entries = self.entries.lock().ok()?;
        entries
            .list
            .iter()
            .find(|e| self.fits(e, inputs))
            .map(|e| e.result)
    }

    fn remember(&self, inputs: &Inputs<'_>, result: bool) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let entry = MemoEntry {
            values: inputs
                .values
                .iter()
                .take(self.reads.fields.len())
                .map(|v| v.cloned())
                .collect(),
            event: self.reads.event.then(|| inputs.event.to_string()),
            record_type: self
                .reads
                .record_type
                .then(|| inputs.record_type.to_string()),
            result,
        };
        if entries.list.len() < MEMO_ENTRIES {
            entries.list.push(entry);
        } else {
            let next = entries.next;
            if let Some(slot) = entries.list.get_mut(next) {
                *slot = entry;
            }
            entries.next = (next + 1) % MEMO_ENTRIES;
        }
    }
}

/// A script evaluation that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFailure {
    /// The bundle version the script belongs to (as the evaluator was told).
    pub version: u16,
    /// What the script belongs to.
    pub owner: String,
    /// `file:line:col` of the script.
    pub origin: String,
    /// Why it failed, lowercase.
    pub error: String,
}

/// How the `assigned` test is made: the record field and the group it must equal.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The record field holding the assigned group.
    pub field: Name,
    /// The agreement provider's group.
    pub group: String,
}

/// A condition ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    events: Vec<String>,
    fields: Vec<(Name, Vec<Value>)>,
    assigned: Option<(bool, Option<Assignment>)>,
    script: Option<CompiledScript>,
    any: Vec<Condition>,
    /// Set when it tests nothing, so it holds without a call (most targets apply to every
    /// record of their type, and each change asks each of them).
    always: bool,
}

impl Condition {
    /// The condition, knowing whether it tests nothing.
    fn built(mut self) -> Condition {
        self.always = self.events.is_empty()
            && self.fields.is_empty()
            && self.assigned.is_none()
            && self.script.is_none()
            && self.any.is_empty();
        self
    }

    /// Builds a condition from its model form. `assignment` tells where `assigned` looks;
    /// `compile` compiles its scripts (the `when` of the condition and of its alternatives).
    pub fn new(
        model: &model::Condition,
        assignment: Option<Assignment>,
        compile: &mut dyn FnMut(&model::Script) -> Option<CompiledScript>,
    ) -> Condition {
        Condition {
            events: model.events().map(str::to_string).collect(),
            fields: fields(&model.fields),
            assigned: model.assigned.map(|a| (a, assignment.clone())),
            script: model.when.as_ref().and_then(&mut *compile),
            any: model
                .any
                .iter()
                .map(|alternative| Condition::new(&alternative.value, assignment.clone(), compile))
                .collect(),
            always: false,
        }
        .built()
    }

    /// A condition that is one compiled script.
    pub fn of_script(script: CompiledScript) -> Condition {
        Condition {
            script: Some(script),
            ..Condition::default()
        }
        .built()
    }

    /// A condition of field values and a script only (target applicability, rules).
    pub fn of_fields(
        fields_map: &model::IdMap<String, model::condition::FieldMatch>,
        script: Option<CompiledScript>,
    ) -> Condition {
        Condition {
            events: Vec::new(),
            fields: fields(fields_map),
            assigned: None,
            script,
            any: Vec::new(),
            always: false,
        }
        .built()
    }

    /// A condition that holds for changes carrying one of `events`.
    pub fn of_events(events: Vec<String>) -> Condition {
        Condition {
            events,
            ..Condition::default()
        }
        .built()
    }

    /// Whether it tests event names.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Takes the field names it reads from `names`, so they are the very names records hold
    /// (see [`SharedNames`]) and lookups find them without comparing text.
    pub fn share_names(&mut self, names: &mut SharedNames) {
        for (field, _) in &mut self.fields {
            *field = names.get(field);
        }
        if let Some((_, Some(assignment))) = &mut self.assigned {
            assignment.field = names.get(&assignment.field);
        }
        // A script shared with other conditions keeps its own names (found by text instead).
        if let Some(memo) = self
            .script
            .as_mut()
            .and_then(|script| script.memo.as_mut())
            .and_then(Arc::get_mut)
        {
            memo.share_names(names);
        }
        for alternative in &mut self.any {
            alternative.share_names(names);
        }
    }

    /// Whether the condition holds for the record after the change.
    #[inline]
    pub fn holds(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        self.always || self.test(change, Side::After, eval)
    }

    /// Whether the condition held for the record before the change. Event names never hold
    /// before (an event belongs to its change), and a new record held nothing.
    #[inline]
    pub fn held_before(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        !change.is_new && (self.always || self.test(change, Side::Before, eval))
    }

    fn test(&self, change: &Change<'_>, side: Side, eval: &mut Evaluator<'_>) -> bool {
        if !self.events.is_empty()
            && (side == Side::Before || !self.events.iter().any(|e| same_text(e, change.event)))
        {
            return false;
        }
        for (field, allowed) in &self.fields {
            let value = change.value(field, side).unwrap_or(&Value::Null);
            if !allowed.iter().any(|a| same(a, value)) {
                return false;
            }
        }
        if let Some((wanted, assignment)) = &self.assigned {
            let is = assignment.as_ref().is_some_and(|a| {
                change.value(&a.field, side).and_then(Value::as_str) == Some(a.group.as_str())
            });
            if is != *wanted {
                return false;
            }
        }
        if let Some(script) = &self.script
            && !eval.truthy(script, change, side)
        {
            return false;
        }
        self.any.is_empty()
            || self
                .any
                .iter()
                .any(|a| a.always || a.test(change, side, eval))
    }
}

fn fields(map: &model::IdMap<String, model::condition::FieldMatch>) -> Vec<(Name, Vec<Value>)> {
    map.iter()
        .map(|(field, wanted)| {
            let values = match &wanted.0 {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            (field.value.as_str().into(), values)
        })
        .collect()
}

/// Evaluates scripts over record views (see [`script::RecordView`]); the variables of a change
/// are built once per change (call [`Evaluator::next_change`] between changes).
pub struct Evaluator<'e> {
    engine: &'e Engine,
    failures: Vec<ScriptFailure>,
    /// The scopes of the current change: after it, and before it.
    scopes: Option<(Scope<'static>, Scope<'static>)>,
    /// The bundle version the scripts belong to.
    version: u16,
    /// Scripts not to evaluate any more (by origin): they count as false.
    disabled: Option<Arc<Disabled>>,
}

/// Scripts a run has stopped evaluating, by origin (`file:line:col`).
pub type Disabled = crate::base::FastSet<Arc<str>>;

impl<'e> Evaluator<'e> {
    /// An evaluator of the scripts of bundle version `version`, skipping those in `disabled`.
    pub fn for_version(
        engine: &'e Engine,
        version: u16,
        disabled: Option<Arc<Disabled>>,
    ) -> Evaluator<'e> {
        Evaluator {
            version,
            disabled: disabled.filter(|d| !d.is_empty()),
            ..Evaluator::new(engine)
        }
    }

    /// Whether `script` is no longer evaluated.
    fn skipped(&self, script: &CompiledScript) -> bool {
        self.disabled
            .as_ref()
            .is_some_and(|d| d.contains(&*script.origin))
    }

    /// An evaluator using `engine` (see [`script::sandbox`]).
    pub fn new(engine: &'e Engine) -> Evaluator<'e> {
        Evaluator {
            version: 0,
            disabled: None,
            engine,
            failures: Vec::new(),
            scopes: None,
        }
    }

    /// Forgets the variables built for the previous change; call before each change.
    pub fn next_change(&mut self) {
        self.scopes = None;
    }

    /// Failures since the last call, oldest first.
    pub fn take_failures(&mut self) -> Vec<ScriptFailure> {
        std::mem::take(&mut self.failures)
    }

    /// Whether a record condition script holds on one side of a change (false if it fails, or
    /// if the run stopped evaluating it).
    pub fn truthy(&mut self, script: &CompiledScript, change: &Change<'_>, side: Side) -> bool {
        if self.skipped(script) {
            return false;
        }
        let Some(memo) = &script.memo else {
            return self.evaluate(script, change, side).unwrap_or(false);
        };
        let inputs = memo.inputs(change, side);
        if let Some(result) = memo.recall(&inputs) {
            return result;
        }
        match self.evaluate(script, change, side) {
            Some(result) => {
                memo.remember(&inputs, result);
                result
            }
            None => false,
        }
    }

    /// Runs a record condition script; `None` if it failed (the failure is recorded).
    fn evaluate(
        &mut self,
        script: &CompiledScript,
        change: &Change<'_>,
        side: Side,
    ) -> Option<bool> {
        let (after, before) = self.scopes.get_or_insert_with(|| scopes(change));
        let scope = match side {
            Side::After => after,
            Side::Before => before,
        };
        let variables = scope.len();
        let result = run(self.engine, self.version, &mut self.failures, script, scope);
        // Top-level `let`s of the script are not seen by the next one.
        scope.rewind(variables);
        result
    }

    /// Evaluates a decision condition with the instance's view.
    pub fn decision(
        &mut self,
        script: &CompiledScript,
        record: Option<(&str, &str, &Arc<Fields>)>,
        instance: Dynamic,
    ) -> bool {
        if self.skipped(script) {
            return false;
        }
        let mut scope = Scope::new();
        let (id, kind, fields) = record.map_or(
            (
                String::new(),
                String::new(),
                Dynamic::from(RecordView::empty()),
            ),
            |(id, kind, fields)| {
                (
                    id.to_string(),
                    kind.to_string(),
                    Dynamic::from(RecordView::new(Arc::clone(fields))),
                )
            },
        );
        scope.push_constant("record", fields);
        scope.push_constant("record_id", ImmutableString::from(id));
        scope.push_constant("record_type", ImmutableString::from(kind));
        scope.push_constant("instance", instance);
        run(
            self.engine,
            self.version,
            &mut self.failures,
            script,
            &mut scope,
        )
        .unwrap_or(false)
    }
}

/// The variables of a record condition, after a change and before it.
fn scopes(change: &Change<'_>) -> (Scope<'static>, Scope<'static>) {
    let after = Dynamic::from(RecordView::new(Arc::clone(change.fields)));
    let before = if change.is_new {
        RecordView::empty()
    } else {
        let changed: Vec<(String, Option<Value>)> = change
            .before
            .iter()
            .map(|(key, old)| ((*key).to_string(), old.clone()))
            .collect();
        RecordView::before(Arc::clone(change.fields), changed.into())
    };
    let before = Dynamic::from(before);
    let record_id = ImmutableString::from(change.record);
    let record_type = ImmutableString::from(change.record_type);
    let since_last_event = change
        .previous_event
        .map_or(Dynamic::UNIT, |at| Dynamic::from_int(change.now - at));
    let since: rhai::Map = change
        .changed_at
        .iter()
        .map(|(field, at)| (field.as_ref().into(), Dynamic::from_int(change.now - at)))
        .collect();
    let since = Dynamic::from_map(since);
    let scope = |record: &Dynamic, event: &str| {
        let mut scope = Scope::new();
        scope.push_constant("record", record.clone());
        scope.push_constant("record_id", record_id.clone());
        scope.push_constant("record_type", record_type.clone());
        scope.push_constant("event", ImmutableString::from(event));
        scope.push_constant("previous", before.clone());
        scope.push_constant("instance", Dynamic::UNIT);
        scope.push_constant("since_last_event", since_last_event.clone());
        scope.push_constant("since", since.clone());
        scope
    };
    (scope(&after, change.event), scope(&before, ""))
}

/// Runs a script; `None` if it failed or did not return true or false (recorded in `failures`).
fn run(
    engine: &Engine,
    version: u16,
    failures: &mut Vec<ScriptFailure>,
    script: &CompiledScript,
    scope: &mut Scope<'_>,
) -> Option<bool> {
    match engine.eval_ast_with_scope::<Dynamic>(scope, &script.ast) {
        Ok(value) => match value.as_bool() {
            Ok(b) => Some(b),
            Err(type_name) => {
                failures.push(ScriptFailure {
                    version,
                    owner: script.owner.to_string(),
                    origin: script.origin.to_string(),
                    error: format!("the condition returned {type_name}, not true or false"),
                });
                None
            }
        },
        Err(error) => {
            failures.push(ScriptFailure {
                version,
                owner: script.owner.to_string(),
                origin: script.origin.to_string(),
                error: describe(&error),
            });
            None
        }
    }
}

fn describe(error: &rhai::EvalAltResult) -> String {
    let text = match error {
        rhai::EvalAltResult::ErrorTooManyOperations(_) => format!(
            "stopped after {} operations (runaway script?)",
            script::limits::MAX_OPERATIONS
        ),
        other => other.to_string(),
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Compiles a model script for a context, naming its owner and origin for runtime errors.
pub fn compile_script(
    engine: &Engine,
    context: ScriptContext,
    source: &model::Script,
    owner: String,
    origin: String,
) -> Option<CompiledScript> {
    let text = source.text();
    script::compile(engine, context, text)
        .ok()
        .map(|ast| CompiledScript {
            ast: Arc::new(ast),
            origin: origin.into(),
            owner: owner.into(),
            memo: match context {
                ScriptContext::Record => Memo::for_text(text).map(Arc::new),
                ScriptContext::Decision => None,
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        match v {
            Value::Object(m) => m.into(),
            _ => Fields::new(),
        }
    }

    #[test]
    fn events_fields_and_scripts_combine() {
        let engine = script::sandbox();
        let ast = script::compile(
            &engine,
            ScriptContext::Record,
            "record.used > record.entitled",
        )
        .unwrap();
        let script = CompiledScript {
            ast: Arc::new(ast),
            origin: "r.yaml:3:11".into(),
            owner: "rule overuse".into(),
            memo: Memo::for_text("record.used > record.entitled").map(Arc::new),
        };
        let mut condition = Condition::of_events(vec!["updated".into()]);
        condition.script = Some(script);
        condition.fields = vec![("status".into(), vec![json!("active"), json!("pending")])];
        let now = Arc::new(fields(
            json!({"used": 12, "entitled": 10.0, "status": "active"}),
        ));
        let before = [("used", Some(json!(9)))];
        let change = Change {
            record: "L1",
            record_type: "licence",
            event: "updated",
            fields: &now,
            before: &before,
            is_new: false,
            now: 0,
            previous_event: None,
            changed_at: &[],
        };
        assert_eq!(change.previous_fields().get("used"), Some(&json!(9)));
        let mut eval = Evaluator::new(&engine);
        assert!(condition.holds(&change, &mut eval));
        assert!(!condition.held_before(&change, &mut eval));
        let other = Change {
            event: "created",
            ..change
        };
        assert!(!condition.holds(&other, &mut eval));
        // A condition that tests nothing holds on both sides, but nothing held for a new record.
        let nothing = Condition::of_fields(&model::IdMap::default(), None);
        assert!(nothing.always);
        assert!(nothing.holds(&other, &mut eval) && nothing.held_before(&other, &mut eval));
        let new = Change {
            is_new: true,
            ..change
        };
        assert!(nothing.holds(&new, &mut eval) && !nothing.held_before(&new, &mut eval));
        assert!(!condition.always && !Condition::of_events(vec!["x".into()]).always);
        assert!(eval.take_failures().is_empty());
    }

    #[test]
    fn a_runaway_script_fails_that_evaluation_only() {
        let engine = script::sandbox();
        let ast = script::compile(
            &engine,
            ScriptContext::Record,
            "let n = 0; loop { n += 1; } true",
        )
        .unwrap();
        let condition = Condition {
            script: Some(CompiledScript {
                ast: Arc::new(ast),
                origin: "r.yaml:3:11".into(),
                owner: "rule spin".into(),
                memo: Memo::for_text("let n = 0; loop { n += 1; } true").map(Arc::new),
            }),
            ..Condition::default()
        };
        let now = Arc::new(Fields::new());
        let change = Change {
            record: "L1",
            record_type: "licence",
            event: "updated",
            fields: &now,
            before: &[],
            is_new: false,
            now: 0,
            previous_event: None,
            changed_at: &[],
        };
        let mut eval = Evaluator::new(&engine);
        assert!(!condition.holds(&change, &mut eval));
        assert!(!condition.holds(&change, &mut eval));
        let failures = eval.take_failures();
        assert_eq!(failures.len(), 2, "failures are not remembered");
        assert!(failures[0].error.contains("runaway"), "{failures:?}");
        assert_eq!(failures[0].origin, "r.yaml:3:11");
    }

    #[test]
    fn remembered_results_follow_the_fields_read() {
        let engine = script::sandbox();
        let text = "record.reopened >= 2 && event != \"closed\"";
        let condition = Condition::of_script(CompiledScript {
            ast: Arc::new(script::compile(&engine, ScriptContext::Record, text).unwrap()),
            origin: "r.yaml:1:1".into(),
            owner: "rule reopened".into(),
            memo: Memo::for_text(text).map(Arc::new),
        });
        let mut eval = Evaluator::new(&engine);
        for (reopened, event, expected) in [
            (json!(0), "updated", false),
            (json!(2), "updated", true),
            (json!(0), "closed", false),
            (json!(2), "closed", false),
            (json!(2), "updated", true),
            (json!(3), "reopened", true),
            (json!(1), "reopened", false),
        ] {
            eval.next_change();
            let now = Arc::new(fields(json!({"reopened": reopened, "other": event})));
            let before = [("reopened", Some(json!(1)))];
            let change = Change {
                record: "I1",
                record_type: "incident",
                event,
                fields: &now,
                before: &before,
                is_new: false,
                now: 0,
                previous_event: None,
                changed_at: &[],
            };
            assert_eq!(
                condition.holds(&change, &mut eval),
                expected,
                "{reopened} {event}"
            );
            assert!(!condition.held_before(&change, &mut eval));
        }
        assert!(eval.take_failures().is_empty());
    }
}
