//! The files a loader reads: the disk, or a set of files in memory.
//!
//! The loader never calls `std::fs` itself; it asks a [`FileSystem`]. [`Disk`] is the real one;
//! [`Memory`] holds files given as text, so a bundle version kept in the journal (its paths and
//! texts) loads and compiles exactly as it did from disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Nothing.
    Missing,
    /// Something else (a device, a pipe, a socket).
    Other,
}

/// Where a loader reads files.
pub trait FileSystem: std::fmt::Debug + Send + Sync {
    /// What is at `path`.
    fn kind(&self, path: &Path) -> Kind;
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries of the directory at `path`, in any order.
    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// The path in a form that names the file once (absolute, no `.`, `..` or links), or the
    /// path as given if it cannot be resolved.
    fn canonical(&self, path: &Path) -> PathBuf;

    /// The path made absolute, with `.` and `..` resolved by the text alone (links are kept,
    /// so relative imports written next to a link still resolve the same way).
    fn absolute(&self, path: &Path) -> PathBuf;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl FileSystem for Disk {
    fn kind(&self, path: &Path) -> Kind {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => Kind::File,
            Ok(meta) if meta.is_dir() => Kind::Dir,
            Ok(_) => Kind::Other,
            Err(_) => Kind::Missing,
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect()
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        std::path::absolute(path).map_or_else(|_| path.to_path_buf(), |p| normalize(&p))
    }
}

/// Files held in memory, by absolute path; directories are implied by the files under them.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Memory {
    /// No files.
    pub fn new() -> Memory {
        Memory::default()
    }

    /// Adds a file at `path` (made absolute under `/` and normalized).
    pub fn add(&mut self, path: impl AsRef<Path>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(normalize(path.as_ref()), bytes.into());
    }
}

impl FileSystem for Memory {
    fn kind(&self, path: &Path) -> Kind {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            return Kind::File;
        }
        let is_dir = self
            .files
            .range(path.clone()..)
            .next()
            .is_some_and(|(file, _)| file.starts_with(&path));
        if is_dir { Kind::Dir } else { Kind::Missing }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let dir = normalize(path);
        let mut entries: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|file| {
                let rest = file.strip_prefix(&dir).ok()?;
                let first = rest.components().next()?;
                Some(dir.join(first))
            })
            .collect();
        entries.dedup();
        if entries.is_empty() && self.kind(&dir) != Kind::Dir {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(entries)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        normalize(path)
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
}

/// `path` made absolute under `/`, with `.` and `..` resolved by the text alone.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_files_imply_their_directories() {
        let mut fs = Memory::new();
        fs.add("/j/examples/desk/bundle.yaml", "imports: [../../rules]");
        fs.add("/j/rules/slm/process.yaml", "processes: {}");
        fs.add("/j/rules/roles.yaml", "roles: {}");
        assert_eq!(fs.kind(Path::new("/j/examples/desk")), Kind::Dir);
        assert_eq!(
            fs.kind(Path::new("/j/examples/desk/../../rules/roles.yaml")),
            Kind::File
        );
        assert_eq!(fs.kind(Path::new("/j/rule")), Kind::Missing);
        let mut listed = fs.list(Path::new("/j/rules")).unwrap();
        listed.sort();
        assert_eq!(
            listed,
            [
                PathBuf::from("/j/rules/roles.yaml"),
                PathBuf::from("/j/rules/slm")
            ]
        );
        assert!(fs.list(Path::new("/nowhere")).is_err());
        assert_eq!(
            fs.read(Path::new("/j/examples/desk/./bundle.yaml"))
                .unwrap(),
            b"imports: [../../rules]"
        );
    }
}
