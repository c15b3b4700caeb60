//! rhai scripts: the sandboxed engine, the variables each kind of script can see, compilation.
//!
//! Scripts are compiled once, when the bundle loads, with strict variables against the names
//! their context provides, so a typo is a diagnostic at the YAML position instead of a runtime
//! surprise. The engine has no module resolver, no clock, no `eval`, and limits on operations,
//! nesting, string, array and map sizes, so a runaway script fails one evaluation, never the
//! engine. This module does not know about YAML positions; callers map them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rhai::{Dynamic, Engine, ImmutableString, ParseErrorType, Scope};
use serde_json::Value;

use crate::base::Fields;

/// Limits every script runs under.
pub mod limits {
    /// Operations one evaluation may perform before it is stopped.
    pub const MAX_OPERATIONS: u64 = 100_000;
    /// Deepest expression nesting.
    pub const MAX_EXPR_DEPTH: usize = 64;
    /// Deepest function call nesting.
    pub const MAX_CALL_LEVELS: usize = 32;
    /// Longest string a script may build, in bytes.
    pub const MAX_STRING_SIZE: usize = 64 * 1024;
    /// Largest array a script may build.
    pub const MAX_ARRAY_SIZE: usize = 10_000;
    /// Largest map a script may build.
    pub const MAX_MAP_SIZE: usize = 10_000;
}

/// Where a script is written, which decides the variables it can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptContext {
    /// Conditions over a record change: target `applies_to` and clock conditions, record rules,
    /// triggers, escalation triggers, rate card rules.
    Record,
    /// Decision outcome conditions of a process step.
    Decision,
}

impl ScriptContext {
    /// The variables a script in this context can use.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            ScriptContext::Record => &[
                "record",
                "record_id",
                "record_type",
                "event",
                "previous",
                "since_last_event",
                "since",
            ],
            ScriptContext::Decision => &["record", "record_id", "record_type", "instance"],
        }
    }

    /// Where the context applies, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ScriptContext::Record => "a record condition",
            ScriptContext::Decision => "a decision condition",
        }
    }
}

/// Why a script does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The text is not valid rhai.
    #[error("{message}")]
    Syntax {
        /// What is wrong, lowercase.
        message: String,
        /// Line within the script, from 1.
        line: usize,
        /// Column within the script, from 1.
        column: usize,
    },
    /// The script uses a variable its context does not provide.
    #[error("unknown variable `{name}`")]
    UnknownVariable {
        /// The variable.
        name: String,
        /// Line within the script, from 1.
        line: usize,
        /// Column within the script, from 1.
        column: usize,
    },
}

/// The fields one change set, each with its value before the change (`None`: absent).
pub type Changed = [(String, Option<Value>)];

/// A record's fields as scripts read them: `record.priority`, `record["område"]`,
/// `"vip" in record`, `record.keys()`, `record.len()`, `record.to_map()`. A missing field reads
/// as `()`. Values are converted only when a script reads them, so a script that looks at one
/// field of a large record costs one conversion.
#[derive(Debug, Clone)]
pub struct RecordView {
    fields: Arc<Fields>,
    overlay: Option<Arc<Changed>>,
    /// The overlay's fields by name, when it has many (a change may set thousands).
    overlay_index: Option<Arc<HashMap<String, usize>>>,
    empty: bool,
}

/// Changed fields up to which a scan finds one faster than an index.
const OVERLAY_SCAN: usize = 8;

impl RecordView {
    /// The record's current fields.
    pub fn new(fields: Arc<Fields>) -> RecordView {
        RecordView {
            fields,
            overlay: None,
            overlay_index: None,
            empty: false,
        }
    }

    /// The fields as they were before a change that set `changed` (old values, `None` for
    /// fields that did not exist).
    pub fn before(fields: Arc<Fields>, changed: Arc<[(String, Option<Value>)]>) -> RecordView {
        let overlay_index = (changed.len() > OVERLAY_SCAN).then(|| {
            let index = changed.iter().enumerate().map(|(i, (k, _))| (k.clone(), i));
            Arc::new(index.collect())
        });
        RecordView {
            fields,
            overlay: Some(changed),
            overlay_index,
            empty: false,
        }
    }

