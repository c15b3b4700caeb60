//! Finding bundles and their files on disk.
//!
//! A directory with a `bundle.yaml` manifest is a bundle root. Given directories without one,
//! the bundle roots beneath them are found; YAML files outside any root form one more bundle.
//! The manifest's `imports` pull other directories (usually `rules/`) into a bundle.
//!
//! A walk follows a directory link only when it leads to a directory inside the one walked that
//! the walk has not been through yet, so links that loop (two links to `..`) or lead out of the
//! bundle are not followed.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::LoadError;
use super::fs::{Disk, FileSystem, Kind};

/// The manifest file name that marks a bundle root.
pub const MANIFEST: &str = "bundle.yaml";

/// A bundle to load: a root with a manifest, or a set of loose files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleInput {
    /// A directory holding `bundle.yaml`.
    Root(PathBuf),
    /// YAML files given directly, or found outside any bundle root.
    Files(Vec<PathBuf>),
}

impl BundleInput {
    /// A short name for progress and messages.
    pub fn describe(&self) -> String {
        match self {
            BundleInput::Root(dir) => crate::source::display_path(dir),
            BundleInput::Files(files) => match files.as_slice() {
                [one] => crate::source::display_path(one),
                _ => format!("{} files", files.len()),
            },
        }
    }
}

/// Whether a path names a YAML file.
pub fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Finds the bundles named by command-line paths.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<BundleInput>, LoadError> {
    let mut roots = BTreeSet::new();
    let mut loose = Vec::new();
    for path in paths {
        let kind = Disk.kind(path);
        if kind == Kind::Missing {
            return Err(LoadError::NotFound { path: path.clone() });
        }
        if kind != Kind::Dir {
            if path.file_name().and_then(|n| n.to_str()) == Some(MANIFEST) {
                roots.insert(path.parent().unwrap_or(Path::new(".")).to_path_buf());
            } else {
                loose.push(path.clone());
            }
            continue;
        }
        if path.join(MANIFEST).is_file() {
            roots.insert(path.clone());
            continue;
        }
        let mut found_roots = Vec::new();
        let mut files = Vec::new();
        walk(&Disk, path, &mut files, &mut found_roots)?;
        roots.extend(found_roots);
        loose.extend(files);
    }
    let mut inputs: Vec<BundleInput> = roots.into_iter().map(BundleInput::Root).collect();
    if !loose.is_empty() {
        loose.sort();
        loose.dedup();
        inputs.push(BundleInput::Files(loose));
    }
    if inputs.is_empty() {
        let shown = paths
            .iter()
            .map(|p| crate::source::display_path(p))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(LoadError::NoYaml { paths: shown });
    }
    Ok(inputs)
}

/// Collects YAML files under `dir` (sorted), stopping at nested bundle roots, which go to `roots`.
pub fn walk(
    fs: &dyn FileSystem,
    dir: &Path,
    files: &mut Vec<PathBuf>,
    roots: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    let top = fs.canonical(dir);
    let mut walk = Walk {
        fs,
        visited: HashSet::from([top.clone()]),
        top,
        files,
        roots,
    };
    walk.dir(dir)
}

/// One walk under a directory: where it has been, and what it found.
struct Walk<'a> {
    fs: &'a dyn FileSystem,
    /// The walked directory, canonical: links are followed only to directories inside it.
    top: PathBuf,
    /// The directories walked through, canonical.
    visited: HashSet<PathBuf>,
    files: &'a mut Vec<PathBuf>,
    roots: &'a mut Vec<PathBuf>,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path) -> Result<(), LoadError> {
        let mut entries: Vec<PathBuf> = self.fs.list(dir).map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        entries.sort();
        for entry in entries {
            let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if self.fs.kind(&entry) == Kind::Dir {
                if !self.enter(&entry) {
                    continue;
                }
                if self.fs.kind(&entry.join(MANIFEST)) == Kind::File {
                    self.roots.push(entry);
                } else {
                    self.dir(&entry)?;
                }
            } else if is_yaml(&entry) && name != MANIFEST {
                self.files.push(entry);
            }
        }
        Ok(())
    }

    /// Whether to go into the directory `entry`: not if a link leads it out of the walked
    /// directory, or back to one the walk has been through.
    fn enter(&mut self, entry: &Path) -> bool {
        let canonical = self.fs.canonical(entry);
        if !canonical.starts_with(&self.top) {
            tracing::warn!(
                link = %crate::source::display_path(entry),
                to = %canonical.display(),
                "Not followed: a directory link that leads out of the directory read"
            );
            return false;
        }
        if !self.visited.insert(canonical) {
            tracing::debug!(
                link = %crate::source::display_path(entry),
                "Not followed: a directory link to a directory already read"
            );
            return false;
        }
        true
    }
}

/// The rule files of a bundle root, without descending into nested roots.
pub fn root_files(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut nested = Vec::new();
    walk(fs, dir, &mut files, &mut nested)?;
    Ok(files)
}
