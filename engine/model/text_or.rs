//! Values that may be written as a short text or as a mapping with more fields.
//!
//! `holidays: [2026-12-25]` and `holidays: [{date: 2026-12-25, name: Christmas Day}]` read to the
//! same type. The [`text_or_struct!`] macro defines such a type from one list of fields.

/// The struct name the YAML deserializer recognises to offer either text or a mapping.
pub(crate) const NAME: &str = "$__slaflow_text_or_struct";

/// Defines a struct that can also be written as a text giving one of its fields.
macro_rules! text_or_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident (text: $text_field:ident, full: $full:ident) {
            $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $fty, )*
        }

        const _: () = {
            use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
            use serde::de::value::MapAccessDeserializer;

            $(#[$meta])*
            #[derive(serde::Deserialize, schemars::JsonSchema)]
            #[serde(deny_unknown_fields, rename_all = "snake_case")]
            struct $full {
                $( $(#[$fmeta])* $field: $fty, )*
            }

            impl From<$full> for $name {
                fn from(full: $full) -> $name {
                    $name { $( $field: full.$field, )* }
                }
            }

            impl<'de> Deserialize<'de> for $name {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> Visitor<'de> for V {
                        type Value = $name;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str(concat!("text or a mapping with `", stringify!($text_field), "`"))
                        }
                        fn visit_str<E: de::Error>(self, text: &str) -> Result<$name, E> {
                            let fields = std::iter::once((stringify!($text_field), text));
                            let deserializer: de::value::MapDeserializer<'_, _, E> =
                                de::value::MapDeserializer::new(fields);
                            $full::deserialize(deserializer).map(Into::into)
                        }
                        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$name, A::Error> {
                            $full::deserialize(MapAccessDeserializer::new(map)).map(Into::into)
                        }
                    }
                    deserializer.deserialize_struct($crate::model::text_or::NAME, &[], V)
                }
            }

            impl schemars::JsonSchema for $name {
                fn schema_name() -> std::borrow::Cow<'static, str> {
                    stringify!($name).into()
                }

                fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                    let full = generator.subschema_for::<$full>();
                    schemars::json_schema!({
                        "anyOf": [
                            {
                                "type": "string",
                                "description": concat!("Short form: the `", stringify!($text_field), "` alone."),
                            },
                            full,
                        ]
                    })
                }
            }
        };
    };
}

pub(crate) use text_or_struct;
