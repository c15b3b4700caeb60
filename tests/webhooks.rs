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

/// How a receiver answers its `n`-th request (from 0) for an action: a status line and a body.
type Answer = Box<dyn Fn(usize, &str) -> (&'static str, &'static str) + Send>;

/// A receiver on 127.0.0.1 that keeps the requests it accepts (2xx).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver that refuses (503) its first request and accepts the rest.
    fn start() -> Receiver {
        Receiver::answering(Box::new(|n, _| {
            if n == 0 {
                ("503 Service Unavailable", "")
            } else {
                ("200 OK", "")
            }
        }))
    }

    fn answering(answer: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&got);
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
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
                let action = header("x-slaflow-action");
                let (status, text) = answer(n, &action);
                if status.starts_with('2') {
                    shared.lock().unwrap().push(Received {
                        action,
                        signature: header("x-slaflow-signature"),
                        body: String::from_utf8(body).unwrap(),
                    });
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
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

/// Writes a webhooks file with one endpoint, `itsm`, posting to `receiver`.
fn write_hooks(path: &Path, receiver: &Receiver) {
    let text = format!(
        "webhooks:\n  - name: itsm\n    url: {}\n    secret: s3cret\n",
        receiver.url
    );
    std::fs::write(path, text).unwrap();
}

/// The MetLife example's events.
fn metlife_events() -> String {
    std::fs::read_to_string(root().join("examples/metlife-desk/events.jsonl")).unwrap()
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
    write_hooks(&hooks, &receiver);
    let events = metlife_events();
    let events: Vec<&str> = events.lines().filter(|l| !l.trim().is_empty()).collect();
    let half = events.len() / 2;

    let server = Server::start(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--webhooks".as_ref(),
        hooks.as_os_str(),
    ]);
    server.ingest(&events[..half]);
    let first = journal_actions(&db).len();
    assert!(first > 0, "the first half produces actions");
    let got = receiver.wait_for(first);
    server.stop();

    let server = Server::start(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--webhooks".as_ref(),
        hooks.as_os_str(),
    ]);
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

/// An action whose content the receiver refuses (422 every time) is set aside after five
/// attempts: the actions after it are delivered in order, and `GET /v1/webhooks` and the
/// metrics show the refusal with the receiver's answer. A receiver that is down (503) or
/// refuses the request itself (401) is retried with nothing skipped, as the first test shows.
#[test]
fn an_action_the_receiver_refuses_is_set_aside_and_the_next_ones_go_on() {
    let dir = scratch("webhooks-refused");
    let db = dir.join("journal.db");
    let hooks = dir.join("webhooks.yaml");
    let receiver = Receiver::answering(Box::new(|_, action| {
        if action == "a3" {
            ("422 Unprocessable Entity", "unknown priority")
        } else {
            ("204 No Content", "")
        }
    }));
    write_hooks(&hooks, &receiver);
    let events = metlife_events();
    let events: Vec<&str> = events
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .collect();
    let server = Server::start(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--webhooks".as_ref(),
        hooks.as_os_str(),
    ]);
    server.ingest(&events);
    let all = journal_actions(&db);
    assert!(all.len() > 3, "enough actions to refuse the third");
    let got = receiver.wait_for(all.len() - 1);
    let delivered: Vec<String> = got.iter().map(|r| r.action.clone()).collect();
    let expected: Vec<String> = all
        .iter()
        .map(|(n, _)| format!("a{n}"))
        .filter(|a| a != "a3")
        .collect();
    assert_eq!(delivered, expected);

    let progress = ureq::get(&format!("{}/v1/webhooks", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let progress: serde_json::Value = serde_json::from_str(&progress).unwrap();
    let itsm = &progress[0];
    assert_eq!(itsm["name"], "itsm");
    assert_eq!(itsm["refused"][0]["action"], "a3", "{progress}");
    assert_eq!(itsm["refused"][0]["status"], 422);
    assert_eq!(itsm["refused"][0]["answer"], "unknown priority");
    assert_eq!(itsm["refused"].as_array().unwrap().len(), 1);
    assert!(itsm.get("secret").is_none());
    let metrics = ureq::get(&format!("{}/metrics", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        metrics.contains("slaflow_webhook_deliveries_total{outcome=\"refused\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("slaflow_webhook_deliveries_total{outcome=\"failed\"} 4"),
        "{metrics}"
    );
    server.stop();
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
