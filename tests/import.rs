//! `slaflow import`: each vendor's fixture export (tests/fixtures/import/, written by its
//! `generate.py`) imports, runs against an example contract, and gives the clocks worked out
//! by hand below; bad exports get errors naming the file, record and field.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{root, slaflow, stdout};

fn fixture(vendor: &str) -> PathBuf {
    root().join("tests/fixtures/import").join(vendor)
}

/// The export files of a vendor's fixture (everything but the map and the script), from the
/// repository root.
pub fn exports(vendor: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(fixture(vendor))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "csv"))
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    files.sort();
    files
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Imports a vendor's fixture; returns the events file and its lines.
fn import(vendor: &str) -> (PathBuf, Vec<Value>) {
    let map = format!("tests/fixtures/import/{vendor}/map.yaml");
    let mut args = vec!["import", "--from", vendor, "--map", &map];
    let files = exports(vendor);
    args.extend(files.iter().map(String::as_str));
    let output = slaflow(&args);
    assert!(
        output.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    let path = scratch(vendor).join("events.jsonl");
    std::fs::write(&path, &text).unwrap();
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (path, events)
}

/// Runs a bundle over imported events; returns the actions.
fn run(bundle: &str, events: &Path, until: &str) -> Vec<Value> {
    let events = events.display().to_string();
    let output = slaflow(&["run", bundle, "--events", &events, "--until", until]);
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "events were rejected: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Checks expected actions, one per row: `RECORD AGREEMENT/TARGET KIND at T [due T]
/// [elapsed SECONDS]`. Each must be the one action of that kind for that clock.
fn expect(actions: &[Value], rows: &[&str]) {
    for row in rows {
        let words: Vec<&str> = row.split_whitespace().collect();
        let [record, clock, kind, rest @ ..] = words.as_slice() else {
            panic!("bad row {row}")
        };
        let (agreement, target) = clock.split_once('/').unwrap();
        let found: Vec<&Value> = actions
            .iter()
            .filter(|a| {
                a["record"] == *record
                    && a["agreement"] == agreement
                    && a["target"] == target
                    && a["kind"] == *kind
            })
            .collect();
        assert_eq!(found.len(), 1, "{row}: {found:?}");
        for pair in rest.chunks(2) {
            let (key, value) = (pair[0], pair[1]);
            let actual = &found[0][key];
            let ok = match value.parse::<i64>() {
                Ok(number) => actual == number,
                Err(_) => actual == value,
            };
            assert!(ok, "{row}: {key} is {actual}");
        }
    }
}

/// Every fixture is two months of at least 50 tickets, in time order.
fn check_export_size(events: &[Value]) {
    let created: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "created")
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    assert!(created.len() >= 50, "{} records", created.len());
    assert!(created.iter().any(|at| at.starts_with("2026-10")));
    assert!(created.iter().any(|at| at.starts_with("2026-11")));
    let instants: Vec<chrono::DateTime<chrono::FixedOffset>> = events
        .iter()
        .map(|e| chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        instants.windows(2).all(|w| w[0] <= w[1]),
        "events out of order"
    );
}

#[test]
fn servicenow_incidents_give_the_metlife_clocks_worked_out_by_hand() {
    let (events, lines) = import("servicenow");
    check_export_size(&lines);
    // The CSV audit (November, display values in America/New_York) and the JSON audit
    // (October, stored values in UTC) both feed the history: INC0010003's November changes
    // come from the CSV.
    assert!(lines.iter().any(|e| {
        e["record"] == "INC0010003" && e["event"] == "resolved" && e["at"] == "2026-11-02T18:00:00Z"
    }));
    let actions = run("examples/metlife-desk", &events, "2026-12-01T13:00:00Z");
    expect(
        &actions,
        &[
            // INC0010001: a standard ticket created Tuesday 6 October 16:30 EDT (20:30Z); the
            // calendar is us-eastern-office, Monday to Friday 08:00-17:00 America/New_York.
            // Response, 2h: 30 minutes on Tuesday, then 08:00-09:30 on Wednesday -> due 09:30 EDT
            // (13:30Z); New -> In Progress at 08:45 EDT is the response: 30 + 45 min = 4500 s.
            "INC0010001 metlife-desk-side-sla/standard-response sla.met at 2026-10-07T12:45:00Z due 2026-10-07T13:30:00Z elapsed 4500",
            // Resolution, 2 working days: Tuesday started after 08:00, so it ends with the second
            // working day after it, Thursday 17:00 EDT (21:00Z).
            "INC0010001 metlife-desk-side-sla/standard-resolution sla.started at 2026-10-06T20:30:00Z due 2026-10-08T21:00:00Z",
            // On Hold / Awaiting Caller (state 3, hold_reason 1) Wednesday 10:00 EDT pauses it
            // after 30 min + 2 h = 9000 s; In Progress again Thursday 09:00 EDT: 18.5 h - 2.5 h =
            // 16 h left: Thursday 09:00-17:00 and Friday 08:00-16:00 -> due 16:00 EDT (20:00Z).
            "INC0010001 metlife-desk-side-sla/standard-resolution sla.paused at 2026-10-07T14:00:00Z elapsed 9000",
            "INC0010001 metlife-desk-side-sla/standard-resolution sla.resumed at 2026-10-08T13:00:00Z due 2026-10-09T20:00:00Z elapsed 9000",
            // Resolved Friday 11:00 EDT: 2.5 h + 8 h + 3 h = 13.5 h = 48600 s.
            "INC0010001 metlife-desk-side-sla/standard-resolution sla.met at 2026-10-09T15:00:00Z due 2026-10-09T20:00:00Z elapsed 48600",
            // INC0010002: the caller is a VIP (the dot-walked `caller_id.vip`), created Friday
            // 9 October 16:45 EDT. VIP response, 30m: 15 minutes on Friday (so the 50% warning is
            // at closing time, 17:00 EDT = 21:00Z); Monday 12 October is Columbus Day, so the
            // other 15 run Tuesday 08:00-08:15 EDT -> breached at 12:15Z.
            "INC0010002 metlife-desk-side-sla/vip-response sla.warning at 2026-10-09T21:00:00Z elapsed 900",
            "INC0010002 metlife-desk-side-sla/vip-response sla.breached at 2026-10-13T12:15:00Z elapsed 1800",
            // VIP resolution, 4h: 15 minutes Friday, 3 h 45 min Tuesday -> due 11:45 EDT
            // (15:45Z); resolved 11:30 EDT: 3 h 45 min = 13500 s.
            "INC0010002 metlife-desk-side-sla/vip-resolution sla.met at 2026-10-13T15:30:00Z due 2026-10-13T15:45:00Z elapsed 13500",
            // INC0010003: MetLife Investment Management (a priority line of business), created
            // Friday 30 October 15:00 EDT (19:00Z). Response, 1h: due 16:00 EDT (20:00Z); the
            // response only comes Monday -> breached. Resolution, 8h: 2 h on Friday; daylight
            // saving time ends on 1 November, so Monday 08:00 EST is 13:00Z and 6 h more is
            // 14:00 EST (19:00Z); resolved 13:00 EST (from the CSV audit): 2 h + 5 h = 25200 s.
            "INC0010003 metlife-desk-side-sla/priority-lob-response sla.breached at 2026-10-30T20:00:00Z elapsed 3600",
            "INC0010003 metlife-desk-side-sla/priority-lob-resolution sla.met at 2026-11-02T18:00:00Z due 2026-11-02T19:00:00Z elapsed 25200",
        ],
    );
}

#[test]
fn jira_issues_give_the_proact_clocks_worked_out_by_hand() {
    let (events, lines) = import("jira");
    check_export_size(&lines);
    let actions = run(
        "examples/proact-governance",
        &events,
        "2026-12-01T07:00:00Z",
    );
    expect(
        &actions,
        &[
            // ITSM-101: priority High (prioritet 2), Kanal Webb, created Friday 23 October
            // 15:00 +0200 (13:00Z); se-office is Monday to Friday 08:00-17:00 Europe/Stockholm.
            // Svarstid, 2h: due 17:00 +0200 (15:00Z); In Progress at 16:30 = 5400 s.
            "ITSM-101 proact-sla/svarstid sla.met at 2026-10-23T14:30:00Z due 2026-10-23T15:00:00Z elapsed 5400",
            // Åtgärdstid P2, 8h: 2 h on Friday; summer time ends 25 October, so Monday 08:00
            // +0100 is 07:00Z and 6 h more is 14:00 +0100 (13:00Z).
            "ITSM-101 proact-sla/åtgärdstid-p2 sla.started at 2026-10-23T13:00:00Z due 2026-10-26T13:00:00Z",
            // Waiting for customer Monday 09:00 +0100: paused after 2 h + 1 h = 10800 s; In
            // Progress Tuesday 10:00 +0100 (09:00Z): 5 h left -> due 15:00 +0100 (14:00Z).
            "ITSM-101 proact-sla/åtgärdstid-p2 sla.paused at 2026-10-26T08:00:00Z elapsed 10800",
            "ITSM-101 proact-sla/åtgärdstid-p2 sla.resumed at 2026-10-27T09:00:00Z due 2026-10-27T14:00:00Z elapsed 10800",
            // Resolved Tuesday 14:30 +0100: 3 h + 4.5 h = 27000 s.
            "ITSM-101 proact-sla/åtgärdstid-p2 sla.met at 2026-10-27T13:30:00Z due 2026-10-27T14:00:00Z elapsed 27000",
            // ITSM-102: priority Highest (1) by phone, Saturday 31 October 02:10 +0100 (01:10Z),
            // a holiday (Alla helgons dag), but P1 clocks run in se-24x7.
            // Svarstid P1, 30m: due 01:40Z; In Progress 02:25 +0100 = 900 s.
            "ITSM-102 proact-sla/svarstid-p1 sla.met at 2026-10-31T01:25:00Z due 2026-10-31T01:40:00Z elapsed 900",
            // Åtgärdstid P1, 4h, paused while with APP-FORVALTNING (the custom field "Tilldelad
            // grupp", 03:00-05:00 +0100): 50 min before; due 04:00Z + 3 h 10 min = 07:10Z;
            // resolved 06:30 +0100: 50 min + 1 h 30 min = 8400 s.
            "ITSM-102 proact-sla/åtgärdstid-p1 sla.paused at 2026-10-31T02:00:00Z elapsed 3000",
            "ITSM-102 proact-sla/åtgärdstid-p1 sla.resumed at 2026-10-31T04:00:00Z due 2026-10-31T07:10:00Z elapsed 3000",
            "ITSM-102 proact-sla/åtgärdstid-p1 sla.met at 2026-10-31T05:30:00Z due 2026-10-31T07:10:00Z elapsed 8400",
        ],
    );
}

#[test]
fn zammad_tickets_give_the_fnal_clocks_worked_out_by_hand() {
    let (events, lines) = import("zammad");
    check_export_size(&lines);
    let actions = run("examples/fnal-slm", &events, "2026-12-01T14:00:00Z");
    expect(
        &actions,
        &[
            // 31001: an e-mail incident (priority "2 normal" -> 3) created Wednesday 14 October
            // 14:00 CDT (19:00Z; Zammad writes UTC); fnal-office is Monday to Friday 08:00-17:00
            // America/Chicago. Zammad's first_response_at, 14:20 CDT, is both the desk's
            // acknowledgement and the e-mail response.
            // Service desk acknowledgement, 15m: breached at 14:15 CDT (19:15Z).
            "31001 service-desk-sla/acknowledgement sla.breached at 2026-10-14T19:15:00Z elapsed 900",
            // E-mail response, 4h: met after 20 minutes = 1200 s.
            "31001 email-sla/response sla.met at 2026-10-14T19:20:00Z elapsed 1200",
            // E-mail resolution, 3 working days: Wednesday started after 08:00, so Thursday,
            // Friday and Monday count -> Monday 19 October 17:00 CDT (22:00Z), 3 + 3 x 9 = 30 h.
            "31001 email-sla/resolution sla.started at 2026-10-14T19:00:00Z due 2026-10-19T22:00:00Z",
            // "pending reminder" (pending_customer) Thursday 10:00 CDT: paused after 3 h + 2 h =
            // 18000 s; open again Friday 09:00 CDT: 25 h left = Friday 8 h, Monday 9 h, Tuesday
            // 08:00-16:00 -> due Tuesday 20 October 16:00 CDT (21:00Z).
            "31001 email-sla/resolution sla.paused at 2026-10-15T15:00:00Z elapsed 18000",
            "31001 email-sla/resolution sla.resumed at 2026-10-16T14:00:00Z due 2026-10-20T21:00:00Z elapsed 18000",
            // "pending close" (resolved) Monday 11:00 CDT: 5 h + Friday 8 h + 3 h = 57600 s.
            "31001 email-sla/resolution sla.met at 2026-10-19T16:00:00Z due 2026-10-20T21:00:00Z elapsed 57600",
            // 31002: e-mail down, priority "4 critical" (a priority the site added) -> 1, created
            // 03:30Z on 1 November: 22:30 CDT on the 31st, the night daylight saving time ends.
            // P1 response, 30m, fnal-24x7: answered at 03:50Z = 1200 s.
            "31002 email-sla/p1-response sla.met at 2026-11-01T03:50:00Z due 2026-11-01T04:00:00Z elapsed 1200",
            // Restoration, 4h around the clock: due 07:30Z (01:30 CST); "pending close" at 07:15Z
            // (01:15 CST: 2 h 45 min later on the wall clock, 3 h 45 min in fact) = 13500 s.
            "31002 email-sla/restoration sla.met at 2026-11-01T07:15:00Z due 2026-11-01T07:30:00Z elapsed 13500",
        ],
    );
}

/// Runs `slaflow import` on files written in a scratch directory.
fn import_files(
    name: &str,
    vendor: &str,
    map: &str,
    files: &[(&str, &str)],
) -> (i32, String, String) {
    let dir = scratch(name);
    std::fs::write(dir.join("map.yaml"), map).unwrap();
    let mut args: Vec<String> = ["import", "--from", vendor, "--map", "map.yaml"]
        .map(String::from)
        .to_vec();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
        args.push(file.to_string());
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        stdout(&output),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn states_the_map_does_not_list_are_all_listed_once_not_guessed() {
    let map = std::fs::read_to_string(fixture("zammad/map.yaml"))
        .unwrap()
        .replace("pending reminder: pending_customer, ", "")
        .replace(", closed: closed}", "}");
    let tickets = std::fs::read_to_string(fixture("zammad/tickets.json")).unwrap();
    let history = std::fs::read_to_string(fixture("zammad/ticket_history.json")).unwrap();
    let (status, out, err) = import_files(
        "unknown-states",
        "zammad",
        &map,
        &[
            ("tickets.json", &tickets),
            ("ticket_history.json", &history),
        ],
    );
    assert_eq!(status, 2, "{err}");
    assert!(out.is_empty());
    // Each value once, with how many records hold it and the first of them.
    assert_eq!(
        err,
        "error: 2 vendor values are not listed in `map.yaml`; add them to the field's `values`:\n  \
         field `status` (from `state`): `pending reminder` in 16 records, first `31001` in `tickets.json`\n  \
         field `status` (from `state`): `closed` in 52 records, first `31001` in `tickets.json`\n"
    );
}

const SN_MAP: &str = "from: servicenow\nrecord_id: number\nrecord_type: {value: problem-ticket}\ntime_zone: America/New_York\nfields:\n  status:\n    from: state\n    values: {\"1\": new, \"2\": in_progress, \"6\": resolved}\nevents:\n  - {event: resolved, field: status, to: resolved}\n  - {event: responded, field: status, from: new, first: true}\n";

#[test]
fn a_bad_date_names_the_file_record_and_field() {
    let records = r#"{"result":[
        {"number":"INC1","sys_id":"a1","sys_created_on":"2026-10-05 13:00:00","state":"1"},
        {"number":"INC2","sys_id":"a2","sys_created_on":"05/10/2026 13:00","state":"1"}]}"#;
    let (status, out, err) = import_files(
        "bad-date",
        "servicenow",
        SN_MAP,
        &[("incident.json", records)],
    );
    assert_eq!(status, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: `incident.json`: record `INC2`: field `sys_created_on`: `05/10/2026 13:00` is not a date and time like `2026-10-05 13:00:00`\n"
    );
}

