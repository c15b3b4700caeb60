//! `slaflow validate --format sarif` is SARIF 2.1.0 that GitHub code scanning accepts, whatever
//! the paths it was given: valid against the SARIF schema (a copy in `tests/fixtures/sarif`),
//! artifact URIs relative to the working directory with `uriBaseId` `%SRCROOT%` or absolute
//! `file://` URIs, and every rule with a full description and help linking to `docs/codes.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::root;

/// Every `bad` diagnostic fixture, as paths relative to the repository root.
fn bad_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/codes"))
        .unwrap()
        .map(|e| {
            Path::new("tests/fixtures/codes")
                .join(e.unwrap().file_name())
                .join("bad")
        })
        .collect();
    dirs.sort();
    dirs
}

fn sarif_in(cwd: &Path, paths: &[PathBuf]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_slaflow"))
        .arg("validate")
        .args(paths)
        .args(["--format", "sarif"])
        .current_dir(cwd)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"))
        .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// The file an artifact location names, checking its form on the way.
fn located_file(location: &Value, base: &Value) -> PathBuf {
    let uri = location["uri"].as_str().unwrap();
    let decoded = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    match location.get("uriBaseId") {
        Some(id) => {
            assert_eq!(id, "%SRCROOT%", "{location}");
            assert!(
                !uri.starts_with('/') && !uri.contains(':') && !uri.split('/').any(|s| s == ".."),
                "not a relative URI below the base: {location}"
            );
            let base = base["%SRCROOT%"]["uri"].as_str().unwrap();
            let base = base.strip_prefix("file://").unwrap();
            PathBuf::from(decoded(base)).join(decoded(uri))
        }
        None => {
            let path = uri
                .strip_prefix("file:///")
                .unwrap_or_else(|| panic!("neither relative nor a file URI: {location}"));
            PathBuf::from(format!("/{}", decoded(path)))
        }
    }
}

/// Checks one SARIF document; returns how many locations were relative and how many absolute.
fn check(doc: &Value, validator: &jsonschema::Validator) -> (usize, usize) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &doc["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let link = format!("docs/codes.md#{}", id.to_lowercase());
        assert!(
            !rule["fullDescription"]["text"].as_str().unwrap().is_empty(),
            "{rule}"
        );
        assert!(
            rule["help"]["text"].as_str().unwrap().contains(&link),
            "{rule}"
        );
        assert!(
            rule["help"]["markdown"].as_str().unwrap().contains(&link),
            "{rule}"
        );
    }
    let (mut relative, mut absolute) = (0, 0);
    let base = &run["originalUriBaseIds"];
    for result in run["results"].as_array().unwrap() {
        let locations = result["locations"].as_array().unwrap().iter();
        let related = result["relatedLocations"].as_array().unwrap().iter();
        for location in locations.chain(related) {
            let artifact = &location["physicalLocation"]["artifactLocation"];
            let file = located_file(artifact, base);
            assert!(
                file.is_file(),
                "{artifact} names no file: {}",
                file.display()
            );
            if artifact.get("uriBaseId").is_some() {
                relative += 1;
            } else {
                absolute += 1;
            }
        }
    }
    (relative, absolute)
}

#[test]
fn sarif_is_valid_and_located_from_relative_and_absolute_invocations() {
    let validator = sarif_schema();
    let relative = bad_fixtures();
    let absolute: Vec<PathBuf> = relative.iter().map(|p| root().join(p)).collect();
    let from_tests: Vec<PathBuf> = relative.iter().map(|p| Path::new("..").join(p)).collect();
    let elsewhere = std::env::temp_dir();

    // From the repository root, with relative and with absolute paths: every location relative.
    let (rel, abs) = check(&sarif_in(&root(), &relative), &validator);
    assert!(rel > relative.len() && abs == 0, "{rel} {abs}");
    assert_eq!(
        sarif_in(&root(), &relative),
        sarif_in(&root(), &absolute),
        "absolute paths below the working directory are shown relative to it"
    );
    // From a sub-directory, through `..`: relative to that directory where the file lies below it.
    let (rel, abs) = check(&sarif_in(&root().join("tests"), &from_tests), &validator);
    assert!(rel > relative.len() && abs == 0, "{rel} {abs}");
    // From outside the repository: absolute `file://` URIs.
    let (rel, abs) = check(&sarif_in(&elsewhere, &absolute), &validator);
    assert!(rel == 0 && abs > relative.len(), "{rel} {abs}");
}
