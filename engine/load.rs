//! Loading a bundle: files to spanned nodes, sections merged across files, `uses` and
//! `overrides` applied, then each entry read into its model type.
//!
//! Problems in the YAML are diagnostics; only a path that cannot be read at all is a
//! [`LoadError`]. One unreadable entry does not stop the others from loading, so one run shows
//! every problem. This module checks shapes and ids only; meaning is [`crate::validate`]'s job.

pub mod de;
pub mod discover;
pub mod fs;
pub mod overlay;
pub mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;

pub use discover::{BundleInput, discover};
use fs::{FileSystem, Kind};
use overlay::RawEntry;
use yaml::{Limits, Node, Value};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::model::{self, Bundle, Manifest, SECTIONS, Section};
use crate::source::{FileId, SourceMap, Span, display_path};

/// A path that cannot be used at all (as opposed to a problem inside a file).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A path given on the command line does not exist.
    #[error("`{}` does not exist", display_path(path))]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("cannot read `{}`: {source}", display_path(path))]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The paths hold no YAML files.
    #[error("no YAML files found in {paths}")]
    NoYaml {
        /// The paths searched.
        paths: String,
    },
    /// A path to read names a pipe, a socket or a device: reading it could block for ever or
    /// never end.
    #[error(
        "`{}` is {what}, not a regular file; slaflow reads only regular files",
        display_path(path)
    )]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is, e.g. "a named pipe".
        what: &'static str,
    },
}

/// A loaded bundle with what was found wrong while loading it.
#[derive(Debug)]
pub struct Loaded {
    /// The bundle.
    pub bundle: Bundle,
    /// Load diagnostics (YAML, shape, ids, `uses`).
    pub diagnostics: Diagnostics,
    /// The rule files of the bundle, in load order.
    pub files: Vec<FileId>,
    /// The manifests (`bundle.yaml`) read for it: the bundle's own and those of its imports.
    pub manifests: Vec<FileId>,
    /// The path the bundle was loaded from, as the file system names it (a directory or a
    /// file); `None` for text loaded from memory.
    pub entry: Option<PathBuf>,
}

#[derive(Debug, Clone)]
struct Parsed {
    file: FileId,
    node: Option<Node>,
    diagnostics: Diagnostics,
}

/// Loads bundles, sharing one [`SourceMap`] so a file imported by several bundles is read once.
#[derive(Debug)]
pub struct Loader {
    sources: SourceMap,
    parsed: HashMap<PathBuf, Parsed>,
    limits: Limits,
    /// Never touch the file system beyond what was added (for in-memory loads).
    offline: bool,
    fs: Arc<dyn FileSystem>,
}

impl Default for Loader {
    fn default() -> Loader {
        Loader::on(Arc::new(fs::Disk))
    }
}

impl Loader {
    /// A loader of files on disk, with the default limits.
    pub fn new() -> Loader {
        Loader::default()
    }

    /// A loader of the files of `fs` (the disk, or files in memory).
    pub fn on(fs: Arc<dyn FileSystem>) -> Loader {
        Loader {
            sources: SourceMap::default(),
            parsed: HashMap::new(),
            limits: Limits::default(),
            offline: false,
            fs,
        }
    }

    /// A loader with the given limits.
    pub fn with_limits(limits: Limits) -> Loader {
        Loader {
            limits,
            ..Loader::default()
        }
    }

    /// The files read so far.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Gives up the files read so far.
    pub fn into_sources(self) -> SourceMap {
        self.sources
    }

    /// Loads one in-memory file as a bundle, without touching the file system (holiday files are
    /// not read). Used by the fuzzer and by tests.
    pub fn load_text(&mut self, name: &str, text: &str) -> Loaded {
        let path = PathBuf::from(name);
        let mut diagnostics = Diagnostics::new();
        let file = self.sources.add(path.clone(), name.to_string(), text);
        let node = yaml::parse(file, text, self.limits, &mut diagnostics);
        self.parsed.insert(
            path.clone(),
            Parsed {
                file,
                node,
                diagnostics,
            },
        );
        let was_offline = std::mem::replace(&mut self.offline, true);
        let loaded = self.load(&BundleInput::Files(vec![path]));
        self.offline = was_offline;
        loaded.unwrap_or_else(|_| Loaded {
            bundle: Bundle::default(),
            diagnostics: Diagnostics::new(),
            files: vec![file],
            manifests: Vec::new(),
            entry: None,
        })
    }

