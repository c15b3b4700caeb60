//! The server's counters, in the Prometheus text format (`GET /metrics`): events accepted and
//! rejected, actions by kind, breaches by agreement and target, reloads, ingest and journal
//! commit latencies, webhook deliveries and retries, deliveries received by the webhook
//! receivers. Clocks by state are counted when scraped.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::runtime::{Action, Kind};

/// Labels of a breach.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetLabels {
    /// The agreement.
    pub agreement: String,
    /// The target.
    pub target: String,
}

/// Labels of an action kind.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// The kind.
    pub kind: String,
}

/// Labels of a clock state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// The state.
    pub state: String,
}

/// Labels of an outcome (reloads, webhook deliveries).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `ok` or `failed`.
    pub outcome: String,
}

/// Labels of a webhook delivery received.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HookLabels {
    /// The sender: `jira`, `zammad` or `servicenow`.
    pub vendor: String,
    /// `accepted`, `duplicate`, `ignored`, `unauthorized`, `invalid`, `unmapped`, `refused`
    /// or `unavailable`.
    pub outcome: String,
}

/// Every counter of the server.
pub struct Metrics {
    registry: Mutex<Registry>,
    events_accepted: Counter,
    events_rejected: Counter,
    actions: Family<KindLabels, Counter>,
    breaches: Family<TargetLabels, Counter>,
    reloads: Family<OutcomeLabels, Counter>,
    /// Clocks by state, set when scraped.
    pub clocks: Family<StateLabels, Gauge>,
    round: Histogram,
    commit: Histogram,
    /// Webhook deliveries by outcome.
    pub deliveries: Family<OutcomeLabels, Counter>,
    /// Deliveries received by the webhook receivers, by sender and outcome.
    hooks: Family<HookLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// New counters, registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("slaflow");
        let events_accepted = Counter::default();
        let events_rejected = Counter::default();
        let actions = Family::<KindLabels, Counter>::default();
        let breaches = Family::<TargetLabels, Counter>::default();
        let reloads = Family::<OutcomeLabels, Counter>::default();
        let clocks = Family::<StateLabels, Gauge>::default();
        let round = Histogram::new(exponential_buckets(0.000_1, 2.0, 16));
        let commit = Histogram::new(exponential_buckets(0.000_1, 2.0, 16));
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "events_accepted",
            "Events accepted",
            events_accepted.clone(),
        );
        registry.register(
            "events_rejected",
            "Events rejected",
            events_rejected.clone(),
        );
        registry.register("actions", "Actions taken, by kind", actions.clone());
        registry.register(
            "breaches",
            "SLA breaches, by agreement and target",
            breaches.clone(),
        );
        registry.register("reloads", "Bundle reloads, by outcome", reloads.clone());
        registry.register("clocks", "SLA clocks kept, by state", clocks.clone());
        registry.register(
            "ingest_round_seconds",
            "Time to apply and commit one round of requests",
            round.clone(),
        );
        registry.register(
            "journal_commit_seconds",
            "Time to commit one round to the journal",
            commit.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries, by outcome (failed ones are retried)",
            deliveries.clone(),
        );
        let hooks = Family::<HookLabels, Counter>::default();
        registry.register(
            "hook_deliveries",
            "Deliveries received by the webhook receivers, by sender and outcome",
            hooks.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            events_accepted,
            events_rejected,
            actions,
            breaches,
            reloads,
            clocks,
            round,
            commit,
            deliveries,
            hooks,
        }
    }

    /// Counts events accepted and rejected.
    pub fn accepted(&self, accepted: usize, rejected: usize) {
        self.events_accepted.inc_by(accepted as u64);
        self.events_rejected.inc_by(rejected as u64);
    }

    /// Counts an action.
    pub fn action(&self, action: &Action) {
        self.actions
            .get_or_create(&KindLabels {
                kind: action.kind.as_str().to_string(),
            })
            .inc();
        if action.kind == Kind::SlaBreached {
            self.breaches
                .get_or_create(&TargetLabels {
                    agreement: action.agreement.as_deref().unwrap_or("").to_string(),
                    target: action.target.as_deref().unwrap_or("").to_string(),
                })
                .inc();
        }
    }

    /// Counts a delivery a webhook receiver answered.
    pub fn hook(&self, vendor: &str, outcome: &str) {
        self.hooks
            .get_or_create(&HookLabels {
                vendor: vendor.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Counts a reload.
    pub fn reloaded(&self, ok: bool) {
        self.reloads
            .get_or_create(&OutcomeLabels {
                outcome: if ok { "ok" } else { "failed" }.into(),
            })
            .inc();
    }

    /// Records how long a round's commit and the whole round took.
    pub fn committed(&self, commit: Duration, round: Duration) {
        self.commit.observe(commit.as_secs_f64());
        self.round.observe(round.as_secs_f64());
    }

    /// The counters in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        }
        text
    }
}