    /// A record with no fields (what a new record was before its first event).
    pub fn empty() -> RecordView {
        RecordView {
            fields: Arc::new(Fields::new()),
            overlay: None,
            overlay_index: None,
            empty: true,
        }
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.empty {
            return None;
        }
        if let Some(overlay) = &self.overlay {
            let changed = match &self.overlay_index {
                Some(index) => index.get(key).and_then(|i| overlay.get(*i)),
                None => overlay.iter().find(|(k, _)| k == key),
            };
            if let Some((_, old)) = changed {
                return old.as_ref();
            }
        }
        self.fields.get(key)
    }

    fn keys(&self) -> Vec<String> {
        let mut keys: BTreeSet<&str> = self
            .fields
            .keys()
            .filter(|k| self.get(k).is_some())
            .collect();
        if let Some(overlay) = &self.overlay {
            keys.extend(
                overlay
                    .iter()
                    .filter(|(_, old)| old.is_some())
                    .map(|(k, _)| k.as_str()),
            );
        }
        keys.into_iter().map(str::to_string).collect()
    }
}

/// The most record fields a script may read and still have its results remembered.
pub const MAX_READS: usize = 4;

/// What a record condition depends on, found by reading its text: the record fields it reads
/// by name, and whether it uses `event` or `record_type`. Its result is then a function of
/// those values alone (scripts have no clock, no randomness and no state between runs), so
/// it can be remembered for them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reads {
    /// Fields read as `record.name` or `record["name"]`, at most [`MAX_READS`].
    pub fields: Vec<String>,
    /// Whether the script mentions `event`.
    pub event: bool,
    /// Whether the script mentions `record_type`.
    pub record_type: bool,
}

/// What a record condition's text reads (see [`Reads`]), or `None` when that cannot be told
/// for sure: the record used in any other way (passed along, `in record`, `record.keys()`, a
/// computed index), `record_id` or `previous` used, interpolated or raw strings, text this
/// simple reader does not know, or more than [`MAX_READS`] fields.
pub fn reads(text: &str) -> Option<Reads> {
    let tokens = tokens(text)?;
    let mut reads = Reads::default();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Name(name) = token else { continue };
        if i > 0 && tokens.get(i - 1) == Some(&Token::Dot) {
            continue; // a property or method name, not a variable
        }
        match *name {
            // The time since something happened changes with the clock, not the fields.
            "record_id" | "previous" | "since_last_event" | "since" => return None,
            "event" => reads.event = true,
            "record_type" => reads.record_type = true,
            "record" => {
                let field = match (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3)) {
                    (Some(Token::Dot), Some(Token::Name(field)), next)
                        if next != Some(&Token::Call) =>
                    {
                        *field
                    }
                    (Some(Token::Open), Some(Token::Text(Some(field))), Some(Token::Close)) => {
                        *field
                    }
                    _ => return None,
                };
                if !reads.fields.iter().any(|f| f == field) {
                    reads.fields.push(field.to_string());
                }
            }
            _ => {}
        }
    }
    (reads.fields.len() <= MAX_READS).then_some(reads)
}

/// The record fields whose last change the engine must remember for `since`: the fields
/// scripts read as `since.name` or `since["name"]`, or every field when one uses `since` in
/// any other way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Since {
    /// Every field is remembered.
    pub all: bool,
    /// The fields remembered, when not all.
    pub fields: Vec<String>,
}