    /// Loads the bundle at `path` (a bundle root, a directory of YAML files, or one file).
    pub fn load_path(&mut self, path: &Path) -> Result<Loaded, LoadError> {
        let kind = self.fs.kind(path);
        if kind == Kind::Missing {
            return Err(LoadError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let input = if kind == Kind::Dir && self.is_file(&path.join(discover::MANIFEST)) {
            BundleInput::Root(path.to_path_buf())
        } else if kind == Kind::Dir {
            let files = discover::root_files(&*self.fs, path)?;
            if files.is_empty() {
                return Err(LoadError::NoYaml {
                    paths: display_path(path),
                });
            }
            BundleInput::Files(files)
        } else if path.file_name().and_then(|n| n.to_str()) == Some(discover::MANIFEST) {
            BundleInput::Root(path.parent().unwrap_or(Path::new(".")).to_path_buf())
        } else {
            BundleInput::Files(vec![path.to_path_buf()])
        };
        let mut loaded = self.load(&input)?;
        loaded.entry = Some(self.fs.absolute(path));
        Ok(loaded)
    }

    /// Loads one bundle.
    pub fn load(&mut self, input: &BundleInput) -> Result<Loaded, LoadError> {
        let mut diagnostics = Diagnostics::new();
        let mut name = None;
        let mut paths = Vec::new();
        let mut manifests = Vec::new();
        match input {
            BundleInput::Root(dir) => {
                let mut visited = HashSet::new();
                name = self.collect_root(
                    dir,
                    &mut paths,
                    &mut manifests,
                    &mut visited,
                    &mut diagnostics,
                )?;
            }
            BundleInput::Files(files) => paths.extend(files.iter().cloned()),
        }
        let mut seen = HashSet::new();
        paths.retain(|p| seen.insert(self.fs.canonical(p)));

        let mut files = Vec::new();
        let mut raw: IndexMap<&'static str, IndexMap<String, RawEntry>> =
            SECTIONS.iter().map(|s| (*s, IndexMap::new())).collect();
        for path in &paths {
            let parsed = self.parse(path)?;
            files.push(parsed.file);
            diagnostics.extend(parsed.diagnostics.clone());
            if let Some(node) = &parsed.node {
                collect_sections(node, &mut raw, &mut diagnostics);
            }
        }

        let mut bundle = Bundle {
            name,
            ..Bundle::default()
        };
        let empty = IndexMap::new();
        let section = |name: &str| raw.get(name).unwrap_or(&empty);
        bundle.calendars = read_section("calendars", section("calendars"), &mut diagnostics);
        bundle.roles = read_section("roles", section("roles"), &mut diagnostics);
        bundle.processes = read_section("processes", section("processes"), &mut diagnostics);
        bundle.agreements = read_section("agreements", section("agreements"), &mut diagnostics);
        bundle.escalations = read_section("escalations", section("escalations"), &mut diagnostics);
        bundle.kpis = read_section("kpis", section("kpis"), &mut diagnostics);
        bundle.reports = read_section("reports", section("reports"), &mut diagnostics);
        bundle.forums = read_section("forums", section("forums"), &mut diagnostics);
        bundle.rate_cards = read_section("rate_cards", section("rate_cards"), &mut diagnostics);
        bundle.rules = read_section("rules", section("rules"), &mut diagnostics);
        bundle.tests = read_section("tests", section("tests"), &mut diagnostics);
        for (_, entry) in bundle.processes.iter_mut() {
            overlay::rename_process_roles(&mut entry.value);
        }
        for (_, entry) in bundle.escalations.iter_mut() {
            overlay::rename_matrix_roles(&mut entry.value);
        }
        self.attach_holiday_files(&mut bundle, &mut diagnostics)?;
        Ok(Loaded {
            bundle,
            diagnostics,
            files,
            manifests,
            entry: None,
        })
    }

    /// Reads `dir/bundle.yaml` and collects the files of `dir` and of its imports.
    fn collect_root(
        &mut self,
        dir: &Path,
        paths: &mut Vec<PathBuf>,
        manifests: &mut Vec<FileId>,
        visited: &mut HashSet<PathBuf>,
        diagnostics: &mut Diagnostics,
    ) -> Result<Option<String>, LoadError> {
        if !visited.insert(self.fs.canonical(dir)) {
            return Ok(None);
        }
        let manifest_path = dir.join(discover::MANIFEST);
        let parsed = self.parse(&manifest_path)?;
        manifests.push(parsed.file);
        diagnostics.extend(parsed.diagnostics.clone());
        let manifest: Manifest = match &parsed.node {
            Some(node) => match de::from_node(node) {
                Ok(manifest) => manifest,
                Err(error) => {
                    diagnostics.push(error.into_diagnostic(node.span));
                    Manifest::default()
                }
            },
            None => Manifest::default(),
        };
        for import in &manifest.imports {
            let target = dir.join(&import.value);
            let kind = self.fs.kind(&target);
            if kind == Kind::Dir && self.fs.canonical(&target).parent().is_none() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::BadImport,
                        import.span,
                        format!("import `{}` is the root of the file system", import.value),
                    )
                    .with_label("slaflow would read every directory of the machine")
                    .with_help("import the directory that holds the rules, e.g. `../../rules`"),
                );
            } else if kind == Kind::Dir && self.is_file(&target.join(discover::MANIFEST)) {
                self.collect_root(&target, paths, manifests, visited, diagnostics)?;
            } else if kind == Kind::Dir {
                paths.extend(discover::root_files(&*self.fs, &target)?);
            } else if kind == Kind::File && discover::is_yaml(&target) {
                paths.push(target);
            } else if kind != Kind::Missing {
                diagnostics.push(
                    Diagnostic::new(
                        Code::BadImport,
                        import.span,
                        format!(
                            "import `{}` is not a directory or a YAML file",
                            import.value
                        ),
                    )
                    .with_label(if kind == Kind::File {
                        "a file whose name does not end in `.yaml` or `.yml`"
                    } else {
                        "a device, pipe or socket"
                    })
                    .with_help(
                        "import a bundle directory, a directory of YAML files or one `.yaml` file",
                    ),
                );
            } else {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ImportNotFound,
                        import.span,
                        format!("import `{}` not found", import.value),
                    )
                    .with_label("no directory or YAML file at this path")
                    .with_help("import paths are relative to `bundle.yaml`"),
                );
            }
        }
        paths.extend(discover::root_files(&*self.fs, dir)?);
        Ok(manifest.name)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.fs.kind(path) == Kind::File
    }

    fn parse(&mut self, path: &Path) -> Result<Parsed, LoadError> {
        let key = self.fs.canonical(path);
        if let Some(parsed) = self.parsed.get(&key) {
            return Ok(parsed.clone());
        }
        let mut diagnostics = Diagnostics::new();
        let limit = u64::try_from(self.limits.max_bytes).unwrap_or(u64::MAX);
        let read = match self.fs.read(path, limit) {
            Ok(bytes) => Ok(bytes),
            Err(fs::ReadError::TooLarge { size, limit }) => Err((size, limit)),
            Err(fs::ReadError::NotRegular { what }) => {
                return Err(LoadError::NotRegular {
                    path: path.to_path_buf(),
                    what,
                });
            }
            Err(fs::ReadError::Io(source)) => {
                return Err(LoadError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let (file, node) = match read.map(String::from_utf8) {
            Err((size, limit)) => {
                let file = self
                    .sources
                    .add(self.fs.absolute(path), display_path(path), "");
                diagnostics.push(yaml::too_large(file, size, limit));
                (file, None)
            }
            Ok(Ok(text)) => {
                let file =
                    self.sources
                        .add(self.fs.absolute(path), display_path(path), text.as_str());
                let node = yaml::parse(file, &text, self.limits, &mut diagnostics);
                (file, node)
            }
            Ok(Err(error)) => {
                let valid = error.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let file = self
                    .sources
                    .add(self.fs.absolute(path), display_path(path), text);
                diagnostics.push(Diagnostic::new(
                    Code::NotText,
                    Span::new(file, valid, valid + 1),
                    "file is not UTF-8 text",
                ));
                (file, None)
            }
        };
        let parsed = Parsed {
            file,
            node,
            diagnostics,
        };
        self.parsed.insert(key, parsed.clone());
        Ok(parsed)
    }

    /// Reads each calendar's iCalendar files into the source map, so holiday problems can be
    /// shown at their line; missing files are diagnostics.
    fn attach_holiday_files(
        &mut self,
        bundle: &mut Bundle,
        diagnostics: &mut Diagnostics,
    ) -> Result<(), LoadError> {
        if self.offline {
            return Ok(());
        }
        let mut wanted = Vec::new();
        for (_, entry) in bundle.calendars.iter() {
            for file in &entry.value.holiday_files {
                wanted.push(file.clone());
            }
        }
        for file in wanted {
            let Some(yaml) = self.sources.file(file.span.file) else {
                continue;
            };
            let path = yaml
                .path()
                .parent()
                .unwrap_or(Path::new("."))
                .join(&file.value);
            let limit = u64::try_from(self.limits.max_bytes).unwrap_or(u64::MAX);
            let read = self.fs.read(&path, limit).and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| {
                    fs::ReadError::Io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the file is not UTF-8 text",
                    ))
                })
            });
            match read {
                Ok(text) => {
                    let absolute = self.fs.absolute(&path);
                    let id = self.sources.add(absolute, display_path(&path), text);
                    bundle.attachments.insert(file.span, id);
                }
                Err(error) => diagnostics.push(
                    Diagnostic::new(
                        Code::HolidayFile,
                        file.span,
                        format!("cannot read holiday file `{}`: {error}", file.value),
                    )
                    .with_help("holiday file paths are relative to the YAML file that names them"),
                ),
            }
        }
        Ok(())
    }
}

