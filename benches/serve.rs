//! Loopback load benchmark of `slaflow serve`: a real server (the release binary) on
//! 127.0.0.1 with its SQLite journal, driven by this program's own HTTP client.
//!
//! - **Batches**: the metlife-desk example's events (amplified, so every copy's records are
//!   open together) posted as NDJSON batches of 1,000, one client and then four at once (group
//!   commit): durable acknowledged events per second, each answer sent only once its events
//!   are committed to the journal.
//! - **Concurrent single events**: eight clients posting one event per request at once, which
//!   the journal commits in groups.
//! - **Single events**: one event per request, one after the other: the p50 and p99 time from
//!   sending the request to the acknowledgement.
//! - **Reload**: an edit saved to a file of the bundle (the watched directory) until
//!   `GET /v1/bundle` shows the new version active: the median and the worst of ten edits.
//!
//! Bounded in count and time: at most `SLAFLOW_BENCH_EVENTS` events (default 200,000) and a
//! minute per phase. Run with `cargo bench --bench serve`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::indexing_slicing,
    missing_docs
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use slaflow::runtime::workload;

/// Events in the batch phases (`SLAFLOW_BENCH_EVENTS` overrides).
fn events_wanted() -> usize {
    std::env::var("SLAFLOW_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

const BATCH: usize = 1_000;
const SINGLES: usize = 2_000;
const EDITS: usize = 10;
const CLIENTS: usize = 8;
const PHASE_LIMIT: Duration = Duration::from_secs(60);

/// A server started for the benchmark, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(bundle: &Path, db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slaflow"))
            .arg("serve")
            .arg(bundle)
            .args(["--listen", "127.0.0.1:0", "--insecure-no-auth"])
            .args(["--virtual-clock", "2026-10-01T00:00:00Z", "--db"])
            .arg(db)
            .stderr(Stdio::piped())
            .spawn()
            .expect("the slaflow binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .expect("stderr is text");
            eprintln!("server: {line}");
            if let Some(address) = line.split("listening on ").nth(1) {
                break address.trim().to_string();
            }
        };
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("ERROR") || line.contains("WARN") {
                    eprintln!("server: {line}");
                }
            }
        });
        Server { child, base }
    }

    fn post(&self, agent: &ureq::Agent, body: &str, ndjson: bool) {
        let kind = if ndjson {
            "application/x-ndjson"
        } else {
            "application/json"
        };
        let response = agent
            .post(&format!("{}/v1/events", self.base))
            .set("Content-Type", kind)
            .send_string(body)
            .unwrap_or_else(|e| panic!("post: {e}"));
        let text = response.into_string().unwrap_or_default();
        assert!(text.contains("\"rejected\":[]"), "events rejected: {text}");
    }

    fn active(&self, agent: &ureq::Agent) -> String {
        let text = agent
            .get(&format!("{}/v1/bundle", self.base))
            .call()
            .ok()
            .and_then(|r| r.into_string().ok())
            .unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        value["active"].as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh scratch directory holding a copy of the metlife-desk bundle and of the standard
/// library it imports (`../../rules`).
fn scratch() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("slaflow-bench-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let bundle = dir.join("examples/metlife-desk");
    copy_yaml(Path::new("examples/metlife-desk"), &bundle);
    copy_yaml(Path::new("rules"), &dir.join("rules"));
    (dir, bundle)
}

/// Copies the YAML files of `from`, subdirectories included, to `to`.
fn copy_yaml(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch directory");
    for entry in std::fs::read_dir(from).expect("a directory") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("a name");
        if path.is_dir() {
            copy_yaml(&path, &to.join(name));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "ics") {
            std::fs::copy(&path, to.join(name)).expect("copy");
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let (dir, bundle) = scratch();
    let events = std::fs::read_to_string("examples/metlife-desk/events.jsonl").expect("events");
    let per_copy = events.lines().filter(|l| !l.trim().is_empty()).count();
    let wanted = events_wanted() + SINGLES;
    let text = workload::amplify(&events, wanted.div_ceil(per_copy.max(1)));
    let lines: Vec<&str> = text.lines().collect();
    let (batched, singles) = lines.split_at(lines.len() - SINGLES);
    let batches = |lines: &[&str]| -> Vec<String> {
        lines.chunks(BATCH).map(|chunk| chunk.join("\n")).collect()
    };

    let server = Server::start(&bundle, &dir.join("journal.db"));
    let agent = ureq::AgentBuilder::new().build();

    // One client, batches of 1,000.
    let started = Instant::now();
    let mut sent = 0;
    for body in batches(batched) {
        server.post(&agent, &body, true);
        sent += body.lines().count();
        if started.elapsed() > PHASE_LIMIT {
            break;
        }
    }
    let rate = sent as f64 / started.elapsed().as_secs_f64();
    println!("serve batches of {BATCH}, one client: {sent} events, {rate:.0} durable events/s");

    // Single events, one request each.
    let mut latencies = Vec::with_capacity(SINGLES);
    let started = Instant::now();
    for line in singles {
        let sent = Instant::now();
        server.post(&agent, line, false);
        latencies.push(sent.elapsed());
        if started.elapsed() > PHASE_LIMIT {
            break;
        }
    }
    latencies.sort();
    println!(
        "serve single events: {} posts, p50 {}, p99 {}, max {}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );

    // Concurrent single events: eight clients, each event its own request, all at the last
    // instant so none is late whatever the order: the journal commits them in groups.
    let last_at = singles
        .last()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["at"].as_str().map(str::to_string))
        .expect("the last event has an instant");
    let started = Instant::now();
    let sent = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (server, last_at, sent) = (&server, &last_at, &sent);
            scope.spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                for n in 0..SINGLES / CLIENTS {
                    if started.elapsed() > PHASE_LIMIT {
                        break;
                    }
                    let event = format!(
                        r#"{{"at":"{last_at}","record":"C{client}-{n}","type":"problem-ticket","event":"created","fields":{{"vip":false,"status":"new","line_of_business":"Group Benefits"}}}}"#
                    );
                    server.post(&agent, &event, false);
                    sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    let sent = sent.into_inner();
    println!(
        "serve single events, {CLIENTS} clients at once: {sent} posts, {:.0} durable events/s",
        sent as f64 / started.elapsed().as_secs_f64()
    );

    // Edit to live: change a goal in the watched bundle and wait for the new version.
    let file = bundle.join("agreements.yaml");
    let original = std::fs::read_to_string(&file).expect("agreements.yaml");
    assert!(original.contains("        goal: 2h\n"), "the edited goal");
    let mut reloads = Vec::with_capacity(EDITS);
    for edit in 0..EDITS {
        let before = server.active(&agent);
        let text = if edit % 2 == 0 {
            original.replacen("        goal: 2h\n", "        goal: 3h\n", 1)
        } else {
            original.clone()
        };
        // Let the watcher settle between edits so each is its own reload.
        std::thread::sleep(Duration::from_millis(300));
        let saved = Instant::now();
        // Saved as most editors save: written aside, then renamed over the file.
        let aside = bundle.join(".agreements.yaml.swp");
        std::fs::write(&aside, text).expect("save the edit");
        std::fs::rename(&aside, &file).expect("save the edit");
        while server.active(&agent) == before {
            assert!(saved.elapsed() < Duration::from_secs(10), "reload seen");
            std::thread::sleep(Duration::from_millis(2));
        }
        reloads.push(saved.elapsed());
    }
    reloads.sort();
    println!(
        "serve reload, edit saved to new version active: median {}, worst {} ({EDITS} edits)",
        ms(percentile(&reloads, 0.5)),
        ms(reloads.last().copied().unwrap_or_default())
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
