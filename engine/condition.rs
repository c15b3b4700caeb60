//! Compiled conditions over a record change, and the rhai evaluation behind them.
//!
//! A [`Condition`] is the runtime form of a model condition: event names, field values, the
//! `assigned` test and a compiled rhai script. It is evaluated against a [`Change`] (the record
//! before and after one event). A script that fails (for example, a runaway loop hitting the
//! operation limit) makes that evaluation false and is reported as a [`ScriptFailure`]; it never
//! stops the engine.

use std::sync::Arc;

use rhai::{AST, Dynamic, Engine, ImmutableString, Scope};
use serde_json::{Map, Value};

use crate::model;
use crate::script::{self, RecordView, ScriptContext};

/// Record fields.
pub type Fields = Map<String, Value>;

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
    pub before: &'a [(String, Option<Value>)],
    /// Whether the record is new with this change (so nothing held before).
    pub is_new: bool,
}

/// Which side of a change a condition is evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The record after the change, with the change's event.
    After,
    /// The record before the change, without an event.
    Before,
}

impl Change<'_> {
    /// A field's value on one side of the change.
    pub fn value(&self, key: &str, side: Side) -> Option<&Value> {
        if side == Side::Before {
            if let Some((_, old)) = self.before.iter().find(|(k, _)| k == key) {
                return old.as_ref();
            }
        }
        self.fields.get(key)
    }

    /// The record's fields before the change.
    pub fn previous_fields(&self) -> Fields {
        if self.is_new {
            return Fields::new();
        }
        let mut fields = Fields::clone(self.fields);
        for (key, old) in self.before {
            match old {
                Some(value) => {
                    fields.insert(key.clone(), value.clone());
                }
                None => {
                    fields.remove(key);
                }
            }
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
}

/// A script evaluation that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFailure {
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
    pub field: String,
    /// The agreement provider's group.
    pub group: String,
}

/// A condition ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    events: Vec<String>,
    fields: Vec<(String, Vec<Value>)>,
    assigned: Option<(bool, Option<Assignment>)>,
    script: Option<CompiledScript>,
    any: Vec<Condition>,
}

impl Condition {
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
        }
    }

    /// A condition that is one compiled script.
    pub fn of_script(script: CompiledScript) -> Condition {
        Condition {
            script: Some(script),
            ..Condition::default()
        }
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
        }
    }

    /// A condition that holds for changes carrying one of `events`.
    pub fn of_events(events: Vec<String>) -> Condition {
        Condition {
            events,
            ..Condition::default()
        }
    }

    /// Whether it tests event names.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Whether the condition holds for the record after the change.
    pub fn holds(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        self.test(change, Side::After, eval)
    }

    /// Whether the condition held for the record before the change. Event names never hold
    /// before (an event belongs to its change), and a new record held nothing.
    pub fn held_before(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        !change.is_new && self.test(change, Side::Before, eval)
    }

    fn test(&self, change: &Change<'_>, side: Side, eval: &mut Evaluator<'_>) -> bool {
        if !self.events.is_empty()
            && (side == Side::Before || !self.events.iter().any(|e| e == change.event))
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
        if let Some(script) = &self.script {
            if !eval.truthy(script, change, side) {
                return false;
            }
        }
        self.any.is_empty() || self.any.iter().any(|a| a.test(change, side, eval))
    }
}

fn fields(map: &model::IdMap<String, model::condition::FieldMatch>) -> Vec<(String, Vec<Value>)> {
    map.iter()
        .map(|(field, wanted)| {
            let values = match &wanted.0 {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            (field.value.clone(), values)
        })
        .collect()
}

/// JSON equality where `1` and `1.0` are the same number.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Evaluates scripts over record views (see [`script::RecordView`]); the view of a change is
/// built once per change (call [`Evaluator::next_change`] between changes).
pub struct Evaluator<'e> {
    engine: &'e Engine,
    failures: Vec<ScriptFailure>,
    cache: Option<(Dynamic, Dynamic)>,
}

