//! Tailoring without copying: `uses` (inherit an entry and merge changes over it), process
//! `overrides` by step id, and `role_map` renames.
//!
//! `uses` and `overrides` work on the node tree, before typed reading, so a bad override is
//! reported where it is written. Merging: mappings merge key by key; any other value replaces.

use std::borrow::Cow;

use indexmap::IndexMap;

use super::yaml::{Node, Value};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::model::{EscalationMatrix, IdMap, Process, RoleId, Spanned};
use crate::source::Span;

/// One entry of a section as written, before `uses` is applied.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Where the id is written.
    pub id_span: Span,
    /// The entry's node.
    pub node: Node,
}

/// Merges `overlay` into `base`: mappings key by key, other values replace.
pub fn merge(base: &mut Node, overlay: &Node) {
    match (&mut base.value, &overlay.value) {
        (Value::Map(entries), Value::Map(over)) => {
            for (key, value) in over {
                match entries.iter_mut().find(|(k, _)| k.as_str() == key.as_str()) {
                    Some((_, slot)) => merge(slot, value),
                    None => entries.push((key.clone(), value.clone())),
                }
            }
        }
        _ => *base = overlay.clone(),
    }
}

/// Applies `uses` to every entry of one section. Entries whose base is missing or cyclic are
/// reported and returned as `None`; entries without `uses` are returned as written, not
/// copied (a bundle may have many thousands).
pub fn resolve_uses<'a>(
    section: &str,
    raw: &'a IndexMap<String, RawEntry>,
    diags: &mut Diagnostics,
) -> IndexMap<String, Option<Cow<'a, Node>>> {
    let mut resolved = IndexMap::new();
    for id in raw.keys() {
        let mut stack = Vec::new();
        resolve(section, id, raw, &mut resolved, &mut stack, diags);
    }
    resolved
}

fn resolve<'a>(
    section: &str,
    id: &str,
    raw: &'a IndexMap<String, RawEntry>,
    resolved: &mut IndexMap<String, Option<Cow<'a, Node>>>,
    stack: &mut Vec<String>,
    diags: &mut Diagnostics,
) -> Option<Cow<'a, Node>> {
    if let Some(done) = resolved.get(id) {
        return done.clone();
    }
    let entry = raw.get(id)?;
    let Some(uses) = entry.node.get("uses").filter(|u| u.as_str().is_some()) else {
        if let Some((key, _)) = entry
            .node
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some("overrides")))
        {
            diags.push(
                Diagnostic::new(
                    Code::UnknownOverride,
                    key.span,
                    format!("`overrides` of `{id}` has nothing to override: it has no `uses`"),
                )
                .with_help("name the process to tailor with `uses: <process id>`, or change the steps directly"),
            );
        }
        resolved.insert(id.to_string(), Some(Cow::Borrowed(&entry.node)));
        return Some(Cow::Borrowed(&entry.node));
    };
    let base_id = uses.as_str().unwrap_or_default();
    let result = if stack.iter().any(|s| s == base_id) || base_id == id {
        let mut chain = stack.clone();
        chain.push(id.to_string());
        chain.push(base_id.to_string());
        diags.push(
            Diagnostic::new(
                Code::UsesCycle,
                uses.span,
                format!("`uses` forms a cycle: {}", chain.join(" -> ")),
            )
            .with_label("cycle closes here")
            .with_help("an entry cannot be based on itself, directly or through others"),
        );
        None
    } else if !raw.contains_key(base_id) {
        diags.push(
            Diagnostic::new(
                Code::UnknownBase,
                uses.span,
                format!("`uses` names unknown {} entry `{base_id}`", singular(section)),
            )
            .with_label("not defined in this bundle")
            .with_help_opt(
                fuzzy::did_you_mean(base_id, raw.keys().map(String::as_str)).or_else(|| {
                    Some("import the library that defines it in `bundle.yaml` (`imports: [../../rules]`)".into())
                }),
            ),
        );
        None
    } else {
        stack.push(id.to_string());
        let base = resolve(section, base_id, raw, resolved, stack, diags);
        stack.pop();
        base.map(|base| {
            let mut merged = base.into_owned();
            // The base's own overrides are already applied; only this entry's remain. Being a
            // template is not inherited: the entry based on one is meant to run.
            remove_key(&mut merged, "overrides");
            remove_key(&mut merged, "template");
            merge(&mut merged, &entry.node);
            if section == "processes" {
                apply_step_overrides(&mut merged, diags);
            }
            Cow::Owned(merged)
        })
    };
    resolved.insert(id.to_string(), result.clone());
    result
}

fn singular(section: &str) -> &str {
    match section {
        "processes" => "process",
        "agreements" => "agreement",
        "escalations" => "escalation matrix",
        "calendars" => "calendar",
        "roles" => "role",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

fn remove_key(node: &mut Node, key: &str) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(k, _)| k.as_str() != Some(key));
    }
}

/// Merges each entry of a process's `overrides` into the step (or procedure) it names.
fn apply_step_overrides(process: &mut Node, diags: &mut Diagnostics) {
    let Some(overrides) = process.get("overrides").cloned() else {
        return;
    };
    remove_key(process, "overrides");
    let Some(entries) = overrides.as_map() else {
        return; // Typed reading reports the wrong type.
    };
    for (key, change) in entries {
        let Some(step_id) = key.as_str() else {
            continue;
        };
        if let Some(target) = find_step_mut(process, step_id) {
            merge(target, change);
        } else {
            let known = step_ids(process);
            diags.push(
                Diagnostic::new(
                    Code::UnknownOverride,
                    key.span,
                    format!("`overrides` names unknown step `{step_id}`"),
                )
                .with_label("the base process has no such step or procedure")
                .with_help_opt(fuzzy::did_you_mean(
                    step_id,
                    known.iter().map(String::as_str),
                )),
            );
        }
    }
}

