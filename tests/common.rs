//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// A running `slaflow serve` (on 127.0.0.1, any port, without authentication, file watching or
/// grace) and its address.
pub struct Server {
    child: std::process::Child,
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub base: String,
}

impl Server {
    /// Starts `slaflow serve` with `args` (the bundle and options) from the repository root.
    pub fn start(args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_slaflow"))
            .arg("serve")
            .args(args)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--insecure-no-auth",
                "--no-watch",
            ])
            .args(["--grace", "0s"])
            .current_dir(root())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some(address) = line.split("listening on ").nth(1) {
                break address.trim().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// Posts JSON Lines events and checks they were taken.
    pub fn ingest(&self, lines: &[&str]) {
        let response = ureq::post(&format!("{}/v1/events", self.base))
            .set("Content-Type", "application/x-ndjson")
            .send_string(&lines.join("\n"))
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Moves a virtual clock to `now` and waits until the engine has run its timers to it.
    pub fn set_clock(&self, now: &str) {
        let response = ureq::post(&format!("{}/v1/clock", self.base))
            .set("Content-Type", "application/json")
            .send_string(&format!("{{\"now\":\"{now}\"}}"))
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
