//! Crash safety of `slaflow run --db`: the process is killed with SIGKILL at random moments,
//! restarted on the same journal each time, and everything it printed across all runs is
//! compared with one uninterrupted run: no action may be missing, none may differ, and the
//! only repeats allowed are identical lines.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use slaflow::runtime::workload;

/// A scratch directory holding the workload bundle, a second version of it (`bundle-v2`: other
/// goals) and a stream of its events.
fn scratch(name: &str, records: usize, updates: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bundle")).unwrap();
    std::fs::create_dir_all(dir.join("bundle-v2")).unwrap();
    std::fs::write(dir.join("bundle/workload.yaml"), workload::BUNDLE).unwrap();
    let v2 = workload::BUNDLE
        .replace("goal: 4h", "goal: 3h")
        .replace("goal: 2 days", "goal: 3 days");
    std::fs::write(dir.join("bundle-v2/workload.yaml"), v2).unwrap();
    std::fs::write(dir.join("events.jsonl"), workload::events(records, updates)).unwrap();
    dir
}

/// `slaflow run` of the scratch bundle and events, on the journal `db` if given.
fn command(dir: &Path, db: Option<&Path>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slaflow"));
    command
        .arg("run")
        .arg(dir.join("bundle"))
        .arg("--events")
        .arg(dir.join("events.jsonl"));
    if let Some(db) = db {
        command.arg("--db").arg(db);
    }
    command
}

/// The instant the crash runs switch to `bundle-v2`: after the records opened, mid-updates.
const SWITCH_AT: &str = "2026-11-02T10:00:00Z";

