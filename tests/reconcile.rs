//! `slaflow reconcile`: the vendor SLA results of the import fixtures (ServiceNow `task_sla`,
//! Jira SLA fields; tests/fixtures/import/, written by `generate.py`) against the example
//! contracts give the differences worked out by hand below; agreeing cycles are not listed;
//! bad exports and maps get errors naming the file, row and field.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{root, scratch, slaflow, stdout};
use crate::import::exports;

const SN: [&str; 2] = ["examples/metlife-desk", "2026-12-01T13:00:00Z"];
const JIRA: [&str; 2] = ["examples/proact-governance", "2026-12-01T07:00:00Z"];

/// Runs `slaflow reconcile` on a vendor's fixture with extra options; (status, stdout, stderr).
fn run_fixture(vendor: &str, extra: &[&str]) -> (i32, String, String) {
    let [bundle, until] = if vendor == "jira" { JIRA } else { SN };
    let map = format!("tests/fixtures/import/{vendor}/map.yaml");
    let mut args = vec![
        "reconcile",
        bundle,
        "--from",
        vendor,
        "--map",
        &map,
        "--until",
        until,
    ];
    args.extend(extra);
    let files = exports(vendor);
    args.extend(files.iter().map(String::as_str));
    let output = slaflow(&args);
    (
        output.status.code().unwrap(),
        stdout(&output),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The differences of a JSON reconciliation as rows: `RECORD | VENDOR SLA | KIND | FIELDS |
/// vendor BREACHED ELAPSED | slaflow CLOCK BREACHED ELAPSED`.
fn rows(report: &Value) -> Vec<String> {
    let figures = |f: &Value| {
        if f.is_null() {
            return "-".to_string();
        }
        format!("{} {} {}", f["stage"], f["breached"], f["elapsed"]).replace('"', "")
    };
    report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let fields: Vec<&str> = d["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            format!(
                "{} | {} | {} | {} | vendor {} | slaflow {} {}",
                d["record"].as_str().unwrap(),
                d["vendor_sla"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                fields.join(","),
                figures(&d["vendor"]),
                d["clock"].as_str().unwrap_or("-"),
                figures(&d["slaflow"]),
            )
        })
        .collect()
}

#[test]
fn servicenow_task_slas_differ_where_worked_out_by_hand() {
    let (status, out, err) = run_fixture("servicenow", &["--format", "json"]);
    assert_eq!(status, 1, "{err}");
    assert!(err.is_empty(), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["summary"],
        json!({"vendor_cycles": 10, "ignored": 1, "agree": 5, "differ": 3, "vendor_only": 1, "slaflow_only": 0})
    );
    assert_eq!(report["tolerance_seconds"], 60);
    assert_eq!(report["as_of"], "2026-12-01T13:00:00Z");
    assert_eq!(
        rows(&report),
        [
            // INC0010002, a VIP created Friday 9 October 16:45 EDT: the vendor's schedule lacks
            // Columbus Day (Monday 12 October). Response: the vendor counts 15 min + 9 h + 40 min
            // = 9 h 55 min (35700 s), the contract 15 + 40 min = 55 min (3300 s); both breached.
            // Resolution, 4h, resolved Tuesday 11:30: the vendor 15 min + 9 h + 3 h 30 min =
            // 12 h 45 min (45900 s), breached; the contract 3 h 45 min (13500 s), met.
            "INC0010002 | VIP resolution (4h) | differs | breached,elapsed | vendor completed true 45900 | slaflow metlife-desk-side-sla/vip-resolution completed false 13500",
            "INC0010002 | VIP response (30m) | differs | elapsed | vendor completed true 35700 | slaflow metlife-desk-side-sla/vip-response completed true 3300",
            // INC0010003, a priority line of business: the vendor's standard resolution has no
            // slaflow clock (the contract's first matching target is the priority one). Its
            // priority resolution is 30 s over slaflow's 7 h, within the 1 minute tolerance.
            "INC0010003 | Standard resolution (2 working days) | vendor_only |  | vendor completed false 25230 | slaflow - -",
            // INC0010043: On Hold / Awaiting Vendor Tuesday 10:40-17:00 EDT paused the vendor's
            // clock (6 h 20 min = 22800 s), not the contract's: 55013 s against 77813 s.
            "INC0010043 | VIP resolution (4h) | differs | elapsed | vendor completed true 55013 | slaflow metlife-desk-side-sla/vip-resolution completed true 77813",
        ]
    );
    // Each difference quotes the explain line behind slaflow's figure, and all its lines.
    let first = &report["differences"][0];
    assert_eq!(
        first["explain"],
        "2026-10-13T15:30:00Z met at 3h 45m business, 3d 18h 45m wall: stop condition on event `resolved`"
    );
    assert_eq!(
        first["explain_lines"][0],
        "goal 4h in calendar us-eastern-office, due 2026-10-13T15:45:00Z: met"
    );
    assert_eq!(
        first["vendor_row"],
        "tests/fixtures/import/servicenow/task_sla.json: task_sla #5"
    );
    // INC0010001 agrees on both clocks, so it is not listed.
    assert!(!out.contains("INC0010001"));
}

#[test]
fn the_markdown_lists_the_differences_with_the_explain_line() {
    let (status, out, _) = run_fixture("servicenow", &[]);
    assert_eq!(status, 1);
    assert!(out.starts_with(
        "## slaflow reconcile: servicenow SLA results against `examples/metlife-desk`\n"
    ));
    assert!(out.contains("| 10 | 5 | 3 | 1 | 0 | 1 |"), "{out}");
    assert!(
        out.contains("| INC0010002 | VIP resolution (4h) | completed, breached, 12h 45m | `metlife-desk-side-sla/vip-resolution` cycle 1: completed, not breached, 3h 45m | the vendor says breached, slaflow met it; the vendor counted 12h 45m business time, slaflow 3h 45m (9h more) | `` 2026-10-13T15:30:00Z met at 3h 45m business, 3d 18h 45m wall: stop condition on event `resolved` `` |"),
        "{out}"
    );
    assert!(out.contains("| INC0010003 | Standard resolution (2 working days) | completed, not breached, 7h 30s | no clock |"));
    assert!(out.contains("### slaflow's timelines"));
    assert!(!out.contains("INC0010001"));
}

#[test]
fn jira_sla_fields_differ_where_worked_out_by_hand() {
    let (status, out, err) = run_fixture("jira", &["--format", "json"]);
    assert_eq!(status, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["summary"],
        json!({"vendor_cycles": 5, "ignored": 1, "agree": 2, "differ": 2, "vendor_only": 0, "slaflow_only": 0})
    );
    assert_eq!(
        rows(&report),
        [
            // ITSM-101, priority 2, created Friday 23 October 15:00 +0200: Jira did not pause
            // while waiting for the customer (Monday 09:00 to Tuesday 10:00): 2 h + 9 h + 6 h 30
            // min = 17 h 30 min, past 8 h; the contract 7 h 30 min, met. The first response
            // (90 min) agrees.
            "ITSM-101 | Time to resolution | differs | breached,elapsed | vendor completed true 63000 | slaflow proact-sla/åtgärdstid-p2 completed false 27000",
            // ITSM-102, priority 1 around the clock, 02:10-06:30: Jira counted the two hours
            // with the application provider that the contract leaves out: 4 h 20 min, past 4 h;
            // the contract 2 h 20 min (8400 s), met. The first response (15 min) agrees.
            "ITSM-102 | Time to resolution | differs | breached,elapsed | vendor completed true 15600 | slaflow proact-sla/åtgärdstid-p1 completed false 8400",
        ]
    );
    assert_eq!(
        report["differences"][1]["explain_lines"][2],
        "2026-10-31T02:00:00Z paused at 50m business, 50m wall: pause condition on event `assigned`"
    );
}

/// A scratch directory holding the fixture of `vendor`, with `edit` applied to one file.
fn edited(name: &str, vendor: &str, file: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let dir = scratch(&format!("reconcile-{name}"));
    for path in exports(vendor)
        .iter()
        .chain([&format!("tests/fixtures/import/{vendor}/map.yaml")])
    {
        let from = root().join(path);
        let to = dir.join(from.file_name().unwrap());
        if from.file_name().unwrap() == file {
            let mut json: Value =
                serde_json::from_str(&std::fs::read_to_string(&from).unwrap()).unwrap();
            edit(&mut json);
            std::fs::write(&to, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    dir
}

/// Runs `slaflow reconcile` in `dir` on its map and export files; (status, stdout, stderr).
fn run_in(dir: &Path, vendor: &str, extra: &[&str]) -> (i32, String, String) {
    let [bundle, until] = if vendor == "jira" { JIRA } else { SN };
    let bundle = root().join(bundle).display().to_string();
    let mut args: Vec<String> = [
        "reconcile",
        &bundle,
        "--from",
        vendor,
        "--map",
        "map.yaml",
        "--until",
        until,
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".json") || f.ends_with(".csv"))
        .collect();
    files.sort();
    args.extend(files);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        stdout(&output),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn issue<'v>(pages: &'v mut Value, key: &str) -> &'v mut Value {
    pages["issues"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["key"] == key)
        .unwrap()
}

#[test]
fn agreeing_figures_exit_0_and_the_tolerance_decides_what_agrees() {
    // Without Jira's resolution SLA (ignored), every compared cycle agrees.
    let dir = edited("agree", "jira", "search-1.json", |_| {});
    let map = std::fs::read_to_string(dir.join("map.yaml"))
        .unwrap()
        .replace(
            "Time to resolution: {agreement: proact-sla, measure: åtgärdstid}",
            "Time to resolution: {ignore: true}",
        );
    std::fs::write(dir.join("map.yaml"), map).unwrap();
    let (status, out, err) = run_in(&dir, "jira", &[]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("every compared cycle agrees"), "{out}");
    assert!(out.contains("| 5 | 2 | 0 | 0 | 0 | 3 |"), "{out}");
    assert!(!out.contains("### Differences"));
    // INC0010003's priority resolution is 30 s over slaflow's: within 1m, not within 10s.
    let (status, out, _) = run_fixture("servicenow", &["--format", "json", "--tolerance", "10s"]);
    assert_eq!(status, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(rows(&report).contains(&"INC0010003 | Priority LOB resolution (8h) | differs | elapsed | vendor completed false 25230 | slaflow metlife-desk-side-sla/priority-lob-resolution completed false 25200".to_string()));
    let (status, _, err) = run_fixture("servicenow", &["--tolerance", "1 fortnight"]);
    assert_eq!(status, 2);
    assert!(err.contains("--tolerance"), "{err}");
}

#[test]
fn cycles_match_in_order_and_extra_ones_are_listed_on_their_side() {
    let dir = edited("cycles", "jira", "search-1.json", |pages| {
        // ITSM-101: Jira restarted its first response when the issue came back (a second
        // cycle); the contract's response clock starts only at creation.
        let sla = &mut issue(pages, "ITSM-101")["fields"]["customfield_10030"];
        let mut second = sla["completedCycles"][0].clone();
        second["startTime"]["epochMillis"] = json!(1_793_000_000_000_i64);
        sla["completedCycles"].as_array_mut().unwrap().push(second);
        // ITSM-102: no first response SLA on the issue.
        let fields = issue(pages, "ITSM-102")["fields"].as_object_mut().unwrap();
        fields.remove("customfield_10030");
    });
    let (status, out, err) = run_in(&dir, "jira", &["--format", "json"]);
    assert_eq!(status, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let rows = rows(&report);
    assert!(rows.contains(&"ITSM-101 | Time to first response | vendor_only |  | vendor completed false 5400 | slaflow - -".to_string()), "{rows:?}");
    assert!(rows.contains(&"ITSM-102 | Time to first response | slaflow_only |  | vendor - | slaflow proact-sla/svarstid-p1 completed false 900".to_string()), "{rows:?}");
    let only = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "vendor_only")
        .unwrap();
    assert_eq!(
        only["vendor_row"],
        "search-1.json: ITSM-101 fields.customfield_10030.completedCycles[1]"
    );
    assert_eq!(
        only["why"],
        "slaflow has 1 clock for it; this is vendor cycle 2"
    );
}

#[test]
fn bad_task_sla_rows_are_all_reported_with_file_row_and_field() {
    let dir = edited("bad-rows", "servicenow", "task_sla.json", |sla| {
        let rows = sla["result"].as_array_mut().unwrap();
        rows[0].as_object_mut().unwrap().remove("has_breached");
        rows[1]["business_duration"] = json!({"display_value": "a while", "value": "13.5 hours"});
        rows[3]["stage"] = json!({"display_value": "Escalated", "value": "escalated"});
        rows[4]["task"] = json!("");
    });
    let (status, out, err) = run_in(&dir, "servicenow", &[]);
    assert_eq!(status, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: `task_sla.json`: record `task_sla #1`: field `has_breached`: is missing; export it in `sysparm_fields`\n\
         error: `task_sla.json`: record `task_sla #2`: field `business_duration`: `13.5 hours` is not a duration as stored, like `1970-01-01 13:30:00`\n\
         error: `task_sla.json`: record `task_sla #4`: field `stage`: `escalated` is not a task_sla stage (in_progress, paused, completed, cancelled)\n\
         error: `task_sla.json`: record `task_sla #5`: field `task`: is empty\n"
    );
    // Display values only (`sysparm_display_value=true`) are read too, in their own form.
    let dir = edited("display-duration", "servicenow", "task_sla.json", |sla| {
        sla["result"][1]["business_duration"] = json!({"display_value": "13 Hours 30 Minutes"});
        sla["result"][2]["business_duration"] = json!({"display_value": "13 Hours and a bit"});
    });
    let (status, _, err) = run_in(&dir, "servicenow", &[]);
    assert_eq!(status, 2);
    assert_eq!(
        err,
        "error: `task_sla.json`: record `task_sla #3`: field `business_duration`: `13 Hours and a bit` is not a duration as displayed, like `13 Hours 30 Minutes`\n"
    );
}

#[test]
fn bad_jira_sla_fields_are_reported_with_the_issue_and_field() {
    let dir = edited("bad-jira", "jira", "search-1.json", |pages| {
        let fields = &mut issue(pages, "ITSM-101")["fields"];
        fields["customfield_10030"]["completedCycles"][0]
            .as_object_mut()
            .unwrap()
            .remove("breached");
        fields["customfield_10031"]["completedCycles"][0]["elapsedTime"] =
            json!({"friendly": "17h 30m"});
    });
    let (status, out, err) = run_in(&dir, "jira", &[]);
    assert_eq!(status, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: `search-1.json`: record `ITSM-101`: field `fields.customfield_10030.completedCycles[0].breached`: is missing\n\
         error: `search-1.json`: record `ITSM-101`: field `fields.customfield_10031.completedCycles[0].elapsedTime.millis`: is missing\n"
    );
}

#[test]
fn vendor_slas_the_map_does_not_name_are_an_error_not_a_guess() {
    let dir = edited("unmapped", "servicenow", "task_sla.json", |_| {});
    let map = std::fs::read_to_string(dir.join("map.yaml"))
        .unwrap()
        .replace("  Resolved to closed (5 days): {ignore: true}\n", "")
        .replace(
            "  VIP response (30m): {agreement: metlife-desk-side-sla, target: vip-response}\n",
            "",
        );
    std::fs::write(dir.join("map.yaml"), map).unwrap();
    let (status, out, err) = run_in(&dir, "servicenow", &[]);
    assert_eq!(status, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: 2 vendor SLAs are not in the `sla` section of `map.yaml`; add each (`{agreement: ..., target: ...}`, or `{ignore: true}` to leave one out):\n  \
         `Resolved to closed (5 days)`: 1 cycle, first `task_sla #3` in `task_sla.json`\n  \
         `VIP response (30m)`: 2 cycles, first `task_sla #4` in `task_sla.json`\n"
    );
}

#[test]
fn a_map_that_does_not_fit_the_bundle_or_itself_is_refused() {
    let dir = edited("bad-map", "servicenow", "task_sla.json", |_| {});
    let text = std::fs::read_to_string(dir.join("map.yaml")).unwrap();
    let wrong = text
        .replace("target: vip-response}", "target: vip-respons}")
        .replace(
            "Standard response (2h): {agreement: metlife-desk-side-sla,",
            "Standard response (2h): {agreement: metlife-desk,",
        );
    std::fs::write(dir.join("map.yaml"), wrong).unwrap();
    let (status, _, err) = run_in(&dir, "servicenow", &[]);
    assert_eq!(status, 2);
    assert!(err.contains("error: `map.yaml`: vendor SLA `VIP response (30m)`: agreement `metlife-desk-side-sla` has no target `vip-respons` (it has `vip-response`, "), "{err}");
    assert!(err.contains("\nerror: `map.yaml`: vendor SLA `Standard response (2h)`: the bundle has no agreement `metlife-desk` with a target\n"), "{err}");
    // The shape is checked when the map loads, with its position.
    let shapeless = text.replace(
        "{agreement: metlife-desk-side-sla, target: vip-response}",
        "{agreement: metlife-desk-side-sla}",
    );
    std::fs::write(dir.join("map.yaml"), shapeless).unwrap();
    let (status, _, err) = run_in(&dir, "servicenow", &[]);
    assert_eq!(status, 2);
    assert!(
        err.contains("vendor SLA `VIP response (30m)` names no `target` (or `measure`)"),
        "{err}"
    );
    assert!(err.contains("--> map.yaml:"), "{err}");
}

#[test]
fn zammad_has_no_sla_results_to_reconcile() {
    let files = exports("zammad");
    let mut args = vec![
        "reconcile",
        "examples/fnal-slm",
        "--from",
        "zammad",
        "--map",
        "tests/fixtures/import/zammad/map.yaml",
    ];
    args.extend(files.iter().map(String::as_str));
    let output = slaflow(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `--from zammad`: Zammad exports hold no SLA results to compare (Zammad writes only escalation instants on tickets); reconcile reads ServiceNow `task_sla` and Jira Service Management SLA fields\n"
    );
}

#[test]
fn a_stage_the_vendor_says_otherwise_is_a_difference() {
    // The vendor still shows INC0010001's standard resolution in progress (its SLA job has not
    // run since); slaflow's clock was met on 9 October. The business time of a cycle that has
    // not ended is not compared.
    let dir = edited("stage", "servicenow", "task_sla.json", |sla| {
        sla["result"][1]["stage"] = json!({"display_value": "In progress", "value": "in_progress"});
    });
    let (status, out, err) = run_in(&dir, "servicenow", &["--format", "json"]);
    assert_eq!(status, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(rows(&report).contains(&"INC0010001 | Standard resolution (2 working days) | differs | stage | vendor in_progress false 48600 | slaflow metlife-desk-side-sla/standard-resolution completed false 48600".to_string()), "{:?}", rows(&report));
    let row = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["record"] == "INC0010001")
        .unwrap();
    assert_eq!(row["why"], "the vendor says in_progress, slaflow completed");
}
