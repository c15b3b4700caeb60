//! Renders diagnostics for people (`human`, `plain`) and machines (`json`, `sarif`, `github`).
//!
//! All formats are deterministic for the same diagnostics. Line and column start at 1 and count
//! characters. Machine formats carry the code; consumers must rely on it, not on the wording.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde_json::json;

use super::{Code, Diagnostics, Severity};
use crate::base::{printable, printable_columns};
use crate::source::{LineCol, SourceMap, Span};

/// An output format of `slaflow validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Message, location and a source snippet with a caret.
    Human,
    /// One line per finding: `file:line:col: error[E0302]: message`.
    Plain,
    /// One JSON document with every finding.
    Json,
    /// SARIF 2.1.0, as GitHub code scanning accepts it.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

/// Renders `diagnostics` in `format`; the result ends with a newline unless it is empty.
pub fn render(format: Format, diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    match format {
        Format::Human => human(diagnostics, sources),
        Format::Plain => plain(diagnostics, sources),
        Format::Json => json(diagnostics, sources),
        Format::Sarif => sarif(diagnostics, sources),
        Format::Github => github(diagnostics, sources),
    }
}

/// `file:line:col: error[E0302]: message`, one line each.
pub fn plain(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        let at = sources.start(d.span);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            printable(sources.name(d.span)),
            at.line,
            at.col,
            d.severity().as_str(),
            d.code,
            printable(&d.message)
        );
    }
    out
}

/// The human format: message, location, snippet with carets, secondary labels and help.
pub fn human(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            d.severity().as_str(),
            d.code,
            printable(&d.message)
        );
        // One gutter for the whole diagnostic, as wide as its largest line number.
        let gutter = std::iter::once(d.span)
            .chain(d.labels.iter().map(|l| l.span))
            .map(|span| sources.start(span).line.to_string().len())
            .max()
            .unwrap_or(1);
        snippet(
            &mut out,
            sources,
            d.span,
            d.label.as_deref().unwrap_or(""),
            '^',
            gutter,
        );
        for label in &d.labels {
            snippet(&mut out, sources, label.span, &label.message, '-', gutter);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{} = help: {}", " ".repeat(gutter), printable(help));
        }
        out.push('\n');
    }
    let (errors, warnings) = (diagnostics.error_count(), diagnostics.warning_count());
    if errors + warnings > 0 {
        let _ = writeln!(
            out,
            "{} error{}, {} warning{}",
            errors,
            if errors == 1 { "" } else { "s" },
            warnings,
            if warnings == 1 { "" } else { "s" }
        );
    }
    out
}

fn snippet(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    label: &str,
    mark: char,
    gutter: usize,
) {
    let start = sources.start(span);
    let pad = " ".repeat(gutter);
    let _ = writeln!(
        out,
        "{pad}--> {}:{}:{}",
        printable(sources.name(span)),
        start.line,
        start.col
    );
    let Some(file) = sources.file(span.file) else {
        return;
    };
    let end = sources.end(span);
    let text = file.line_text(start.line);
    let width = if end.line == start.line && end.col > start.col {
        end.col - start.col
    } else {
        text.chars().count().saturating_sub(start.col - 1).max(1)
    };
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{:>gutter$} | {}", start.line, printable_columns(text));
    let marks: String = std::iter::repeat_n(mark, width.max(1)).collect();
    let spacer = " ".repeat(start.col.saturating_sub(1));
    if label.is_empty() {
        let _ = writeln!(out, "{pad} | {spacer}{marks}");
    } else {
        let _ = writeln!(out, "{pad} | {spacer}{marks} {}", printable(label));
    }
}

fn location_json(sources: &SourceMap, span: Span) -> serde_json::Value {
    let start = sources.start(span);
    let end = sources.end(span);
    json!({
        "file": sources.name(span),
        "line": start.line,
        "column": start.col,
        "end_line": end.line,
        "end_column": end.col,
    })
}

