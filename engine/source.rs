//! Source files and spans.
//!
//! Every value a later pass may point at carries a [`Span`]: a file id and a byte range. Line and
//! column are computed here, from the [`SourceMap`], only when a diagnostic is rendered. This
//! module owns no YAML knowledge and never reads the file system.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Identifies one file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

impl FileId {
    /// The id used for values that have no file, such as built-in calendars.
    pub const BUILTIN: FileId = FileId(u32::MAX);
}

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span for values that are not written in any file.
    pub const BUILTIN: Span = Span {
        file: FileId::BUILTIN,
        start: 0,
        end: 0,
    };

    /// Creates a span over `start..end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// Whether the span points into no file.
    pub fn is_builtin(&self) -> bool {
        self.file == FileId::BUILTIN
    }
}

/// A line and column, both counted from 1; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    display: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// The path the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path as shown in diagnostics (relative where possible, forward slashes).
    pub fn display_name(&self) -> &str {
        &self.display
    }

    /// The whole text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of a byte offset (clamped to the file).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let col = self
            .text
            .get(line_start..offset)
            .map_or(0, |prefix| prefix.chars().count());
        LineCol {
            line: line_index + 1,
            col: col + 1,
        }
    }

    /// The byte offset of a line (from 1) and character column (from 1), if it exists.
    pub fn offset_of(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = self.text.get(start..)?;
        let line_text = rest.split('\n').next().unwrap_or("");
        let mut chars = line_text.char_indices();
        match chars.nth(col.checked_sub(1)?) {
            Some((byte, _)) => Some(start + byte),
            None => Some(start + line_text.len()),
        }
    }

    /// The text of a line (from 1) without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = line.checked_sub(1).and_then(|i| self.line_starts.get(i)) else {
            return "";
        };
        let rest = self.text.get(*start..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// The number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id. `display` is the name diagnostics show.
    pub fn add(&mut self, path: PathBuf, display: String, text: impl Into<Arc<str>>) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX - 1));
        self.files.push(SourceFile {
            path,
            display,
            text,
            line_starts,
        });
        id
    }

    /// The file behind an id, if it exists.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(usize::try_from(id.0).ok()?)
    }

    /// The files in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX - 1)), f))
    }

    /// The display name of the file a span is in (`<built-in>` for built-in values).
    pub fn name(&self, span: Span) -> &str {
        self.file(span.file)
            .map_or("<built-in>", SourceFile::display_name)
    }

    /// The start of a span as line and column (1:1 for built-in values).
    pub fn start(&self, span: Span) -> LineCol {
        self.file(span.file)
            .map_or(LineCol { line: 1, col: 1 }, |f| {
                f.line_col(span.start as usize)
            })
    }

    /// The end of a span as line and column.
    pub fn end(&self, span: Span) -> LineCol {
        self.file(span.file)
            .map_or(LineCol { line: 1, col: 1 }, |f| {
                f.line_col(span.end as usize)
            })
    }

    /// The text a span covers ("" for built-in values).
    pub fn slice(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|f| f.text().get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }
}

/// Shows `path` relative to the current directory with forward slashes, as diagnostics print it.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let shown = relative.to_string_lossy().replace('\\', "/");
    shown.strip_prefix("./").unwrap_or(&shown).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let mut map = SourceMap::new();
        let id = map.add("a.yaml".into(), "a.yaml".into(), "ab\nçd: x\n");
        let file = map.file(id).unwrap();
        assert_eq!(file.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, col: 1 });
        // `ç` is two bytes but one column.
        assert_eq!(file.line_col(5), LineCol { line: 2, col: 2 });
        assert_eq!(file.offset_of(2, 2), Some(5));
        assert_eq!(file.line_text(2), "çd: x");
    }
}
