//! Webhooks: a receiver on 127.0.0.1 gets every committed action, in order, signed, again after
//! a refusal, and after a restart the server goes on where delivery stopped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{Server, root, scratch};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    action: String,
    signature: String,
    body: String,
}

/// A receiver that refuses (503) its first request and accepts the rest.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&got);
        std::thread::spawn(move || {
            let mut refused = false;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                    headers.push(line.trim().to_string());
                }
                let header = |name: &str| {
                    headers
                        .iter()
                        .find_map(|h| {
                            let (key, value) = h.split_once(':')?;
                            key.eq_ignore_ascii_case(name)
                                .then(|| value.trim().to_string())
                        })
                        .unwrap_or_default()
                };
                let length: usize = header("content-length").parse().unwrap_or(0);
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let status = if refused {
                    shared.lock().unwrap().push(Received {
                        action: header("x-slaflow-action"),
                        signature: header("x-slaflow-signature"),
                        body: String::from_utf8(body).unwrap(),
                    });
                    "200 OK"
                } else {
                    refused = true;
                    "503 Service Unavailable"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` actions arrived (at most 60 s: the first retry waits half a second).
    fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        while self.received().len() < n && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.received()
    }
}

/// `slaflow serve` on the MetLife example with webhooks, on a virtual clock.
fn serve(db: &Path, hooks: &Path) -> Server {
    let (db, hooks) = (db.to_str().unwrap(), hooks.to_str().unwrap());
    Server::start(&[
        "examples/metlife-desk",
        "--virtual-clock",
        "2026-10-05T13:00:00Z",
        "--db",
        db,
        "--webhooks",
        hooks,
    ])
}

/// The journal's actions, in order.
fn journal_actions(db: &Path) -> Vec<(u64, String)> {
    slaflow::store::Journal::open_read_only(db)
        .unwrap()
        .actions_after(0, 100_000)
        .unwrap()
}

#[test]
fn every_action_is_delivered_in_order_signed_retried_and_resumed_after_a_restart() {
    let dir = scratch("webhooks-delivery");
    let db = dir.join("journal.db");
    let hooks = dir.join("webhooks.yaml");
    let receiver = Receiver::start();
    std::fs::write(
        &hooks,
        format!(
            "webhooks:\n  - name: itsm\n    url: {}\n    secret: s3cret\n",
            receiver.url
        ),
    )
    .unwrap();
    let events =
        std::fs::read_to_string(root().join("examples/metlife-desk/events.jsonl")).unwrap();
    let events: Vec<&str> = events.lines().filter(|l| !l.trim().is_empty()).collect();
    let half = events.len() / 2;

    let server = serve(&db, &hooks);
    server.ingest(&events[..half]);
    let first = journal_actions(&db).len();
    assert!(first > 0, "the first half produces actions");
    let got = receiver.wait_for(first);
    server.stop();

    let server = serve(&db, &hooks);
    server.ingest(&events[half..]);
    let all = journal_actions(&db);
    let got_all = receiver.wait_for(all.len());
    server.stop();

    assert_eq!(got.len(), first, "the first run's actions, once each");
    // Delivered once each, in the journal's order, with the journal's text.
    let delivered: Vec<(String, String)> = got_all
        .iter()
        .map(|r| (r.action.clone(), r.body.clone()))
        .collect();
    let expected: Vec<(String, String)> = all
        .iter()
        .map(|(n, text)| (format!("a{n}"), text.clone()))
        .collect();
    assert_eq!(delivered, expected);
    for received in &got_all {
        assert_eq!(
            received.signature,
            slaflow::serve::webhooks::signature("s3cret", received.body.as_bytes())
        );
        let action: serde_json::Value = serde_json::from_str(&received.body).unwrap();
        assert_eq!(action["id"].as_str(), Some(received.action.as_str()));
    }
}

#[test]
fn a_webhooks_file_with_a_mistake_is_refused_with_the_reason() {
    let dir = scratch("webhooks-mistakes");
    let cases = [
        (
            "webhooks:\n  - name: a\n    url: ftp://x\n    secret: s\n",
            "is not an http or https URL",
        ),
        (
            "webhooks:\n  - name: a\n    url: http://127.0.0.1:1/\n",
            "give one of `secret` and `secret_env`",
        ),
        (
            "webhooks:\n  - name: a\n    url: http://127.0.0.1:1/\n    secret: s\n    kinds: [sla.braeched]\n",
            "unknown action kind `sla.braeched`",
        ),
        (
            "webhooks:\n  - name: a\n    url: http://127.0.0.1:1/\n    secret_env: SLAFLOW_TEST_NOT_SET_ANYWHERE\n",
            "`SLAFLOW_TEST_NOT_SET_ANYWHERE` is not set",
        ),
        ("webhooks:\n  - nme: a\n", "nme"),
    ];
    for (text, reason) in cases {
        let path = dir.join("hooks.yaml");
        std::fs::write(&path, text).unwrap();
        let error = slaflow::serve::webhooks::load(&path).unwrap_err();
        assert!(error.contains(reason), "{text:?}: {error}");
    }
}
