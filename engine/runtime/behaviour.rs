//! Behaviour tests embedded in a bundle: their events run through a fresh engine, and the
//! actions that come out are checked against the expectations.
//!
//! `expect` lists patterns that must match actions in that order (other actions may come in
//! between); `expect_none` lists patterns no action may match. A pattern matches an action when
//! every field it gives is equal (a string matches a list that contains it).

use std::sync::Arc;

use super::action::{Action, Kind, matches};
use super::driver::Driver;
use super::engine::Engine;
use super::input::Line;
use super::sink::Collect;
use crate::model::BehaviourTest;
use crate::program::Program;

/// The result of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The test id.
    pub id: String,
    /// Why it failed, if it did (one line per problem).
    pub failures: Vec<String>,
    /// What the test leaves that is likely a mistake in it or in the bundle, though it passed
    /// (a deadline clock still waiting for its field at the end), one line each.
    pub warnings: Vec<String>,
    /// The actions the engine emitted.
    pub actions: Vec<Action>,
}

impl Outcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs one test.
pub fn run(program: &Arc<Program>, id: &str, test: &BehaviourTest) -> Outcome {
    let mut collect = Collect::default();
    let mut driver = Driver::new(Engine::new(Arc::clone(program))).sink(&mut collect);
    let mut failures = Vec::new();
    for (index, event) in test.events.iter().enumerate() {
        let line = Line {
            number: index as u64 + 1,
            event: Ok(event.value.clone()),
            raw: String::new(),
        };
        if let Err(error) = driver.feed(&line) {
            failures.push(error.to_string());
        }
    }
    if let Err(error) = driver.finish(test.until.as_ref().map(|u| u.value.0)) {
        failures.push(error.to_string());
    }
    drop(driver);
    let actions = collect.actions;
    let values: Vec<serde_json::Value> = actions.iter().map(Action::to_value).collect();
    let mut from = 0;
    for (n, expected) in test.expect.iter().enumerate() {
        match values
            .iter()
            .skip(from)
            .position(|a| matches(a, &expected.value.0))
        {
            Some(found) => from += found + 1,
            None => {
                let pattern = serde_json::Value::Object(expected.value.0.clone());
                let anywhere = values.iter().any(|a| matches(a, &expected.value.0));
                failures.push(if anywhere {
                    format!(
                        "expectation {} {pattern} came before an earlier expectation",
                        n + 1
                    )
                } else {
                    format!("expectation {} {pattern} was not emitted", n + 1)
                });
            }
        }
    }
    for (n, forbidden) in test.expect_none.iter().enumerate() {
        if let Some(action) = actions
            .iter()
            .find(|a| matches(&a.to_value(), &forbidden.value.0))
        {
            failures.push(format!(
                "expect_none {} matched {}",
                n + 1,
                action.to_json()
            ));
        }
    }
    for action in actions.iter().filter(|a| a.kind == Kind::EventRejected) {
        failures.push(format!("event rejected: {}", action.to_json()));
    }
    let warnings = still_waiting(&actions);
    Outcome {
        id: id.to_string(),
        failures,
        warnings,
        actions,
    }
}

/// The deadline clocks still waiting for their field when the test ends: a clock that said
/// `sla.waiting` and then neither got a due (a re-target with one) nor ended.
fn still_waiting(actions: &[Action]) -> Vec<String> {
    type Key<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<u32>,
    );
    let mut waiting: Vec<(Key<'_>, &Action)> = Vec::new();
    for action in actions {
        let key: Key<'_> = (
            action.record.as_deref(),
            action.agreement.as_deref(),
            action.target.as_deref(),
            action.cycle,
        );
        match action.kind {
            Kind::SlaWaiting => {
                waiting.retain(|(k, _)| *k != key);
                waiting.push((key, action));
            }
            Kind::SlaMet | Kind::SlaStopped | Kind::SlaCancelled | Kind::SlaBreached => {
                waiting.retain(|(k, _)| *k != key);
            }
            Kind::SlaRetargeted | Kind::SlaResumed if action.due.is_some() => {
                waiting.retain(|(k, _)| *k != key);
            }
            _ => {}
        }
    }
    waiting
        .into_iter()
        .map(|(_, action)| {
            format!(
                "clock {} / {} of record {} (cycle {}) is still waiting at the end: {}",
                action.agreement.as_deref().unwrap_or("?"),
                action.target.as_deref().unwrap_or("?"),
                action.record.as_deref().unwrap_or("?"),
                action.cycle.unwrap_or(0),
                action
                    .reason
                    .as_deref()
                    .unwrap_or("its deadline field has no instant")
            )
        })
        .collect()
}

/// JUnit XML for test outcomes, one suite per bundle.
pub fn junit(suites: &[(String, Vec<Outcome>)]) -> String {
    let all: Vec<&Outcome> = suites.iter().flat_map(|(_, o)| o.iter()).collect();
    let failed = all.iter().filter(|o| !o.passed()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{failed}\">\n",
        all.len()
    );
    for (suite, outcomes) in suites {
        out.push_str(&suite_xml(suite, outcomes));
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite_xml(suite: &str, outcomes: &[Outcome]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let mut out = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n",
        esc(suite),
        outcomes.len()
    );
    for o in outcomes {
        if o.passed() {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"/>\n",
                esc(suite),
                esc(&o.id)
            ));
        } else {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                esc(suite),
                esc(&o.id),
                esc(o.failures.first().map_or("", String::as_str)),
                esc(&o.failures.join("\n"))
            ));
        }
    }
    out.push_str("  </testsuite>\n");
    out
}
