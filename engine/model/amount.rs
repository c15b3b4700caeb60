//! Amounts of money and other exact quantities (`95`, `1.5`, `1250.00`): decimal numbers read
//! from the YAML text as written, never through a binary float, so `0.1 + 0.2` is `0.3` and an
//! invoice adds up to the cent.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};

/// An exact decimal amount: a price, a penalty, a number of transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(pub Decimal);

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    /// The decimal value.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Amount {
    type Err = String;

    fn from_str(text: &str) -> Result<Amount, String> {
        let trimmed = text.trim();
        Decimal::from_str_exact(trimmed).map(Amount).map_err(|_| {
            format!("invalid amount `{text}`: write a decimal number such as `95` or `1250.50`")
        })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            // Only reached from deserializers that have no text for a number (JSON): the
            // shortest text that reads back as the same float is what was written.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
        }
        // The bundle loader hands a plain scalar's text to `deserialize_str`, so `0.1` is read
        // as the decimal 0.1, not as the float nearest to it.
        deserializer.deserialize_str(V)
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Amount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "number",
            "description": "An exact decimal number, such as `95`, `1.5` or `1250.50`; computed in decimal, never rounded through binary floating point.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_decimals() {
        let a: Amount = "0.1".parse().unwrap();
        let b: Amount = "0.2".parse().unwrap();
        assert_eq!((a.0 + b.0).to_string(), "0.3");
        assert_eq!("1250.50".parse::<Amount>().unwrap().to_string(), "1250.5");
        assert!("ten".parse::<Amount>().is_err());
        assert!("1e3".parse::<Amount>().is_err());
    }
}
