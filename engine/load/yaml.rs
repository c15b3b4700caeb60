//! YAML text to a spanned node tree.
//!
//! The tree keeps every scalar's raw text (so `1.10` stays `1.10`, not the float 1.1) and every
//! node's span. Duplicate keys, unknown tags, several documents and resource limits are reported
//! here, as diagnostics; nothing in this file panics on any input.

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError};

use crate::base::printable;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// Resource limits for one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most nodes a file may produce, counting alias expansions.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 8 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 1_000_000,
        }
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted: its type is inferred (`null`, `true`, `12`, `1.5` or text).
    Plain,
    /// Single or double quoted: always text.
    Quoted,
    /// A literal (`|`) or folded (`>`) block: always text.
    Block,
}

/// One YAML node with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's content.
    pub value: Value,
    /// Where the node is written.
    pub span: Span,
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty value, `~` or `null`.
    Null,
    /// A scalar with its raw text.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with scalar keys, in document order, keys unique.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A null node at `span`.
    pub fn null(span: Span) -> Node {
        Node {
            value: Value::Null,
            span,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// The entries, if this is a mapping (null counts as an empty mapping).
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            Value::Null => Some(&[]),
            _ => None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A short description of the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "an empty value",
            Value::Scalar(..) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Parses one file. Returns `None` (with diagnostics) when the file cannot be read as YAML at all;
/// an empty file is a null node.
pub fn parse(file: FileId, text: &str, limits: Limits, diags: &mut Diagnostics) -> Option<Node> {
    if text.len() > limits.max_bytes {
        let size = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        diags.push(too_large(file, size(text.len()), size(limits.max_bytes)));
        return None;
    }
    let mut builder = Builder {
        file,
        text,
        events: Parser::new_from_str_with_options(text, parser_options(limits)),
        anchors: HashMap::new(),
        limits,
        nodes: 0,
        diags,
    };
    match builder.stream() {
        Ok(node) => Some(node),
        Err(diagnostic) => {
            builder.diags.push(*diagnostic);
            None
        }
    }
}

/// The diagnostic for a file of `size` bytes, above the `limit`.
pub fn too_large(file: FileId, size: u64, limit: u64) -> Diagnostic {
    Diagnostic::new(
        Code::LimitExceeded,
        Span::new(file, 0, 0),
        format!("file is {size} bytes, more than the limit of {limit} bytes"),
    )
    .with_help("split it into several files; a bundle merges the sections of all its files")
}

type Fail = Box<Diagnostic>;

fn parser_options(limits: Limits) -> granit_parser::Options {
    let mut options = granit_parser::Options::default();
    // Above our own limit, so that deep input is reported as a limit (E0003), not a syntax error.
    let nesting = limits.max_depth.saturating_mul(2);
    options.block_nesting_limit = nesting;
    options.flow_nesting_limit = nesting;
    options
}

struct Builder<'a, 'd> {
    file: FileId,
    text: &'a str,
    events: Parser<'a, granit_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    limits: Limits,
    nodes: usize,
    diags: &'d mut Diagnostics,
}

impl<'a> Builder<'a, '_> {
    fn span(&self, s: &granit_parser::Span) -> Span {
        let start = s.start.byte_offset().unwrap_or(0);
        let end = s.end.byte_offset().unwrap_or(start);
        Span::new(self.file, start, end)
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Fail> {
        match self.events.next() {
            Some(Ok((event, span))) => {
                let span = self.span(&span);
                Ok((event, span))
            }
            Some(Err(error)) => Err(self.syntax(&error)),
            None => Err(Box::new(Diagnostic::new(
                Code::YamlSyntax,
                Span::new(self.file, self.text.len(), self.text.len()),
                "unexpected end of file",
            ))),
        }
    }

    fn syntax(&self, error: &ScanError) -> Fail {
        let marker = error.marker();
        let offset = marker
            .byte_offset()
            .unwrap_or_else(|| char_to_byte(self.text, marker.index()));
        let span = Span::new(self.file, offset, offset + 1);
        match error.kind() {
            // The parser looks ahead of the tree being built, so it can reach its own nesting
            // limit (twice ours) first: the same problem, with the same code.
            ErrorKind::RecursionLimitExceeded => {
                return Box::new(Diagnostic::new(
                    Code::LimitExceeded,
                    span,
                    format!("nesting deeper than {} levels", self.limits.max_depth),
                ));
            }
            // Written by the parser as Rust writes a character (`\u{1b}`).
            ErrorKind::UnexpectedCharacter { character } => {
                let what = if character.is_control() {
                    "control character"
                } else {
                    "character"
                };
                return Box::new(Diagnostic::new(
                    Code::YamlSyntax,
                    span,
                    format!("unexpected {what} `{}`", printable(&character.to_string())),
                ));
            }
            _ => {}
        }
        let message = error.info().to_lowercase();
        let message = message.trim_end_matches('.').to_string();
        Box::new(Diagnostic::new(Code::YamlSyntax, span, message))
    }

    fn stream(&mut self) -> Result<Node, Fail> {
        let mut document: Option<Node> = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd => {}
                Event::StreamEnd => break,
                Event::DocumentStart(..) => {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::DocumentEnd) {
                        continue;
                    }
                    let node = self.node(event, span, 0)?;
                    if let Some(first) = &document {
                        self.diags.push(
                            Diagnostic::new(
                                Code::UnsupportedYaml,
                                node.span,
                                "a bundle file holds one YAML document",
                            )
                            .with_secondary(first.span, "first document")
                            .with_help("move the second document into its own file"),
                        );
                    } else {
                        document = Some(node);
                    }
                }
                _ => {
                    return Err(Box::new(Diagnostic::new(
                        Code::YamlSyntax,
                        span,
                        "unexpected YAML event outside a document",
                    )));
                }
            }
        }
        Ok(document.unwrap_or_else(|| Node::null(Span::new(self.file, 0, 0))))
    }

    fn count(&mut self, span: Span) -> Result<(), Fail> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(Box::new(
                Diagnostic::new(
                    Code::LimitExceeded,
                    span,
                    format!("file expands to more than {} nodes", self.limits.max_nodes),
                )
                .with_help("aliases count once per use; split the file or use fewer aliases"),
            ));
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Node, Fail> {
        self.count(span)?;
        if depth > self.limits.max_depth {
            return Err(Box::new(Diagnostic::new(
                Code::LimitExceeded,
                span,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            )));
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| (t.handle().to_string(), t.suffix().to_string()));
                let node = self.scalar(text.into_owned(), style, tag.as_ref(), span);
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), span);
                let mut items = Vec::new();
                let end = loop {
                    let (event, item_span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break item_span.end;
                    }
                    items.push(self.node(event, item_span, depth + 1)?);
                };
                let node = Node {
                    value: Value::Seq(items),
                    span: Span {
                        end: end.max(span.start),
                        ..span
                    },
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(_, anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), span);
                let mut entries = Keyed::default();
                let mut merged = Keyed::default();
                let end = loop {
                    let (event, key_span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break key_span.end;
                    }
                    let key = self.node(event, key_span, depth + 1)?;
                    let (event, value_span) = self.next()?;
                    let value = self.node(event, value_span, depth + 1)?;
                    if matches!(&key.value, Value::Scalar(text, Style::Plain) if text == "<<") {
                        self.merge_key(&value, &mut merged);
                        continue;
                    }
                    let key = match &key.value {
                        Value::Scalar(..) => key,
                        Value::Null => Node {
                            value: Value::Scalar(String::new(), Style::Plain),
                            span: key.span,
                        },
                        _ => {
                            self.diags.push(Diagnostic::new(
                                Code::UnsupportedYaml,
                                key.span,
                                "mapping keys must be plain text, not lists or mappings",
                            ));
                            continue;
                        }
                    };
                    if let Some((first, _)) = entries.get(key.as_str().unwrap_or_default()) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::DuplicateKey,
                                key.span,
                                format!("duplicate key `{}`", key.as_str().unwrap_or("")),
                            )
                            .with_label("defined again here")
                            .with_secondary(first.span, "first defined here")
                            .with_help("YAML keeps only one of them; remove or rename one"),
                        );
                        continue;
                    }
                    entries.push((key, value));
                };
                // Merged keys (`<<: *base`) come after the mapping's own, which win.
                for (key, value) in merged.entries {
                    if entries.get(key.as_str().unwrap_or_default()).is_none() {
                        entries.push((key, value));
                    }
                }
                let node = Node {
                    value: Value::Map(entries.entries),
                    span: Span {
                        end: end.max(span.start),
                        ..span
                    },
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    let size = count_nodes(&node);
                    self.nodes += size.saturating_sub(1);
                    self.count(span)?;
                    node.span = Span {
                        end: node.span.end,
                        ..node.span
                    };
                    Ok(node)
                }
                None => Err(Box::new(Diagnostic::new(
                    Code::YamlSyntax,
                    span,
                    "alias to an unknown anchor",
                ))),
            },
            Event::UnresolvedAlias(name) => Err(Box::new(Diagnostic::new(
                Code::YamlSyntax,
                span,
                format!("alias `*{name}` to an unknown anchor"),
            ))),
            _ => Err(Box::new(Diagnostic::new(
                Code::YamlSyntax,
                span,
                "unexpected YAML structure",
            ))),
        }
    }

    /// Collects the entries a YAML merge key (`<<`) brings: a mapping, or a list of mappings
    /// where earlier ones win.
    fn merge_key(&mut self, value: &Node, merged: &mut Keyed) {
        let sources: Vec<&Node> = match &value.value {
            Value::Map(_) => vec![value],
            Value::Seq(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        if sources.is_empty() || sources.iter().any(|n| !matches!(n.value, Value::Map(_))) {
            self.diags.push(
                Diagnostic::new(
                    Code::UnsupportedYaml,
                    value.span,
                    "a merge key `<<` needs a mapping or a list of mappings",
                )
                .with_help("write `<<: *anchor` where `&anchor` marks a mapping"),
            );
            return;
        }
        for source in sources {
            if let Value::Map(entries) = &source.value {
                for (key, v) in entries {
                    if merged.get(key.as_str().unwrap_or_default()).is_none() {
                        merged.push((key.clone(), v.clone()));
                    }
                }
            }
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    /// Refuses a tag on a mapping or list, `!!map` and `!!seq` too: slaflow reads plain YAML.
    fn check_collection_tag(&mut self, tag: Option<&granit_parser::Tag>, span: Span) {
        if let Some(tag) = tag {
            self.unsupported_tag(&format!("{}{}", tag.original_handle(), tag.suffix()), span);
        }
    }

    fn unsupported_tag(&mut self, tag: &str, span: Span) {
        self.diags.push(
            Diagnostic::new(
                Code::UnsupportedYaml,
                span,
                format!("unsupported tag `{tag}`"),
            )
            .with_help("slaflow reads plain YAML; remove the tag"),
        );
    }

    fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        tag: Option<&(String, String)>,
        span: Span,
    ) -> Node {
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
            _ => Style::Block,
        };
        if let Some((handle, suffix)) = tag {
            let written = if handle == "tag:yaml.org,2002:" {
                format!("!!{suffix}")
            } else {
                format!("{handle}{suffix}")
            };
            self.unsupported_tag(&written, span);
        }
        if style == Style::Plain && matches!(text.as_str(), "~" | "null" | "Null" | "NULL" | "") {
            return Node::null(span);
        }
        Node {
            value: Value::Scalar(text, style),
            span,
        }
    }
}

/// The entries of a mapping being built, found by key: by a scan while they are few, by a hash
/// index once they are many, so that checking every key of a large mapping for duplicates
/// stays linear (80,000 keys took 13-19 s with a scan).
#[derive(Default)]
struct Keyed {
    entries: Vec<(Node, Node)>,
    index: Option<HashMap<String, usize>>,
}

impl Keyed {
    /// Entries up to which a scan is cheaper than an index.
    const SCAN: usize = 16;

    /// The entry whose key is `key`.
    fn get(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.index {
            Some(index) => self.entries.get(*index.get(key)?),
            None => self
                .entries
                .iter()
                .find(|(k, _)| k.as_str().unwrap_or_default() == key),
        }
    }

    /// Adds an entry whose key is not there yet.
    fn push(&mut self, entry: (Node, Node)) {
        let text = |entry: &(Node, Node)| entry.0.as_str().unwrap_or_default().to_string();
        match &mut self.index {
            Some(index) => {
                index.insert(text(&entry), self.entries.len());
            }
            None if self.entries.len() >= Self::SCAN => {
                let mut index: HashMap<String, usize> = self
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (text(e), i))
                    .collect();
                index.insert(text(&entry), self.entries.len());
                self.index = Some(index);
            }
            None => {}
        }
        self.entries.push(entry);
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        Value::Null | Value::Scalar(..) => 1,
        Value::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(byte, _)| byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (Option<Node>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let node = parse(FileId(0), text, Limits::default(), &mut diags);
        (node, diags)
    }

    #[test]
    fn keeps_raw_scalar_text_and_spans() {
        let (node, diags) = parse_ok("steps:\n  1.10: {}\n  b: 'x'\n");
        assert!(diags.is_empty());
        let node = node.unwrap();
        let steps = node.get("steps").unwrap().as_map().unwrap();
        assert_eq!(steps[0].0.as_str(), Some("1.10"));
        assert_eq!(steps[0].0.span, Span::new(FileId(0), 9, 13));
        assert_eq!(steps[1].1.value, Value::Scalar("x".into(), Style::Quoted));
    }

    #[test]
    fn reports_duplicate_keys_with_both_places() {
        let (_, diags) = parse_ok("a: 1\nb: 2\na: 3\n");
        let d: Vec<_> = diags.iter().collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::DuplicateKey);
        assert_eq!(d[0].span.start, 10);
        assert_eq!(d[0].labels[0].span.start, 0);
    }

    #[test]
    fn bounds_alias_expansion() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let (node, diags) = parse_ok(&text);
        assert!(node.is_none());
        assert_eq!(diags.iter().next().unwrap().code, Code::LimitExceeded);
    }

    #[test]
    fn bounds_depth() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let (node, diags) = parse_ok(&text);
        assert!(node.is_none());
        assert!(!diags.is_empty());
    }

    #[test]
    fn merge_keys_bring_entries_the_mapping_lacks() {
        let (node, diags) =
            parse_ok("base: &b {goal: 4h, calendar: uk}\nt:\n  <<: *b\n  goal: 1h\n");
        assert!(diags.is_empty(), "{diags:?}");
        let t = node.unwrap();
        let t = t.get("t").unwrap();
        assert_eq!(t.get("goal").unwrap().as_str(), Some("1h"));
        assert_eq!(t.get("calendar").unwrap().as_str(), Some("uk"));
    }

    #[test]
    fn empty_file_is_null() {
        let (node, diags) = parse_ok("# only a comment\n");
        assert!(diags.is_empty());
        assert_eq!(node.unwrap().value, Value::Null);
    }
}
