//! `slaflow serve`, run as a process and spoken to over HTTP/1.1 on 127.0.0.1 with a small
//! client written here (std `TcpStream`, `Connection: close`, chunked bodies decoded), so the
//! tests see exactly what a ticket system or `curl` sees.
//!
//! The servers run on a virtual clock (`--virtual-clock`, moved with `POST /v1/clock`): what
//! they do is then a function of the events, the clock moves and the edits, and the action log
//! they keep can be compared byte for byte with `slaflow run` over the same history.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::Value;
use slaflow::runtime::workload;

/// Monday 2026-11-02 08:00 UTC (08:00 in London: the workload calendar opens).
const BASE: i64 = 1_793_606_400;

/// An instant as the events and the API write it.
fn ts(t: i64) -> String {
    slaflow::model::Timestamp(t).to_string()
}

/// An instant of an action or an answer, as seconds.
fn seconds(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}` is not an instant: {e}"))
        .timestamp()
}

/// A scratch directory with the workload bundle in `bundle/`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bundle")).unwrap();
    std::fs::write(dir.join("bundle/workload.yaml"), workload::BUNDLE).unwrap();
    dir
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small deterministic random source (the seed is printed, so a failure can be replayed
/// with `SLAFLOW_TEST_SEED`).
struct Lcg(u64);

impl Lcg {
    fn seeded(test: &str) -> Lcg {
        let seed = std::env::var("SLAFLOW_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| u64::from(std::process::id()) ^ 0x5eed);
        eprintln!("{test}: seed {seed} (SLAFLOW_TEST_SEED={seed} repeats it)");
        Lcg(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

// ---------------------------------------------------------------------------------------------
// The HTTP client.

/// An answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text()))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits a response head into its status and headers.
fn head(bytes: &[u8]) -> std::io::Result<(u16, Vec<(String, String)>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {text:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok((status, headers))
}

/// Takes the complete chunks at the start of `raw` (chunked transfer coding) into `out`;
/// returns whether the last chunk was seen.
fn dechunk(raw: &mut Vec<u8>, out: &mut Vec<u8>) -> bool {
    loop {
        let Some(end) = find(raw, b"\r\n") else {
            return false;
        };
        let size = String::from_utf8_lossy(&raw[..end]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size {size:?}"));
        if size == 0 {
            raw.clear();
            return true;
        }
        if raw.len() < end + 2 + size + 2 {
            return false;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw.drain(..end + 2 + size + 2);
    }
}

/// Sends one request and reads the whole answer (the connection closes after it). A body the
/// server refuses to read (413) may fail to be written: the answer is read anyway.
fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut head_text = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head_text.push_str(&format!("{name}: {value}\r\n"));
    }
    head_text.push_str("\r\n");
    stream.write_all(head_text.as_bytes())?;
    let written = stream.write_all(body);
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        written?;
        read?;
    }
    let Some(end) = find(&raw, b"\r\n\r\n") else {
        return Err(std::io::Error::other("the answer has no complete head"));
    };
    let (status, headers) = head(&raw[..end])?;
    let mut rest = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        let mut out = Vec::new();
        if !dechunk(&mut rest, &mut out) {
            return Err(std::io::Error::other("the chunked answer was cut"));
        }
        out
    } else {
        rest
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Bearer headers for a token (none for `None`).
fn bearer(token: Option<&str>) -> Vec<(&'static str, String)> {
    token
        .map(|t| vec![("Authorization", format!("Bearer {t}"))])
        .unwrap_or_default()
}

/// A request with an optional bearer token; panics if the server cannot be reached.
fn call(
    port: u16,
    token: Option<&str>,
    method: &str,
    path: &str,
    more: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let owned = bearer(token);
    let mut headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    headers.extend_from_slice(more);
    request(port, method, path, &headers, body)
        .unwrap_or_else(|e| panic!("{method} {path} on port {port}: {e}"))
}

/// Posts NDJSON events.
fn post_events(port: u16, token: Option<&str>, lines: &[String]) -> Reply {
    let body = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    call(
        port,
        token,
        "POST",
        "/v1/events",
        &[("Content-Type", "application/x-ndjson")],
        body.as_bytes(),
    )
}

/// Moves the virtual clock; answers once the timers due have fired and are durable.
fn set_clock(port: u16, token: Option<&str>, now: i64) -> Value {
    let reply = call(
        port,
        token,
        "POST",
        "/v1/clock",
        &[("Content-Type", "application/json")],
        format!(r#"{{"now":"{}"}}"#, ts(now)).as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn get_json(port: u16, token: Option<&str>, path: &str) -> Value {
    let reply = call(port, token, "GET", path, &[], b"");
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
    reply.json()
}

/// An action of the stream: its SSE id and its data (the action's JSON line).
type Sent = (String, String);

/// An open `GET /v1/actions/stream`: a thread reads it and hands over its events.
struct Stream {
    status: u16,
    events: Receiver<Sent>,
    socket: TcpStream,
}

impl Stream {
    /// Opens the stream after `last` (an SSE id) or from the start.
    fn open(port: u16, token: Option<&str>, last: Option<&str>) -> Stream {
        Stream::open_at(port, "/v1/actions/stream", token, last)
    }

    /// Opens the stream at `path` (with a query, say).
    fn open_at(port: u16, path: &str, token: Option<&str>, last: Option<&str>) -> Stream {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut text = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
        );
        if let Some(token) = token {
            text.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if let Some(last) = last {
            text.push_str(&format!("Last-Event-ID: {last}\r\n"));
        }
        text.push_str("\r\n");
        socket.write_all(text.as_bytes()).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut raw = Vec::new();
        let mut buffer = [0u8; 8192];
        let end = loop {
            if let Some(end) = find(&raw, b"\r\n\r\n") {
                break end;
            }
            let n = socket.read(&mut buffer).unwrap();
            assert!(n > 0, "the stream closed before its head");
            raw.extend_from_slice(&buffer[..n]);
        };
        let (status, headers) = head(&raw[..end]).unwrap();
        let chunked = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        raw.drain(..end + 4);
        let (sender, events) = std::sync::mpsc::channel();
        let mut reader = socket.try_clone().unwrap();
        reader.set_read_timeout(None).unwrap();
        std::thread::spawn(move || {
            let mut decoded = Vec::new();
            loop {
                let done = if chunked {
                    dechunk(&mut raw, &mut decoded)
                } else {
                    decoded.append(&mut raw);
                    false
                };
                while let Some(end) = find(&decoded, b"\n\n") {
                    let block: Vec<u8> = decoded.drain(..end + 2).collect();
                    let block = String::from_utf8_lossy(&block);
                    let mut id = String::new();
                    let mut data = None;
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim_start().to_string();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data = Some(v.strip_prefix(' ').unwrap_or(v).to_string());
                        }
                    }
                    if let Some(data) = data
                        && sender.send((id, data)).is_err()
                    {
                        return;
                    }
                }
                if done {
                    return;
                }
                match reader.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => raw.extend_from_slice(&buffer[..n]),
                }
            }
        });
        Stream {
            status,
            events,
            socket,
        }
    }

    /// The next event, if one comes within `wait`.
    fn next(&self, wait: Duration) -> Option<Sent> {
        self.events.recv_timeout(wait).ok()
    }

    /// `count` events (panics if they do not come within 20 s).
    fn take(&self, count: usize) -> Vec<Sent> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(event) => out.push(event),
                None => panic!(
                    "the stream gave {} of {count} actions; the last: {:?}",
                    out.len(),
                    out.last()
                ),
            }
        }
        out
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

/// The server's whole action log, through the stream from the start: `expected` actions, and
/// then nothing more for a moment.
fn action_log(port: u16, token: Option<&str>, expected: usize) -> Vec<Sent> {
    let stream = Stream::open(port, token, None);
    assert_eq!(stream.status, 200);
    let mut log = stream.take(expected);
    while let Some(extra) = stream.next(Duration::from_millis(300)) {
        log.push(extra);
    }
    log
}

/// The ids of a log are `a1`, `a2`, ... with no gap and no repeat, and each is the id inside
/// its action.
fn assert_contiguous(log: &[Sent]) {
    for (n, (id, data)) in log.iter().enumerate() {
        assert_eq!(
            id,
            &format!("a{}", n + 1),
            "the log's ids are not contiguous"
        );
        let inner: Value = serde_json::from_str(data).unwrap();
        assert_eq!(inner["id"], id.as_str(), "{data}");
    }
}

/// Asserts the log's actions are `expected` (lines of `slaflow run`), showing the first
/// difference.
fn assert_same_actions(log: &[Sent], expected: &str, context: &str) {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = log.iter().map(|(_, d)| d.as_str()).collect();
    if let Some(at) = (0..expected.len().max(actual.len()))
        .find(|&i| expected.get(i).copied() != actual.get(i).copied())
    {
        panic!(
            "{context}: the server's action {} differs from the replay's ({} vs {} actions)\n server: {}\n replay: {}",
            at + 1,
            actual.len(),
            expected.len(),
            actual.get(at).copied().unwrap_or("(none)"),
            expected.get(at).copied().unwrap_or("(none)")
        );
    }
}

/// `slaflow run` with `args` in `dir`; its standard output.
fn replay(dir: &Path, args: &[String]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .arg("run")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "slaflow run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The server process.

/// A `slaflow serve` process on 127.0.0.1, killed when dropped.
struct Server {
    child: Option<Child>,
    /// The port (shared with client threads; it can change if a restart finds it taken).
    port: Arc<AtomicU16>,
    args: Vec<OsString>,
    dir: PathBuf,
    log: PathBuf,
    starts: usize,
}

impl Server {
    /// Starts `slaflow serve` with `args` (without `--listen`) in `dir`, logging to
    /// `dir/serve.log`.
    fn start(dir: &Path, args: &[&str]) -> Server {
        let mut server = Server {
            child: None,
            port: Arc::new(AtomicU16::new(free_port())),
            args: args.iter().map(OsString::from).collect(),
            dir: dir.to_path_buf(),
            log: dir.join("serve.log"),
            starts: 0,
        };
        server.spawn();
        server
    }

    fn port(&self) -> u16 {
        self.port.load(Ordering::SeqCst)
    }

    /// Replaces the value of option `name` for the next start.
    fn set_arg(&mut self, name: &str, value: &str) {
        let at = self.args.iter().position(|a| a == name).unwrap() + 1;
        self.args[at] = value.into();
    }

    /// Starts the process and waits until it answers `/readyz` (a new port if this one
    /// turned out taken).
    fn spawn(&mut self) {
        assert!(self.child.is_none());
        for _attempt in 0..3 {
            self.starts += 1;
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap();
            let port = self.port();
            let mut child = Command::new(env!("CARGO_BIN_EXE_slaflow"))
                .arg("serve")
                .args(&self.args)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .current_dir(&self.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                    assert!(
                        log.contains("cannot listen"),
                        "slaflow serve stopped ({status}):\n{log}"
                    );
                    self.port.store(free_port(), Ordering::SeqCst);
                    break;
                }
                if request(port, "GET", "/readyz", &[], b"").is_ok_and(|r| r.status == 200) {
                    self.child = Some(child);
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "slaflow serve did not become ready; its log: {}",
                    self.log.display()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("slaflow serve could not find a free port");
    }

    /// `kill -9`.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, and wait for a clean exit.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let status = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .unwrap();
            assert!(status.success());
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    assert!(status.success(), "slaflow serve exited with {status}");
                    return;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("slaflow serve did not stop on SIGTERM");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// Events.

fn created(id: &str, at: i64, record: &str, vip: bool, priority: &str) -> String {
    format!(
        r#"{{"id":"{id}","at":"{}","record":"{record}","type":"incident","event":"created","fields":{{"status":"new","vip":{vip},"priority":"{priority}","assignment_group":"desk"}}}}"#,
        ts(at)
    )
}

fn changed(id: &str, at: i64, record: &str, event: &str, fields: &str) -> String {
    format!(
        r#"{{"id":"{id}","at":"{}","record":"{record}","event":"{event}","fields":{fields}}}"#,
        ts(at)
    )
}

/// The workload's events with an id each (`w1`, `w2`, ...).
fn workload_events(records: usize, updates: usize) -> Vec<String> {
    workload::events(records, updates)
        .lines()
        .enumerate()
        .map(|(n, l)| format!(r#"{{"id":"w{}",{}"#, n + 1, &l[1..]))
        .collect()
}

fn write_events(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn a_retried_batch_is_acknowledged_again_and_applied_once() {
    let dir = scratch("retry");
    let clock = ts(BASE);
    let server = Server::start(
        &dir,
        &[
            "bundle",
            "--db",
            "journal.db",
            "--insecure-no-auth",
            "--no-watch",
            "--virtual-clock",
            &clock,
        ],
    );
    let port = server.port();
    let batch = vec![
        created("e1", BASE + 60, "INC1", true, "P1"),
        created("e2", BASE + 120, "INC2", false, "P3"),
        changed(
            "e3",
            BASE + 600,
            "INC1",
            "responded",
            r#"{"status":"open"}"#,
        ),
        changed(
            "e4",
            BASE + 900,
            "INC2",
            "updated",
            r#"{"status":"on_hold"}"#,
        ),
    ];
    for attempt in 1..=2 {
        let reply = post_events(port, None, &batch);
        assert_eq!(reply.status, 200, "attempt {attempt}: {}", reply.text());
        assert_eq!(
            reply.json(),
            serde_json::json!({"accepted": 4, "rejected": []}),
            "attempt {attempt}"
        );
    }
    // Once the timers have run past the batch, a retry is still only acknowledged.
    set_clock(port, None, BASE + 1800);
    let reply = post_events(port, None, &batch);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"accepted": 4, "rejected": []})
    );
    // A single event with a seen id, posted as JSON.
    let reply = call(
        port,
        None,
        "POST",
        "/v1/events",
        &[("Content-Type", "application/json")],
        batch[0].as_bytes(),
    );
    assert_eq!(reply.json()["accepted"], 1, "{}", reply.text());
    let until = BASE + 3 * 3600;
    set_clock(port, None, until + 5);

    let clocks = get_json(port, None, "/v1/clocks");
    let clocks = clocks.as_array().unwrap();
    let incident = get_json(port, None, "/v1/records/INC1");
    assert_eq!(incident["fields"]["status"], "open");

    write_events(&dir.join("events.jsonl"), &batch);
    let expected = replay(
        &dir,
        &[
            "bundle".into(),
            "--events".into(),
            "events.jsonl".into(),
            "--until".into(),
            ts(until),
        ],
    );
    let log = action_log(port, None, expected.lines().count());
    assert_contiguous(&log);
    assert_same_actions(&log, &expected, "events posted three times");
    let started = log
        .iter()
        .filter(|(_, d)| d.contains(r#""kind":"sla.started""#))
        .count();
    assert_eq!(
        clocks.len(),
        started,
        "every clock started once: {clocks:?}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The usual arguments: the bundle, a journal, no tokens, no file watch, a virtual clock.
fn open_args(clock: &str) -> Vec<String> {
    [
        "bundle",
        "--db",
        "journal.db",
        "--insecure-no-auth",
        "--no-watch",
        "--virtual-clock",
        clock,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn start(dir: &Path, args: &[String]) -> Server {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start(dir, &args)
}

#[test]
fn sigterm_ends_open_action_streams_and_the_server_exits() {
    let dir = scratch("term-streams");
    let mut server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let streams = [
        Stream::open(port, None, None),
        Stream::open(port, None, None),
    ];
    assert!(streams.iter().all(|s| s.status == 200));
    // `stop` sends SIGTERM and requires a clean exit (it gives up after 20 s).
    server.stop();
    drop(streams);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A journal the server cannot write (here another writer holds it longer than the server
/// waits, as a full disk would refuse it) stops the engine: the request gets `503` with nothing
/// of it acknowledged, and the server exits with status 2 naming the failure, for its
/// supervisor to restart it. Restarted, it has every acknowledged event and takes the refused
/// one when it is sent again.
#[test]
fn a_journal_that_fails_stops_the_server_for_its_supervisor_to_restart() {
    let dir = scratch("journal-fails");
    let mut server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let first = created("j1", BASE + 60, "INC1", false, "P3");
    let reply = post_events(port, None, std::slice::from_ref(&first));
    assert_eq!(reply.json()["accepted"], 1, "{}", reply.text());

    let writer = rusqlite::Connection::open(dir.join("journal.db")).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let second = created("j2", BASE + 120, "INC2", false, "P3");
    let reply = post_events(port, None, std::slice::from_ref(&second));
    assert_eq!(reply.status, 503, "{}", reply.text());

    let mut child = server.child.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("the journal failed"), "{log}");

    drop(writer);
    server.spawn();
    let port = server.port();
    assert_eq!(
        get_json(port, None, "/v1/records/INC1")["fields"]["status"],
        "new"
    );
    let reply = post_events(port, None, &[second]);
    let answer = reply.json();
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert!(
        answer.get("duplicate").is_none_or(|d| d != true),
        "{answer}"
    );
    assert_eq!(
        get_json(port, None, "/v1/records/INC2")["fields"]["status"],
        "new"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_event_dated_too_far_ahead_is_refused_and_the_feed_goes_on() {
    // A sender whose clock runs hours fast must not move the engine's time on: taken, its
    // event would make every correct event after it late.
    let dir = scratch("ahead");
    let mut args = open_args(&ts(BASE));
    args.extend(["--max-ahead".to_string(), "1h".to_string()]);
    let server = start(&dir, &args);
    let port = server.port();
    let reply = post_events(
        port,
        None,
        &[
            created("f1", BASE + 3 * 3600, "FAST", false, "P3"),
            created("f2", BASE + 600, "RIGHT", false, "P3"),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert_eq!(answer["rejected"][0]["line"], 1, "{answer}");
    let reason = answer["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("ahead of the server's clock"), "{reason}");
    // The feed goes on at the right time; the refused event can be sent again, corrected.
    let reply = post_events(
        port,
        None,
        &[
            created("f1", BASE + 900, "FAST", false, "P3"),
            changed(
                "f3",
                BASE + 1200,
                "RIGHT",
                "updated",
                r#"{"status":"open"}"#,
            ),
        ],
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"accepted": 2, "rejected": []})
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn events_are_taken_one_or_in_batches_and_bad_requests_are_refused_whole() {
    let dir = scratch("ingest");
    let server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();

    // One event, as JSON.
    let one = created("e1", BASE + 60, "INC1", false, "P3");
    let reply = call(
        port,
        None,
        "POST",
        "/v1/events",
        &[("Content-Type", "application/json")],
        one.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"accepted": 1, "rejected": []})
    );

    // A batch whose second line the engine refuses (older than its record's last event): the
    // rest is applied and the answer names the line.
    let batch = vec![
        changed(
            "e2",
            BASE + 120,
            "INC1",
            "responded",
            r#"{"status":"open"}"#,
        ),
        changed(
            "e3",
            BASE + 90,
            "INC1",
            "updated",
            r#"{"status":"on_hold"}"#,
        ),
        created("e4", BASE + 180, "INC2", true, "P1"),
    ];
    let reply = post_events(port, None, &batch);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["accepted"], 2, "{answer}");
    assert_eq!(answer["rejected"][0]["line"], 2, "{answer}");
    assert!(
        answer["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("older than the last event of record `INC1`"),
        "{answer}"
    );

    // Malformed JSON on line 2: 400 with the line, and nothing of the batch is applied.
    let reply = post_events(
        port,
        None,
        &[
            created("e5", BASE + 240, "INC3", false, "P3"),
            r#"{"at": "2026-11-02T08:05:00Z", "record": "INC4""#.to_string(),
        ],
    );
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.json()["line"], 2, "{}", reply.text());
    assert!(
        reply.json()["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    let missing = call(port, None, "GET", "/v1/records/INC3", &[], b"");
    assert_eq!(missing.status, 404, "{}", missing.text());

    // Not an event at all, not text, nothing.
    for (body, kind) in [
        (b"[1, 2]".to_vec(), "application/json"),
        (vec![0xff, 0xfe, b'{', b'}'], "application/json"),
        (b"\n\n".to_vec(), "application/x-ndjson"),
    ] {
        let reply = call(
            port,
            None,
            "POST",
            "/v1/events",
            &[("Content-Type", kind)],
            &body,
        );
        assert_eq!(reply.status, 400, "{body:?}: {}", reply.text());
        assert!(reply.json()["error"].is_string(), "{}", reply.text());
    }

    // Over the limits: 413, with a reason.
    let lines: Vec<String> = (0..10_001).map(|_| "{}".to_string()).collect();
    let reply = post_events(port, None, &lines);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(
        reply.text().contains("at most 10000 events"),
        "{}",
        reply.text()
    );
    let huge = vec![b' '; (16 << 20) + 1];
    let reply = call(
        port,
        None,
        "POST",
        "/v1/events",
        &[("Content-Type", "application/x-ndjson")],
        &huge,
    );
    assert_eq!(reply.status, 413, "{}", reply.text());

    // What was accepted is there, and nothing else.
    let record = get_json(port, None, "/v1/records/INC1");
    assert_eq!(record["fields"]["status"], "open", "{record}");
    assert_eq!(
        get_json(port, None, "/v1/records/INC2")["fields"]["vip"],
        true
    );
    let metrics = call(port, None, "GET", "/metrics", &[], b"").text();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("slaflow_events_accepted_total") && l.ends_with(" 3")),
        "{metrics}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_posts_are_committed_together_and_every_acknowledged_event_is_kept() {
    let dir = scratch("group");
    let server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    const CLIENTS: usize = 8;
    const POSTS: usize = 25;
    // Every client opens its own records, one per post, all at one instant (so the order in
    // which the server takes them does not matter).
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                for p in 0..POSTS {
                    let event = created(
                        &format!("c{c}-{p}"),
                        BASE + 60,
                        &format!("INC{c}-{p}"),
                        false,
                        "P3",
                    );
                    let reply = post_events(port, None, &[event]);
                    assert_eq!(reply.status, 200, "{}", reply.text());
                    assert_eq!(reply.json()["accepted"], 1, "{}", reply.text());
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let records: std::collections::BTreeSet<String> = get_json(port, None, "/v1/clocks")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["record"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(records.len(), CLIENTS * POSTS);
    // Fewer journal commits than posts: waiting requests share one.
    let metrics = call(port, None, "GET", "/metrics", &[], b"").text();
    let commits: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("slaflow_journal_commit_seconds_count "))
        .unwrap_or_else(|| panic!("no commit count in {metrics}"))
        .trim()
        .parse()
        .unwrap();
    assert!(
        commits < (CLIENTS * POSTS) as u64,
        "{commits} commits for {} posts",
        CLIENTS * POSTS
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The actions of a log of one kind, as (instant, target).
fn of_kind(log: &[Sent], kind: &str) -> Vec<(i64, String)> {
    log.iter()
        .map(|(_, d)| serde_json::from_str::<Value>(d).unwrap())
        .filter(|action| action["kind"] == kind)
        .map(|action| {
            (
                seconds(action["at"].as_str().unwrap()),
                action["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn timers_fire_by_the_clock_and_those_due_while_down_fire_on_restart_each_at_its_instant() {
    let dir = scratch("timers");
    let mut server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let events = vec![
        created("e1", BASE + 60, "INC1", true, "P1"),
        created("e2", BASE + 120, "INC2", false, "P3"),
    ];
    assert_eq!(post_events(port, None, &events).json()["accepted"], 2);
    // The VIP response clock (1 h) warns at 75%: 45 minutes after 08:01.
    let warning = BASE + 60 + 45 * 60;
    let grace = 5;
    set_clock(port, None, warning - 1 + grace);
    let before = action_log(port, None, 1);
    assert!(of_kind(&before, "sla.warning").is_empty(), "{before:?}");
    // No event needed: moving the clock fires it, at its own instant.
    set_clock(port, None, warning + grace);
    let after = action_log(port, None, before.len() + 1);
    assert_eq!(
        of_kind(&after, "sla.warning"),
        vec![(warning, "vip-response".to_string())]
    );

    // Down for six hours (kill -9); on restart everything due in between fires at once, each
    // action at its due instant, in order, as `slaflow run` gives it.
    server.kill();
    let restart = BASE + 6 * 3600;
    server.set_arg("--virtual-clock", &ts(restart));
    server.spawn();
    let port = server.port();
    write_events(&dir.join("events.jsonl"), &events);
    let expected = replay(
        &dir,
        &[
            "bundle".into(),
            "--events".into(),
            "events.jsonl".into(),
            "--until".into(),
            ts(restart - grace),
        ],
    );
    let log = action_log(port, None, expected.lines().count());
    assert_contiguous(&log);
    assert_same_actions(&log, &expected, "timers fired on restart");
    let breaches = of_kind(&log, "sla.breached");
    assert!(
        breaches.contains(&(BASE + 60 + 3600, "vip-response".to_string())),
        "{breaches:?}"
    );
    let instants: Vec<i64> = log
        .iter()
        .map(|(_, d)| {
            seconds(
                serde_json::from_str::<Value>(d).unwrap()["at"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert!(instants.windows(2).all(|w| w[0] <= w[1]), "{instants:?}");
    assert!(instants.iter().all(|&at| at < restart - grace));
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A process for the read and step-completion endpoints, beside the workload's agreements.
const ONBOARDING: &str = r#"
roles:
  slm:
    members: [slm@example.com]
  vendor:
    members: [vendor@example.com]
processes:
  onboard:
    procedures:
      "1.0":
        triggers:
          - event: service.requested
        steps:
          "1.1":
            raci: {slm: A, vendor: R}
            due: 2h
            next: "1.2"
          "1.2":
            kind: decision
            raci: {slm: "A, R"}
            outcomes:
              "yes": done
              "no": "1.1"
          done:
            kind: end
"#;

#[test]
fn reads_show_records_clocks_instances_tasks_and_the_bundle() {
    let dir = scratch("reads");
    std::fs::write(dir.join("bundle/onboarding.yaml"), ONBOARDING).unwrap();
    let server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let events = vec![
        created("e1", BASE + 60, "INC1", true, "P1"),
        created("e2", BASE + 120, "INC2", false, "P3"),
        r#"{"id":"e3","at":"2026-11-02T08:03:00Z","record":"S1","type":"service","event":"service.requested","fields":{}}"#.to_string(),
        changed("e4", BASE + 240, "INC2", "updated", r#"{"assignment_group":"network"}"#),
    ];
    assert_eq!(post_events(port, None, &events).json()["accepted"], 4);
    let warning = BASE + 60 + 45 * 60;
    set_clock(port, None, warning + 5);

    // A record: its fields, its clocks as `status` prints them, its `explain` timeline.
    let record = get_json(port, None, "/v1/records/INC1");
    assert_eq!(record["record_type"], "incident");
    assert_eq!(record["fields"]["priority"], "P1");
    let targets: Vec<&str> = record["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["target"].as_str().unwrap())
        .collect();
    assert!(
        targets.contains(&"vip-response") && targets.contains(&"p1-resolution"),
        "{targets:?}"
    );
    assert!(!record["explain"].is_null(), "{record}");
    let missing = call(port, None, "GET", "/v1/records/NOPE", &[], b"");
    assert_eq!(missing.status, 404);

    // Clocks by state, agreement and target.
    let pick = |path: &str| -> Vec<(String, String)> {
        get_json(port, None, path)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["record"].as_str().unwrap().to_string(),
                    c["target"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let vip = ("INC1".to_string(), "vip-response".to_string());
    assert_eq!(pick("/v1/clocks?state=at_risk"), vec![vip.clone()]);
    assert!(pick("/v1/clocks?state=breached").is_empty());
    assert_eq!(pick("/v1/clocks?target=vip-response"), vec![vip.clone()]);
    let ola = pick("/v1/clocks?agreement=network-ola");
    assert_eq!(ola, vec![("INC2".to_string(), "resolution".to_string())]);
    let all = pick("/v1/clocks");
    assert!(all.len() > 4, "{all:?}");
    set_clock(port, None, BASE + 60 + 3600 + 5);
    assert_eq!(pick("/v1/clocks?state=breached"), vec![vip.clone()]);
    assert!(!pick("/v1/clocks?state=at_risk").contains(&vip));
    let bad = call(port, None, "GET", "/v1/clocks?state=late", &[], b"");
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(
        bad.text().contains("unknown state `late`"),
        "{}",
        bad.text()
    );

    // Instances and tasks; completing a step does what `step.completed` does.
    let instances = get_json(port, None, "/v1/instances");
    assert_eq!(instances[0]["instance"], "onboard:S1", "{instances}");
    assert_eq!(instances[0]["record"], "S1", "{instances}");
    let tasks = get_json(port, None, "/v1/tasks?role=vendor&open=true");
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["step"], "1.1");
    assert_eq!(tasks[0]["instance"], "onboard:S1");
    assert!(
        get_json(port, None, "/v1/tasks?role=director")
            .as_array()
            .unwrap()
            .is_empty()
    );
    let closed = call(port, None, "GET", "/v1/tasks?open=false", &[], b"");
    assert_eq!(closed.status, 400);
    let complete = |step: &str, body: &str| {
        call(
            port,
            None,
            "POST",
            &format!("/v1/instances/onboard:S1/steps/{step}/complete"),
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    };
    let done = complete("1.1", "");
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["accepted"], 1);
    let tasks = get_json(port, None, "/v1/tasks");
    assert_eq!(tasks[0]["step"], "1.2", "{tasks}");
    let wrong = complete("1.2", r#"{"outcome":"maybe"}"#);
    assert_eq!(wrong.status, 409, "{}", wrong.text());
    assert!(
        wrong.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("maybe")),
        "{}",
        wrong.text()
    );
    let again = complete("1.1", "");
    assert_eq!(again.status, 409, "{}", again.text());
    let malformed = complete("1.2", r#"{"result":"yes"}"#);
    assert_eq!(malformed.status, 400, "{}", malformed.text());
    let yes = complete("1.2", r#"{"outcome":"yes"}"#);
    assert_eq!(yes.status, 200, "{}", yes.text());
    assert!(
        get_json(port, None, "/v1/instances")
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The bundle: one version, loaded, no error.
    let bundle = get_json(port, None, "/v1/bundle");
    assert_eq!(bundle["versions"].as_array().unwrap().len(), 1, "{bundle}");
    assert_eq!(bundle["versions"][0]["version"], bundle["active"]);
    assert!(bundle["last_error"].is_null());
    assert_eq!(call(port, None, "GET", "/healthz", &[], b"").text(), "ok\n");
    let metrics = call(port, None, "GET", "/metrics", &[], b"").text();
    for name in [
        "slaflow_events_accepted_total",
        "slaflow_breaches_total{agreement=\"desk-sla\",target=\"vip-response\"} 1",
        "slaflow_clocks{state=\"running\"}",
        "slaflow_journal_commit_seconds_bucket",
        "slaflow_ingest_round_seconds_bucket",
    ] {
        assert!(metrics.contains(name), "no {name} in\n{metrics}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stream_resumes_after_the_last_event_id_with_nothing_skipped_or_repeated() {
    let dir = scratch("stream");
    let server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let events = workload_events(40, 4);
    let (first, second) = events.split_at(events.len() / 2);
    assert_eq!(post_events(port, None, first).status, 200);
    let stream = Stream::open(port, None, None);
    assert_eq!(stream.status, 200);
    let mut seen = stream.take(10);
    drop(stream);
    // Resume while more events come in.
    let stream = Stream::open(port, None, Some(&seen.last().unwrap().0));
    let rest: Vec<String> = second.to_vec();
    let poster = std::thread::spawn(move || {
        for chunk in rest.chunks(7) {
            assert_eq!(post_events(port, None, chunk).status, 200);
        }
    });
    poster.join().unwrap();
    write_events(&dir.join("events.jsonl"), &events);
    let expected = replay(
        &dir,
        &["bundle".into(), "--events".into(), "events.jsonl".into()],
    );
    let total = expected.lines().count();
    assert!(total > 100, "{total}");
    seen.extend(stream.take(total - 10));
    assert!(stream.next(Duration::from_millis(300)).is_none());
    assert_contiguous(&seen);
    assert_same_actions(&seen, &expected, "a stream resumed after a10");
    // The id may also come as a query parameter (a browser's first connection cannot send
    // the header).
    let resumed = Stream::open_at(
        port,
        &format!("/v1/actions/stream?last_event_id=a{}", total - 3),
        None,
        None,
    );
    let tail = resumed.take(3);
    assert_eq!(tail, seen[total - 3..].to_vec());
    assert!(resumed.next(Duration::from_millis(300)).is_none());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_9_during_acknowledged_batches_loses_nothing_and_repeats_nothing() {
    let dir = scratch("kill");
    let mut server = start(&dir, &open_args(&ts(BASE)));
    let mut random = Lcg::seeded("kill_9_during_acknowledged_batches");
    let events = workload_events(150, 6);
    let batches: Vec<Vec<String>> = events.chunks(50).map(<[String]>::to_vec).collect();
    let acknowledged = Arc::new(AtomicU16::new(0));
    let stop_after = 2 + random.below(batches.len() as u64 - 6) as u16;
    let port = server.port();
    let client = {
        let batches = batches.clone();
        let acknowledged = Arc::clone(&acknowledged);
        std::thread::spawn(move || {
            for batch in &batches {
                let body: String = batch.iter().map(|l| format!("{l}\n")).collect();
                match request(
                    port,
                    "POST",
                    "/v1/events",
                    &[("Content-Type", "application/x-ndjson")],
                    body.as_bytes(),
                ) {
                    Ok(reply) if reply.status == 200 => {
                        assert_eq!(reply.json()["accepted"], 50, "{}", reply.text());
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => return,
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < stop_after {
        assert!(
            Instant::now() < deadline,
            "the batches are not acknowledged"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    server.kill();
    client.join().unwrap();
    let acked = usize::from(acknowledged.load(Ordering::SeqCst));
    assert!(acked < batches.len(), "the kill came after the last batch");

    server.spawn();
    let port = server.port();
    // The journal holds every acknowledged batch, and perhaps the one in flight: the log is
    // the replay of one of those two prefixes, no action missing or repeated.
    let prefix = |n: usize| {
        write_events(&dir.join("prefix.jsonl"), &batches[..n].concat());
        replay(
            &dir,
            &["bundle".into(), "--events".into(), "prefix.jsonl".into()],
        )
    };
    let (acked_only, with_next) = (prefix(acked), prefix(acked + 1));
    let log = action_log(port, None, acked_only.lines().count());
    assert_contiguous(&log);
    let expected = if log.len() == acked_only.lines().count() {
        acked_only
    } else {
        with_next
    };
    assert_same_actions(
        &log,
        &expected,
        &format!("after kill -9 with {acked} batches acknowledged"),
    );

    // The client sends everything again: the ids make the retries harmless.
    for batch in &batches {
        let reply = post_events(port, None, batch);
        assert_eq!(reply.json()["accepted"], 50, "{}", reply.text());
    }
    let everything = prefix(batches.len());
    let log = action_log(port, None, everything.lines().count());
    assert_contiguous(&log);
    assert_same_actions(&log, &everything, "after every batch was sent again");
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The workload bundle with the response goal changed and a comment (so every edit is a new
/// version), or broken in one of a few ways.
fn edited(n: usize, valid: bool) -> String {
    if valid {
        let goal = format!("goal: {}h", 2 + n % 5);
        let text = workload::BUNDLE.replacen("goal: 4h", &goal, 1);
        format!("# edit {n}\n{text}")
    } else {
        match n % 3 {
            0 => workload::BUNDLE.replacen("goal: 4h", "goal: soon", 1),
            1 => workload::BUNDLE.replacen("roles: [manager]", "roles: [manger]", 1),
            _ => format!("{}\n  : [", workload::BUNDLE),
        }
    }
}

#[test]
fn fifty_good_and_bad_edits_while_streaming_give_the_actions_of_the_replay() {
    let dir = scratch("edits");
    let server = start(&dir, &open_args(&ts(BASE)));
    let port = server.port();
    let mut random = Lcg::seeded("fifty_good_and_bad_edits");
    let events = workload_events(120, 6);
    // 51 chunks cut at random lines (instants shared across a cut included).
    let mut cuts: Vec<usize> = (0..50)
        .map(|_| 1 + random.below(events.len() as u64 - 1) as usize)
        .collect();
    cuts.sort_unstable();
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(events.len());
    let mut switches: Vec<String> = Vec::new();
    let mut versions = 1;
    let mut bad = 0;
    for (edit, window) in bounds.windows(2).enumerate() {
        let chunk = &events[window[0]..window[1]];
        if !chunk.is_empty() {
            let reply = post_events(port, None, chunk);
            assert_eq!(reply.status, 200, "{}", reply.text());
            assert_eq!(
                reply.json()["accepted"],
                chunk.len(),
                "edit {edit}: {}",
                reply.text()
            );
        }
        if edit == 50 {
            break;
        }
        let valid = random.below(3) != 0;
        std::fs::write(dir.join("bundle/workload.yaml"), edited(edit, valid)).unwrap();
        let reply = call(port, None, "POST", "/v1/reload", &[], b"");
        let answer = reply.json();
        if valid {
            assert_eq!(reply.status, 200, "{answer}");
            assert_eq!(answer["outcome"], "switched", "{answer}");
            let copy = format!("v{edit}");
            std::fs::create_dir_all(dir.join(&copy)).unwrap();
            std::fs::copy(
                dir.join("bundle/workload.yaml"),
                dir.join(&copy).join("workload.yaml"),
            )
            .unwrap();
            switches.push(format!("{}={copy}", answer["at"].as_str().unwrap()));
            versions += 1;
            let status = get_json(port, None, "/v1/bundle");
            assert_eq!(status["active"], answer["version"], "{status}");
            assert!(status["last_error"].is_null(), "{status}");
        } else {
            bad += 1;
            assert_eq!(reply.status, 422, "{answer}");
            assert_eq!(answer["outcome"], "failed", "{answer}");
            assert!(
                !answer["diagnostics"].as_array().unwrap().is_empty(),
                "{answer}"
            );
            let status = get_json(port, None, "/v1/bundle");
            assert_eq!(
                status["versions"].as_array().unwrap().len(),
                versions,
                "{status}"
            );
            assert!(
                !status["last_error"]["diagnostics"]
                    .as_array()
                    .unwrap()
                    .is_empty(),
                "{status}"
            );
        }
    }
    assert!(
        bad > 0 && versions > 1,
        "{bad} bad edits, {versions} versions"
    );
    let last = seconds(&ts(BASE + 3 * 86_400));
    set_clock(port, None, last + 5);
    write_events(&dir.join("events.jsonl"), &events);
    let mut args: Vec<String> = vec![
        "bundle0".into(),
        "--events".into(),
        "events.jsonl".into(),
        "--until".into(),
        ts(last),
    ];
    std::fs::create_dir_all(dir.join("bundle0")).unwrap();
    std::fs::write(dir.join("bundle0/workload.yaml"), workload::BUNDLE).unwrap();
    for switch in &switches {
        args.push("--switch".into());
        args.push(switch.clone());
    }
    let expected = replay(&dir, &args);
    let log = action_log(port, None, expected.lines().count());
    assert_contiguous(&log);
    assert_same_actions(&log, &expected, "50 edits while streaming");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Polls `/v1/bundle` until `done` holds (at most 20 s: a bound, not a measure).
fn wait_for_bundle(port: u16, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = get_json(port, None, "/v1/bundle");
        if done(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the bundle did not change: {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_saved_edit_and_sighup_reload_the_bundle_and_a_bad_one_keeps_the_last_good() {
    let dir = scratch("watch");
    let mut args = open_args(&ts(BASE));
    args.retain(|a| a != "--no-watch");
    let mut server = start(&dir, &args);
    let port = server.port();
    let first = get_json(port, None, "/v1/bundle")["active"].clone();
    assert_eq!(
        post_events(port, None, &[created("e1", BASE + 60, "INC1", false, "P3")]).status,
        200
    );

    std::fs::write(dir.join("bundle/workload.yaml"), edited(1, true)).unwrap();
    let status = wait_for_bundle(port, |s| s["active"] != first);
    let second = status["active"].clone();
    assert_eq!(status["versions"].as_array().unwrap().len(), 2, "{status}");
    // The new version takes over at the next instant: the next event runs under it.
    let next = created("e2", BASE + 120, "INC2", false, "P3");
    assert_eq!(post_events(port, None, &[next]).status, 200);
    let clocks = get_json(port, None, "/v1/clocks");
    let versions: Vec<&Value> = clocks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["version"])
        .collect();
    assert!(
        versions.iter().any(|v| v
            .as_str()
            .is_some_and(|v| second.as_str().unwrap().starts_with(v))),
        "{clocks}"
    );

    std::fs::write(dir.join("bundle/workload.yaml"), edited(1, false)).unwrap();
    let status = wait_for_bundle(port, |s| !s["last_error"].is_null());
    assert_eq!(status["active"], second, "{status}");
    let problems = status["last_error"]["diagnostics"].to_string();
    assert!(problems.contains("manger"), "{problems}");
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(log.contains("Reload refused"), "{log}");
    let metrics = call(port, None, "GET", "/metrics", &[], b"").text();
    assert!(
        metrics.contains("slaflow_reloads_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
    // The bad edit undone: the files are what runs again, so there is no error to show.
    std::fs::write(dir.join("bundle/workload.yaml"), edited(1, true)).unwrap();
    let status = wait_for_bundle(port, |s| s["last_error"].is_null());
    assert_eq!(status["active"], second, "{status}");

    // SIGHUP, with the watch off (the server restarts on the last good files).
    std::fs::write(dir.join("bundle/workload.yaml"), edited(1, true)).unwrap();
    server.stop();
    server.args.push("--no-watch".into());
    server.spawn();
    let port = server.port();
    std::fs::write(dir.join("bundle/workload.yaml"), edited(2, true)).unwrap();
    hang_up(&server);
    let status = wait_for_bundle(port, |s| s["versions"].as_array().unwrap().len() == 3);
    assert_ne!(status["active"], second);
    assert!(status["last_error"].is_null(), "{status}");
    let next = created("e3", BASE + 180, "INC3", false, "P3");
    assert_eq!(post_events(port, None, &[next]).status, 200);
    // The versions that ran are in the journal: a restart knows them.
    server.kill();
    server.spawn();
    let restarted = get_json(server.port(), None, "/v1/bundle");
    assert_eq!(restarted["versions"], status["versions"], "{restarted}");

    // The last edit undone: the second version runs again, and is listed again, before and
    // after a restart.
    let port = server.port();
    std::fs::write(dir.join("bundle/workload.yaml"), edited(1, true)).unwrap();
    hang_up(&server);
    let status = wait_for_bundle(port, |s| s["versions"].as_array().unwrap().len() == 4);
    assert_eq!(status["active"], second, "{status}");
    assert_eq!(status["versions"][1]["version"], second, "{status}");
    assert_eq!(status["versions"][3]["version"], second, "{status}");
    let next = created("e4", BASE + 240, "INC4", false, "P3");
    assert_eq!(post_events(port, None, &[next]).status, 200);
    server.kill();
    server.spawn();
    let restarted = get_json(server.port(), None, "/v1/bundle");
    assert_eq!(restarted["versions"], status["versions"], "{restarted}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends the server SIGHUP (reload the bundle).
fn hang_up(server: &Server) {
    let pid = server.child.as_ref().unwrap().id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
}

/// Makes a token with `slaflow token`: (the token, its entry for the tokens file).
fn token(name: &str, scopes: &str) -> (String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(["token", name, "--scopes", scopes])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let (comment, entry) = text.split_once('\n').unwrap();
    let token = comment.rsplit(' ').next().unwrap().to_string();
    (token, entry.to_string())
}

#[test]
fn tokens_with_scopes_guard_every_endpoint_and_an_open_server_stays_on_loopback() {
    let dir = scratch("auth");
    let (reader, r) = token("dashboard", "read");
    let (ingester, i) = token("ticket-system", "ingest");
    let (admin, a) = token("operator", "read,admin");
    let file = format!("tokens:\n{r}{i}{a}");
    for secret in [&reader, &ingester, &admin] {
        assert!(
            !file.contains(secret.as_str()),
            "the file keeps only hashes"
        );
    }
    std::fs::write(dir.join("tokens.yaml"), file).unwrap();
    let args: Vec<String> = [
        "bundle",
        "--db",
        "journal.db",
        "--tokens",
        "tokens.yaml",
        "--no-watch",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let server = start(&dir, &args);
    let port = server.port();
    let event = created("e1", BASE + 60, "INC1", false, "P3");
    let post = |token: Option<&str>| {
        call(
            port,
            token,
            "POST",
            "/v1/events",
            &[("Content-Type", "application/json")],
            event.as_bytes(),
        )
    };
    let unauthorized = post(None);
    assert_eq!(unauthorized.status, 401, "{}", unauthorized.text());
    assert_eq!(unauthorized.header("www-authenticate"), Some("Bearer"));
    assert_eq!(post(Some("not-a-token")).status, 401);
    let forbidden = post(Some(&reader));
    assert_eq!(forbidden.status, 403);
    assert!(
        forbidden.text().contains("`ingest` scope"),
        "{}",
        forbidden.text()
    );
    assert_eq!(post(Some(&ingester)).status, 200);

    for path in [
        "/v1/clocks",
        "/v1/records/INC1",
        "/v1/bundle",
        "/metrics",
        "/",
    ] {
        assert_eq!(
            call(port, None, "GET", path, &[], b"").status,
            401,
            "{path}"
        );
        assert_eq!(
            call(port, Some(&ingester), "GET", path, &[], b"").status,
            403,
            "{path}"
        );
        assert_eq!(
            call(port, Some(&reader), "GET", path, &[], b"").status,
            200,
            "{path}"
        );
    }
    assert_eq!(
        call(port, Some(&reader), "GET", "/?token=x", &[], b"").status,
        200
    );
    assert_eq!(
        call(port, None, "GET", &format!("/?token={reader}"), &[], b"").status,
        200
    );
    assert_eq!(
        call(port, Some(&reader), "POST", "/v1/reload", &[], b"").status,
        403
    );
    assert_eq!(
        call(port, Some(&admin), "POST", "/v1/reload", &[], b"").status,
        200
    );
    let step = "/v1/instances/x/steps/y/complete";
    assert_eq!(
        call(port, Some(&ingester), "POST", step, &[], b"").status,
        403
    );
    assert_eq!(call(port, None, "GET", "/healthz", &[], b"").status, 200);
    assert_eq!(
        call(port, None, "GET", "/v1/actions/stream", &[], b"").status,
        401
    );
    let stream = Stream::open_at(
        port,
        &format!("/v1/actions/stream?token={reader}"),
        None,
        None,
    );
    assert_eq!(stream.status, 200);
    assert_eq!(Stream::open(port, Some(&reader), None).take(1).len(), 1);
    drop(stream);
    drop(server);

    // No tokens: refused, unless --insecure-no-auth on a loopback address.
    let refuse = |args: &[&str], message: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_slaflow"))
            .arg("serve")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    let port = free_port().to_string();
    refuse(
        &["bundle", "--listen", &format!("127.0.0.1:{port}")],
        "give a tokens file",
    );
    refuse(
        &[
            "bundle",
            "--insecure-no-auth",
            "--listen",
            &format!("0.0.0.0:{port}"),
        ],
        "--insecure-no-auth is refused on 0.0.0.0",
    );
    std::fs::write(
        dir.join("bad.yaml"),
        "tokens:\n  - name: x\n    sha256: abc\n    scopes: [read]\n",
    )
    .unwrap();
    refuse(
        &[
            "bundle",
            "--tokens",
            "bad.yaml",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ],
        "bad.yaml",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
