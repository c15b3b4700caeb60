//! Hostile input: every probe runs the `slaflow` binary under a memory limit and a deadline,
//! and checks that it ends by itself, with the exit status and the message a person needs,
//! never an abort, a hang or a silent loss. Inputs are generated in temporary directories and
//! kept small enough for a 2-core CI machine; each test is named after what broke.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::root;

/// At most this much of a probe's standard output and error is kept.
const KEEP: usize = 1 << 20;

/// How a probe ended.
#[derive(Debug)]
struct Outcome {
    /// The exit status, when the process exited by itself.
    code: Option<i32>,
    /// The signal that ended it, if one did (ours at the deadline is `SIGKILL`, 9).
    signal: Option<i32>,
    /// Whether the deadline passed and the probe was killed.
    timed_out: bool,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Asserts the probe exited by itself with `code`, and returns its standard error.
    fn exited(&self, code: i32) -> &str {
        assert!(
            !self.timed_out,
            "the probe did not finish in time; stderr: {}",
            self.stderr
        );
        assert_eq!(
            (self.code, self.signal),
            (Some(code), None),
            "unexpected end; stderr: {}\nstdout: {}",
            self.stderr,
            self.stdout.get(..2000.min(self.stdout.len())).unwrap_or("")
        );
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("memory allocation"),
            "{}",
            self.stderr
        );
        &self.stderr
    }
}

/// A run of the binary under limits.
struct Probe {
    args: Vec<String>,
    dir: PathBuf,
    /// Address space limit, in MiB.
    memory_mib: u64,
    deadline: Duration,
    stdin: Option<PathBuf>,
}

impl Probe {
    /// A probe of `slaflow ARGS` in `dir`, with 512 MiB and 60 s.
    fn new(dir: &Path, args: &[&str]) -> Probe {
        Probe {
            args: args.iter().map(|a| a.to_string()).collect(),
            dir: dir.to_path_buf(),
            memory_mib: 512,
            deadline: Duration::from_secs(60),
            stdin: None,
        }
    }

    fn memory_mib(mut self, mib: u64) -> Probe {
        self.memory_mib = mib;
        self
    }

    fn deadline(mut self, seconds: u64) -> Probe {
        self.deadline = Duration::from_secs(seconds);
        self
    }

