//! Calendars as written in bundles: what `validate` reports about them, and how they are
//! tailored and compiled.

use slaflow::diagnostic::Diagnostics;
use slaflow::diagnostic::render::plain;
use slaflow::load::Loader;

use super::helpers::utc;

/// Loads and validates one in-memory bundle file: its plain diagnostics, each followed by its
/// help line.
pub fn validate(text: &str) -> String {
    let mut loader = Loader::new();
    let loaded = loader.load_text("rules.yaml", text);
    let mut diagnostics: Diagnostics = loaded.diagnostics;
    slaflow::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
    diagnostics.sort();
    let mut out = String::new();
    let lines = plain(&diagnostics, loader.sources());
    for (line, d) in lines.lines().zip(diagnostics.iter()) {
        out.push_str(line);
        out.push('\n');
        if let Some(help) = &d.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    out
}

#[test]
fn unknown_time_zone_of_a_holiday_list_is_an_error_with_a_suggestion() {
    let out = validate(
        "calendars:\n  mars:\n    timezone: Mars/Olympus_Mons\n    holidays: [2026-12-25]\n  \
         se:\n    timezone: Europe/Stokholm\n    holidays: [2026-06-06]\n",
    );
    assert!(
        out.contains("rules.yaml:3:15: error[E0601]: unknown time zone `Mars/Olympus_Mons`"),
        "{out}"
    );
    assert!(
        out.contains("rules.yaml:6:15: error[E0601]: unknown time zone `Europe/Stokholm`\n  help: did you mean `Europe/Stockholm`?"),
        "{out}"
    );
    // A known zone on a holiday list is fine.
    assert_eq!(
        validate("calendars:\n  se:\n    timezone: Europe/Stockholm\n    holidays: [2026-06-06]\n"),
        ""
    );
}

/// Loads one in-memory bundle file and compiles its calendars; panics on any diagnostic.
pub fn compile(text: &str) -> slaflow::calendar::Calendars {
    let mut loader = Loader::new();
    let loaded = loader.load_text("rules.yaml", text);
    let mut diagnostics = loaded.diagnostics;
    let calendars =
        slaflow::calendar::Calendars::compile(&loaded.bundle, loader.sources(), &mut diagnostics);
    slaflow::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
    assert!(
        diagnostics.is_empty(),
        "{}",
        plain(&diagnostics, loader.sources())
    );
    calendars
}

#[test]
fn uses_tailors_a_library_calendar_hours_merge_and_holidays_stay() {
    let calendars = compile(
        "calendars:\n\
         \x20 bank-holidays:\n\
         \x20   holidays: [{date: 2026-12-28, name: Boxing Day (substitute day)}]\n\
         \x20 office:\n\
         \x20   timezone: Europe/London\n\
         \x20   hours: {weekdays: [\"09:00-17:30\"]}\n\
         \x20   inherit: [bank-holidays]\n\
         \x20 contract-office:\n\
         \x20   uses: office\n\
         \x20   hours: {weekdays: [\"08:00-18:00\"], sat: [\"09:00-12:00\"]}\n\
         \x20   exceptions: [{date: 2026-12-31, hours: [\"08:00-12:00\"]}]\n",
    );
    let office = calendars.get("contract-office").unwrap();
    // The contract's hours replace the base's weekdays, and add Saturday mornings...
    assert!(office.is_open(utc("2026-12-29T08:30:00Z")));
    assert!(!office.is_open(utc("2026-12-29T18:00:00Z")));
    assert!(office.is_open(utc("2027-01-02T10:00:00Z")));
    // ...its time zone and inherited holidays stay the base's...
    assert!(!office.is_open(utc("2026-12-28T10:00:00Z")));
    assert!(!office.is_open(utc("2026-12-31T13:00:00Z")));
    // ...and the base is unchanged.
    let base = calendars.get("office").unwrap();
    assert!(!base.is_open(utc("2026-12-29T08:30:00Z")));
    assert!(base.is_open(utc("2026-12-31T13:00:00Z")));
}
