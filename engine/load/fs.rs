//! The files a loader reads: the disk, or a set of files in memory.
//!
//! The loader never calls `std::fs` itself; it asks a [`FileSystem`]. [`Disk`] is the real one;
//! [`Memory`] holds files given as text, so a bundle version kept in the journal (its paths and
//! texts) loads and compiles exactly as it did from disk. A read is bounded: only regular files
//! are read (a pipe or a device named `x.yaml` would block or never end), their size is checked
//! before reading, and no more than the limit is read should the file grow meanwhile.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file is larger than the limit (as its size says, or as it grew while being read).
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Its size, or the bytes read before giving up.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not a regular file: a directory, a pipe, a socket or a device.
    #[error("it is {what}, not a regular file")]
    NotRegular {
        /// What it is, e.g. "a named pipe".
        what: &'static str,
    },
    /// The operating system refused.
    #[error(transparent)]
    Io(#[from] io::Error),
}

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
    /// The bytes of the regular file at `path`, if it holds at most `limit` bytes.
    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError>;
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

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        // Looked at before opening: opening a named pipe waits for a writer.
        let size = regular_size(&std::fs::metadata(path)?)?;
        if size > limit {
            return Err(ReadError::TooLarge { size, limit });
        }
        let file = std::fs::File::open(path)?;
        regular_size(&file.metadata()?)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if read > limit {
            return Err(ReadError::TooLarge { size: read, limit });
        }
        Ok(bytes)
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

/// The size of a regular file, or what else it is.
fn regular_size(meta: &std::fs::Metadata) -> Result<u64, ReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(meta.len());
    }
    let what = if kind.is_dir() {
        "a directory"
    } else {
        special_kind(kind)
    };
    Err(ReadError::NotRegular { what })
}

/// What a file that is neither regular nor a directory is.
#[cfg(unix)]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// What a file that is neither regular nor a directory is.
#[cfg(not(unix))]
fn special_kind(_: std::fs::FileType) -> &'static str {
    "a special file"
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

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        let bytes = self
            .files
            .get(&normalize(path))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > limit {
            return Err(ReadError::TooLarge { size, limit });
        }
        Ok(bytes.clone())
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
            fs.read(Path::new("/j/examples/desk/./bundle.yaml"), 100)
                .unwrap(),
            b"imports: [../../rules]"
        );
    }
}