#[test]
fn every_problem_of_the_exports_is_reported_at_once() {
    let records =
        r#"{"result":[{"sys_id":"a1","sys_created_on":"2026-10-05 13:00:00","state":"1"}]}"#;
    let audit =
        "\"documentkey\",\"fieldname\",\"oldvalue\",\"newvalue\"\n\"a1\",\"state\",\"1\",\"2\"\n";
    let (status, _, err) = import_files(
        "many-problems",
        "servicenow",
        SN_MAP,
        &[
            ("incident.json", records),
            ("audit.csv", audit),
            ("notes.json", "{\"result\": 3"),
        ],
    );
    assert_eq!(status, 2);
    assert_eq!(
        err,
        "error: `incident.json`: record `#1`: field `number`: is missing; every record needs an id\n\
         error: `audit.csv`: field `sys_created_on`: no such column; a sys_audit export needs `documentkey`, `fieldname`, `oldvalue`, `newvalue`, `sys_created_on`\n\
         error: `notes.json`: not JSON: EOF while parsing an object at line 1 column 12\n"
    );
}

#[test]
fn servicenow_display_values_and_csv_audits_need_the_users_time_zone() {
    let map = SN_MAP.replace("time_zone: America/New_York\n", "display_value: \"true\"\n");
    let records = r#"{"result":[{"number":"INC1","sys_id":"a1","sys_created_on":"2026-10-05 09:00:00","state":"New"}]}"#;
    let (status, _, err) =
        import_files("no-zone", "servicenow", &map, &[("incident.json", records)]);
    assert_eq!(status, 2);
    assert!(
        err.contains("record `INC1`: field `sys_created_on`: `2026-10-05 09:00:00` has no time zone; display values are in the exporting user's zone: set `time_zone` in the map"),
        "{err}"
    );
}

