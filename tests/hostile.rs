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
    /// Close the probe's standard output at once, as `| head` does when it has read enough.
    closed_stdout: bool,
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
            closed_stdout: false,
        }
    }

    fn closed_stdout(mut self) -> Probe {
        self.closed_stdout = true;
        self
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
        let pipe = child.stdout.take().unwrap();
        let stdout = if self.closed_stdout {
            drop(pipe);
            std::thread::spawn(String::new)
        } else {
            keep(pipe)
        };
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

/// `slaflow calendar rules.yaml --calendar 24x7 --queries FILE` in `dir`.
fn queries(dir: &Path, file: &str) -> Probe {
    Probe::new(
        dir,
        &[
            "calendar",
            "rules.yaml",
            "--calendar",
            "24x7",
            "--queries",
            file,
        ],
    )
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
    write(&dir, "rules.yaml", "roles: {}\n");
    let out = queries(&dir, "/dev/zero").deadline(5).memory_mib(256).run();
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
    let out = queries(&dir, "long.jsonl").memory_mib(128).run();
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
    let out = queries(&dir, "queries.jsonl").run();
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

#[test]
fn rust_and_serde_names_reached_people() {
    let dir = licence_rules("serde-names", &[("over", "record.used > record.entitled")]);
    write(
        &dir,
        "queries.jsonl",
        concat!(
            "{\"op\":\"add\",\"start\":\"2026-01-01T00:00:00Z\",\"working_days\":-1}\n",
            "[]\n",
            "{\"op\":\"add\",\"start\":\"2026-01-01T00:00:00Z\",\"seconds\":\"x\"}\n",
            "not json\n",
            "{\"op\":\"add\",\"start\":\"2026-01-01T00:00:00Z\",\"minutes\":true}\n",
        ),
    );
    let out = queries(&dir, "queries.jsonl").run();
    out.exited(0);
    assert_eq!(
        out.stdout,
        concat!(
            "{\"error\":\"line 1: invalid value: the number `-1`, expected a whole number of at least 0\"}\n",
            "{\"error\":\"line 2: missing field `op`\"}\n",
            "{\"error\":\"line 3: invalid type: the text \\\"x\\\", expected a whole number of at least 0\"}\n",
            "{\"error\":\"line 4: not valid JSON\"}\n",
            "{\"error\":\"line 5: invalid type: `true`, expected a number\"}\n",
        )
    );
    write(
        &dir,
        "bad.jsonl",
        "[]\n1\n{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"L1\",\"type\":\"licence\",\"event\":\"created\",\"fields\":[]}\n{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"\u{1b}\"}\n",
    );
    let out = replay(&dir, "bad.jsonl").run();
    assert_eq!(
        out.exited(0),
        concat!(
            "line 1: not a valid event: expected an event (a JSON object), found a list (column 2)\n",
            "line 2: not a valid event: invalid type: the number `1`, expected an event (a JSON object) (column 1)\n",
            "line 3: not a valid event: invalid type: a list, expected an object of record fields (column 87)\n",
            "line 4: not a valid event: a control character inside a text must be written escaped, e.g. `\\u001b` (column 40)\n",
        )
    );
}

#[test]
fn escape_sequences_in_record_ids_reached_the_terminal() {
    let dir = licence_rules("escapes", &[("over", "record.used > record.entitled")]);
    // JSON escapes in the input become ESC, BEL and a line break in the record ids.
    let id = "\\u001b[31mRED\\u0007\\nline 9: fake";
    write(
        &dir,
        "events.jsonl",
        format!(
            "{{\"at\":\"2026-10-05T09:00:00Z\",\"record\":\"{id}\",\"type\":\"licence\",\"event\":\"created\",\"fields\":{{\"used\":1,\"entitled\":2}}}}\n{{\"at\":\"2026-10-05T09:01:00Z\",\"record\":\"\\u001b[2J\",\"event\":\"updated\"}}\n"
        ),
    );
    let shown = "\\u001b[31mRED\\u0007\\u000aline 9: fake";
    let out = replay(&dir, "events.jsonl").run();
    assert_eq!(
        out.exited(0),
        "line 2: first event of record `\\u001b[2J` has no `type`\n"
    );
    let explain = Probe::new(
        &dir,
        &["explain", "rules.yaml", "--events", "events.jsonl", "--all"],
    )
    .run();
    explain.exited(0);
    assert!(
        explain
            .stdout
            .starts_with(&format!("record {shown} (licence)\n")),
        "{}",
        explain.stdout
    );
    let status = Probe::new(
        &dir,
        &[
            "status",
            "rules.yaml",
            "--events",
            "events.jsonl",
            "--format",
            "human",
        ],
    )
    .run();
    status.exited(0);
    assert!(
        status.stdout.contains(&format!("\n{shown} (licence)\n")),
        "{}",
        status.stdout
    );
    let unknown = Probe::new(
        &dir,
        &[
            "explain",
            "rules.yaml",
            "--events",
            "events.jsonl",
            "--record",
            "\u{1b}[1mX",
        ],
    )
    .run();
    assert_eq!(
        unknown.exited(2),
        "error: no event in `events.jsonl` concerns record `\\u001b[1mX`\n"
    );
    for out in [&explain, &status, &unknown] {
        assert!(!out.stdout.contains('\u{1b}') && !out.stderr.contains('\u{1b}'));
    }
}

#[test]
fn yaml_problems_spoke_rust_and_printed_control_characters() {
    let dir = scratch("yaml-words");
    write(&dir, "control.yaml", "roles:\n  a\u{1b}[31m: {}\n");
    write(
        &dir,
        "deep.yaml",
        format!("a: {}{}\n", "[".repeat(200), "]".repeat(200)),
    );
    write(
        &dir,
        "tags.yaml",
        "roles:\n  a: !!map {name: x}\n  b: {name: !!str 12}\n  c: {name: !!null x}\n",
    );
    let out = Probe::new(&dir, &["validate", "--format", "plain", "."]).run();
    out.exited(1);
    assert_eq!(
        out.stdout,
        concat!(
            "control.yaml:2:3: error[E0001]: unexpected control character `\\u001b`\n",
            "deep.yaml:1:132: error[E0003]: nesting deeper than 64 levels\n",
            "tags.yaml:2:12: error[E0005]: unsupported tag `!!map`\n",
            "tags.yaml:3:19: error[E0005]: unsupported tag `!!str`\n",
            "tags.yaml:4:20: error[E0005]: unsupported tag `!!null`\n",
        )
    );
    let human = Probe::new(&dir, &["validate", "control.yaml"]).run();
    human.exited(1);
    assert!(
        human.stdout.contains("2 |   a\u{241b}[31m: {}\n"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains('\u{1b}'));
}

#[test]
fn an_empty_record_id_was_accepted() {
    let dir = licence_rules("empty-id", &[("over", "record.used > record.entitled")]);
    write(
        &dir,
        "events.jsonl",
        format!(
            "{}{}",
            LICENCE_EVENT.replace("\"L1\"", "\"\""),
            LICENCE_EVENT.replace("\"L1\"", "\" \"")
        ),
    );
    let out = replay(&dir, "events.jsonl").run();
    let message = "not a valid event: `record` is empty; a record id needs at least one character that is not a space";
    assert_eq!(
        out.exited(0),
        format!("line 1: {message}\nline 2: {message}\n")
    );
    assert!(!out.stdout.contains("rule.fired"), "{}", out.stdout);
}

#[test]
fn a_closed_output_pipe_panicked_or_said_broken_pipe() {
    let dir = licence_rules("closed-pipe", &[("over", "record.used > record.entitled")]);
    write(
        &dir,
        "queries.jsonl",
        "{\"op\":\"is_open\",\"at\":\"2026-11-21T12:00:00Z\"}\n".repeat(1000),
    );
    let desk = root().join("examples/metlife-desk");
    let desk = desk.to_str().unwrap();
    let events = format!("{desk}/events.jsonl");
    let fnal = root().join("examples/fnal-slm");
    let fnal = fnal.to_str().unwrap();
    let bad = root().join("tests/fixtures/codes/E0302/bad");
    let bad = bad.to_str().unwrap();
    let schemas = root().join("schemas");
    let schemas = schemas.to_str().unwrap();
    let commands: &[(&[&str], i32)] = &[
        (&["validate", bad], 1),
        (&["validate", "--format", "sarif", bad], 1),
        (&["schema", "--check", "--out", schemas], 0),
        (&["graph", fnal, "--process", "fnal-slm"], 0),
        (&["raci", fnal, "--process", "fnal-slm"], 0),
        (
            &[
                "calendar",
                "rules.yaml",
                "--calendar",
                "24x7",
                "--queries",
                "queries.jsonl",
            ],
            0,
        ),
        (&["test", desk], 0),
        (&["run", desk, "--events", &events], 0),
        (&["explain", desk, "--events", &events, "--all"], 0),
        (
            &["status", desk, "--events", &events, "--format", "human"],
            0,
        ),
        (&["--help"], 0),
    ];
    for (args, code) in commands {
        let out = Probe::new(&dir, args).closed_stdout().run();
        assert_eq!(out.exited(*code), "", "{args:?}");
    }
}

/// Event names, record types and report periods are interned or looked up as they come; each
/// used to be found by scanning every one seen before (200,000 distinct event names took 49 s
/// instead of 0.3 s), so a feed of ever new names slowed every later event.
#[test]
fn every_new_event_name_record_type_or_report_period_was_found_by_a_scan() {
    use slaflow::runtime::{Engine, input::Lines};
    let fnal = std::sync::Arc::new(
        slaflow::program::Program::load(&root().join("examples/fnal-slm"))
            .unwrap()
            .program,
    );
    let replay = |lines: String| {
        let mut engine = Engine::new(fnal.clone());
        for line in Lines::new(lines.as_bytes()) {
            engine.apply_line(&line.unwrap());
        }
        engine.take_actions()
    };
    let at = "2026-11-02T10:00:00Z";
    grows_linearly("distinct event names and record types", 5_000, |n| {
        let lines: String = (0..n)
            .map(|i| {
                format!(
                    "{{\"at\":\"{at}\",\"record\":\"R{i}\",\"type\":\"t{i}\",\"event\":\"e{i}\"}}\n"
                )
            })
            .collect();
        let actions = replay(lines);
        assert!(actions.iter().all(|a| a.kind != "event.rejected"));
    });
    grows_linearly("distinct report periods", 1_000, |n| {
        // Monthly periods back from 2026, each delivered, then one delivery without a period.
        let lines: String = (0..n)
            .map(|i| {
                let (year, month) = (2026 - i / 12, 12 - i % 12);
                format!("{{\"at\":\"{at}\",\"event\":\"report.delivered\",\"report\":\"slm-management-report\",\"period\":\"{year:04}-{month:02}\"}}\n")
            })
            .collect();
        let actions = replay(lines);
        let delivered = actions.iter().filter(|a| a.kind == "report.delivered");
        assert_eq!(delivered.count(), n);
    });
}
