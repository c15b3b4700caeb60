//! JSON Schemas (draft-07) for editors, generated from the model types.
//!
//! `slaflow schema` writes them to `schemas/`; a test fails when the committed files differ from
//! what the model generates, so the schemas never drift from the code.
//!
//! The model types describe an entry after `uses` has merged it over its base, so an entry
//! written with `uses` may leave out what they require (an agreement's `type`, a target's
//! `stop`): its base supplies it. The bundle schema therefore checks such entries against a
//! *tailored* variant of their definition that requires nothing along the mapping paths that
//! merging fills in (lists replace the base's whole list, so their items stay strict).

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

use crate::import::Map as ImportMap;
use crate::model::{BundleFile, Event, Manifest};

/// One generated schema file.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// File name within `schemas/`.
    pub name: &'static str,
    /// The schema as pretty JSON with a final newline.
    pub text: String,
}

fn generate<T: JsonSchema>(id: &str) -> Schema {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert(
        "$id".into(),
        format!("https://slaflow.dev/schemas/{id}").into(),
    );
    schema
}

fn render(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Every schema slaflow publishes.
pub fn all() -> Vec<SchemaFile> {
    vec![
        SchemaFile {
            name: "bundle.schema.json",
            text: render(&allow_tailoring(generate::<BundleFile>(
                "bundle.schema.json",
            ))),
        },
        SchemaFile {
            name: "manifest.schema.json",
            text: render(&generate::<Manifest>("manifest.schema.json")),
        },
        SchemaFile {
            name: "event.schema.json",
            text: render(&generate::<Event>("event.schema.json")),
        },
        SchemaFile {
            name: "import-map.schema.json",
            text: render(&generate::<ImportMap>("import-map.schema.json")),
        },
        SchemaFile {
            name: "hooks.schema.json",
            text: render(&generate::<crate::serve::hooks::HooksFile>(
                "hooks.schema.json",
            )),
        },
    ]
}

const DEFINITIONS: &str = "#/definitions/";
/// The prefix of the name of a definition's tailored variant.
const TAILORED: &str = "Tailored";

/// Checks the entries of every section whose entries take `uses` against the tailored variant
/// of their definition when they have `uses`, and against the definition itself otherwise.
fn allow_tailoring(mut schema: Schema) -> Schema {
    let Some(root) = schema.as_object_mut() else {
        return schema;
    };
    let Some(definitions) = root.get("definitions").and_then(Value::as_object).cloned() else {
        return schema;
    };
    let mut tailored = Tailoring {
        definitions: &definitions,
        made: BTreeMap::new(),
    };
    if let Some(sections) = root.get_mut("properties").and_then(Value::as_object_mut) {
        for section in sections.values_mut() {
            let Some(entry) = section.get_mut("additionalProperties") else {
                continue;
            };
            let Some(name) = ref_name(entry).map(str::to_string) else {
                continue;
            };
            let takes_uses = definitions
                .get(&name)
                .and_then(|d| d.get("properties"))
                .is_some_and(|p| p.get("uses").is_some());
            if !takes_uses {
                continue;
            }
            let relaxed = tailored.variant(&name);
            if relaxed == name {
                continue; // Nothing it requires can come from a base.
            }
            *entry = serde_json::json!({
                "if": { "required": ["uses"] },
                "then": { "$ref": format!("{DEFINITIONS}{relaxed}") },
                "else": { "$ref": format!("{DEFINITIONS}{name}") },
            });
        }
    }
    let made = tailored.made;
    if let Some(all) = root.get_mut("definitions").and_then(Value::as_object_mut) {
        for (name, variant) in made {
            if let Some(variant) = variant {
                all.insert(format!("{TAILORED}{name}"), variant);
            }
        }
    }
    schema
}

/// The name a `{"$ref": "#/definitions/Name"}` schema refers to.
fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix(DEFINITIONS)
}

/// Makes tailored variants of definitions, each once.
struct Tailoring<'a> {
    definitions: &'a Map<String, Value>,
    /// By original name: the variant, or `None` when the definition needs none (or is being
    /// made, which a reference cycle then treats as needing none).
    made: BTreeMap<String, Option<Value>>,
}

impl Tailoring<'_> {
    /// The name of the definition to refer to for a tailored `name`: its variant's, or its own
    /// when nothing in it is required.
    fn variant(&mut self, name: &str) -> String {
        if !self.made.contains_key(name) {
            self.made.insert(name.to_string(), None);
            let mut definition = self.definitions.get(name).cloned().unwrap_or(Value::Null);
            if self.relax(&mut definition) {
                self.made.insert(name.to_string(), Some(definition));
            }
        }
        match self.made.get(name) {
            Some(Some(_)) => format!("{TAILORED}{name}"),
            _ => name.to_string(),
        }
    }

    /// Drops `required` from `schema` and from what merging reaches inside it (properties,
    /// map values, alternatives, references); returns whether anything changed.
    fn relax(&mut self, schema: &mut Value) -> bool {
        let Some(object) = schema.as_object_mut() else {
            return false;
        };
        let mut changed = object.remove("required").is_some();
        if let Some(reference) = object.get("$ref").and_then(Value::as_str)
            && let Some(name) = reference.strip_prefix(DEFINITIONS).map(str::to_string)
        {
            let target = self.variant(&name);
            if target != name {
                object.insert("$ref".into(), format!("{DEFINITIONS}{target}").into());
                changed = true;
            }
        }
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            for property in properties.values_mut() {
                changed |= self.relax(property);
            }
        }
        if let Some(values) = object.get_mut("additionalProperties") {
            changed |= self.relax(values);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(alternatives) = object.get_mut(key).and_then(Value::as_array_mut) {
                for alternative in alternatives {
                    changed |= self.relax(alternative);
                }
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_schema() -> Value {
        let text = all()
            .into_iter()
            .find(|s| s.name == "bundle.schema.json")
            .unwrap()
            .text;
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn entries_with_uses_need_not_repeat_what_their_base_supplies() {
        let schema = bundle_schema();
        let definitions = &schema["definitions"];
        let entry = &schema["properties"]["agreements"]["additionalProperties"];
        assert_eq!(entry["if"]["required"][0], "uses");
        assert_eq!(entry["else"]["$ref"], "#/definitions/Agreement");
        assert_eq!(entry["then"]["$ref"], "#/definitions/TailoredAgreement");
        // The tailored agreement requires no `type`, its targets no `start` or `stop`...
        let tailored = &definitions["TailoredAgreement"];
        assert!(tailored.get("required").is_none());
        let target = &tailored["properties"]["targets"]["additionalProperties"]["$ref"];
        assert_eq!(target, "#/definitions/TailoredTarget");
        assert!(definitions["TailoredTarget"].get("required").is_none());
        // ...but the items of a list, which replaces the base's, stay strict.
        assert_eq!(definitions["Agreement"]["required"][0], "type");
        let process = &schema["properties"]["processes"]["additionalProperties"];
        assert_eq!(process["else"]["$ref"], "#/definitions/Process");
        assert!(
            schema["properties"]["roles"]["additionalProperties"]
                .get("if")
                .is_none()
        );
        // A calendar requires nothing, so it needs no variant.
        let calendar = &schema["properties"]["calendars"]["additionalProperties"];
        assert_eq!(calendar["$ref"], "#/definitions/Calendar");
    }
}