#[test]
fn servicenow_insert_audit_rows_give_first_values_and_display_values_are_read_in_the_users_zone() {
    // sysparm_display_value=true: plain display values, date-times in the user's zone
    // (America/New_York, EDT = UTC-4); the audit logs the insert (glide.sys.audit_inserts) and
    // holds stored values, so the map lists both forms of the state.
    let map = "from: servicenow\nrecord_id: number\nrecord_type: {value: problem-ticket}\ndisplay_value: \"true\"\ntime_zone: America/New_York\nfields:\n  status:\n    from: state\n    values: {\"1\": new, New: new, \"2\": in_progress, In Progress: in_progress, \"6\": resolved, Resolved: resolved}\nevents:\n  - {event: resolved, field: status, to: resolved}\n  - {event: responded, field: status, from: new, first: true}\n";
    let records = r#"{"result":[{"number":"INC7","sys_id":"a7","sys_created_on":"2026-10-05 09:00:00","state":"Resolved"}]}"#;
    let audit = r#"{"result":[
        {"documentkey":"a7","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-05 09:00:00"},
        {"documentkey":"a7","fieldname":"state","oldvalue":"2","newvalue":"6","sys_created_on":"2026-10-05 11:00:00"},
        {"documentkey":"a7","fieldname":"state","oldvalue":"1","newvalue":"2","sys_created_on":"2026-10-05 09:30:00"},
        {"documentkey":"zz","fieldname":"state","oldvalue":"1","newvalue":"2","sys_created_on":"2026-10-05 09:30:00"}]}"#;
    let (status, out, err) = import_files(
        "inserts",
        "servicenow",
        map,
        &[("incident.json", records), ("sys_audit.json", audit)],
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        err,
        "warning: 1 audit row in `sys_audit.json` concerns records not in the exports; ignored\n"
    );
    assert_eq!(
        out,
        "{\"at\":\"2026-10-05T13:00:00Z\",\"record\":\"INC7\",\"type\":\"problem-ticket\",\"event\":\"created\",\"fields\":{\"status\":\"new\"}}\n\
         {\"at\":\"2026-10-05T13:30:00Z\",\"record\":\"INC7\",\"event\":\"responded\",\"fields\":{\"status\":\"in_progress\"}}\n\
         {\"at\":\"2026-10-05T15:00:00Z\",\"record\":\"INC7\",\"event\":\"resolved\",\"fields\":{\"status\":\"resolved\"}}\n"
    );
}

