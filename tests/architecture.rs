//! The module picture: the library's top-level modules use each other in one direction only.
//! Every `crate::<module>` path outside comments is an edge; the graph must have no cycle, and
//! the order `engine/lib.rs` lists the layers in must be one that respects it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::root;

/// The top-level module a source file belongs to (`engine/sla/clock.rs` -> `sla`).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root().join("engine")).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main" && name != "cli").then(|| name.to_string())
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Which top-level modules each module uses, from `crate::name` in code (not in comments).
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(&root().join("engine"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for part in code.split("crate::").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    edges.insert(name);
                }
            }
        }
    }
    graph
}

/// The order the modules are declared in `engine/lib.rs`.
fn declared() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("engine/lib.rs")).unwrap();
    let mut order = Vec::new();
    // The numbered list of layers names every module, lowest first.
    for line in lib.lines().filter(|l| l.starts_with("//!")) {
        for part in line.split("[`").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !order.contains(&name) && !part.starts_with(&format!("{name}::")) {
                order.push(name);
            }
        }
    }
    order
}

#[test]
fn modules_use_each_other_in_one_direction() {
    let graph = uses();
    // Depth-first search for a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            panic!("import circle: {}", cycle.join(" -> "));
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    // The layers lib.rs lists are in an order the dependencies respect.
    let order = declared();
    for (module, used) in &graph {
        let Some(at) = order.iter().position(|m| m == module) else {
            panic!("engine/lib.rs does not place module `{module}` in its list of layers");
        };
        for dependency in used {
            let Some(below) = order.iter().position(|m| m == dependency) else {
                continue;
            };
            assert!(
                below <= at,
                "`{module}` uses `{dependency}`, which engine/lib.rs lists after it"
            );
        }
    }
}
