//! The import map: which vendor field or state becomes which bundle field, and which
//! transitions are which events.
//!
//! This module owns the map's YAML shape (serde + schemars, so `slaflow schema` publishes it
//! as `import-map.schema.json`) and the checks that need no export: one source per field,
//! rules that name mapped fields, a real time zone. It reads no export and knows no vendor
//! payload; [`super`] applies the map.

use std::path::Path;
use std::str::FromStr;

use chrono_tz::Tz;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ImportError, Vendor};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{de, yaml};
use crate::model::condition::FieldMatch;
use crate::model::{IdMap, Spanned};
use crate::source::{SourceMap, Span, display_path};

/// How a ServiceNow export was asked for: the `sysparm_display_value` of the Table API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisplayValue {
    /// `false` (the API's default): values as stored; date-times in UTC.
    #[default]
    False,
    /// `true`: display values; choices by label, references by name, date-times in the
    /// exporting user's time zone (`time_zone`) and date format (`date_format`).
    True,
    /// `all`: every field is `{"display_value": ..., "value": ...}`; the stored value is used
    /// unless the field says `display: true`.
    All,
}

impl JsonSchema for DisplayValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DisplayValue".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The `sysparm_display_value` of the export: `false` (stored values, the default), `true` (display values) or `all` (both).",
            "anyOf": [{ "type": "boolean" }, { "enum": ["false", "true", "all"] }]
        })
    }
}

/// The type a vendor value (always read as text) is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Kept as text (the default).
    String,
    /// A whole number, e.g. a priority `2`.
    Integer,
    /// A number, e.g. `1.5`.
    Number,
    /// `true` or `false` (also `1`/`0`, `yes`/`no`).
    Boolean,
}

/// An import map: how one vendor's export becomes slaflow events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[schemars(title = "slaflow import map")]
pub struct Map {
    /// The system the exports come from: `servicenow`, `jira` or `zammad`; must match `--from`.
    pub from: Spanned<Vendor>,
    /// Where the record id is in a vendor record, e.g. `number` (ServiceNow, Zammad) or `key`
    /// (Jira). Paths are dotted (`fields.status.name`); a key that itself holds dots (a
    /// ServiceNow dot-walked field such as `caller_id.vip`) is found as it is.
    pub record_id: Spanned<String>,
    /// The record type: a constant (`value: incident`) or a vendor field with a value map.
    pub record_type: FieldMap,
    /// Where the creation instant is; defaults to `sys_created_on` (ServiceNow),
    /// `fields.created` (Jira) or `created_at` (Zammad).
    #[serde(default)]
    pub created: Option<Spanned<String>>,
    /// The IANA time zone date-times without an offset are written in: ServiceNow display
    /// values (`display_value: true`) and CSV exports, which use the exporting user's zone.
    #[serde(default)]
    pub time_zone: Option<Spanned<String>>,
    /// ServiceNow: the `sysparm_display_value` the records were exported with (default `false`).
    #[serde(default)]
    pub display_value: Option<DisplayValue>,
    /// The format of date-times without an offset, in chrono's `strftime` syntax; defaults to
    /// ServiceNow's `%Y-%m-%d %H:%M:%S`.
    #[serde(default)]
    pub date_format: Option<Spanned<String>>,
    /// The bundle fields, each from a vendor field (or a constant), in the order they are
    /// written in events.
    #[serde(default)]
    pub fields: IdMap<String, FieldMap>,
    /// Which changes are which events, tried in order: the first rule that matches a change
    /// names it; a change no rule matches is `updated`. The first event of a record is
    /// always `created`.
    #[serde(default)]
    pub events: Vec<Spanned<EventRule>>,
    /// For `slaflow reconcile`: each SLA definition of the vendor, by its name (ServiceNow's
    /// `task_sla.sla`, a Jira SLA field's `name`), and the slaflow clocks it corresponds to.
    /// Every name the SLA export holds must be listed (with `ignore: true` to leave it out).
    #[serde(default)]
    pub sla: IdMap<String, SlaMap>,
}

/// The slaflow clocks a vendor SLA definition corresponds to: the record's clock of
/// `agreement` and `target` (or of any target of `measure`, for a vendor SLA whose goal varies
/// with priority as Jira's do), or none with `ignore: true`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct SlaMap {
    /// The agreement id in the bundle, e.g. `metlife-desk-side-sla`.
    #[serde(default)]
    pub agreement: Option<String>,
    /// The target id in the agreement, e.g. `standard-resolution`.
    #[serde(default)]
    pub target: Option<String>,
    /// Instead of `target`: any target of the agreement with this measure, e.g. `resolution`;
    /// a record has one such clock at a time (its first matching target).
    #[serde(default)]
    pub measure: Option<String>,
    /// Not compared: a vendor SLA the contract has no clock for (an auto-close timer, say).
    #[serde(default)]
    pub ignore: bool,
}