const JIRA_MAP: &str = "from: jira\nrecord_id: key\nrecord_type: {value: incident}\nfields:\n  status: {from: fields.status.name}\n  prioritet:\n    from: fields.priority.name\n    values: {High: 2, Medium: 3}\nevents:\n  - {event: responded, field: status, from: Open, first: true}\n";

#[test]
fn jira_changelogs_cut_by_the_search_are_refused_and_order_does_not_matter() {
    let cut = r#"{"issues":[{"key":"SD-1","fields":{"created":"2026-10-05T09:00:00.000+0200","status":{"name":"Open"},"priority":{"name":"High"}},
        "changelog":{"startAt":0,"maxResults":1,"total":2,"histories":[]}}]}"#;
    let (status, _, err) = import_files("jira-cut", "jira", JIRA_MAP, &[("search.json", cut)]);
    assert_eq!(status, 2);
    assert_eq!(
        err,
        "error: `search.json`: record `SD-1`: field `changelog`: holds 0 of 2 histories; fetch the rest from `/rest/api/3/issue/SD-1/changelog` into `histories`\n"
    );
    // Histories newest first, two issues created at the same instant: events come out in time
    // order, and at equal instants in the order of the export.
    let issues = r#"{"issues":[
        {"key":"SD-2","fields":{"created":"2026-10-05T09:00:00.000+0200","status":{"name":"Done"},"priority":{"name":"Medium"}},
         "changelog":{"histories":[
           {"created":"2026-10-05T11:00:00.000+0200","items":[{"field":"status","fieldId":"status","fromString":"In Progress","toString":"Done"}]},
           {"created":"2026-10-05T10:00:00.000+0200","items":[{"field":"status","fieldId":"status","fromString":"Open","toString":"In Progress"},
                                                               {"field":"priority","fieldId":"priority","fromString":"High","toString":"Medium"}]}]}},
        {"key":"SD-3","fields":{"created":"2026-10-05T07:00:00.000Z","status":{"name":"Open"},"priority":{"name":"High"}},"changelog":{"histories":[]}}]}"#;
    let (status, out, err) =
        import_files("jira-order", "jira", JIRA_MAP, &[("search.json", issues)]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        out,
        "{\"at\":\"2026-10-05T07:00:00Z\",\"record\":\"SD-2\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"prioritet\":2,\"status\":\"Open\"}}\n\
         {\"at\":\"2026-10-05T07:00:00Z\",\"record\":\"SD-3\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"prioritet\":2,\"status\":\"Open\"}}\n\
         {\"at\":\"2026-10-05T08:00:00Z\",\"record\":\"SD-2\",\"event\":\"responded\",\"fields\":{\"prioritet\":3,\"status\":\"In Progress\"}}\n\
         {\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"SD-2\",\"event\":\"updated\",\"fields\":{\"status\":\"Done\"}}\n"
    );
}