/// `slaflow run` without a switch, printing to `out`.
fn run_plain(dir: &Path, db: Option<&Path>, out: &Path) -> std::process::Child {
    command(dir, db)
        .stdout(Stdio::from(std::fs::File::create(out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `slaflow run` to the end of the year, switching to `bundle-v2` mid-stream and snapshotting
/// often, printing to `out`.
fn run(dir: &Path, db: Option<&Path>, out: &Path) -> std::process::Child {
    command(dir, db)
        .arg("--until")
        .arg("2026-12-31T00:00:00Z")
        .arg("--switch")
        .arg(format!("{SWITCH_AT}={}", dir.join("bundle-v2").display()))
        .arg("--snapshot-every")
        .arg("3000")
        .stdout(Stdio::from(std::fs::File::create(out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The complete lines of a file (a line cut by the kill is not complete).
fn complete_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect()
}

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn kill_9_at_random_moments_loses_and_changes_nothing() {
    let dir = scratch("kill", 3_000, 9);

    // The reference: one uninterrupted run, in memory.
    let reference_out = dir.join("reference.jsonl");
    let status = run(&dir, None, &reference_out).wait().unwrap();
    assert!(status.success());
    let reference = complete_lines(&reference_out);
    assert!(
        reference.len() > 20_000,
        "the workload should produce many actions"
    );
    assert!(
        reference
            .iter()
            .any(|l| l.contains(r#""kind":"bundle.switched""#)),
        "the runs switch bundle versions mid-stream"
    );

    // How long an uninterrupted durable run takes, to spread the kills over it.
    let timing_db = dir.join("timing.db");
    let started = Instant::now();
    let status = run(&dir, Some(&timing_db), &dir.join("timing.jsonl"))
        .wait()
        .unwrap();
    assert!(status.success());
    let full = started.elapsed().max(Duration::from_millis(50));
    assert_eq!(
        complete_lines(&dir.join("timing.jsonl")),
        reference,
        "a durable run prints what an in-memory run prints"
    );

    // Kill, resume, kill again... then let the last run finish.
    let db = dir.join("journal.db");
    let mut rng = Lcg(0x5eed);
    let mut printed: Vec<String> = Vec::new();
    let mut killed = 0;
    for attempt in 0..8 {
        let out = dir.join(format!("run-{attempt}.jsonl"));
        let mut child = run(&dir, Some(&db), &out);
        let wait = Duration::from_millis(5 + rng.below(full.as_millis() as u64 / 3 + 1));
        std::thread::sleep(wait);
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        printed.extend(complete_lines(&out));
    }
    assert!(
        killed >= 4,
        "only {killed} runs were killed before they finished"
    );
    let out = dir.join("run-last.jsonl");
    let status = run(&dir, Some(&db), &out).wait().unwrap();
    assert!(status.success());
    printed.extend(complete_lines(&out));
    let snapshots: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
        .unwrap();
    assert!(snapshots > 0, "the runs resumed from snapshots");

    let expected: HashSet<&String> = reference.iter().collect();
    let got: HashSet<&String> = printed.iter().collect();
    let missing: Vec<&&String> = expected.difference(&got).take(3).collect();
    assert!(
        missing.is_empty(),
        "actions lost across crashes, e.g. {missing:?}"
    );
    let extra: Vec<&&String> = got.difference(&expected).take(3).collect();
    assert!(
        extra.is_empty(),
        "actions an uninterrupted run did not emit, e.g. {extra:?}"
    );
    // Repeats are of identical lines only: one text per action id.
    let mut by_id: HashMap<String, &String> = HashMap::new();
    for line in &printed {
        let id = serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        if let Some(previous) = by_id.insert(id.clone(), line) {
            assert_eq!(
                previous, line,
                "action {id} printed twice with different content"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `slaflow run` of the scratch bundle on the journal `db`, which must be refused: status 2,
/// with `message` on standard error.
fn refused(dir: &Path, db: &Path, message: &str) {
    let output = command(dir, Some(db)).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(message), "{stderr}");
}

#[test]
fn a_changed_bundle_becomes_the_next_version_and_another_format_is_refused() {
    let dir = scratch("version", 10, 1);
    let db = dir.join("journal.db");
    assert!(
        run_plain(&dir, Some(&db), &dir.join("a.jsonl"))
            .wait()
            .unwrap()
            .success()
    );
    // Edit the bundle: the journal records it as its next version, at the journal's time.
    std::fs::write(
        dir.join("bundle/workload.yaml"),
        format!("{}\n# edited\n", workload::BUNDLE),
    )
    .unwrap();
    let out = dir.join("b.jsonl");
    assert!(run_plain(&dir, Some(&db), &out).wait().unwrap().success());
    let printed = complete_lines(&out);
    assert!(
        printed
            .first()
            .is_some_and(|l| l.contains(r#""kind":"bundle.switched""#)),
        "{printed:?}"
    );
    let versions: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM versions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 2);
    // A journal of another layout is refused before its snapshots are read.
    let older = dir.join("older.db");
    assert!(
        run_plain(&dir, Some(&older), &dir.join("c.jsonl"))
            .wait()
            .unwrap()
            .success()
    );
    rusqlite::Connection::open(&older)
        .unwrap()
        .execute("UPDATE meta SET value = '3' WHERE key = 'format'", [])
        .unwrap();
    refused(&dir, &older, "was written in journal format 3");
    // An SQLite database of something else is not touched.
    let foreign = dir.join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY);")
        .unwrap();
    refused(&dir, &foreign, "is not an slaflow journal");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_journal_refuses_events_that_do_not_continue_it() {
    let dir = scratch("digest", 50, 2);
    let db = dir.join("journal.db");
    assert!(
        run_plain(&dir, Some(&db), &dir.join("a.jsonl"))
            .wait()
            .unwrap()
            .success()
    );
    // Edit line 5: the journal applied another line there.
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let mut lines: Vec<&str> = events.lines().collect();
    let edited = lines[4].replace("\"vip\":false", "\"vip\":true");
    assert_ne!(edited, lines[4]);
    lines[4] = &edited;
    std::fs::write(dir.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    refused(&dir, &db, "line 5 is");
    // A shorter file (rotated) is refused too, and nothing was lost: the original resumes.
    std::fs::write(dir.join("events.jsonl"), "").unwrap();
    refused(&dir, &db, "the input ends before it");
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();
    let out = dir.join("b.jsonl");
    assert!(run_plain(&dir, Some(&db), &out).wait().unwrap().success());
    assert!(
        complete_lines(&out).is_empty(),
        "a complete journal prints nothing new"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_snapshot_falls_back_and_a_damaged_batch_is_refused() {
    let dir = scratch("damage", 2_000, 9);
    let reference = dir.join("reference.jsonl");
    assert!(run_plain(&dir, None, &reference).wait().unwrap().success());
    let reference = complete_lines(&reference);
    // Journal the first half with snapshots every 300 inputs.
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let all: Vec<&str> = events.lines().collect();
    let half = all.len() / 2;
    std::fs::write(dir.join("events.jsonl"), all[..half].join("\n") + "\n").unwrap();
    let db = dir.join("journal.db");
    let first = dir.join("first.jsonl");
    let status = command(&dir, Some(&db))
        .args(["--snapshot-every", "300"])
        .stdout(Stdio::from(std::fs::File::create(&first).unwrap()))
        .status()
        .unwrap();
    assert!(status.success());
    let connection = rusqlite::Connection::open(&db).unwrap();
    let snapshots: i64 = connection
        .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        snapshots, 2,
        "the latest snapshot and the one before are kept"
    );
    // Flip a byte of the latest snapshot: the resume uses the one before.
    connection
        .execute(
            "UPDATE snapshots SET state = CAST(substr(state, 1, 40) || X'00' || substr(state, 42) AS BLOB) WHERE seq = (SELECT max(seq) FROM snapshots)",
            [],
        )
        .unwrap();
    drop(connection);
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();
    let second = dir.join("second.jsonl");
    let output = command(&dir, Some(&db))
        .stdout(Stdio::from(std::fs::File::create(&second).unwrap()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("snapshot of the journal is damaged"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut printed = complete_lines(&first);
    printed.extend(complete_lines(&second));
    let mut seen = HashSet::new();
    printed.retain(|l| seen.insert(l.clone()));
    assert_eq!(printed, reference);
    // A damaged batch cannot be recovered from: refused, with the batch named.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE batches SET inputs = CAST(substr(inputs, 1, 20) || X'01' || substr(inputs, 22) AS BLOB) WHERE seq = (SELECT max(seq) FROM batches)",
            [],
        )
        .unwrap();
    refused(&dir, &db, "is damaged");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_run_on_a_journal_in_use_is_refused() {
    let dir = scratch("lock", 20_000, 9);
    let db = dir.join("journal.db");
    let mut first = run_plain(&dir, Some(&db), &dir.join("a.jsonl"));
    // The first run takes the lock when it opens the journal.
    let started = Instant::now();
    while !db.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let output = command(&dir, Some(&db)).output().unwrap();
    let still_running = first.try_wait().unwrap().is_none();
    let _ = first.kill();
    let _ = first.wait();
    assert!(
        still_running,
        "the first run ended too soon to test the lock"
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is in use by another slaflow"));
    let _ = std::fs::remove_dir_all(&dir);
}
