//! RACI matrices: a process's steps as rows, roles as columns, cells like `A, R`.
//!
//! The layout follows Appendix 1 of the FNAL SLM process document so a process owner can lay
//! the two side by side: a row per procedure as a heading, then a row per task, decision and
//! subprocess in document order; columns are the roles the process uses, in the order the
//! bundle defines them.

use std::fmt::Write as _;

use crate::graph::render::role_name;
use crate::model::Bundle;
use crate::model::process::{Process, StepKind};

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `1.0 - Define Capabilities` or `1.1 - Assess Current Capabilities`.
    pub label: String,
    /// Whether this is a procedure heading (no letters).
    pub heading: bool,
    /// One cell per column, e.g. `A, R` or empty.
    pub cells: Vec<String>,
}

/// A RACI matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Column headings: role names.
    pub roles: Vec<String>,
    /// Rows in document order.
    pub rows: Vec<Row>,
}

/// Builds the RACI matrix of a process.
pub fn matrix(process: &Process, bundle: &Bundle) -> Matrix {
    let used: Vec<&str> = process
        .procedures
        .values()
        .flat_map(|p| p.steps.values())
        .flat_map(|s| s.raci.keys().map(|k| k.value.as_str()))
        .collect();
    let mut role_ids: Vec<&str> = bundle
        .roles
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| used.contains(id))
        .collect();
    for id in &used {
        if !role_ids.contains(id) {
            role_ids.push(id);
        }
    }
    let mut rows = Vec::new();
    for (p_id, procedure) in process.procedures.iter() {
        rows.push(Row {
            label: titled(p_id.value.as_str(), procedure.name.as_deref()),
            heading: true,
            cells: vec![String::new(); role_ids.len()],
        });
        for (s_id, step) in procedure.steps.iter() {
            if !matches!(
                step.kind(),
                StepKind::Task | StepKind::Decision | StepKind::Subprocess
            ) {
                continue;
            }
            let cells = role_ids
                .iter()
                .map(|role| {
                    step.raci
                        .get(role)
                        .map(|letters| letters.value.to_string())
                        .unwrap_or_default()
                })
                .collect();
            rows.push(Row {
                label: titled(s_id.value.as_str(), step.name.as_deref()),
                heading: false,
                cells,
            });
        }
    }
    Matrix {
        roles: role_ids.iter().map(|id| role_name(bundle, id)).collect(),
        rows,
    }
}

fn titled(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{id} - {name}"),
        None => id.to_string(),
    }
}

const FIRST_COLUMN: &str = "Sub-Processes and Activities";

impl Matrix {
    /// The matrix as a Markdown table; procedure headings are bold.
    pub fn markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = String::new();
        let _ = write!(out, "| {FIRST_COLUMN} |");
        for role in &self.roles {
            let _ = write!(out, " {} |", esc(role));
        }
        out.push_str("\n|---|");
        for _ in &self.roles {
            out.push_str(":---:|");
        }
        out.push('\n');
        for row in &self.rows {
            if row.heading {
                let _ = write!(out, "| **{}** |", esc(&row.label));
            } else {
                let _ = write!(out, "| {} |", esc(&row.label));
            }
            for cell in &row.cells {
                let _ = write!(out, " {} |", esc(cell));
            }
            out.push('\n');
        }
        out
    }

    /// The matrix as CSV (RFC 4180).
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        let header: Vec<String> = std::iter::once(FIRST_COLUMN.to_string())
            .chain(self.roles.iter().map(|r| field(r)))
            .collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let line: Vec<String> = std::iter::once(field(&row.label))
                .chain(row.cells.iter().map(|c| field(c)))
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}
