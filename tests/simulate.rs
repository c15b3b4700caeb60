//! `slaflow simulate`: the fixture pair under tests/fixtures/simulate/ (`candidate` tightens the
//! resolution goal of `baseline` from 8 to 4 business hours and narrows the desk hours from
//! 08:00-18:00 to 09:00-17:00) over six incidents in November and December 2026 (London, so
//! GMT), with every outcome worked out by hand.
//!
//! | record | created | responded | resolved | resolution 8h / 4h | response 2h (08-18 / 09-17) |
//! |---|---|---|---|---|---|
//! | INC1 | Mon 2 09:00 | 10:30 | 14:00 | 5h met / due 13:00, breached | 1h30 met / met |
//! | INC2 | Mon 2 17:00 | Tue 08:30 | Tue 12:00 | 5h met / 3h met | 1h30 met / 0h met |
//! | INC3 | Tue 3 16:00 | Wed 08:45 | Wed 11:00 | 5h met / 3h met | due Tue 18:00, breached / due Wed 10:00, met |
//! | INC4 | Wed 4 10:00 | 10:20 | Thu 12:00 | due Wed 18:00, breached / due 14:00, breached | met / met |
//! | INC5 | Thu 5 09:00 | 09:10 | 15:30 | 6h30 met / due 13:00, breached | met / met |
//! | INC6 | Tue Dec 1 09:00 | 09:30 | 12:00 | 3h met / 3h met | met / met |

use serde_json::Value;

use crate::common::{golden, root, slaflow, stdout};

const BASELINE: &str = "tests/fixtures/simulate/baseline";
const CANDIDATE: &str = "tests/fixtures/simulate/candidate";
const EVENTS: &str = "tests/fixtures/simulate/events.jsonl";

