//! Where a program came from: its files (paths relative to the directory they share, and their
//! text) and the path it was loaded from. The version hash is computed from them, and a journal
//! keeps them so that the same version compiles again on resume, from memory.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Compiled, Failure, Program};
use crate::load::Loader;
use crate::load::fs::Memory;
use crate::source::{FileId, SourceMap};

/// The files of a bundle version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    /// The path the bundle was loaded from (a directory or a file), relative to the directory
    /// the files share; empty when it was loaded from text.
    pub entry: String,
    /// The rule files and holiday files, by relative path (forward slashes), sorted: these make
    /// the version's hash.
    pub files: Vec<(String, String)>,
    /// The manifests (`bundle.yaml`) read, by relative path: needed to load the version again,
    /// not part of its hash (what they import is).
    pub manifests: Vec<(String, String)>,
}

/// Why a stored version cannot be compiled again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The files no longer load or validate (a newer slaflow may check more).
    #[error("bundle version {hash} no longer compiles: {reason}")]
    Invalid {
        /// The version's hash.
        hash: String,
        /// The first problem.
        reason: String,
    },
    /// The files compile to another version than the one recorded.
    #[error("bundle version {hash} was stored damaged: its files hash to {found}")]
    Damaged {
        /// The version's recorded hash.
        hash: String,
        /// What its stored files hash to.
        found: String,
    },
}

impl Origin {
    /// The origin of files loaded into `sources`; `entry` is the canonical path loaded.
    pub fn of(
        sources: &SourceMap,
        files: &[FileId],
        manifests: &[FileId],
        entry: Option<&Path>,
    ) -> Origin {
        let found = |ids: &[FileId]| -> Vec<(PathBuf, String)> {
            ids.iter()
                .filter_map(|f| sources.file(*f))
                .map(|f| (f.path().to_path_buf(), f.text().to_string()))
                .collect()
        };
        let files = found(files);
        let manifests = found(manifests);
        let common: Vec<Component<'_>> = common_prefix(
            files
                .iter()
                .chain(&manifests)
                .map(|(p, _)| p.parent().unwrap_or(p).components().collect()),
        );
        let relative = |path: &Path| -> String {
            let rest: PathBuf = path.components().skip(common.len()).collect();
            rest.to_string_lossy().replace('\\', "/")
        };
        let named = |list: &[(PathBuf, String)]| {
            let mut named: Vec<(String, String)> = list
                .iter()
                .map(|(path, text)| (relative(path), text.clone()))
                .collect();
            named.sort();
            named.dedup();
            named
        };
        Origin {
            entry: entry.map(relative).unwrap_or_default(),
            files: named(&files),
            manifests: named(&manifests),
        }
    }

    /// SHA-256 over the files: each path relative to the directory the files share, then its
    /// text, in path order (so the version does not depend on where slaflow runs from), in hex.
    pub fn hash(&self) -> String {
        // The directory the files share (the manifests may lie above it).
        let common = common_prefix(
            self.files
                .iter()
                .map(|(name, _)| name.rsplit_once('/').map_or("", |(dir, _)| dir))
                .map(|dir| dir.split('/').filter(|c| !c.is_empty()).collect()),
        );
        let skip = common.iter().map(|c| c.len() + 1).sum::<usize>();
        let mut hasher = Sha256::new();
        for (name, text) in &self.files {
            let name = name.get(skip..).unwrap_or(name);
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Compiles the files again, from memory, and checks they are version `hash`.
    pub fn compile(&self, hash: &str) -> Result<Compiled, OriginError> {
        const ROOT: &str = "/slaflow-version";
        let mut memory = Memory::new();
        for (name, text) in self.files.iter().chain(&self.manifests) {
            memory.add(Path::new(ROOT).join(name), text.as_bytes());
        }
        let entry = Path::new(ROOT).join(&self.entry);
        let invalid = |reason: String| OriginError::Invalid {
            hash: hash.to_string(),
            reason,
        };
        let compiled = match Program::load_with(Loader::on(Arc::new(memory)), &entry) {
            Ok(compiled) => compiled,
            Err(Failure::Load(error)) => return Err(invalid(error.to_string())),
            Err(Failure::Invalid(diagnostics, sources)) => {
                let text = crate::diagnostic::render::plain(&diagnostics, &sources);
                return Err(invalid(text.lines().next().unwrap_or_default().to_string()));
            }
        };
        if compiled.program.hash != hash {
            return Err(OriginError::Damaged {
                hash: hash.to_string(),
                found: compiled.program.hash,
            });
        }
        Ok(compiled)
    }
}

/// The longest list every one of `lists` starts with.
fn common_prefix<T: PartialEq>(lists: impl Iterator<Item = Vec<T>>) -> Vec<T> {
    lists
        .reduce(|a, b| {
            a.into_iter()
                .zip(b)
                .take_while(|(x, y)| x == y)
                .map(|(x, _)| x)
                .collect()
        })
        .unwrap_or_default()
}