    /// Runs it: `ulimit -v` in a shell that then becomes slaflow, killed at the deadline.
    fn run(&self) -> Outcome {
        let kib = self.memory_mib * 1024;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_slaflow"))
            .args(&self.args)
            .current_dir(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match &self.stdin {
            Some(path) => command.stdin(std::fs::File::open(path).unwrap()),
            None => command.stdin(Stdio::null()),
        };
        let mut child = command.spawn().expect("run sh");
        let stdout = keep(child.stdout.take().unwrap());
        let stderr = keep(child.stderr.take().unwrap());
        let timed_out = wait_until(&mut child, Instant::now() + self.deadline);
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        Outcome {
            code: status.code(),
            signal: status.signal(),
            timed_out,
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
        }
    }
}

/// Reads a pipe to its end in a thread, keeping the first [`KEEP`] bytes.
fn keep(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            let room = KEEP.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..n.min(room)]);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// Waits for `child` until `deadline`; kills it then. Whether it had to be killed.
fn wait_until(child: &mut Child, deadline: Instant) -> bool {
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `dir/name`.
fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Events for one licence record, for probes whose bundle is a record rule.
const LICENCE_EVENT: &str = "{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"L1\",\"type\":\"licence\",\"event\":\"created\",\"fields\":{\"entitled\":10,\"used\":12}}\n";

/// A scratch directory with `rules.yaml`, record rules over licences with these conditions
/// (`rules.yaml:4:11` is the first one's), and `events.jsonl`, one licence event.
fn licence_rules(name: &str, conditions: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    let mut rules = String::from("rules:\n");
    for (id, when) in conditions {
        rules.push_str(&format!(
            "  {id}:\n    record_type: licence\n    when: '{when}'\n"
        ));
    }
    write(&dir, "rules.yaml", rules);
    write(&dir, "events.jsonl", LICENCE_EVENT);
    dir
}

/// `slaflow run rules.yaml --events FILE` in `dir`.
fn replay(dir: &Path, events: &str) -> Probe {
    Probe::new(dir, &["run", "rules.yaml", "--events", events])
}

#[test]
fn sleep_in_a_script_hung_the_replay() {
    let dir = licence_rules(
        "sleep",
        &[
            ("sleepy", "sleep(1000000) == ()"),
            ("sleepy-float", "sleep(1e18) == ()"),
        ],
    );
    let out = replay(&dir, "events.jsonl")
        .deadline(20)
        .memory_mib(256)
        .run();
    let stderr = out.exited(0);
    assert!(
        stderr.contains("rule sleepy at rules.yaml:4:11 failed: function not found: sleep"),
        "{stderr}"
    );
    assert!(out.stdout.contains("script.failed"), "{}", out.stdout);
}

#[test]
fn sandbox_functions_are_those_of_the_allow_list() {
    let mut listed = slaflow::script::sandbox().gen_fn_signatures(true);
    listed.sort();
    listed.dedup();
    for denied in ["sleep(", "timestamp(", "exit(", "eval(", "parse_json("] {
        assert!(
            !listed.iter().any(|f| f.starts_with(denied)),
            "`{denied}` is reachable from scripts"
        );
    }
    let text: String = listed.iter().map(|f| format!("{f}\n")).collect();
    crate::common::golden(&root().join("tests/fixtures/sandbox-functions.txt"), &text);
}

#[test]
fn infinity_compared_false_with_every_number() {
    let dir = licence_rules(
        "infinity",
        &[(
            "over-deployed",
            "record.used / (record.entitled - 10.0) > 1.0",
        )],
    );
    let out = replay(&dir, "events.jsonl").run();
    out.exited(0);
    assert!(
        out.stdout.contains("\"kind\":\"rule.fired\""),
        "{}",
        out.stdout
    );
}

/// A licence event whose record id is `len` bytes long.
fn long_line(len: usize) -> String {
    format!(
        "{{\"at\":\"2026-10-05T08:00:00Z\",\"record\":\"{}\",\"type\":\"licence\",\"event\":\"created\"}}\n",
        "L".repeat(len)
    )
}

#[test]
fn events_from_dev_zero_grew_one_line_until_memory_ran_out() {
    let dir = licence_rules("dev-zero", &[("over", "record.used > record.entitled")]);
    let out = replay(&dir, "/dev/zero").deadline(5).memory_mib(256).run();
    // /dev/zero never ends: the run goes on skipping its one line until it is stopped, in
    // bounded memory, having said at once what is wrong.
    assert!(out.timed_out && out.signal == Some(9), "{out:?}");
    assert!(
        out.stderr
            .starts_with("line 1: not a valid event: the line is longer than 1048576 bytes, the limit; it was skipped\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_64_mib_event_line_was_held_whole_and_the_rest_waited() {
    let dir = licence_rules("long-line", &[("over", "record.used > record.entitled")]);
    let mut events = long_line(64 << 20);
    events.push_str(LICENCE_EVENT);
    write(&dir, "long.jsonl", events);
    let out = replay(&dir, "long.jsonl")
        .deadline(30)
        .memory_mib(128)
        .run();
    let stderr = out.exited(0);
    assert!(
        stderr.contains("line 1: not a valid event: the line is longer than 1048576 bytes"),
        "{stderr}"
    );
    assert!(
        out.stdout.contains("\"kind\":\"rule.fired\""),
        "{}",
        out.stdout
    );
    // The limit can be raised.
    let out = Probe::new(
        &dir,
        &[
            "run",
            "rules.yaml",
            "--events",
            "long.jsonl",
            "--max-line-bytes",
            "100000000",
        ],
    )
    .memory_mib(1024)
    .run();
    assert!(!out.exited(0).contains("longer than"));
}

#[test]
fn calendar_queries_from_dev_zero_grew_one_line_until_memory_ran_out() {
    let dir = scratch("queries-dev-zero");
    let calendar = ["calendar", "rules.yaml", "--calendar", "24x7", "--queries"];
    write(&dir, "rules.yaml", "roles: {}\n");
    let out = Probe::new(&dir, &[&calendar[..], &["/dev/zero"]].concat())
        .deadline(5)
        .memory_mib(256)
        .run();
    assert!(out.timed_out && out.signal == Some(9), "{out:?}");
    assert_eq!(
        out.stdout,
        "{\"error\":\"line 1: the line is longer than 1048576 bytes, the limit; it was skipped\"}\n"
    );
    let query = "{\"op\":\"is_open\",\"at\":\"2026-11-21T12:00:00Z\"}\n";
    write(
        &dir,
        "long.jsonl",
        format!("{}\n{query}", "x".repeat(3 << 20)),
    );
    let out = Probe::new(&dir, &[&calendar[..], &["long.jsonl"]].concat())
        .memory_mib(128)
        .run();
    out.exited(0);
    assert_eq!(
        out.stdout,
        "{\"error\":\"line 1: the line is longer than 1048576 bytes, the limit; it was skipped\"}\n{\"open\":true}\n"
    );
}

#[test]
fn a_byte_order_mark_rejected_the_first_line_and_its_record() {
    let dir = licence_rules("bom", &[("over", "record.used > record.entitled")]);
    let update = "{\"at\":\"2026-10-05T10:00:00Z\",\"record\":\"L1\",\"event\":\"updated\",\"fields\":{\"used\":13}}\n";
    write(
        &dir,
        "bom.jsonl",
        format!("\u{feff}{LICENCE_EVENT}{update}"),
    );
    let out = replay(&dir, "bom.jsonl").run();
    assert_eq!(out.exited(0), "");
    assert!(
        out.stdout.contains("\"kind\":\"rule.fired\""),
        "{}",
        out.stdout
    );
    write(
        &dir,
        "queries.jsonl",
        "\u{feff}{\"op\":\"is_open\",\"at\":\"2026-11-21T12:00:00Z\"}\r\n",
    );
    let out = Probe::new(
        &dir,
        &[
            "calendar",
            "rules.yaml",
            "--calendar",
            "24x7",
            "--queries",
            "queries.jsonl",
        ],
    )
    .run();
    out.exited(0);
    assert_eq!(out.stdout, "{\"open\":true}\n");
}

/// Makes a named pipe at `path`.
fn fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[test]
fn a_named_pipe_called_yaml_blocked_validate_for_ever() {
    let dir = scratch("fifo");
    write(&dir, "roles.yaml", "roles: {owner: {}}\n");
    fifo(&dir.join("x.yaml"));
    for args in [&["validate", "."][..], &["validate", "x.yaml"]] {
        let out = Probe::new(&dir, args).deadline(10).run();
        assert_eq!(
            out.exited(2),
            "error: `x.yaml` is a named pipe, not a regular file; slaflow reads only regular files\n"
        );
    }
    let holidays = scratch("fifo-holidays");
    write(
        &holidays,
        "rules.yaml",
        "calendars:\n  office:\n    timezone: Europe/London\n    hours: {weekdays: [\"09:00-17:30\"]}\n    holiday_files: [h.ics]\n",
    );
    fifo(&holidays.join("h.ics"));
    let out = Probe::new(&holidays, &["validate", "--format", "plain", "."])
        .deadline(10)
        .run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        "rules.yaml:5:21: error[E0605]: cannot read holiday file `h.ics`: it is a named pipe, not a regular file\n"
    );
}

#[test]
fn a_sparse_1_5_gib_yaml_file_was_read_whole_before_its_size_was_checked() {
    let dir = scratch("huge-yaml");
    let file = std::fs::File::create(dir.join("huge.yaml")).unwrap();
    file.set_len(3 << 29).unwrap();
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."])
        .memory_mib(256)
        .deadline(20)
        .run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        "huge.yaml:1:1: error[E0003]: file is 1610612736 bytes, more than the limit of 8388608 bytes\n"
    );
}

#[test]
fn two_directory_links_to_the_parent_made_validate_walk_for_ever() {
    let dir = scratch("link-loop");
    write(&dir, "roles.yaml", "roles: {owner: {}}\n");
    write(&dir, "sub/more.yaml", "roles: {reviewer: {}}\n");
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/again")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("sub/here")).unwrap();
    let outside = scratch("link-loop-outside");
    write(&outside, "broken.yaml", "roles: [not, a, mapping]\n");
    std::os::unix::fs::symlink(&outside, dir.join("sub/out")).unwrap();
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."])
        .deadline(20)
        .run();
    let stderr = out.exited(0);
    assert_eq!(out.stdout, "");
    assert!(
        stderr.contains("Not followed: a directory link that leads out of the directory read")
            && stderr.contains("sub/out"),
        "{stderr}"
    );
}

#[test]
fn importing_the_file_system_root_never_finished() {
    let dir = scratch("import-root");
    write(&dir, "bundle.yaml", "imports: [/, /dev/zero]\n");
    write(&dir, "roles.yaml", "roles: {owner: {}}\n");
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."])
        .deadline(20)
        .run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        "bundle.yaml:1:11: error[E0206]: import `/` is the root of the file system\n\
         bundle.yaml:1:14: error[E0206]: import `/dev/zero` is not a directory or a YAML file\n"
    );
}

