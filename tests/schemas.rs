//! The committed JSON Schemas (`schemas/`) agree with the validator: every shipped YAML file, and
//! every fixed diagnostic fixture, validates against them with an independent JSON Schema
//! validator (the `jsonschema` crate), read as an editor reads it.
//!
//! yaml-language-server reads YAML 1.2 with the core schema, so plain scalars are resolved
//! eagerly here the same way (`1.10` is a number, `2026-10-01` and `09:00` are text), unlike
//! slaflow's own loader, which resolves a scalar by the type of the field it fills.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use slaflow::diagnostic::Diagnostics;
use slaflow::load::yaml::{Limits, Node, Style, Value, parse};
use slaflow::source::FileId;

use crate::common::root;

/// A plain scalar as the YAML 1.2 core schema resolves it.
fn core_scalar(text: &str) -> Json {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Json::Null,
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    let integer = text
        .strip_prefix(['-', '+'])
        .unwrap_or(text)
        .chars()
        .all(|c| c.is_ascii_digit());
    if integer
        && text.chars().any(|c| c.is_ascii_digit())
        && let Ok(n) = text.parse::<i64>()
    {
        return Json::from(n);
    }
    let float = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mantissa_ok = |m: &str| {
        let (whole, fraction) = m.split_once('.').unwrap_or((m, ""));
        (!whole.is_empty() || !fraction.is_empty())
            && whole.chars().all(|c| c.is_ascii_digit())
            && fraction.chars().all(|c| c.is_ascii_digit())
    };
    let looks_float = match float.split_once(['e', 'E']) {
        Some((m, e)) => {
            mantissa_ok(m)
                && !e.strip_prefix(['-', '+']).unwrap_or(e).is_empty()
                && e.strip_prefix(['-', '+'])
                    .unwrap_or(e)
                    .chars()
                    .all(|c| c.is_ascii_digit())
        }
        None => mantissa_ok(float) && float.contains('.'),
    };
    if looks_float
        && let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        return Json::Number(n);
    }
    Json::String(text.to_string())
}

fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Scalar(text, Style::Plain) => core_scalar(text),
        Value::Scalar(text, _) => Json::String(text.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: Json = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

#[test]
fn every_shipped_yaml_file_validates_against_the_committed_schemas() {
    let bundle = validator("bundle.schema.json");
    let manifest = validator("manifest.schema.json");
    let mut files = Vec::new();
    for dir in ["examples", "rules"] {
        yaml_files(&root().join(dir), &mut files);
    }
    let codes = root().join("tests/fixtures/codes");
    for code in std::fs::read_dir(&codes).unwrap() {
        let fixed = code.unwrap().path().join("fixed");
        if fixed.is_dir() {
            yaml_files(&fixed, &mut files);
        }
    }
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut diagnostics = Diagnostics::new();
        let node = parse(FileId(0), &text, Limits::default(), &mut diagnostics)
            .unwrap_or_else(|| panic!("{} does not parse", file.display()));
        let doc = to_json(&node);
        let schema = if file.ends_with("bundle.yaml") {
            &manifest
        } else {
            &bundle
        };
        for error in schema.iter_errors(&doc) {
            problems.push(format!(
                "{}: {} at `{}`",
                file.strip_prefix(root()).unwrap().display(),
                error,
                error.instance_path()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn core_schema_resolution_is_the_editors() {
    assert_eq!(core_scalar("1.10"), serde_json::json!(1.1));
    assert_eq!(core_scalar("36"), serde_json::json!(36));
    assert_eq!(core_scalar("-2"), serde_json::json!(-2));
    assert_eq!(core_scalar("2026-10-01"), serde_json::json!("2026-10-01"));
    assert_eq!(core_scalar("09:00"), serde_json::json!("09:00"));
    assert_eq!(core_scalar("yes"), serde_json::json!("yes"));
    assert_eq!(core_scalar("True"), serde_json::json!(true));
    assert_eq!(core_scalar("1e3"), serde_json::json!(1000.0));
    assert_eq!(core_scalar("100%"), serde_json::json!("100%"));
}
