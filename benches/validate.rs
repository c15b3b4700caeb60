//! Validation speed: a generated bundle of 1,000 rule files, loaded and checked by every pass.
//!
//! `cargo bench --bench validate`. Each file holds what a real contract file holds: a role, a
//! process of seven steps with RACI, a decision, a parallel fork and join, an agreement with two
//! targets, milestones and rhai conditions, a record rule; every twentieth file adds a calendar
//! and every tenth an escalation matrix.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

/// Writes a bundle of `files` rule files into a fresh directory and returns it.
pub fn generate(files: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slaflow-bench-validate-{files}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("holidays.yaml"), HOLIDAYS).unwrap();
    for i in 0..files {
        std::fs::write(dir.join(format!("contract-{i:04}.yaml")), file(i)).unwrap();
    }
    dir
}

const HOLIDAYS: &str = "calendars:\n  holidays:\n    holidays: [2026-01-01, 2026-04-03, 2026-04-06, 2026-05-04, 2026-05-25, 2026-08-31, 2026-12-25, 2026-12-28]\n";

fn file(i: usize) -> String {
    let cal = i / 20 * 20;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "roles:\n  role-{i}:\n    name: Role {i}\n    members: [r{i}@example.com]"
    );
    if i.is_multiple_of(20) {
        let _ = writeln!(
            out,
            "calendars:\n  cal-{i}:\n    timezone: Europe/London\n    hours:\n      weekdays: [\"08:00-12:00\", \"13:00-17:30\"]\n    inherit: [holidays]"
        );
    }
    if i.is_multiple_of(10) {
        let _ = writeln!(
            out,
            "escalations:\n  esc-{i}:\n    calendar: cal-{cal}\n    max_levels: 3\n    topics:\n      breach:\n        triggers:\n          - on: sla_breached\n            agreement: sla-{i}\n        levels:\n          - roles: [role-{i}]\n          - roles: [role-{i}]\n            after: 4h\n          - roles: [role-{i}]\n            after: 2 working days"
        );
    }
    let _ = write!(
        out,
        r#"processes:
  proc-{i}:
    calendar: cal-{cal}
    procedures:
      "1.0":
        triggers:
          - event: ev-{i}
        steps:
          "1.1":
            raci:
              role-{i}: A, R
            due: 4h
            next: "1.2"
          "1.2":
            kind: decision
            raci:
              role-{i}: A
            outcomes:
              "yes": "1.3"
              "no": "1.1"
          "1.3":
            kind: parallel
            branches: ["1.4", "1.5"]
            join: "1.6"
          "1.4":
            raci:
              role-{i}: A, R
            next: "1.6"
          "1.5":
            raci:
              role-{i}: A, C
            next: "1.6"
          "1.6":
            raci:
              role-{i}: A, R
            next: done
          done:
            kind: end
agreements:
  sla-{i}:
    type: sla
    calendar: cal-{cal}
    record_types: [incident]
    targets:
      vip-response:
        measure: response
        applies_to:
          record_type: incident
          fields: {{vip: true}}
        start: {{event: created}}
        pause: {{fields: {{status: on_hold}}}}
        stop: {{event: responded}}
        goal: 1h
        milestones:
          - at: 75%
            actions:
              - notify: [role-{i}]
      response:
        measure: response
        applies_to:
          record_type: incident
          when: record.priority == "P1" || record.priority == "P2"
        start: {{event: created}}
        stop: {{event: responded}}
        goal: 4h
        objective: 95%
rules:
  rule-{i}:
    record_type: licence
    when: record.used > record.entitled
    actions:
      - notify: [role-{i}]
"#
    );
    out
}

fn bench(c: &mut Criterion) {
    let dir = generate(1000);
    let report = slaflow::validate::validate_paths(std::slice::from_ref(&dir)).unwrap();
    assert!(
        report.diagnostics.is_empty(),
        "generated bundle must be valid: {}",
        slaflow::diagnostic::render::plain(&report.diagnostics, &report.sources)
    );
    assert_eq!(report.files, 1001);
    let mut group = c.benchmark_group("validate");
    group.sample_size(20);
    group.bench_function("1000_files", |b| {
        b.iter(|| slaflow::validate::validate_paths(std::slice::from_ref(&dir)).unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

criterion_group!(benches, bench);
criterion_main!(benches);