/// Where one bundle field comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct FieldMap {
    /// The vendor field: a path into the vendor record, e.g. `state`, `fields.priority.name`,
    /// `group`.
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// A constant instead of a vendor field.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// The field's name in the vendor's history when it differs from the default: the
    /// ServiceNow `fieldname` (default: `from`), the Jira `fieldId` or `field` (default: the
    /// segment after `fields.`), the Zammad `attribute` (default: `from`).
    #[serde(default)]
    pub history: Option<String>,
    /// ServiceNow `display_value: all`: use the display value instead of the stored one.
    #[serde(default)]
    pub display: bool,
    /// Vendor value -> bundle value. When given, it must list every value the export holds:
    /// a value it does not list is reported, not guessed. An empty vendor value is `""`.
    #[serde(default)]
    pub values: Option<IndexMap<String, serde_json::Value>>,
    /// The type of values that are not mapped by `values` (default `string`).
    #[serde(default, rename = "type")]
    pub kind: Option<ValueType>,
}

/// A rule that names a change (or an instant of the record) as an event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct EventRule {
    /// The event name, e.g. `resolved`.
    pub event: String,
    /// A bundle field whose change this rule names (with `from` and `to`, in bundle values).
    #[serde(default)]
    pub field: Option<String>,
    /// The value (or one of the values) the field had before the change.
    #[serde(default)]
    pub from: Option<FieldMatch>,
    /// The value (or one of the values) the field has after the change.
    #[serde(default)]
    pub to: Option<FieldMatch>,
    /// Only the first change of a record that matches gets this name (e.g. `responded`).
    #[serde(default)]
    pub first: bool,
    /// Instead of a change: a vendor field holding the instant of the event, e.g. Zammad's
    /// `first_response_at`. A change at the same instant that no rule names takes this name.
    #[serde(default)]
    pub at: Option<String>,
    /// Bundle fields the record must have after the change, e.g. `{service: e-mail}`.
    #[serde(default)]
    pub when: IndexMap<String, FieldMatch>,
}

/// A map read from its file, with the file kept for messages.
#[derive(Debug, Clone)]
pub struct LoadedMap {
    /// The map.
    pub map: Map,
    /// The zone of date-times without an offset.
    pub time_zone: Option<Tz>,
    /// The map file as given, for messages.
    pub path: String,
}

impl LoadedMap {
    /// Reads, parses and checks the map at `path`; every problem is reported at once, in the
    /// human diagnostic format.
    pub fn load(path: &Path) -> Result<LoadedMap, ImportError> {
        let name = display_path(path);
        let text = std::fs::read_to_string(path).map_err(|error| ImportError::Read {
            path: name.clone(),
            error,
        })?;
        LoadedMap::parse(&name, &text)
    }

    /// Parses and checks a map held in `text`, named `name` in messages.
    pub fn parse(name: &str, text: &str) -> Result<LoadedMap, ImportError> {
        let mut sources = SourceMap::new();
        let file = sources.add(name.into(), name.to_string(), text);
        let mut diagnostics = Diagnostics::default();
        let node = yaml::parse(file, text, yaml::Limits::default(), &mut diagnostics);
        let map = node
            .as_ref()
            .and_then(|node| match de::from_node::<Map>(node) {
                Ok(map) => Some(map),
                Err(error) => {
                    diagnostics.push(error.into_diagnostic(node.span));
                    None
                }
            });
        let time_zone = map.as_ref().and_then(|map| check(map, &mut diagnostics));
        match map {
            Some(map) if !diagnostics.has_errors() => Ok(LoadedMap {
                map,
                time_zone,
                path: name.to_string(),
            }),
            _ => {
                diagnostics.sort();
                Err(ImportError::Map(crate::diagnostic::render::human(
                    &diagnostics,
                    &sources,
                )))
            }
        }
    }
}

/// Checks what the shape cannot say; returns the time zone if one is given and valid.
fn check(map: &Map, diagnostics: &mut Diagnostics) -> Option<Tz> {
    let whole = map.record_id.span;
    check_field("record_type", &map.record_type, whole, diagnostics);
    for (name, field) in map.fields.iter() {
        check_field(&name.value, field, name.span, diagnostics);
    }
    for rule in &map.events {
        check_rule(map, &rule.value, rule.span, diagnostics);
    }
    for (name, sla) in map.sla.iter() {
        check_sla(&name.value, sla, name.span, diagnostics);
    }
    if let Some(format) = &map.date_format
        && chrono::format::StrftimeItems::new(&format.value)
            .any(|item| matches!(item, chrono::format::Item::Error))
    {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                format.span,
                format!("invalid date format `{}`", format.value),
            )
            .with_help("use chrono's strftime syntax, e.g. `%Y-%m-%d %H:%M:%S`"),
        );
    }
    let zone = map.time_zone.as_ref()?;
    match Tz::from_str(zone.value.trim()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownTimezone,
                    zone.span,
                    format!("unknown time zone `{}`", zone.value),
                )
                .with_help("use an IANA name such as `America/New_York` or `Europe/Stockholm`"),
            );
            None
        }
    }
}