impl<'e> Evaluator<'e> {
    /// An evaluator using `engine` (see [`script::sandbox`]).
    pub fn new(engine: &'e Engine) -> Evaluator<'e> {
        Evaluator {
            engine,
            failures: Vec::new(),
            cache: None,
        }
    }

    /// Forgets the record view built for the previous change; call before each change.
    pub fn next_change(&mut self) {
        self.cache = None;
    }

    /// Failures since the last call, oldest first.
    pub fn take_failures(&mut self) -> Vec<ScriptFailure> {
        std::mem::take(&mut self.failures)
    }

    fn truthy(&mut self, script: &CompiledScript, change: &Change<'_>, side: Side) -> bool {
        let (after, before) = match &self.cache {
            Some((after, before)) => (after.clone(), before.clone()),
            None => {
                let after = Dynamic::from(RecordView::new(Arc::clone(change.fields)));
                let before = if change.is_new {
                    RecordView::empty()
                } else {
                    RecordView::before(Arc::clone(change.fields), change.before.to_vec().into())
                };
                let before = Dynamic::from(before);
                self.cache = Some((after.clone(), before.clone()));
                (after, before)
            }
        };
        let (record, previous, event) = match side {
            Side::After => (after, before, Some(change.event)),
            Side::Before => (before.clone(), before, None),
        };
        let mut scope = Scope::new();
        scope.push_constant("record", record);
        scope.push_constant("record_id", ImmutableString::from(change.record));
        scope.push_constant("record_type", ImmutableString::from(change.record_type));
        scope.push_constant("event", ImmutableString::from(event.unwrap_or("")));
        scope.push_constant("previous", previous);
        scope.push_constant("instance", Dynamic::UNIT);
        self.run(script, &mut scope)
    }

    /// Evaluates a decision condition with the instance's view.
    pub fn decision(
        &mut self,
        script: &CompiledScript,
        record: Option<(&str, &str, &Arc<Fields>)>,
        instance: Dynamic,
    ) -> bool {
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
        self.run(script, &mut scope)
    }

    fn run(&mut self, script: &CompiledScript, scope: &mut Scope<'_>) -> bool {
        match self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, &script.ast)
        {
            Ok(value) => match value.as_bool() {
                Ok(b) => b,
                Err(type_name) => {
                    self.failures.push(ScriptFailure {
                        owner: script.owner.to_string(),
                        origin: script.origin.to_string(),
                        error: format!("the condition returned {type_name}, not true or false"),
                    });
                    false
                }
            },
            Err(error) => {
                self.failures.push(ScriptFailure {
                    owner: script.owner.to_string(),
                    origin: script.origin.to_string(),
                    error: describe(&error),
                });
                false
            }
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
    script::compile(engine, context, source.text())
        .ok()
        .map(|ast| CompiledScript {
            ast: Arc::new(ast),
            origin: origin.into(),
            owner: owner.into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        match v {
            Value::Object(m) => m,
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
        };
        let mut condition = Condition::of_events(vec!["updated".into()]);
        condition.script = Some(script);
        condition.fields = vec![("status".into(), vec![json!("active"), json!("pending")])];
        let now = Arc::new(fields(
            json!({"used": 12, "entitled": 10.0, "status": "active"}),
        ));
        let before = [("used".to_string(), Some(json!(9)))];
        let change = Change {
            record: "L1",
            record_type: "licence",
            event: "updated",
            fields: &now,
            before: &before,
            is_new: false,
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
        };
        let mut eval = Evaluator::new(&engine);
        assert!(!condition.holds(&change, &mut eval));
        let failures = eval.take_failures();
        assert_eq!(failures.len(), 1);
        assert!(failures[0].error.contains("runaway"), "{failures:?}");
        assert_eq!(failures[0].origin, "r.yaml:3:11");
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(1), &json!(1.0)));
        assert!(!same(&json!("1"), &json!(1)));
    }
}
