//! Helpers shared by the integration tests.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The repository root (tests run from it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `slaflow` binary with `args` from the repository root.
pub fn slaflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run slaflow")
}

/// Whether golden files should be rewritten instead of compared (`UPDATE_GOLDEN=1`).
pub fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// Compares `actual` with the golden file at `path`, or rewrites it when updating.
pub fn golden(path: &Path, actual: &str) {
    if updating() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert_eq!(
        expected,
        actual,
        "{} differs; if the change is intended, run the tests with UPDATE_GOLDEN=1",
        path.display()
    );
}

/// Stdout of a finished command as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A fresh, empty scratch directory for one test (`name` keeps tests apart).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// A running `slaflow serve` on a virtual clock, without authentication, file watching or grace,
/// and its address.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What the server printed on standard error since it listened.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the MetLife example, its virtual clock at its first event, with `extra` arguments
    /// (`--db`, `--webhooks`...).
    pub fn start(extra: &[&OsStr]) -> Server {
        Server::serve("examples/metlife-desk", "2026-10-05T13:00:00Z", extra)
    }

    /// Starts `bundle` (relative to the repository root) with its virtual clock at `clock`.
    pub fn serve(bundle: &str, clock: &str, extra: &[&OsStr]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slaflow"))
            .args(["serve", bundle, "--listen", "127.0.0.1:0"])
            .args(["--insecure-no-auth", "--no-watch", "--grace", "0s"])
            .args(["--virtual-clock", clock])
            .args(extra)
            .current_dir(root())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some(address) = line.split("listening on ").nth(1) {
                break address.trim().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on it, and keep it for failures.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut kept) = kept.lock() {
                    kept.push(line);
                }
            }
        });
        Server { child, base, log }
    }

    /// Posts events (JSON Lines) to `/v1/events`.
    pub fn ingest(&self, lines: &[&str]) {
        let response = ureq::post(&format!("{}/v1/events", self.base))
            .set("Content-Type", "application/x-ndjson")
            .send_string(&lines.join("\n"));
        match response {
            Ok(response) => assert_eq!(response.status(), 200),
            Err(ureq::Error::Status(status, response)) => {
                std::thread::sleep(std::time::Duration::from_millis(200));
                panic!(
                    "ingest answered {status}: {}\nthe server's log:\n{}",
                    response.into_string().unwrap_or_default(),
                    self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
                )
            }
            Err(error) => panic!("ingest failed: {error}"),
        }
    }

    /// Moves the virtual clock to `now` and waits until the engine has run its timers to it.
    pub fn set_clock(&self, now: &str) {
        let response = ureq::post(&format!("{}/v1/clock", self.base))
            .set("Content-Type", "application/json")
            .send_string(&format!("{{\"now\":\"{now}\"}}"))
            .expect("the virtual clock moves");
        assert_eq!(response.status(), 200);
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(self) {
        // Dropping it stops it.
    }
}

/// A server is stopped with its test, also one that fails (no server outlives the tests).
impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