/// Splits a file's top-level mapping into section entries, checking section names and ids and
/// reporting ids defined twice.
fn collect_sections(
    node: &Node,
    raw: &mut IndexMap<&'static str, IndexMap<String, RawEntry>>,
    diagnostics: &mut Diagnostics,
) {
    let entries = match &node.value {
        Value::Null => return,
        Value::Map(entries) => entries,
        _ => {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidType,
                    node.span,
                    format!("expected a mapping of sections, found {}", node.kind_name()),
                )
                .with_help(format!(
                    "a bundle file has sections such as {}",
                    section_list()
                )),
            );
            return;
        }
    };
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        let Some(section) = SECTIONS.iter().find(|s| **s == name) else {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    key.span,
                    format!("unknown section `{name}`"),
                )
                .with_help(
                    fuzzy::did_you_mean(name, SECTIONS.iter().copied())
                        .unwrap_or_else(|| format!("expected one of {}", section_list())),
                ),
            );
            continue;
        };
        let items = match &value.value {
            Value::Null => continue,
            Value::Map(items) => items,
            _ => {
                diagnostics.push(Diagnostic::new(
                    Code::InvalidType,
                    value.span,
                    format!(
                        "expected a mapping of `{name}` keyed by id, found {}",
                        value.kind_name()
                    ),
                ));
                continue;
            }
        };
        let Some(target) = raw.get_mut(*section) else {
            continue;
        };
        for (id_node, entry) in items {
            let id = id_node.as_str().unwrap_or_default();
            if let Err(message) = model::check_id(id) {
                diagnostics.push(Diagnostic::new(Code::InvalidId, id_node.span, message));
                continue;
            }
            if let Some(first) = target.get(id) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateId,
                        id_node.span,
                        format!("`{name}` id `{id}` is defined twice"),
                    )
                    .with_label("defined again here")
                    .with_secondary(first.id_span, "first defined here")
                    .with_help("ids are unique across all files of a bundle; rename one, or use `uses` to base one on the other"),
                );
                continue;
            }
            target.insert(
                id.to_string(),
                RawEntry {
                    id_span: id_node.span,
                    node: entry.clone(),
                },
            );
        }
    }
}

