//! Webhook receivers: Jira, Zammad and ServiceNow deliveries (tests/fixtures/hooks/, made by
//! its generate.py from the vendors' documented payloads) posted to a server running the
//! example contract their import map is for, on a virtual clock; the clocks are worked out by
//! hand. Then every bad input: its status, its reason, and nothing journaled.

use std::ffi::OsStr;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;

use super::common::{Server, root, scratch, slaflow};

const HOOKS: &str = "tests/fixtures/hooks/hooks.yaml";

/// A delivery's body, as the fixture holds it.
fn body(file: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/hooks").join(file)).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The headers `vendor` sends with `body` under `secret`, delivery `id`.
fn signed(vendor: &str, secret: &str, body: &[u8], id: &str) -> Vec<(String, String)> {
    match vendor {
        "jira" => vec![
            (
                "X-Hub-Signature".into(),
                slaflow::serve::webhooks::signature(secret, body),
            ),
            ("X-Atlassian-Webhook-Identifier".into(), id.into()),
        ],
        "zammad" => {
            let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(body);
            vec![
                (
                    "X-Hub-Signature".into(),
                    format!("sha1={}", hex(&mac.finalize().into_bytes())),
                ),
                ("X-Zammad-Delivery".into(), id.into()),
                ("X-Zammad-Trigger".into(), "slaflow".into()),
            ]
        }
        _ => vec![("Authorization".into(), format!("Bearer {secret}"))],
    }
}

/// POSTs `body` to the `vendor` receiver with `headers`: the status and the answer.
fn post(server: &Server, vendor: &str, body: &[u8], headers: &[(String, String)]) -> (u16, Value) {
    let mut request = ureq::post(&format!("{}/v1/hooks/{vendor}", server.base))
        .set("Content-Type", "application/json");
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let (status, text) = match request.send_bytes(body) {
        Ok(response) => (response.status(), response.into_string().unwrap()),
        Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap()),
        Err(error) => panic!("the request failed: {error}"),
    };
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Delivers the fixture `file` as the vendor would, with the fixture's secret; asserts 200.
fn deliver(server: &Server, vendor: &str, file: &str, id: &str) -> Value {
    let body = body(&format!("{vendor}/{file}"));
    let secret = format!("{vendor}-fixture-secret");
    let (status, answer) = post(server, vendor, &body, &signed(vendor, &secret, &body, id));
    assert_eq!(status, 200, "{file}: {answer}");
    answer
}

/// The names of the events a delivery gave.
fn names(answer: &Value) -> Vec<String> {
    answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

fn get(server: &Server, path: &str) -> (u16, Value) {
    match ureq::get(&format!("{}{path}", server.base)).call() {
        Ok(response) => (
            response.status(),
            serde_json::from_str(&response.into_string().unwrap()).unwrap(),
        ),
        Err(ureq::Error::Status(status, response)) => (
            status,
            serde_json::from_str(&response.into_string().unwrap_or_default())
                .unwrap_or(Value::Null),
        ),
        Err(error) => panic!("{error}"),
    }
}

fn record(server: &Server, id: &str) -> Value {
    let (status, record) = get(server, &format!("/v1/records/{id}"));
    assert_eq!(status, 200, "{record}");
    record
}

/// The record's clock of `agreement/target`: `state due elapsed`.
fn clock(record: &Value, name: &str) -> String {
    let (agreement, target) = name.split_once('/').unwrap();
    let clocks = record["clocks"].as_array().unwrap();
    let found: Vec<&Value> = clocks
        .iter()
        .filter(|c| c["agreement"] == agreement && c["target"] == target)
        .collect();
    assert_eq!(found.len(), 1, "{target}: {clocks:?}");
    let c = found[0];
    format!(
        "{} due {} elapsed {}",
        c["state"].as_str().unwrap(),
        c["due"].as_str().unwrap_or("-"),
        c["elapsed"]
    )
}

/// A server of `bundle` with the receivers of `hooks`, on a journal of its own (`name`).
fn start(name: &str, bundle: &str, clock: &str, hooks: &str) -> Server {
    let db = scratch(&format!("hooks-{name}")).join("journal.db");
    Server::serve(
        bundle,
        clock,
        &[
            OsStr::new("--hooks"),
            OsStr::new(hooks),
            OsStr::new("--db"),
            db.as_os_str(),
        ],
    )
}

fn metrics(server: &Server) -> String {
    ureq::get(&format!("{}/metrics", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

#[test]
fn jira_deliveries_give_the_proact_clocks_worked_out_by_hand() {
    let server = start(
        "jira",
        "examples/proact-governance",
        "2026-10-05T08:00:00Z",
        HOOKS,
    );
    // ITSM-201: an incident by web, priority Medium (prioritet 3), created Monday 5 October
    // 10:00 +0200 (08:00Z).
    let created = deliver(&server, "jira", "1-created.json", "1001");
    assert_eq!(names(&created), ["created"]);
    assert_eq!(created["events"][0]["id"], "jira:1001");
    assert_eq!(created["events"][0]["at"], "2026-10-05T08:00:00Z");
    // 10:20: raised to Highest (prioritet 1). Both clocks are re-targeted to priority 1, around
    // the clock, from the original start: Svarstid P1 30m -> due 08:30Z; Åtgärdstid P1 4h ->
    // due 12:00Z.
    let raised = deliver(&server, "jira", "2-priority.json", "1002");
    assert_eq!(names(&raised), ["updated"]);
    // 10:25: In Progress, the first move out of "Waiting for support": responded (a `first`
    // rule, remembered in the event id), Svarstid P1 met after 25 minutes = 1500 s.
    let progress = deliver(&server, "jira", "3-in-progress.json", "1003");
    assert_eq!(names(&progress), ["responded"]);
    assert_eq!(
        progress["events"][0]["id"],
        "jira:1003>jira:responded@ITSM-201"
    );
    // 11:30: Resolved (löst), Åtgärdstid P1 met after 1 h 30 min = 5400 s.
    let resolved = deliver(&server, "jira", "4-resolved.json", "1004");
    assert_eq!(names(&resolved), ["resolved"]);
    // Jira sends the priority change again (our answer was lost): it is recognised, and not
    // applied over the later changes.
    let again = deliver(&server, "jira", "2-priority.json", "1002");
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(again["accepted"], 0);
    server.set_clock("2026-10-05T13:00:00Z");
    let issue = record(&server, "ITSM-201");
    assert_eq!(issue["fields"]["status"], "löst");
    assert_eq!(issue["fields"]["prioritet"], 1);
    assert_eq!(issue["fields"]["kanal"], "webb");
    assert_eq!(
        clock(&issue, "proact-sla/svarstid-p1"),
        "met due 2026-10-05T08:30:00Z elapsed 1500"
    );
    assert_eq!(
        clock(&issue, "proact-sla/åtgärdstid-p1"),
        "met due 2026-10-05T12:00:00Z elapsed 5400"
    );
    let counted = metrics(&server);
    assert!(
        counted.contains("slaflow_hook_deliveries_total{vendor=\"jira\",outcome=\"accepted\"} 4"),
        "{counted}"
    );
    assert!(
        counted.contains("slaflow_hook_deliveries_total{vendor=\"jira\",outcome=\"duplicate\"} 1"),
        "{counted}"
    );
}

#[test]
fn zammad_deliveries_give_the_fnal_clocks_worked_out_by_hand() {
    let server = start("zammad", "examples/fnal-slm", "2026-10-14T19:00:00Z", HOOKS);
    // 32001: an e-mail incident, priority "2 normal" (3), created Wednesday 14 October 14:00
    // CDT (19:00Z); the webhook's objects (group, priority, users) are read by name.
    let created = deliver(&server, "zammad", "1-created.json", "c3f1a0de-0001");
    assert_eq!(names(&created), ["created"]);
    // 14:20 CDT: the agent answers; Zammad sets first_response_at, the instant the map's `at`
    // rules name: acknowledged (naming the change to open) and responded.
    let answered = deliver(&server, "zammad", "2-answered.json", "c3f1a0de-0002");
    assert_eq!(names(&answered), ["acknowledged", "responded"]);
    // 14:40 CDT: "3 high" (2): the resolution target (priorities 2-4) still applies. The
    // first response is in every later delivery, and is not given again.
    let raised = deliver(&server, "zammad", "3-priority.json", "c3f1a0de-0003");
    assert_eq!(names(&raised), ["updated"]);
    // Thursday 10:00 CDT: "pending close" (resolved).
    let closed = deliver(&server, "zammad", "4-pending-close.json", "c3f1a0de-0004");
    assert_eq!(names(&closed), ["resolved"]);
    server.set_clock("2026-10-15T16:00:00Z");
    let ticket = record(&server, "32001");
    assert_eq!(ticket["fields"]["priority"], 2);
    assert_eq!(ticket["fields"]["status"], "resolved");
    assert_eq!(ticket["fields"]["assignment_group"], "EMAIL-SYSTEMS");
    // Service desk acknowledgement, 15m (24x7): breached at 14:15 CDT (19:15Z), stopped by the
    // answer after 20 minutes.
    assert_eq!(
        clock(&ticket, "service-desk-sla/acknowledgement"),
        "stopped due 2026-10-14T19:15:00Z elapsed 1200"
    );
    // E-mail response, 4 office hours: Wednesday 14:00-17:00 CDT and Thursday 08:00-09:00 ->
    // due 14:00Z; met after 20 minutes.
    assert_eq!(
        clock(&ticket, "email-sla/response"),
        "met due 2026-10-15T14:00:00Z elapsed 1200"
    );
    // E-mail resolution, 3 working days (fnal-office, 08:00-17:00 America/Chicago): due Monday
    // 19 October 17:00 CDT (22:00Z); resolved Thursday 10:00 CDT after Wednesday 14:00-17:00 and
    // Thursday 08:00-10:00 = 5 h = 18000 s.
    assert_eq!(
        clock(&ticket, "email-sla/resolution"),
        "met due 2026-10-19T22:00:00Z elapsed 18000"
    );
    // The E-Mail Systems team's OLA, 2 working days from the assignment at creation: due Friday
    // 17:00 CDT (22:00Z), met after the same 5 h.
    assert_eq!(
        clock(&ticket, "email-systems-ola/resolution"),
        "met due 2026-10-16T22:00:00Z elapsed 18000"
    );
}

#[test]
fn servicenow_deliveries_give_the_metlife_clocks_worked_out_by_hand() {
    let server = start(
        "servicenow",
        "examples/metlife-desk",
        "2026-10-06T20:30:00Z",
        HOOKS,
    );
    // INC0020001: a standard ticket created Tuesday 6 October 16:30 EDT (20:30Z); the
    // delivery's id is its sys_id and sys_mod_count.
    let created = deliver(&server, "servicenow", "1-created.json", "");
    assert_eq!(names(&created), ["created"]);
    assert_eq!(
        created["delivery"],
        "servicenow:6b2d0e1f87a3b110a5c4d3e2f1a0b9c8.0"
    );
    // Wednesday 08:45 EDT: In Progress, the first move out of New: responded. Standard
    // response, 2h (us-eastern-office): 30 minutes on Tuesday and 45 on Wednesday = 4500 s.
    let progress = deliver(&server, "servicenow", "2-in-progress.json", "");
    assert_eq!(names(&progress), ["responded"]);
    // 09:00 EDT: the line of business becomes MetLife Investment Management, a priority one:
    // the resolution clock is re-targeted to 8 h from its start: 30 minutes on Tuesday, then
    // Wednesday 08:00-15:30 EDT -> due 19:30Z.
    let raised = deliver(&server, "servicenow", "3-line-of-business.json", "");
    assert_eq!(names(&raised), ["updated"]);
    // 14:00 EDT: Resolved: 30 minutes + 6 h = 23400 s.
    let resolved = deliver(&server, "servicenow", "4-resolved.json", "");
    assert_eq!(names(&resolved), ["resolved"]);
    server.set_clock("2026-10-08T13:00:00Z");
    let incident = record(&server, "INC0020001");
    assert_eq!(
        incident["fields"]["line_of_business"],
        "MetLife Investment Management"
    );
    assert_eq!(
        clock(&incident, "metlife-desk-side-sla/standard-response"),
        "met due 2026-10-07T13:30:00Z elapsed 4500"
    );
    assert_eq!(
        clock(&incident, "metlife-desk-side-sla/priority-lob-resolution"),
        "met due 2026-10-07T19:30:00Z elapsed 23400"
    );
}

#[test]
fn a_wrong_or_missing_signature_is_refused_and_nothing_is_journaled() {
    let server = start(
        "signature",
        "examples/proact-governance",
        "2026-10-05T08:00:00Z",
        HOOKS,
    );
    let jira = body("jira/1-created.json");
    let cases = [
        (
            "jira",
            jira.clone(),
            signed("jira", "not-the-secret", &jira, "1"),
            "the signature does not match the body",
        ),
        (
            "jira",
            jira.clone(),
            vec![(
                "X-Atlassian-Webhook-Identifier".to_string(),
                "1".to_string(),
            )],
            "the `X-Hub-Signature` header is missing",
        ),
        (
            "jira",
            jira.clone(),
            vec![("X-Hub-Signature".to_string(), "sha1=00".to_string())],
            "is not `sha256=<hex HMAC of the body>`",
        ),
        (
            "zammad",
            body("zammad/1-created.json"),
            signed("zammad", "zammad-fixture-secret", b"{}", "1"),
            "the signature does not match the body",
        ),
        (
            "servicenow",
            body("servicenow/1-created.json"),
            signed("servicenow", "servicenow-fixture-secre", b"", ""),
            "the secret is not the one of the hooks file",
        ),
    ];
    for (vendor, body, headers, reason) in cases {
        let (status, answer) = post(&server, vendor, &body, &headers);
        assert_eq!(status, 401, "{vendor}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(reason),
            "{vendor}: {answer}"
        );
    }
    for id in ["ITSM-201", "32001", "INC0020001"] {
        assert_eq!(get(&server, &format!("/v1/records/{id}")).0, 404);
    }
    assert!(metrics(&server).contains("slaflow_events_accepted_total 0"));
}

#[test]
fn a_value_the_map_does_not_list_is_refused_with_the_importers_words() {
    let server = start(
        "unmapped",
        "examples/proact-governance",
        "2026-10-05T08:00:00Z",
        HOOKS,
    );
    let text = String::from_utf8(body("jira/1-created.json"))
        .unwrap()
        .replace("\"Medium\"", "\"Blocker\"");
    let body = text.as_bytes();
    let headers = signed("jira", "jira-fixture-secret", body, "2001");
    let (status, answer) = post(&server, "jira", body, &headers);
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["error"],
        "1 vendor value is not listed in `tests/fixtures/hooks/../import/jira/map.yaml`; add it to the field's `values`:\n  field `prioritet` (from `fields.priority.name`): `Blocker` in 1 record, first `ITSM-201` in `issue`"
    );
    assert_eq!(get(&server, "/v1/records/ITSM-201").0, 404);
    // Fixed in Jira and sent again under the same id, it is taken: nothing was remembered.
    let fixed = body_of("jira/1-created.json");
    let (status, answer) = post(
        &server,
        "jira",
        &fixed,
        &signed("jira", "jira-fixture-secret", &fixed, "2001"),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(names(&answer), ["created"]);
}

fn body_of(file: &str) -> Vec<u8> {
    body(file)
}

#[test]
fn a_malformed_delivery_gets_400_saying_where() {
    let server = start(
        "malformed",
        "examples/fnal-slm",
        "2026-10-14T19:00:00Z",
        HOOKS,
    );
    let zammad = |body: &[u8], id: &str| {
        post(
            &server,
            "zammad",
            body,
            &signed("zammad", "zammad-fixture-secret", body, id),
        )
    };
    let (status, answer) = zammad(b"{\"ticket\": {\"number\": \"1\",}", "d1");
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["error"],
        "`body`: not JSON: trailing comma at line 1 column 27"
    );
    let (status, answer) = zammad(b"{\"article\": {}}", "d2");
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("`body`: field `ticket`: is missing or not an object"),
        "{answer}"
    );
    let text = String::from_utf8(body("zammad/1-created.json"))
        .unwrap()
        .replace(
            "\"2026-10-14T19:00:00.000Z\",\n  \"updated_at\"",
            "\"yesterday\",\n  \"updated_at\"",
        );
    let (status, answer) = zammad(text.as_bytes(), "d3");
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("`ticket`: record `32001`: field `created_at`: `yesterday`"),
        "{answer}"
    );
    // A signed delivery without its delivery id cannot be applied once: refused.
    let body = body("zammad/1-created.json");
    let headers: Vec<(String, String)> = signed("zammad", "zammad-fixture-secret", &body, "x")
        .into_iter()
        .filter(|(name, _)| name != "X-Zammad-Delivery")
        .collect();
    let (status, answer) = post(&server, "zammad", &body, &headers);
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"],
        "the `X-Zammad-Delivery` header is missing; it identifies the delivery, so that a retry is applied once"
    );
    assert_eq!(get(&server, "/v1/records/32001").0, 404);
}

#[test]
fn a_receiver_that_is_not_configured_answers_404() {
    let dir = scratch("hooks-404");
    let secret = dir.join("jira.secret");
    std::fs::write(&secret, "from-a-file\n").unwrap();
    let hooks = dir.join("hooks.yaml");
    std::fs::write(
        &hooks,
        format!(
            "hooks:\n  jira:\n    map: {}\n    secret_file: jira.secret\n",
            root().join("tests/fixtures/import/jira/map.yaml").display()
        ),
    )
    .unwrap();
    let server = start(
        "unconfigured",
        "examples/proact-governance",
        "2026-10-05T08:00:00Z",
        hooks.to_str().unwrap(),
    );
    let (status, answer) = post(&server, "zammad", b"{}", &[]);
    assert_eq!(status, 404);
    assert_eq!(
        answer["error"],
        "the `zammad` receiver is not configured: give it an entry in the hooks file (`slaflow serve --hooks FILE`)"
    );
    let (status, answer) = post(&server, "otrs", b"{}", &[]);
    assert_eq!(status, 404);
    assert_eq!(
        answer["error"],
        "there is no receiver `otrs`: the receivers are `jira`, `zammad` and `servicenow`"
    );
    // The secret read from the file (its line break dropped) signs.
    let body = body("jira/1-created.json");
    let (status, answer) = post(
        &server,
        "jira",
        &body,
        &signed("jira", "from-a-file", &body, "7"),
    );
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn a_late_delivery_is_moved_to_the_engines_time_and_says_so() {
    let server = start(
        "late",
        "examples/proact-governance",
        "2026-10-05T08:00:00Z",
        HOOKS,
    );
    deliver(&server, "jira", "1-created.json", "3001");
    // The engine has run its timers to 09:00Z: the priority change of 08:20Z arrives late (a
    // queue held it). Refusing it would lose it; it is applied at the first instant the engine
    // takes, and the answer keeps the vendor's.
    server.set_clock("2026-10-05T09:00:00Z");
    let late = deliver(&server, "jira", "2-priority.json", "3002");
    assert_eq!(late["events"][0]["at"], "2026-10-05T09:00:01Z", "{late}");
    assert_eq!(late["events"][0]["vendor_at"], "2026-10-05T08:20:00Z");
    assert_eq!(record(&server, "ITSM-201")["fields"]["prioritet"], 1);
}

#[test]
fn a_bad_hooks_file_stops_the_server_at_start() {
    let dir = scratch("hooks-bad");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let map = root().join("tests/fixtures/import/jira/map.yaml");
    let map = map.display();
    let cases = [
        (
            write(
                "typo.yaml",
                &format!("hooks:\n  jirra:\n    map: {map}\n    secret: x\n"),
            ),
            "unknown field `jirra`",
        ),
        (
            write(
                "two.yaml",
                &format!("hooks:\n  jira:\n    map: {map}\n    secret: x\n    secret_env: X\n"),
            ),
            "`jira`: give one of `secret`, `secret_env` and `secret_file`",
        ),
        (
            write(
                "vendor.yaml",
                &format!("hooks:\n  zammad:\n    map: {map}\n    secret: x\n"),
            ),
            "is a map for jira, not for zammad",
        ),
        (
            write(
                "env.yaml",
                &format!(
                    "hooks:\n  jira:\n    map: {map}\n    secret_env: SLAFLOW_HOOKS_TEST_UNSET\n"
                ),
            ),
            "the environment variable `SLAFLOW_HOOKS_TEST_UNSET` is not set",
        ),
        (write("empty.yaml", "hooks: {}\n"), "configures no receiver"),
    ];
    for (path, reason) in cases {
        let output = slaflow(&[
            "serve",
            "examples/proact-governance",
            "--insecure-no-auth",
            "--listen",
            "127.0.0.1:0",
            "--db",
            dir.join("x.db").to_str().unwrap(),
            "--hooks",
            path.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(reason), "{}: {err}", path.display());
    }
    assert!(Path::new(&root().join(HOOKS)).exists());
}
