//! Calendars as written in bundles: what `validate` reports about them, and how they are
//! tailored and compiled.

use slaflow::diagnostic::Diagnostics;
use slaflow::diagnostic::render::plain;
use slaflow::load::Loader;

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