impl Since {
    /// Adds what a record condition's text reads through `since`.
    pub fn add(&mut self, text: &str) {
        if self.all || !text.contains("since") {
            return;
        }
        let Some(tokens) = tokens(text) else {
            self.all = true;
            return;
        };
        for (i, token) in tokens.iter().enumerate() {
            if *token != Token::Name("since") || (i > 0 && tokens.get(i - 1) == Some(&Token::Dot)) {
                continue;
            }
            let field = match (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3)) {
                (Some(Token::Dot), Some(Token::Name(field)), next)
                    if next != Some(&Token::Call) =>
                {
                    *field
                }
                (Some(Token::Open), Some(Token::Text(Some(field))), Some(Token::Close)) => *field,
                _ => {
                    self.all = true;
                    return;
                }
            };
            if !self.fields.iter().any(|f| f == field) {
                self.fields.push(field.to_string());
            }
        }
    }

    /// Whether any field is remembered.
    pub fn any(&self) -> bool {
        self.all || !self.fields.is_empty()
    }

    /// Whether `field`'s changes are remembered.
    pub fn tracks(&self, field: &str) -> bool {
        self.all || self.fields.iter().any(|f| f == field)
    }
}

/// A token of rhai text, as far as [`reads`] needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// An identifier or keyword.
    Name(&'a str),
    /// A string literal: its text when it has no escapes.
    Text(Option<&'a str>),
    /// `.`
    Dot,
    /// `[`
    Open,
    /// `]`
    Close,
    /// `(`
    Call,
    /// Anything else.
    Other,
}

/// Splits rhai text into tokens, skipping blanks and comments; `None` for what [`reads`] does
/// not handle.
fn tokens(text: &str) -> Option<Vec<Token<'_>>> {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = at(i);
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if at(i + 1) == b'/' => {
                while i < bytes.len() && at(i) != b'\n' {
                    i += 1;
                }
            }
            b'/' if at(i + 1) == b'*' => {
                let mut depth = 0usize;
                loop {
                    match (at(i), at(i + 1)) {
                        (0, _) if i >= bytes.len() => return None,
                        (b'/', b'*') => {
                            depth += 1;
                            i += 2;
                        }
                        (b'*', b'/') => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => i += 1,
                    }
                }
            }
            b'"' => {
                let start = i + 1;
                let mut escaped = false;
                i += 1;
                loop {
                    match at(i) {
                        _ if i >= bytes.len() => return None,
                        b'"' => break,
                        b'\\' => {
                            escaped = true;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                let literal = text.get(start..i)?;
                out.push(Token::Text((!escaped).then_some(literal)));
                i += 1;
            }
            b'\'' => {
                i += if at(i + 1) == b'\\' { 2 } else { 1 };
                // One character (possibly several bytes), then the closing quote.
                let rest = text.get(i..)?;
                let width = rest.chars().next()?.len_utf8();
                i += width;
                while i < bytes.len() && at(i) != b'\'' {
                    i += 1; // the rest of an escape such as `\u{2028}`
                }
                if i >= bytes.len() {
                    return None;
                }
                out.push(Token::Other);
                i += 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while at(i).is_ascii_alphanumeric() || at(i) == b'_' {
                    i += 1;
                }
                out.push(Token::Name(text.get(start..i)?));
            }
            b'0'..=b'9' => {
                while at(i).is_ascii_alphanumeric()
                    || at(i) == b'_'
                    || (at(i) == b'.' && at(i + 1).is_ascii_digit())
                {
                    i += 1;
                }
                out.push(Token::Other);
            }
            b'.' => {
                out.push(Token::Dot);
                i += 1;
            }
            b'[' => {
                out.push(Token::Open);
                i += 1;
            }
            b']' => {
                out.push(Token::Close);
                i += 1;
            }
            b'(' => {
                out.push(Token::Call);
                i += 1;
            }
            b'#' if at(i + 1) == b'{' => {
                out.push(Token::Other);
                i += 1;
            }
            // Raw and interpolated strings, and anything not ASCII outside a string.
            b'#' | b'`' => return None,
            _ if !c.is_ascii() => return None,
            _ => {
                out.push(Token::Other);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Converts a JSON value to a rhai value.
pub fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        Value::Array(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect()),
        Value::Object(map) => {
            let mut out = rhai::Map::new();
            for (key, value) in map {
                out.insert(key.as_str().into(), to_dynamic(value));
            }
            Dynamic::from_map(out)
        }
    }
}

rhai::def_package! {
    /// The functions scripts may call: rhai's standard library without its language core
    /// package, whose `sleep` blocks the thread outside the operation limit (and whose `exit`,
    /// `take`, tags and JSON parsing conditions have no use for), and without the clock
    /// (`timestamp`), which the `no_time` feature leaves out. `tests/fixtures/sandbox-functions.txt`
    /// lists every function it holds; a test compares the two.
    SandboxPackage(lib):
        rhai::packages::ArithmeticPackage,
        rhai::packages::BasicStringPackage,
        rhai::packages::BasicIteratorPackage,
        rhai::packages::BasicFnPackage,
        rhai::packages::BitFieldPackage,
        rhai::packages::LogicPackage,
        rhai::packages::BasicMathPackage,
        rhai::packages::BasicArrayPackage,
        rhai::packages::BasicBlobPackage,
        rhai::packages::BasicMapPackage,
        rhai::packages::MoreStringPackage
    {}
}

/// The sandbox's functions, built once and shared by every engine.
static SANDBOX_PACKAGE: std::sync::LazyLock<SandboxPackage> =
    std::sync::LazyLock::new(SandboxPackage::new);

/// A rhai engine configured as slaflow's sandbox: only the functions of [`SandboxPackage`] and
/// those registered here for record views.
pub fn sandbox() -> Engine {
    use rhai::packages::Package;
    let mut engine = Engine::new_raw();
    SANDBOX_PACKAGE.register_into_engine(&mut engine);
    engine
        .set_max_strings_interned(256)
        .set_strict_variables(true)
        .set_max_operations(limits::MAX_OPERATIONS)
        .set_max_expr_depths(limits::MAX_EXPR_DEPTH, limits::MAX_EXPR_DEPTH / 2)
        .set_max_call_levels(limits::MAX_CALL_LEVELS)
        .set_max_string_size(limits::MAX_STRING_SIZE)
        .set_max_array_size(limits::MAX_ARRAY_SIZE)
        .set_max_map_size(limits::MAX_MAP_SIZE)
        .set_fail_on_invalid_map_property(false);
    compare_numbers_exactly(&mut engine);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine
        .register_type_with_name::<RecordView>("Record")
        .register_indexer_get(|r: &mut RecordView, key: &str| -> Dynamic {
            r.get(key).map_or(Dynamic::UNIT, to_dynamic)
        })
        .register_fn("contains", |r: &mut RecordView, key: &str| {
            r.get(key).is_some()
        })
        .register_fn("len", |r: &mut RecordView| {
            i64::try_from(r.keys().len()).unwrap_or(i64::MAX)
        })
        .register_fn("keys", |r: &mut RecordView| -> rhai::Array {
            r.keys()
                .into_iter()
                .map(|k| Dynamic::from(ImmutableString::from(k)))
                .collect()
        })
        .register_fn("to_map", |r: &mut RecordView| -> Dynamic {
            let mut map = rhai::Map::new();
            for key in r.keys() {
                let value = r.get(&key).map_or(Dynamic::UNIT, to_dynamic);
                map.insert(key.as_str().into(), value);
            }
            Dynamic::from_map(map)
        });
    engine
}

/// Makes comparisons of floating point numbers follow IEEE 754, exactly as JSON values compare
/// in field conditions: rhai's own compare within a relative epsilon, so `1.0/0.0 > 0.0` and
/// `inf == inf` were false. An integer and a float compare by their exact values.
///
/// rhai's fast operators use its built-in comparisons before any registered one, so they are
/// turned off; every operator then looks its function up (cached), about 70 ns more each.
fn compare_numbers_exactly(engine: &mut Engine) {
    use std::cmp::Ordering::{Equal, Greater, Less};
    type Test = fn(Option<std::cmp::Ordering>) -> bool;
    const TESTS: [(&str, Test); 6] = [
        ("==", |o| o == Some(Equal)),
        ("!=", |o| o != Some(Equal)),
        ("<", |o| o == Some(Less)),
        ("<=", |o| matches!(o, Some(Less | Equal))),
        (">", |o| o == Some(Greater)),
        (">=", |o| matches!(o, Some(Greater | Equal))),
    ];
    engine.set_fast_operators(false);
    for (name, test) in TESTS {
        engine
            .register_fn(name, move |a: f64, b: f64| test(a.partial_cmp(&b)))
            .register_fn(name, move |a: i64, b: f64| test(int_cmp_float(a, b)))
            .register_fn(name, move |a: f64, b: i64| {
                test(int_cmp_float(b, a).map(std::cmp::Ordering::reverse))
            });
    }
}

/// How a whole number compares with a float, exactly (`None` for NaN).
fn int_cmp_float(int: i64, float: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::{Greater, Less};
    /// 2^63, the first float above every `i64`.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if float.is_nan() {
        return None;
    }
    if float >= LIMIT {
        return Some(Less);
    }
    if float < -LIMIT {
        return Some(Greater);
    }
    let whole = float.trunc();
    // In range and whole, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation)]
    let truncated = whole as i64;
    Some(int.cmp(&truncated).then_with(|| {
        0.0_f64
            .partial_cmp(&(float - whole))
            .unwrap_or(std::cmp::Ordering::Equal)
    }))
}

/// A scope that declares a context's variables (as empty values), for compiling.
///
/// They are declared as variables, not constants: the optimizer would otherwise fold the
/// placeholder values into the compiled script (`record_type == "incident"` would become
/// `() == "incident"`).
pub fn declaration_scope(context: ScriptContext) -> Scope<'static> {
    let mut scope = Scope::new();
    for name in context.variables() {
        scope.push(*name, Dynamic::UNIT);
    }
    scope
}

/// Compiles a script for a context.
pub fn compile(
    engine: &Engine,
    context: ScriptContext,
    text: &str,
) -> Result<rhai::AST, CompileError> {
    let scope = declaration_scope(context);
    engine.compile_with_scope(&scope, text).map_err(|error| {
        let position = error.position();
        let line = position.line().unwrap_or(1);
        let column = position.position().unwrap_or(1);
        match &*error.0 {
            ParseErrorType::VariableUndefined(name) => CompileError::UnknownVariable {
                name: name.clone(),
                line,
                column,
            },
            other => CompileError::Syntax {
                message: lowercase_first(&other.to_string()),
                line,
                column,
            },
        }
    })
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
    .trim_end_matches('.')
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_record_conditions() {
        let engine = sandbox();
        assert!(
            compile(
                &engine,
                ScriptContext::Record,
                "record.vip == true && record_type == \"incident\""
            )
            .is_ok()
        );
    }

    #[test]
    fn rejects_unknown_variables_with_position() {
        let engine = sandbox();
        let err = compile(&engine, ScriptContext::Record, "record.x > 1 && recrod.y").unwrap_err();
        assert_eq!(
            err,
            CompileError::UnknownVariable {
                name: "recrod".into(),
                line: 1,
                column: 17
            }
        );
    }

    #[test]
    fn compiled_scripts_do_not_fold_the_declared_variables() {
        // Regression: declaring the variables as constants let the optimizer fold `()` in.
        let engine = sandbox();
        let ast = compile(
            &engine,
            ScriptContext::Record,
            "record_type == \"incident\"",
        )
        .unwrap();
        let mut scope = Scope::new();
        scope.push_constant("record_type", ImmutableString::from("incident"));
        for name in ["record", "record_id", "event", "previous"] {
            scope.push_constant(name, Dynamic::UNIT);
        }
        assert!(
            engine
                .eval_ast_with_scope::<bool>(&mut scope, &ast)
                .unwrap()
        );
    }

    #[test]
    fn records_read_lazily_by_property_index_and_in() {
        let engine = sandbox();
        let mut fields = Fields::new();
        fields.insert("used".into(), Value::from(12));
        fields.insert("område".into(), Value::from("Syd"));
        let view = RecordView::new(Arc::new(fields));
        let mut scope = Scope::new();
        scope.push_constant("record", view);
        for name in ["record_id", "record_type", "event", "previous"] {
            scope.push_constant(name, Dynamic::UNIT);
        }
        for (script, expected) in [
            ("record.used > 10", true),
            ("record[\"område\"] == \"Syd\"", true),
            ("(\"used\" in record) && !(\"x\" in record)", true),
            ("record.missing == ()", true),
            ("record.len() == 2 && record.to_map().used == 12", true),
        ] {
            let ast = compile(&engine, ScriptContext::Record, script).unwrap();
            let got = engine
                .eval_ast_with_scope::<bool>(&mut scope, &ast)
                .unwrap();
            assert_eq!(got, expected, "{script}");
        }
    }

    #[test]
    fn runaway_scripts_stop_at_the_operation_limit() {
        let engine = sandbox();
        let ast = compile(
            &engine,
            ScriptContext::Record,
            "let n = 0; loop { n += 1; } n",
        )
        .unwrap();
        let mut scope = declaration_scope(ScriptContext::Record);
        let err = engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
            .unwrap_err();
        assert!(matches!(
            *err,
            rhai::EvalAltResult::ErrorTooManyOperations(_)
        ));
    }

    #[test]
    fn numbers_compare_as_ieee_754_says() {
        let engine = sandbox();
        for (script, expected) in [
            ("1.0/0.0 > 0.0", true),
            ("let inf = 1.0/0.0; inf == inf", true),
            ("-1.0/0.0 < -1e308", true),
            ("1.0/0.0 > 9223372036854775807", true),
            ("9223372036854775807 < 1.0/0.0", true),
            ("let nan = 0.0/0.0; nan == nan", false),
            ("let nan = 0.0/0.0; nan != nan", true),
            ("let nan = 0.0/0.0; nan < 1 || nan >= 1", false),
            ("0.1 + 0.2 == 0.3", false),
            ("2 == 2.0 && 2.0 == 2 && 2 <= 2.0 && 2.5 > 2", true),
            ("9007199254740993 == 9007199254740992.0", false),
            ("9007199254740993 > 9007199254740992.0", true),
            ("-2 > -2.5 && -3 < -2.5 && !(-2 < -2.5)", true),
            ("[1.0/0.0].contains(1.0/0.0)", true),
        ] {
            let got = engine.eval::<bool>(script).unwrap();
            assert_eq!(got, expected, "{script}");
        }
    }

    #[test]
    fn reads_tells_which_fields_a_script_depends_on() {
        let fields = |text: &str| reads(text).map(|r| r.fields);
        let strings = |list: &[&str]| Some(list.iter().map(|s| s.to_string()).collect());
        assert_eq!(fields("record.reopened >= 2"), strings(&["reopened"]));
        assert_eq!(
            fields("record.used > record[\"entitled\"] // record.x\n/* record.y /* */ */"),
            strings(&["used", "entitled"])
        );
        assert_eq!(
            fields("record.status.len() > 2 && record.status != 'x'"),
            strings(&["status"])
        );
        assert_eq!(fields("let r = #{a: 1}; r.record == 1.5"), strings(&[]));
        let r = reads("event == \"created\" && record_type == \"incident\"").unwrap();
        assert!(r.event && r.record_type && r.fields.is_empty());
        for unknown in [
            "\"vip\" in record",
            "record.keys().len() > 1",
            "record.contains(\"x\")",
            "let r = record; r.x",
            "record[\"a\" + \"b\"]",
            "record[\"a\\u0062\"]",
            "record?.x",
            "previous.x != record.x",
            "record_id == \"INC1\"",
            "`${record}` == \"\"",
            "#\"record\"# == \"\"",
            "record.a + record.b + record.c + record.d + record.e",
            "\"unterminated",
            "/* open",
            "f(record)",
        ] {
            assert_eq!(reads(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn rejects_syntax_errors_and_sandbox_escapes() {
        let engine = sandbox();
        assert!(matches!(
            compile(&engine, ScriptContext::Record, "record.x >"),
            Err(CompileError::Syntax { .. })
        ));
        assert!(compile(&engine, ScriptContext::Record, "eval(\"1\")").is_err());
        assert!(compile(&engine, ScriptContext::Record, "import \"x\" as y; 1").is_err());
    }
}