fn simulate(extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "simulate",
        "--baseline",
        BASELINE,
        "--candidate",
        CANDIDATE,
        "--events",
        EVENTS,
    ];
    args.extend_from_slice(extra);
    slaflow(&args)
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            stdout(output),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The row of `period` and `target`: (baseline, candidate) as (met, breached, credits).
fn row(result: &Value, period: &str, target: &str) -> [(u64, u64, String); 2] {
    let row = result["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == period && r["target"] == target)
        .unwrap_or_else(|| panic!("no row {period} {target}"));
    ["baseline", "candidate"].map(|side| {
        let f = &row[side];
        (
            f["met"].as_u64().unwrap(),
            f["breached"].as_u64().unwrap(),
            f["credits"].as_str().unwrap().to_string(),
        )
    })
}

#[test]
fn the_edit_changes_the_outcomes_worked_out_by_hand() {
    let output = simulate(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let result = json(&output);
    let periods: Vec<&str> = result["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(
        periods,
        ["2026-11", "2026-12"],
        "each month the events cover"
    );
    // Resolution: INC4 breaches under both, INC1 and INC5 under the candidate only; £100 each.
    assert_eq!(
        row(&result, "2026-11", "resolution"),
        [(4, 1, "100.00".into()), (2, 3, "300.00".into())]
    );
    // Response: INC3 breaches only in the longer desk hours; below 90% a 5% credit of £2,000.
    assert_eq!(
        row(&result, "2026-11", "response"),
        [(4, 1, "100.00".into()), (5, 0, "0.00".into())]
    );
    assert_eq!(
        row(&result, "2026-12", "resolution"),
        [(1, 0, "0.00".into()), (1, 0, "0.00".into())]
    );
    let november = result["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2026-11" && r["target"] == "resolution")
        .unwrap();
    assert_eq!(november["breaches_delta"], 2);
    assert_eq!(november["credits_delta"], "200.00");
    assert_eq!(november["baseline"]["compliance"], "80");
    assert_eq!(november["candidate"]["compliance"], "40");
    assert_eq!(november["candidate"]["achieved"], false);

    let changes: Vec<(String, String, String, String, String, String)> = result["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("-").to_string();
            (
                s("record"),
                s("target"),
                s("baseline"),
                s("candidate"),
                s("baseline_due"),
                s("candidate_due"),
            )
        })
        .collect();
    let change = |r: &str, t: &str, a: &str, b: &str, da: &str, db: &str| {
        (r.into(), t.into(), a.into(), b.into(), da.into(), db.into())
    };
    assert_eq!(
        changes,
        [
            change(
                "INC1",
                "resolution",
                "met",
                "breached",
                "2026-11-02T17:00:00Z",
                "2026-11-02T13:00:00Z"
            ),
            change(
                "INC3",
                "response",
                "breached",
                "met",
                "2026-11-03T18:00:00Z",
                "2026-11-04T10:00:00Z"
            ),
            change(
                "INC5",
                "resolution",
                "met",
                "breached",
                "2026-11-05T17:00:00Z",
                "2026-11-05T13:00:00Z"
            ),
        ]
    );
    assert_eq!(result["changed"], 3);
    // The explain lines that differ: the goal and due time, then what each side did.
    let inc1 = &result["changes"][0];
    assert_eq!(
        inc1["baseline_explain"],
        serde_json::json!([
            "goal 8h in calendar desk-hours, due 2026-11-02T17:00:00Z: met",
            "2026-11-02T14:00:00Z met at 5h business, 5h wall: stop condition on event `updated`"
        ])
    );
    assert_eq!(
        inc1["candidate_explain"][1],
        "2026-11-02T13:00:00Z breached at 4h business, 4h wall: business time"
    );
}

#[test]
fn the_markdown_puts_the_summary_first_for_a_pull_request() {
    let output = simulate(&[]);
    assert_eq!(output.status.code(), Some(0));
    golden(&root().join("tests/golden/simulate.md"), &stdout(&output));
}

#[test]
fn identical_bundles_change_nothing_and_pass_the_gates() {
    let output = slaflow(&[
        "simulate",
        "--baseline",
        BASELINE,
        "--candidate",
        BASELINE,
        "--events",
        EVENTS,
        "--format",
        "json",
        "--fail-if",
        "breaches_increase",
        "--fail-if",
        "credits_increase",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let result = json(&output);
    assert_eq!(result["changed"], 0);
    assert_eq!(result["failed"], false);
    for row in result["targets"].as_array().unwrap() {
        assert_eq!(row["breaches_delta"], 0);
        assert_eq!(row["baseline"], row["candidate"]);
    }
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn a_gate_that_holds_exits_1_and_says_where() {
    let output = simulate(&["--fail-if", "breaches_increase"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "slaflow simulate: --fail-if breaches_increase holds: 2026-11 desk-sla/resolution: breaches 1 → 3\n"
    );
    assert!(stdout(&output).contains("- `breaches_increase` **holds**:"));

    // Compliance below objective is the candidate's own figure: the response target misses
    // its 90% under the baseline, not under the candidate, whose resolution falls to 40%.
    let output = simulate(&[
        "--fail-if",
        "compliance_below_objective",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let result = json(&output);
    assert_eq!(
        result["fail_if"][0]["reasons"],
        serde_json::json!(["2026-11 desk-sla/resolution: compliance 40% below the objective 75%"])
    );
}

#[test]
fn a_switch_lands_between_the_two_and_as_run_switch_does() {
    let at = "2026-11-04T00:00:00Z";
    let output = simulate(&["--switch-at", at, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let result = json(&output);
    assert_eq!(result["switch_at"], at);
    // INC1 to INC3 started before the switch and keep the baseline's terms; INC4 and INC5 take
    // the candidate's 4 hours.
    let [base, switched] = row(&result, "2026-11", "resolution");
    assert_eq!((base.1, switched.1), (1, 2));
    let plain = simulate(&["--format", "json"]);
    let [_, candidate] = row(&json(&plain), "2026-11", "resolution");
    assert!(base.1 < switched.1 && switched.1 < candidate.1);
    assert_eq!(
        row(&result, "2026-11", "response")[1].1,
        1,
        "INC3 keeps 08:00-18:00"
    );

    // The breaches are the ones `run --switch` emits.
    let run = slaflow(&[
        "run",
        BASELINE,
        "--events",
        EVENTS,
        "--switch",
        &format!("{at}={CANDIDATE}"),
        "--until",
        "2027-01-01T00:00:00Z",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let breaches = |target: &str| {
        stdout(&run)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|a| a["kind"] == "sla.breached" && a["target"] == target)
            .count() as u64
    };
    assert_eq!(breaches("resolution"), switched.1);
    assert_eq!(
        breaches("response"),
        row(&result, "2026-11", "response")[1].1
    );
    let changed: Vec<&str> = result["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["record"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        ["INC5"],
        "only INC5 changes: it started after the switch"
    );
}

#[test]
fn one_period_can_be_chosen() {
    let output = simulate(&["--period", "2026-12", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let result = json(&output);
    assert_eq!(result["periods"].as_array().unwrap().len(), 1);
    assert_eq!(result["changed"], 0, "nothing changes in December");
}

#[test]
fn bad_inputs_are_refused_with_the_file_and_the_reason() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--events", "tests/fixtures/simulate/missing.jsonl"],
            "error: --events: cannot read `tests/fixtures/simulate/missing.jsonl`:",
        ),
        (
            &["--period", "2026-13"],
            "error: --period: invalid period `2026-13`",
        ),
        (
            &["--events", "/dev/null"],
            "error: --events: `/dev/null` holds no event, so it covers no period: give one with --period",
        ),
        (
            &["--fail-if", "slower"],
            "invalid value 'slower' for '--fail-if",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["simulate", "--baseline", BASELINE, "--candidate", CANDIDATE];
        if !args.contains(&"--events") {
            all.extend(["--events", EVENTS]);
        }
        all.extend_from_slice(args);
        let output = slaflow(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }

    let output = slaflow(&[
        "simulate",
        "--baseline",
        "tests/fixtures/simulate/nowhere",
        "--candidate",
        CANDIDATE,
        "--events",
        EVENTS,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --baseline: `tests/fixtures/simulate/nowhere` does not exist\n"
    );

    // A bundle with errors: shown as `validate` shows them, then which option named it.
    let output = slaflow(&[
        "simulate",
        "--baseline",
        BASELINE,
        "--candidate",
        "tests/fixtures/simulate/invalid",
        "--events",
        EVENTS,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("error[E0301]: unknown calendar `desk-hour`"),
        "{err}"
    );
    assert!(
        err.contains("tests/fixtures/simulate/invalid/contract.yaml:12:15"),
        "{err}"
    );
    assert!(err.ends_with(
        "error: --candidate `tests/fixtures/simulate/invalid`: the bundle has errors (above); nothing was simulated\n"
    ));
}

#[test]
fn the_markdown_leaves_out_targets_no_clock_counted_in() {
    // MetLife's events end early in November: most of its targets have no clock that month.
    let output = slaflow(&[
        "simulate",
        "--baseline",
        "examples/metlife-desk",
        "--candidate",
        "examples/metlife-desk",
        "--events",
        "examples/metlife-desk/events.jsonl",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("over 2026-10, 2026-11: no clock changes outcome."),
        "{text}"
    );
    assert!(
        text.contains(
            "| 2026-11 | `metlife-desk-side-sla/standard-resolution` | 1 | 0% | 90% | no | - |"
        ),
        "{text}"
    );
    assert!(
        !text.contains("| 2026-11 | `metlife-desk-side-sla/vip-response` |"),
        "{text}"
    );
    assert!(
        text.contains("\n11 rows with no clock on either side not shown.\n"),
        "{text}"
    );
}
