//! The dashboard in a real browser: `slaflow serve` runs the desk-side support example on a
//! virtual clock, takes its events and a few of November's, moves time on so clocks breach and
//! warn, takes one good and one bad edit of a copy of the bundle, and headless Chromium
//! (Debian's `chromium`, which `.ci/run` installs) loads `GET /` with a read token in
//! `?token=`. The DOM it builds is checked table by table against the API, and a screenshot is
//! taken (`SLAFLOW_DASHBOARD_SCREENSHOT=docs/images/dashboard.png` keeps it for the README).
//!
//! Without Chromium the test fails, saying how to install it; outside CI,
//! `SLAFLOW_SKIP_BROWSER=1` skips it instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::root;

/// Events after the example's own (which end on 2 November): a VIP ticket nobody answers
/// (its response breaches, its resolution warns), a priority line-of-business ticket nobody
/// answers (breaches), a VIP ticket created shortly before the clock is moved (warns), and two
/// tech refreshes whose open tasks belong to three roles.
const NOVEMBER: &str = r#"{"at":"2026-11-03T09:00:00-05:00","record":"TSK0002101","type":"task","event":"created","fields":{"task_kind":"tech_refresh","user":"u104471","site":"NYC-1095","status":"new","assignment_group":"ACQUISITIONS"}}
{"at":"2026-11-03T09:00:00-05:00","record":"PRB0001101","type":"problem-ticket","event":"created","fields":{"vip":true,"line_of_business":"Group Benefits","user":"u000418","site":"NYC-1095","status":"new","summary":"Laptop will not boot"}}
{"at":"2026-11-03T09:05:00-05:00","event":"step.completed","instance":"tech-refresh:TSK0002101","step":"1"}
{"at":"2026-11-03T09:30:00-05:00","record":"PRB0001102","type":"problem-ticket","event":"created","fields":{"vip":false,"line_of_business":"Executive Office","user":"u100001","site":"NYC-1095","status":"new","summary":"Conference room display dark"}}
{"at":"2026-11-03T11:00:00-05:00","record":"TSK0002102","type":"task","event":"created","fields":{"task_kind":"tech_refresh","user":"u104472","site":"NYC-1095","status":"new","assignment_group":"ACQUISITIONS"}}
{"at":"2026-11-03T12:10:00-05:00","record":"PRB0001103","type":"problem-ticket","event":"created","fields":{"vip":true,"line_of_business":"Group Benefits","user":"u000419","site":"NYC-1095","status":"new","summary":"VPN drops every few minutes"}}
"#;

/// Where the virtual clock starts (before the example's first event) and where it is moved
/// (timers then run to 17:30, five seconds of grace behind).
const START: &str = "2026-10-05T12:00:00Z";
const LATER: &str = "2026-11-03T17:30:05Z";

/// The flags headless Chromium needs on these machines (as root, with no network but
/// loopback), from the machine notes.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("slaflow-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The Chromium to use: `$SLAFLOW_CHROMIUM`, else `chromium` on the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SLAFLOW_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    })
}