/// One JSON document: `{"version":1,"diagnostics":[...],"errors":N,"warnings":N}`.
pub fn json(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let mut item = location_json(sources, d.span);
            if let Some(map) = item.as_object_mut() {
                map.insert("code".into(), json!(d.code.as_str()));
                map.insert("severity".into(), json!(d.severity().as_str()));
                map.insert("message".into(), json!(d.message));
                map.insert("help".into(), json!(d.help));
                map.insert(
                    "labels".into(),
                    d.labels
                        .iter()
                        .map(|l| {
                            let mut v = location_json(sources, l.span);
                            if let Some(m) = v.as_object_mut() {
                                m.insert("message".into(), json!(l.message));
                            }
                            v
                        })
                        .collect(),
                );
            }
            item
        })
        .collect();
    let doc = json!({
        "version": 1,
        "diagnostics": items,
        "errors": diagnostics.error_count(),
        "warnings": diagnostics.warning_count(),
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

fn sarif_region(start: LineCol, end: LineCol) -> serde_json::Value {
    json!({
        "startLine": start.line,
        "startColumn": start.col,
        "endLine": end.line,
        "endColumn": end.col.max(if end.line == start.line { start.col + 1 } else { 1 }),
    })
}

/// SARIF 2.1.0 with one rule per code that occurs; accepted by GitHub code scanning. Files are
/// located relative to the working directory (see [`sarif_from`]).
pub fn sarif(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    sarif_from(
        diagnostics,
        sources,
        std::env::current_dir().ok().as_deref(),
    )
}

/// The base URI of files located relative to the working directory.
const SRCROOT: &str = "%SRCROOT%";

/// SARIF 2.1.0 with files located from `base`: a file below it by a relative URI with
/// `uriBaseId` `%SRCROOT%` (`base` itself, in `originalUriBaseIds`), any other by an absolute
/// `file://` URI. Every rule carries its description and help, with a link to its entry in
/// `docs/codes.md`.
pub fn sarif_from(diagnostics: &Diagnostics, sources: &SourceMap, base: Option<&Path>) -> String {
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            let link = format!(
                "https://github.com/slaflow/slaflow/blob/main/docs/codes.md#{}",
                c.doc_anchor()
            );
            json!({
                "id": c.as_str(),
                "name": c.name(),
                "shortDescription": { "text": c.title() },
                "fullDescription": { "text": c.description() },
                "help": {
                    "text": format!("{} A broken and a fixed example: {link}", c.description()),
                    "markdown": format!("{}\n\nA broken and a fixed example: [{c} in docs/codes.md]({link})", c.description()),
                },
                "helpUri": link,
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = codes.iter().position(|c| *c == d.code).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(" (");
                text.push_str(help);
                text.push(')');
            }
            json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(d.severity()),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(sources, d.span, base),
                        "region": sarif_region(sources.start(d.span), sources.end(d.span)),
                    }
                }],
                "relatedLocations": d.labels.iter().enumerate().map(|(i, l)| json!({
                    "id": i,
                    "message": { "text": l.message },
                    "physicalLocation": {
                        "artifactLocation": artifact_location(sources, l.span, base),
                        "region": sarif_region(sources.start(l.span), sources.end(l.span)),
                    }
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut run = json!({
        "tool": { "driver": {
            "name": "slaflow",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/slaflow/slaflow",
            "rules": rules,
        }},
        "results": results,
    });
    if let (Some(base), Some(run)) = (base.filter(|b| b.is_absolute()), run.as_object_mut()) {
        let mut uri = file_uri(base);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run.insert(
            "originalUriBaseIds".into(),
            json!({ SRCROOT: { "uri": uri } }),
        );
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// Where a span's file is, as a SARIF `artifactLocation`.
fn artifact_location(sources: &SourceMap, span: Span, base: Option<&Path>) -> serde_json::Value {
    let Some(file) = sources.file(span.file) else {
        return json!({ "uri": encode(sources.name(span)) });
    };
    let path = normalise(&match base {
        Some(base) if file.path().is_relative() => base.join(file.path()),
        _ => file.path().to_path_buf(),
    });
    match base.and_then(|b| path.strip_prefix(normalise(b)).ok()) {
        Some(relative) if relative.is_relative() && base.is_some_and(Path::is_absolute) => {
            json!({ "uri": uri_path(relative), "uriBaseId": SRCROOT })
        }
        _ if path.is_absolute() => json!({ "uri": file_uri(&path) }),
        // Neither the file nor the base is absolute (no working directory): as read.
        _ => json!({ "uri": uri_path(&path), "uriBaseId": SRCROOT }),
    }
}

/// `path` without `.` components and with each `..` applied to what precedes it.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// An absolute path as a `file://` URI: `file:///work/rules.yaml`, `file:///C:/rules.yaml`.
fn file_uri(path: &Path) -> String {
    let tail = uri_path(path);
    if tail.starts_with('/') {
        format!("file://{tail}")
    } else {
        format!("file:///{tail}")
    }
}

/// The components of a path joined by `/`, each percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir if parts.is_empty() => parts.push(String::new()),
            Component::RootDir => {}
            Component::Prefix(prefix) => {
                parts.push(prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            other => parts.push(encode(&other.as_os_str().to_string_lossy())),
        }
    }
    if parts.len() == 1 && parts.first().is_some_and(String::is_empty) {
        return "/".into();
    }
    parts.join("/")
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// GitHub Actions workflow commands, one per line.
pub fn github(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        let start = sources.start(d.span);
        let end = sources.end(d.span);
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            d.severity().as_str(),
            escape_property(sources.name(d.span)),
            start.line,
            start.col,
            end.line,
            end.col,
            escape_property(&format!("{} {}", d.code, d.code.title())),
            escape_data(&message)
        );
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    fn sample() -> (Diagnostics, SourceMap) {
        let mut sources = SourceMap::new();
        let file = sources.add(
            "b.yaml".into(),
            "b.yaml".into(),
            "roles:\n  x: {}\nprocesses:\n  p:\n    owner: oncall\n",
        );
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::new(
                Code::UnknownRole,
                Span::new(file, 42, 48),
                "unknown role `oncall`",
            )
            .with_label("not defined in this bundle")
            .with_help("did you mean `x`?"),
        );
        (diagnostics, sources)
    }

    #[test]
    fn plain_is_one_line_per_finding() {
        let (d, s) = sample();
        assert_eq!(
            plain(&d, &s),
            "b.yaml:5:12: error[E0302]: unknown role `oncall`\n"
        );
    }

    #[test]
    fn human_shows_snippet_and_help() {
        let (d, s) = sample();
        let text = human(&d, &s);
        assert!(text.contains("5 |     owner: oncall\n"), "{text}");
        assert!(
            text.contains("|            ^^^^^^ not defined in this bundle"),
            "{text}"
        );
        assert!(text.contains("= help: did you mean `x`?"), "{text}");
    }

    #[test]
    fn human_aligns_every_snippet_of_a_diagnostic_on_one_gutter() {
        let mut sources = SourceMap::new();
        let text: String = (1..=12).map(|n| format!("k{n}: v\n")).collect();
        let file = sources.add("c.yaml".into(), "c.yaml".into(), text.as_str());
        let line = |n: usize| text.lines().take(n - 1).map(|l| l.len() + 1).sum::<usize>();
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::new(
                Code::DuplicateId,
                Span::new(file, line(12), line(12) + 3),
                "duplicate",
            )
            .with_secondary(Span::new(file, line(9), line(9) + 2), "first here")
            .with_help("rename one"),
        );
        let out = human(&diagnostics, &sources);
        let expected = "  --> c.yaml:12:1\n   |\n12 | k12: v\n   | ^^^\n  --> c.yaml:9:1\n   |\n 9 | k9: v\n   | -- first here\n   = help: rename one\n";
        assert!(out.contains(expected), "{out}");
    }

    #[test]
    fn github_escapes_properties_and_data() {
        let (d, s) = sample();
        let text = github(&d, &s);
        assert!(text.starts_with("::error file=b.yaml,line=5,col=12,endLine=5,endColumn=18,title=E0302 unknown role::unknown role `oncall`%0Adid you mean `x`?"), "{text}");
    }

    #[test]
    fn sarif_locates_files_below_the_base_relatively_and_others_by_file_uri() {
        let mut sources = SourceMap::new();
        let mut diagnostics = Diagnostics::new();
        for path in [
            "/work/repo/rules/a b.yaml",
            "rules/c.yaml",
            "../other/d.yaml",
            "/etc/e.yaml",
        ] {
            let file = sources.add(path.into(), path.into(), "roles: {}\n");
            diagnostics.push(Diagnostic::new(
                Code::UnknownRole,
                Span::new(file, 0, 5),
                "x",
            ));
        }
        let text = sarif_from(&diagnostics, &sources, Some(Path::new("/work/repo")));
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let run = &doc["runs"][0];
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/repo/"
        );
        let locations: Vec<String> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"].to_string())
            .collect();
        assert_eq!(
            locations,
            [
                r#"{"uri":"rules/a%20b.yaml","uriBaseId":"%SRCROOT%"}"#,
                r#"{"uri":"rules/c.yaml","uriBaseId":"%SRCROOT%"}"#,
                r#"{"uri":"file:///work/other/d.yaml"}"#,
                r#"{"uri":"file:///etc/e.yaml"}"#,
            ]
        );
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(
            rule["fullDescription"]["text"],
            Code::UnknownRole.description()
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("docs/codes.md#e0302")
        );
    }

    #[test]
    fn sarif_has_rules_and_regions() {
        let (d, s) = sample();
        let doc: serde_json::Value = serde_json::from_str(&sarif(&d, &s)).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "E0302");
        let region = &run["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 5);
        assert_eq!(region["startColumn"], 12);
    }
}