fn procedures_mut(process: &mut Node) -> impl Iterator<Item = (&Node, &mut Node)> {
    let entries: &mut [(Node, Node)] = match &mut process.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("procedures"))
            .and_then(|(_, p)| match &mut p.value {
                Value::Map(procs) => Some(procs.as_mut_slice()),
                _ => None,
            })
            .unwrap_or(&mut []),
        _ => &mut [],
    };
    entries.iter_mut().map(|(k, v)| (&*k, v))
}

fn find_step_mut<'a>(process: &'a mut Node, step_id: &str) -> Option<&'a mut Node> {
    for (key, procedure) in procedures_mut(process) {
        if key.as_str() == Some(step_id) {
            return Some(procedure);
        }
        if let Value::Map(fields) = &mut procedure.value {
            let steps = fields
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some("steps"))
                .map(|(_, s)| s);
            if let Some(Node {
                value: Value::Map(steps),
                ..
            }) = steps
                && let Some((_, step)) = steps.iter_mut().find(|(k, _)| k.as_str() == Some(step_id))
            {
                return Some(step);
            }
        }
    }
    None
}

fn step_ids(process: &mut Node) -> Vec<String> {
    let mut ids = Vec::new();
    for (key, procedure) in procedures_mut(process) {
        ids.extend(key.as_str().map(str::to_string));
        if let Some(steps) = procedure.get("steps").and_then(Node::as_map) {
            ids.extend(
                steps
                    .iter()
                    .filter_map(|(k, _)| k.as_str().map(str::to_string)),
            );
        }
    }
    ids
}

/// Renames role references of a process according to its `role_map`.
pub fn rename_process_roles(process: &mut Process) {
    if process.role_map.is_empty() {
        return;
    }
    let map = process.role_map.clone();
    if let Some(owner) = &mut process.owner {
        rename(owner, &map);
    }
    for (_, procedure) in process.procedures.iter_mut() {
        for (_, step) in procedure.steps.iter_mut() {
            let raci = std::mem::take(&mut step.raci);
            step.raci = raci.map_keys(|mut role| {
                rename(&mut role, &map);
                role
            });
        }
    }
}

/// Renames role references of an escalation matrix according to its `role_map`.
pub fn rename_matrix_roles(matrix: &mut EscalationMatrix) {
    if matrix.role_map.is_empty() {
        return;
    }
    let map = matrix.role_map.clone();
    for (_, topic) in matrix.topics.iter_mut() {
        for level in &mut topic.levels {
            for role in &mut level.value.roles {
                rename(role, &map);
            }
        }
    }
}

/// Replaces a role id by its mapped id, keeping the span of the reference (where it is used)
/// unless the mapping is the only place the new name is written.
fn rename(role: &mut Spanned<RoleId>, map: &IdMap<RoleId, Spanned<RoleId>>) {
    if let Some(to) = map.get(role.value.as_str()) {
        role.value = to.value.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{Limits, parse};
    use crate::source::FileId;

    fn node(text: &str) -> Node {
        let mut diags = Diagnostics::new();
        parse(FileId(0), text, Limits::default(), &mut diags).unwrap()
    }

    #[test]
    fn merge_is_deep_for_mappings_and_replaces_the_rest() {
        let mut base = node("a: {x: 1, y: [1, 2]}\nb: 2\n");
        merge(&mut base, &node("a: {y: [3], z: 4}\n"));
        let a = base.get("a").unwrap();
        assert_eq!(a.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(a.get("z").unwrap().as_str(), Some("4"));
        assert!(matches!(&a.get("y").unwrap().value, Value::Seq(items) if items.len() == 1));
    }

    fn raw(entries: &[(&str, &str)]) -> IndexMap<String, RawEntry> {
        entries
            .iter()
            .map(|(id, text)| {
                (
                    id.to_string(),
                    RawEntry {
                        id_span: Span::default(),
                        node: node(text),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn uses_applies_overrides_by_step_id() {
        let raw = raw(&[
            (
                "lib",
                "procedures:\n  '1.0':\n    steps:\n      '1.1': {name: A, due: 1h}\n",
            ),
            (
                "mine",
                "uses: lib\nname: Mine\noverrides:\n  '1.1': {due: 2h}\n  '9.9': {due: 1h}\n",
            ),
        ]);
        let mut diags = Diagnostics::new();
        let resolved = resolve_uses("processes", &raw, &mut diags);
        let mine = resolved["mine"].as_ref().unwrap();
        let step = mine
            .get("procedures")
            .and_then(|p| p.get("1.0"))
            .and_then(|p| p.get("steps"))
            .and_then(|s| s.get("1.1"))
            .unwrap();
        assert_eq!(step.get("due").unwrap().as_str(), Some("2h"));
        assert_eq!(step.get("name").unwrap().as_str(), Some("A"));
        assert!(mine.get("overrides").is_none());
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::UnknownOverride]);
    }

    #[test]
    fn uses_reports_cycles_and_unknown_bases() {
        let raw = raw(&[
            ("a", "uses: b\n"),
            ("b", "uses: a\n"),
            ("c", "uses: nope\n"),
        ]);
        let mut diags = Diagnostics::new();
        let resolved = resolve_uses("processes", &raw, &mut diags);
        assert!(resolved.values().all(Option::is_none));
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::UsesCycle));
        assert!(codes.contains(&Code::UnknownBase));
    }
}