fn check_field(name: &str, field: &FieldMap, span: Span, diagnostics: &mut Diagnostics) {
    match (&field.from, &field.value) {
        (Some(_), Some(_)) => diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                span,
                format!("field `{name}` has both `from` and `value`"),
            )
            .with_help("a field comes from the vendor (`from`) or is a constant (`value`)"),
        ),
        (None, None) => diagnostics.push(
            Diagnostic::new(
                Code::MissingField,
                span,
                format!("field `{name}` has neither `from` nor `value`"),
            )
            .with_help("say which vendor field it comes from, e.g. `from: state`"),
        ),
        _ => {}
    }
}

fn check_sla(name: &str, sla: &SlaMap, span: Span, diagnostics: &mut Diagnostics) {
    let problem = match (&sla.agreement, &sla.target, &sla.measure, sla.ignore) {
        (None, None, None, true) | (Some(_), Some(_), None, false) => return,
        (Some(_), None, Some(_), false) => return,
        (_, _, _, true) => "has `ignore: true` and a clock; it is one or the other",
        (None, _, _, false) => "names no `agreement`",
        (Some(_), Some(_), Some(_), false) => "has both `target` and `measure`",
        (Some(_), None, None, false) => "names no `target` (or `measure`)",
    };
    diagnostics.push(
        Diagnostic::new(
            Code::InvalidValue,
            span,
            format!("vendor SLA `{name}` {problem}"),
        )
        .with_help(
            "e.g. `{agreement: desk-sla, target: resolution}`, `{agreement: desk-sla, measure: resolution}` or `{ignore: true}`",
        ),
    );
}

fn check_rule(map: &Map, rule: &EventRule, span: Span, diagnostics: &mut Diagnostics) {
    let event = &rule.event;
    match (&rule.field, &rule.at) {
        (Some(_), Some(_)) => diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                span,
                format!("rule for `{event}` has both `field` and `at`"),
            )
            .with_help("a rule names a change of a field, or an instant the vendor records"),
        ),
        (None, None) => diagnostics.push(
            Diagnostic::new(
                Code::MissingField,
                span,
                format!("rule for `{event}` has neither `field` nor `at`"),
            )
            .with_help("e.g. `{event: resolved, field: status, to: resolved}`"),
        ),
        (None, Some(_)) if rule.from.is_some() || rule.to.is_some() => diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                span,
                format!("rule for `{event}` has `from` or `to` without `field`"),
            )
            .with_help("`from` and `to` are values of the rule's `field`"),
        ),
        _ => {}
    }
    if event == "created" {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                span,
                "a rule cannot name a change `created`",
            )
            .with_help("the first event of every record is `created`"),
        );
    }
    let unmapped = rule
        .field
        .iter()
        .chain(rule.when.keys())
        .filter(|f| map.fields.get(f).is_none());
    for field in unmapped {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                span,
                format!("rule for `{event}` uses field `{field}`, which the map does not define"),
            )
            .with_help(
                crate::diagnostic::fuzzy::did_you_mean(
                    field,
                    map.fields.iter().map(|(k, _)| k.value.as_str()),
                )
                .unwrap_or_else(|| "rules compare bundle fields listed under `fields`".into()),
            ),
        );
    }
}

impl Map {
    /// The path of the creation instant in a vendor record.
    pub fn created_path(&self) -> &str {
        match &self.created {
            Some(path) => &path.value,
            None => match self.from.value {
                Vendor::Servicenow => "sys_created_on",
                Vendor::Jira => "fields.created",
                Vendor::Zammad => "created_at",
            },
        }
    }

    /// The format of date-times without an offset.
    pub fn date_format(&self) -> &str {
        self.date_format
            .as_ref()
            .map_or("%Y-%m-%d %H:%M:%S", |f| f.value.as_str())
    }
}

impl FieldMap {
    /// The field's name in the vendor's history, if it comes from the vendor.
    pub fn history_name(&self, vendor: Vendor) -> Option<&str> {
        if let Some(name) = &self.history {
            return Some(name);
        }
        let from = self.from.as_ref()?.value.as_str();
        Some(match vendor {
            Vendor::Jira => from
                .strip_prefix("fields.")
                .map_or(from, |rest| rest.split('.').next().unwrap_or(rest)),
            Vendor::Servicenow | Vendor::Zammad => from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_on_an_unmapped_field_is_reported_with_a_suggestion() {
        let text = "from: jira\nrecord_id: key\nrecord_type: {value: incident}\nfields:\n  status: {from: fields.status.name}\nevents:\n  - {event: resolved, field: statsu, to: resolved}\n";
        let Err(ImportError::Map(report)) = LoadedMap::parse("map.yaml", text) else {
            panic!("expected an error")
        };
        assert!(report.contains("uses field `statsu`"), "{report}");
        assert!(report.contains("did you mean `status`?"), "{report}");
    }

    #[test]
    fn jira_history_names_default_to_the_field_id() {
        let field = FieldMap {
            from: Some(Spanned::new(
                "fields.customfield_10071.value".to_string(),
                Span::new(crate::source::FileId::default(), 0, 0),
            )),
            ..FieldMap::default()
        };
        assert_eq!(field.history_name(Vendor::Jira), Some("customfield_10071"));
        assert_eq!(
            field.history_name(Vendor::Servicenow),
            Some("fields.customfield_10071.value")
        );
    }
}