/// A running `slaflow serve`, stopped when dropped; its log is kept for failure messages.
struct Server {
    child: Child,
    address: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the server in `dir` (paths relative to it, so diagnostics name the bundle's
    /// files as an operator would see them).
    fn start(dir: &Path, bundle: &str, db: &str, tokens: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slaflow"))
            .current_dir(dir)
            .arg("serve")
            .arg(bundle)
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0", "--tokens"])
            .arg(tokens)
            .args(["--virtual-clock", START, "--no-watch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start slaflow serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = std::sync::mpsc::channel();
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.split("listening on http://").nth(1) {
                    let _ = found.send(at.trim().to_string());
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = match address.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "slaflow serve did not start listening:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        Server {
            child,
            address,
            log,
        }
    }

    /// One HTTP/1.1 request; the status and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            unchunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    /// A request that must answer 200 with JSON.
    fn json(&self, method: &str, path: &str, token: &str, content_type: &str, body: &str) -> Value {
        let (status, text) = self.request(method, path, Some(token), content_type, body);
        assert_eq!(
            status,
            200,
            "{method} {path}: {text}\nserver log:\n{}",
            self.log.lock().unwrap()
        );
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// A token and its tokens-file entry, made by `slaflow token`.
fn token(name: &str, scopes: &str) -> (String, String) {
    let output = crate::common::slaflow(&["token", name, "--scopes", scopes]);
    assert!(output.status.success());
    let text = crate::common::stdout(&output);
    let (first, entry) = text.split_once('\n').unwrap();
    let token = first.rsplit(": ").next().unwrap().trim().to_string();
    (token, entry.to_string())
}

/// Runs Chromium headless on `url` with `extra` arguments, within a minute; its stdout.
fn browse(chromium: &Path, profile: &Path, extra: &[&str], url: &str) -> String {
    let mut child = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", chromium.display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within a minute:\n{}",
                errors.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let errors = errors.join().unwrap();
    assert!(status.success(), "chromium failed ({status}):\n{errors}");
    reader.join().unwrap()
}

/// Text with its tags removed, entities decoded and white space collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The element with `id` (from its opening tag to the first `</tag>` after it).
fn element<'a>(dom: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no element `{id}` on the page:\n{dom}"));
    let open = dom[..at].rfind('<').unwrap();
    let tag: String = dom[open + 1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let close = format!("</{tag}>");
    let end = dom[at..].find(&close).unwrap() + at + close.len();
    &dom[open..end]
}

/// The body rows of the table with `id`, as cell texts (header rows have no `<td>`).
fn rows(dom: &str, id: &str) -> Vec<Vec<String>> {
    element(dom, id)
        .split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    text(cell.split("</td>").next().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells.is_empty())
        .collect()
}

/// The `(record, target)` pairs of `GET /v1/clocks?state=...`.
fn clocks(server: &Server, token: &str, state: &str) -> Vec<(String, String)> {
    let list = server.json(
        "GET",
        &format!("/v1/clocks?state={state}"),
        token,
        "text/plain",
        "",
    );
    let mut pairs: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["record"].as_str().unwrap().to_string(),
                c["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn the_dashboard_shows_risk_compliance_tasks_actions_and_the_reload_error_in_chromium() {
    let Some(chromium) = chromium() else {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        if !ci && std::env::var_os("SLAFLOW_SKIP_BROWSER").is_some_and(|v| v == "1") {
            eprintln!("SKIPPED: the dashboard test needs Chromium (SLAFLOW_SKIP_BROWSER=1)");
            return;
        }
        panic!(
            "the dashboard test needs Chromium: install Debian's `chromium` package \
             (`apt-get install chromium`, as .ci/run does) or point SLAFLOW_CHROMIUM at one; \
             outside CI, SLAFLOW_SKIP_BROWSER=1 skips this test"
        );
    };
    let scratch = Scratch::new("dashboard");
    let dir = &scratch.0;
    // The example imports ../../rules: copy both, keeping the layout.
    copy_dir(&root().join("rules"), &dir.join("rules"));
    let bundle = dir.join("examples/metlife-desk");
    copy_dir(&root().join("examples/metlife-desk"), &bundle);
    let (admin, admin_entry) = token("loader", "ingest,admin,read");
    let (reader, reader_entry) = token("wallboard", "read");
    let tokens = dir.join("tokens.yaml");
    std::fs::write(&tokens, format!("tokens:\n{admin_entry}{reader_entry}")).unwrap();
    let server = Server::start(dir, "examples/metlife-desk", "journal.db", "tokens.yaml");
    let initial = server.json("GET", "/v1/bundle", &reader, "text/plain", "")["active"]
        .as_str()
        .unwrap()
        .to_string();

    // The example's events, November's, then time moves on.
    let events =
        std::fs::read_to_string(root().join("examples/metlife-desk/events.jsonl")).unwrap();
    for batch in [events.as_str(), NOVEMBER] {
        let done = server.json("POST", "/v1/events", &admin, "application/x-ndjson", batch);
        assert_eq!(done["rejected"], serde_json::json!([]), "{done}");
    }
    let moved = server.json(
        "POST",
        "/v1/clock",
        &admin,
        "application/json",
        &format!(r#"{{"now":"{LATER}"}}"#),
    );
    assert_eq!(moved["timers_run_to"], "2026-11-03T17:30:00Z", "{moved}");

    // A good edit (the standard response goal), then a bad one (a misspelt role).
    let agreements = bundle.join("agreements.yaml");
    let yaml = std::fs::read_to_string(&agreements).unwrap();
    assert!(yaml.contains("        goal: 2h\n"));
    std::fs::write(
        &agreements,
        yaml.replacen("        goal: 2h\n", "        goal: 3h\n", 1),
    )
    .unwrap();
    let good = server.json("POST", "/v1/reload", &admin, "text/plain", "");
    assert_eq!(good["outcome"], "switched", "{good}");
    // The new version takes over at the engine's next instant, once time gets there.
    let moved = server.json(
        "POST",
        "/v1/clock",
        &admin,
        "application/json",
        r#"{"now":"2026-11-03T17:30:06Z"}"#,
    );
    assert_eq!(moved["timers_run_to"], "2026-11-03T17:30:01Z", "{moved}");
    let yaml = std::fs::read_to_string(&agreements).unwrap();
    assert!(yaml.contains("notify: [site-support-lead]"));
    std::fs::write(
        &agreements,
        yaml.replacen(
            "notify: [site-support-lead]",
            "notify: [site-suport-lead]",
            1,
        ),
    )
    .unwrap();
    let (status, bad) = server.request("POST", "/v1/reload", Some(&admin), "text/plain", "");
    assert_eq!(status, 422, "{bad}");
    let state = server.json("GET", "/v1/bundle", &reader, "text/plain", "");
    let active = state["active"].as_str().unwrap();
    assert_ne!(active, initial, "the good edit is the running version");
    assert!(state["last_error"].is_object(), "{state}");

    // The page needs the read scope; the wallboard's token in the query is enough.
    let (status, _) = server.request("GET", "/", None, "text/plain", "");
    assert_eq!(status, 401);
    let url = format!("http://{}/?token={reader}", server.address);
    let dom = browse(&chromium, &dir.join("profile-dom"), &["--dump-dom"], &url);
    assert!(dom.contains("<title>slaflow dashboard</title>"), "{dom}");
    // Self-contained, readable without JavaScript, refreshing itself.
    assert!(!dom.contains("<script"), "{dom}");
    assert!(
        !dom.contains("src=\"http") && !dom.contains("href=\"http"),
        "{dom}"
    );
    assert!(dom.contains("http-equiv=\"refresh\""), "{dom}");

    // The header: engine time and the running version (the good edit's).
    assert_eq!(text(element(&dom, "now")), "2026-11-03 17:30:01Z");
    assert_eq!(text(element(&dom, "version")), &active[..12]);

    // The reload error, while the good version keeps running.
    let error = text(element(&dom, "reload-error"));
    assert!(
        error.starts_with("examples/metlife-desk/agreements.yaml:")
            && error.contains("error[E0302]: unknown role `site-suport-lead`"),
        "{error}"
    );

    // At risk and breached: soonest due first, with record, target, state and why; the same
    // clocks the API lists.
    let risky = rows(&dom, "risky");
    let expected = [
        (
            "2026-11-03 14:30Z",
            "PRB0001101",
            "vip-response",
            "30m",
            "breached",
            "breached at 2026-11-03 14:30Z",
        ),
        (
            "2026-11-03 15:30Z",
            "PRB0001102",
            "priority-lob-response",
            "1h",
            "breached",
            "breached at 2026-11-03 15:30Z",
        ),
        (
            "2026-11-03 17:40Z",
            "PRB0001103",
            "vip-response",
            "30m",
            "at risk",
            "warning at 2026-11-03 17:25Z",
        ),
        (
            "2026-11-03 18:00Z",
            "PRB0001101",
            "vip-resolution",
            "4h",
            "at risk",
            "warning at 2026-11-03 17:00Z",
        ),
    ];
    assert_eq!(risky.len(), expected.len(), "{risky:?}");
    for (row, (due, record, target, goal, state, why)) in risky.iter().zip(expected) {
        assert_eq!(
            (
                &row[0][..],
                &row[1][..],
                &row[2][..],
                &row[3][..],
                &row[4][..],
                &row[5][..]
            ),
            (due, record, "metlife-desk-side-sla", target, goal, state),
            "{risky:?}"
        );
        assert!(row[6].starts_with(why), "{row:?}");
    }
    assert!(risky.windows(2).all(|w| w[0][0] <= w[1][0]), "{risky:?}");
    let mut on_page: Vec<(String, String)> =
        risky.iter().map(|r| (r[1].clone(), r[3].clone())).collect();
    on_page.sort();
    let mut from_api = clocks(&server, &reader, "breached");
    from_api.extend(clocks(&server, &reader, "at_risk"));
    from_api.sort();
    assert_eq!(on_page, from_api);
    assert!(risky[0][6].ends_with("3h 00m ago"), "{:?}", risky[0]);
    assert!(
        risky[2][6].ends_with("9m of business time left"),
        "{:?}",
        risky[2]
    );

    // This month (November in New York): met, breached and open per target.
    assert!(text(element(&dom, "month")).contains("vip-response"));
    assert!(dom.contains("2026-11, in each agreement"), "{dom}");
    let month = rows(&dom, "month");
    let row = |target: &str| -> Vec<String> {
        month
            .iter()
            .find(|r| r[1] == target)
            .unwrap_or_else(|| panic!("no row for {target}: {month:?}"))
            .clone()
    };
    // agreement, target, goal, met, breached, open, share
    assert_eq!(row("vip-response")[2..], ["30m", "0", "1", "1", "0.0%"]);
    assert_eq!(
        row("priority-lob-response")[2..],
        ["1h", "0", "1", "0", "0.0%"]
    );
    assert_eq!(
        row("standard-response")[2..],
        ["3h", "1", "0", "0", "100.0%"]
    );
    assert_eq!(row("vip-resolution")[2..], ["4h", "0", "0", "2", "-"]);
    assert_eq!(row("order-placed")[0], "acquisitions-ola");

    // Open tasks by role.
    let tasks: Vec<Vec<String>> = rows(&dom, "tasks")
        .into_iter()
        .map(|r| r[..3].to_vec())
        .collect();
    assert_eq!(
        tasks,
        [
            ["acquisitions-team", "tech-refresh:TSK0002101", "2"],
            ["site-support-lead", "tech-refresh:TSK0002102", "1"],
            ["user", "tech-refresh:TSK0002102", "1"],
        ]
    );

    // The latest actions, newest first: the switch to the good edit, then the warnings that
    // fired when the clock moved, and the breaches before them.
    let latest = rows(&dom, "latest");
    assert_eq!(latest[0][1], "bundle.switched", "{latest:?}");
    assert!(latest[0][3].contains(&active[..12]), "{latest:?}");
    let has = |kind: &str, record: &str| latest.iter().any(|r| r[1] == kind && r[2] == record);
    assert!(has("sla.warning", "PRB0001103"), "{latest:?}");
    assert!(has("sla.breached", "PRB0001102"), "{latest:?}");
    assert!(latest.windows(2).all(|w| w[0][0] >= w[1][0]), "{latest:?}");

    // A screenshot: what a person sees (kept for the README when asked).
    let png = dir.join("dashboard.png");
    browse(
        &chromium,
        &dir.join("profile-shot"),
        &[
            "--window-size=1280,1600",
            &format!("--screenshot={}", png.display()),
        ],
        &url,
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 20_000);
    if let Some(keep) = std::env::var_os("SLAFLOW_DASHBOARD_SCREENSHOT") {
        std::fs::write(root().join(keep), bytes).unwrap();
    }
}