#[test]
fn a_bad_map_is_reported_with_its_position_and_the_wrong_vendor_is_refused() {
    let (status, _, err) = import_files(
        "bad-map",
        "jira",
        "from: jira\nrecord_id: key\nrecord_type: {value: incident}\ntime_zone: Europe/Stokholm\nfields:\n  status: {from: fields.status.name, value: open}\n",
        &[("search.json", "{\"issues\": []}")],
    );
    assert_eq!(status, 2);
    assert!(
        err.contains("error[E0601]: unknown time zone `Europe/Stokholm`"),
        "{err}"
    );
    assert!(err.contains("--> map.yaml:4:12"), "{err}");
    assert!(
        err.contains("field `status` has both `from` and `value`"),
        "{err}"
    );
    let (status, _, err) = import_files(
        "wrong-vendor",
        "zammad",
        JIRA_MAP,
        &[("search.json", "{\"issues\": []}")],
    );
    assert_eq!(status, 2);
    assert_eq!(err, "error: `map.yaml` is a map for jira, not for zammad\n");
}

#[test]
fn a_record_given_twice_is_refused() {
    let tickets =
        r#"[{"id":1,"number":"31001","created_at":"2026-10-05T13:00:00.000Z","state":"new"}]"#;
    let map = "from: zammad\nrecord_id: number\nrecord_type: {value: incident}\nfields:\n  status: {from: state}\n";
    let (status, _, err) = import_files(
        "twice",
        "zammad",
        map,
        &[("page-1.json", tickets), ("page-2.json", tickets)],
    );
    assert_eq!(status, 2);
    assert_eq!(
        err,
        "error: `page-2.json`: record `31001`: appears twice (also in `page-1.json`); give each record once\n"
    );
}