#[test]
fn an_eight_line_ics_file_expanded_to_hundreds_of_millions_of_dates() {
    let dir = scratch("ics-storm");
    write(
        &dir,
        "rules.yaml",
        "calendars:\n  office:\n    timezone: Europe/London\n    hours: {weekdays: [\"09:00-17:30\"]}\n    holiday_files: [h.ics]\n",
    );
    write(
        &dir,
        "h.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20360101\nRRULE:FREQ=DAILY\nSUMMARY:Closed\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."])
        .deadline(30)
        .run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        "h.ics:2:1: error[E0605]: holiday file `h.ics`: the events expand to more than 100000 dates from 1970-01-01 to 2200-12-31, the limit\n"
    );
}

#[test]
fn twenty_thousand_small_calendars_cost_33_kib_each() {
    let dir = scratch("calendars");
    for file in 0..2 {
        let mut text = String::from("calendars:\n");
        for i in 0..10_000 {
            text.push_str(&format!(
                "  c{file}-{i}: {{timezone: UTC, hours: {{weekdays: [\"09:00-17:00\"]}}}}\n"
            ));
        }
        write(&dir, &format!("calendars-{file}.yaml"), text);
    }
    // 660 MB before; about 40 MB of heap now.
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."])
        .memory_mib(256)
        .deadline(60)
        .run();
    out.exited(0);
    assert_eq!(out.stdout, "");
}