fn section_list() -> String {
    SECTIONS
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `uses` and reads every entry of a section into its type; entries that fail are
/// reported and kept as broken ids.
fn read_section<K, V>(
    name: &str,
    raw: &IndexMap<String, RawEntry>,
    diagnostics: &mut Diagnostics,
) -> Section<K, V>
where
    K: From<String> + std::hash::Hash + Eq + std::borrow::Borrow<str>,
    V: DeserializeOwned,
{
    let resolved = overlay::resolve_uses(name, raw, diagnostics);
    let mut section = Section::default();
    for (id, entry) in raw {
        let value = resolved
            .get(id)
            .and_then(Option::as_ref)
            .map(|node| de::from_node::<V>(node).map_err(|e| e.into_diagnostic(node.span)));
        match value {
            Some(Ok(value)) => section.insert(K::from(id.clone()), entry.id_span, value),
            Some(Err(diagnostic)) => {
                diagnostics.push(diagnostic);
                section.insert_broken(K::from(id.clone()), entry.id_span);
            }
            None => section.insert_broken(K::from(id.clone()), entry.id_span),
        }
    }
    section
}

/// Loads one bundle from a path, for commands that work on a single bundle.
pub fn load_bundle(path: &Path) -> Result<(Loaded, SourceMap), LoadError> {
    let mut loader = Loader::new();
    let loaded = loader.load_path(path)?;
    Ok((loaded, loader.into_sources()))
}
