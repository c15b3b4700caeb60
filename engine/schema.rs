//! JSON Schemas (draft-07) for editors, generated from the model types.
//!
//! `slaflow schema` writes them to `schemas/`; a test fails when the committed files differ from
//! what the model generates, so the schemas never drift from the code.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use crate::import::Map;
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
            text: render(&generate::<BundleFile>("bundle.schema.json")),
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
            text: render(&generate::<Map>("import-map.schema.json")),
        },
    ]
}
