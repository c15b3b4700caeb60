//! `slaflow diff`: fixture bundle pairs under tests/fixtures/diff/ (`old`, `new` with an edit
//! in every area, `same` the old bundle written another way).

use serde_json::Value;

use crate::common::{golden, root, slaflow, stdout};

const OLD: &str = "tests/fixtures/diff/old";
const NEW: &str = "tests/fixtures/diff/new";

#[test]
fn an_edit_in_every_area_is_shown_as_markdown_for_a_pull_request() {
    let output = slaflow(&["diff", OLD, NEW, "--from", "2026-10-01"]);
    assert_eq!(output.status.code(), Some(1), "different bundles exit 1");
    golden(&root().join("tests/golden/diff.md"), &stdout(&output));
}

#[test]
fn the_json_form_carries_each_change_and_the_working_time_worked_out_by_hand() {
    let output = slaflow(&["diff", OLD, NEW, "--from", "2026-10-01", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["equal"], false);
    assert_eq!(diff["from"], "2026-10-01");
    let changes = diff["changes"].as_array().unwrap();
    let find = |area: &str, id: &str, field: Option<&str>| -> &Value {
        changes
            .iter()
            .find(|c| {
                c["area"] == area
                    && c["id"] == id
                    && c.get("field").and_then(Value::as_str) == field
            })
            .unwrap_or_else(|| panic!("no {area} {id} {field:?} in {changes:?}"))
    };
    let goal = find("target", "desk-sla/p1-resolution", Some("goal"));
    assert_eq!(
        (goal["old"].as_str(), goal["new"].as_str()),
        (Some("4h"), Some("3h"))
    );
    assert_eq!(
        find("target", "desk-sla/response", None)["change"],
        "removed"
    );
    assert_eq!(
        find("target", "desk-sla/vip-response", None)["change"],
        "added"
    );
    let raci = find("raci", "major-incident/1.2", Some("service-manager"));
    assert_eq!(
        (raci["old"].as_str(), raci["new"].as_str()),
        (Some("C"), Some("C, I"))
    );
    assert_eq!(
        find("raci", "major-incident/1.2", Some("desk"))["change"],
        "removed"
    );
    let delay = find(
        "escalation",
        "desk-escalation/breach",
        Some("level 2.after"),
    );
    assert_eq!(
        (delay["old"].as_str(), delay["new"].as_str()),
        (Some("4h"), Some("2h"))
    );
    assert_eq!(
        find("escalation", "desk-escalation/breach", Some("level 3"))["change"],
        "added"
    );
    assert_eq!(
        find("calendar", "desk-hours", Some("hours.fri"))["new"],
        "08:00-16:00"
    );
    assert_eq!(
        find("rate_card", "desk-rates", Some("transaction_price"))["new"],
        "45"
    );

    // desk-hours is Monday to Friday 08:00-18:00 in Europe/London with the bank holidays of
    // England and Wales; the edit closes Fridays at 16:00 and moves the extra holiday from
    // Christmas Eve (Thursday 24 December) to New Year's Eve (Thursday 31 December).
    let month = |name: &str| -> (u64, u64) {
        let row = diff["working_time"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["calendar"] == "desk-hours" && r["month"] == name)
            .unwrap();
        (
            row["old_seconds"].as_u64().unwrap() / 3600,
            row["new_seconds"].as_u64().unwrap() / 3600,
        )
    };
    // October 2026: 22 weekdays (Thursday 1st and Friday 2nd, then four full weeks), no bank
    // holiday: 220 h; five Fridays (2, 9, 16, 23, 30) lose 2 h each: 210 h.
    assert_eq!(month("2026-10"), (220, 210));
    // December 2026: 23 weekdays less Christmas Day (Friday 25th) and the Boxing Day
    // substitute (Monday 28th) = 21; the old calendar also closes the 24th: 20 days, 200 h.
    // The new one works the 24th and closes the 31st (still 20 days) and loses 2 h on the
    // three working Fridays (4, 11, 18): 194 h.
    assert_eq!(month("2026-12"), (200, 194));
    // Every month of the 12 has Fridays, so every month changes.
    assert_eq!(diff["working_time"].as_array().unwrap().len(), 12);
}

#[test]
fn the_same_bundle_written_another_way_has_no_semantic_change() {
    let output = slaflow(&[
        "diff",
        OLD,
        "tests/fixtures/diff/same",
        "--from",
        "2026-10-01",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "## slaflow diff: `tests/fixtures/diff/old` → `tests/fixtures/diff/same`\n\nNo semantic change.\n"
    );
}

#[test]
fn bundles_that_cannot_be_loaded_or_have_errors_exit_2() {
    let output = slaflow(&["diff", OLD, "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `nowhere` does not exist\n"
    );
    let output = slaflow(&["diff", "tests/fixtures/codes/E0302/bad", OLD]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error[E0302]"));
    assert!(output.stdout.is_empty());
}

#[test]
fn the_working_time_is_compared_over_twelve_months_from_the_given_day() {
    let compile = |path: &str| match slaflow::program::Program::load(&root().join(path)) {
        Ok(compiled) => compiled,
        Err(_) => panic!("{path} does not compile"),
    };
    let (old, new) = (compile(OLD), compile(NEW));
    let clock = slaflow::clock::FixedClock(
        chrono::DateTime::parse_from_rfc3339("2027-03-15T23:30:00Z")
            .unwrap()
            .into(),
    );
    use slaflow::clock::Clock;
    let result = slaflow::diff::diff(
        slaflow::diff::Side {
            name: OLD,
            bundle: &old.bundle,
            sources: &old.sources,
        },
        slaflow::diff::Side {
            name: NEW,
            bundle: &new.bundle,
            sources: &new.sources,
        },
        clock.now().date_naive(),
    );
    let diff: Value = serde_json::from_str(&slaflow::diff::render::json(&result)).unwrap();
    assert_eq!(diff["from"], "2027-03-15");
    let months: Vec<&str> = diff["working_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["month"].as_str().unwrap())
        .collect();
    assert_eq!(months.first(), Some(&"2027-03"));
    assert_eq!(months.last(), Some(&"2028-03"));
}

#[test]
fn a_holiday_added_to_an_inherited_list_shows_in_every_calendar_that_inherits_it() {
    let dir = std::env::temp_dir().join(format!("slaflow-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, extra) in [
        ("a", ""),
        ("b", "\n      - {date: 2026-11-02, name: Founders' day}"),
    ] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("bundle.yaml"), "name: holidays\n").unwrap();
        std::fs::write(
            dir.join(name).join("calendars.yaml"),
            format!(
                "calendars:\n  bank:\n    holidays:\n      - {{date: 2026-12-25, name: Christmas Day}}{extra}\n  office:\n    timezone: Europe/London\n    hours: {{weekdays: [\"09:00-17:00\"]}}\n    inherit: [bank]\n"
            ),
        )
        .unwrap();
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(["diff", "a", "b", "--from", "2026-10-01"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("| `bank` | `holiday` added |  | 2026-11-02 Founders' day |"),
        "{text}"
    );
    assert!(
        text.contains("| `office` | `holiday` added |  | 2026-11-02 Founders' day |"),
        "{text}"
    );
    // A Monday of 8 office hours: November 2026 loses 8 h.
    assert!(
        text.contains("| `office` | 2026-11 | 168h | 160h | −8h |"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
