//! Rate cards: how work is billed (transactions, time and materials, price items, buy-back).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::condition::{FieldMatch, Script};
use super::{Amount, IdMap, Period, Spanned};

/// A rate card: the commercial terms work is billed by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RateCard {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the rate card covers.
    #[serde(default)]
    pub description: Option<String>,
    /// Currency of all amounts, e.g. `USD`.
    pub currency: String,
    /// The period allowances run over, e.g. `annually`.
    #[serde(default)]
    pub period: Option<Spanned<Period>>,
    /// Transactions the customer buys per period.
    #[serde(default)]
    pub contracted_transactions: Option<Amount>,
    /// The price of one transaction.
    #[serde(default)]
    pub transaction_price: Option<Amount>,
    /// The price per transaction the provider pays back for transactions not used in a period.
    #[serde(default)]
    pub buy_back_price: Option<Amount>,
    /// How many transactions a closed record earns, by record type and fields; the first rule
    /// that matches a record counts.
    #[serde(default)]
    pub transactions: Vec<Spanned<TransactionRule>>,
    /// Work billed by the hour instead of in transactions.
    #[serde(default)]
    pub time_and_materials: Vec<Spanned<TimeAndMaterials>>,
    /// Priced items, e.g. licences and services of a rate card quote.
    #[serde(default)]
    pub items: IdMap<String, PriceItem>,
}

/// Transactions earned by records that match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct TransactionRule {
    /// Display name, e.g. `Tech refresh`.
    #[serde(default)]
    pub name: Option<String>,
    /// The record type.
    pub record_type: Spanned<String>,
    /// Record fields and the values they must have.
    #[serde(default)]
    pub fields: IdMap<String, FieldMatch>,
    /// A rhai condition the record must meet.
    #[serde(default)]
    pub when: Option<Script>,
    /// Transactions earned, e.g. `1.5` for a tech refresh.
    pub transactions: Amount,
}

/// Work billed at an hourly rate to a cost centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct TimeAndMaterials {
    /// Display name, e.g. `Cascade`.
    #[serde(default)]
    pub name: Option<String>,
    /// The record type.
    pub record_type: Spanned<String>,
    /// Record fields and the values they must have.
    #[serde(default)]
    pub fields: IdMap<String, FieldMatch>,
    /// A rhai condition the record must meet.
    #[serde(default)]
    pub when: Option<Script>,
    /// The price of an hour.
    pub hourly_rate: Amount,
    /// The record field with the time spent, in minutes; defaults to `time_spent_minutes`.
    #[serde(default)]
    pub time_field: Option<String>,
    /// The record field naming the cost centre billed, e.g. `cost_centre`.
    #[serde(default)]
    pub bill_to_field: Option<String>,
}

/// A priced item of a rate card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct PriceItem {
    /// What is sold.
    #[serde(default)]
    pub description: Option<String>,
    /// The price of one unit.
    pub price: Amount,
    /// The unit, e.g. `licence per year`.
    #[serde(default)]
    pub unit: Option<String>,
    /// The agreed discount on list price, e.g. `15%`.
    #[serde(default)]
    pub discount: Option<Spanned<super::Percent>>,
}