#[test]
fn an_instant_rule_names_the_change_at_its_instant_and_obeys_when() {
    let map = "from: zammad\nrecord_id: number\nrecord_type: {value: incident}\nfields:\n  service: {from: service}\n  status: {from: state}\nevents:\n  - {event: responded, at: first_response_at, when: {service: e-mail}}\n  - {event: resolved, field: status, to: closed}\n";
    let tickets = r#"[
        {"id":1,"number":"31101","service":"e-mail","state":"closed","created_at":"2026-10-05T13:00:00.000Z","first_response_at":"2026-10-05T13:20:00.000Z"},
        {"id":2,"number":"31102","service":"service-desk","state":"open","created_at":"2026-10-05T13:05:00.000Z","first_response_at":"2026-10-05T13:20:00.000Z"}]"#;
    let history = r#"[
        {"history":[{"object":"Ticket","o_id":1,"type":"updated","attribute":"state","value_from":"new","value_to":"open","created_at":"2026-10-05T13:20:00.000Z"},
                    {"object":"Ticket","o_id":1,"type":"updated","attribute":"state","value_from":"open","value_to":"closed","created_at":"2026-10-05T15:00:00.000Z"}],"assets":{}},
        {"history":[{"object":"Ticket","o_id":2,"type":"updated","attribute":"state","value_from":"new","value_to":"open","created_at":"2026-10-05T13:20:00.000Z"}],"assets":{}}]"#;
    let (status, out, err) = import_files(
        "instant-rule",
        "zammad",
        map,
        &[("tickets.json", tickets), ("history.json", history)],
    );
    assert_eq!(status, 0, "{err}");
    // The e-mail ticket's change at its first response is `responded`; the service desk
    // ticket's is a plain update, since the rule's `when` does not hold for it.
    assert_eq!(
        out,
        "{\"at\":\"2026-10-05T13:00:00Z\",\"record\":\"31101\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"service\":\"e-mail\",\"status\":\"new\"}}\n\
         {\"at\":\"2026-10-05T13:05:00Z\",\"record\":\"31102\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{\"service\":\"service-desk\",\"status\":\"new\"}}\n\
         {\"at\":\"2026-10-05T13:20:00Z\",\"record\":\"31101\",\"event\":\"responded\",\"fields\":{\"status\":\"open\"}}\n\
         {\"at\":\"2026-10-05T13:20:00Z\",\"record\":\"31102\",\"event\":\"updated\",\"fields\":{\"status\":\"open\"}}\n\
         {\"at\":\"2026-10-05T15:00:00Z\",\"record\":\"31101\",\"event\":\"resolved\",\"fields\":{\"status\":\"closed\"}}\n"
    );
}