/// The shortest of three runs of `work`.
fn best_of_three(mut work: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Asserts that `work(n)` takes about as much longer as `n` grows (4n within 8 times n's time:
/// linear work takes 4 times as long, quadratic 16 times).
fn grows_linearly(what: &str, n: usize, mut work: impl FnMut(usize)) {
    let small = best_of_three(|| work(n));
    let large = best_of_three(|| work(4 * n));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 8.0,
        "{what}: {n} took {small:?}, {} took {large:?} ({ratio:.1} times)",
        4 * n
    );
}

/// The diagnostics of parsing `text` as one YAML file.
fn yaml_diagnostics(text: &str) -> slaflow::diagnostic::Diagnostics {
    use slaflow::load::yaml::{Limits, parse};
    let mut diagnostics = slaflow::diagnostic::Diagnostics::new();
    parse(
        slaflow::source::FileId(0),
        text,
        Limits::default(),
        &mut diagnostics,
    );
    diagnostics
}

#[test]
fn duplicate_key_checks_were_quadratic_in_the_keys_of_a_mapping() {
    grows_linearly("keys of one mapping", 5_000, |n| {
        let mut text = String::from("roles:\n");
        for i in 0..n {
            text.push_str(&format!("  role-{i}: {{}}\n"));
        }
        // One duplicate at the end, so every key is looked at.
        text.push_str("  role-0: {}\n");
        assert_eq!(yaml_diagnostics(&text).iter().count(), 1);
    });
    grows_linearly("keys brought by a merge key", 5_000, |n| {
        let mut text = String::from("base: &base\n");
        for i in 0..n {
            text.push_str(&format!("  k{i}: 1\n"));
        }
        text.push_str("merged:\n  <<: *base\n  k0: 2\n");
        assert!(yaml_diagnostics(&text).is_empty());
    });
}

#[test]
fn merging_fields_into_a_record_was_quadratic_in_the_fields() {
    use slaflow::runtime::{Driver, input::parse};
    let program = std::sync::Arc::new(
        slaflow::program::Program::from_text(
            "rules.yaml",
            "rules:\n  over:\n    record_type: licence\n    when: previous.len() >= 0 && record.used > record.entitled\n",
        )
        .unwrap()
        .program,
    );
    grows_linearly("fields of one event", 3_000, |n| {
        let fields: Vec<String> = (0..n).map(|i| format!("\"f{i}\":{i}")).collect();
        let created = format!(
            "{{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"L1\",\"type\":\"licence\",\"event\":\"created\",\"fields\":{{{}}}}}",
            fields.join(",")
        );
        let more: Vec<String> = (0..n).map(|i| format!("\"g{i}\":{i},\"f{i}\":0")).collect();
        let updated = format!(
            "{{\"at\":\"2026-10-05T10:00:00Z\",\"record\":\"L1\",\"event\":\"updated\",\"fields\":{{{}}}}}",
            more.join(",")
        );
        let mut driver = Driver::new(slaflow::runtime::Engine::new(program.clone()));
        driver.feed(&parse(1, created)).unwrap();
        driver.feed(&parse(2, updated)).unwrap();
        assert_eq!(driver.engine().record("L1").unwrap().fields.len(), 2 * n);
    });
}

/// An agreement whose one target applies to incidents whose `amount` is `amount`, as written.
fn amount_agreement(amount: &str) -> String {
    format!(
        "agreements:\n  big:\n    type: sla\n    targets:\n      response:\n        applies_to: {{record_type: incident, fields: {{amount: {amount}}}}}\n        start: {{event: created}}\n        stop: {{event: responded}}\n        goal: 4h\n"
    )
}

#[test]
fn whole_numbers_beyond_i64_in_yaml_never_equalled_the_same_json_number() {
    let dir = scratch("big-integers");
    write(&dir, "rules.yaml", amount_agreement("18446744073709551615"));
    let event = |record: &str, amount: &str| {
        format!(
            "{{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"{record}\",\"type\":\"incident\",\"event\":\"created\",\"fields\":{{\"amount\":{amount}}}}}\n"
        )
    };
    write(
        &dir,
        "events.jsonl",
        format!(
            "{}{}",
            event("MAX", "18446744073709551615"),
            event("BELOW", "18446744073709551614")
        ),
    );
    let out = replay(&dir, "events.jsonl").run();
    out.exited(0);
    let started: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("sla.started"))
        .collect();
    assert_eq!(started.len(), 1, "{}", out.stdout);
    assert!(started[0].contains("\"record\":\"MAX\""), "{}", out.stdout);

    // Beyond what compares exactly: refused, not silently rounded.
    write(
        &dir,
        "rules.yaml",
        amount_agreement("123456789012345678901234567890123456789"),
    );
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."]).run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        "rules.yaml:6:62: error[E0104]: whole number `123456789012345678901234567890123456789` is too large to compare exactly\n"
    );
}
