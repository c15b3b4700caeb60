//! Who may call the server: bearer tokens listed in a file, stored as SHA-256 hashes, each with
//! scopes (`read`, `ingest`, `admin`).
//!
//! ```yaml
//! tokens:
//!   - name: ticket-system
//!     sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
//!     scopes: [ingest]
//! ```
//!
//! `slaflow token NAME --scopes read,ingest` makes a token and prints its entry.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the state, the stream, the metrics and the dashboard.
    Read,
    /// Post events.
    Ingest,
    /// Reload the bundle, complete steps, set a virtual clock.
    Admin,
}

impl Scope {
    /// The scope as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Ingest => "ingest",
            Scope::Admin => "admin",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tokens: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    sha256: String,
    scopes: Vec<Scope>,
}

/// The tokens the server accepts.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// By hash: the token's name and scopes.
    by_hash: HashMap<String, (String, Vec<Scope>)>,
    /// Everything is allowed (`--insecure-no-auth`).
    open: bool,
}

/// Why a tokens file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokensError {
    /// It cannot be read.
    #[error("cannot read tokens file `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is not a tokens file.
    #[error("tokens file `{path}`: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The hex SHA-256 of a token.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Tokens {
    /// Every request is allowed everything.
    pub fn open() -> Tokens {
        Tokens {
            by_hash: HashMap::new(),
            open: true,
        }
    }

    /// Reads a tokens file.
    pub fn load(path: &Path) -> Result<Tokens, TokensError> {
        let shown = crate::source::display_path(path);
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |reason: String| TokensError::Invalid {
            path: shown.clone(),
            reason,
        };
        let file: File = read_yaml(&text).map_err(invalid)?;
        let mut by_hash = HashMap::new();
        for entry in file.tokens {
            let sha = entry.sha256.trim().to_ascii_lowercase();
            if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(format!(
                    "token `{}`: `sha256` must be 64 hexadecimal digits (the hash of the token, not the token)",
                    entry.name
                )));
            }
            by_hash.insert(sha, (entry.name, entry.scopes));
        }
        if by_hash.is_empty() {
            return Err(invalid("it lists no token".into()));
        }
        Ok(Tokens {
            by_hash,
            open: false,
        })
    }

    /// Whether `token` (the bearer token of a request, if any) has `scope`: `Ok` with the
    /// token's name, or `Err(true)` for no valid token (401), `Err(false)` for a token without
    /// the scope (403).
    pub fn check(&self, token: Option<&str>, scope: Scope) -> Result<String, bool> {
        if self.open {
            return Ok("anyone".into());
        }
        let Some((name, scopes)) = token.and_then(|t| self.by_hash.get(&hash(t))) else {
            return Err(true);
        };
        if scopes.contains(&scope) {
            Ok(name.clone())
        } else {
            Err(false)
        }
    }
}

/// Reads the tokens file's YAML through the bundle loader's parser (the one YAML reader of
/// the project).
fn read_yaml(text: &str) -> Result<File, String> {
    let mut diagnostics = crate::diagnostic::Diagnostics::new();
    let node = crate::load::yaml::parse(
        crate::source::FileId(0),
        text,
        crate::load::yaml::Limits::default(),
        &mut diagnostics,
    );
    if let Some(first) = diagnostics.iter().next() {
        return Err(first.message.clone());
    }
    let node = node.ok_or("the file is empty")?;
    crate::load::de::from_node::<File>(&node).map_err(|e| e.to_string())
}

/// A new random token (32 bytes from the operating system, hex).
pub fn new_token() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_hash_and_scope() {
        let dir = std::env::temp_dir().join(format!("slaflow-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens.yaml");
        std::fs::write(
            &path,
            format!(
                "tokens:\n  - name: desk\n    sha256: {}\n    scopes: [ingest, read]\n",
                hash("s3cret")
            ),
        )
        .unwrap();
        let tokens = Tokens::load(&path).unwrap();
        assert_eq!(
            tokens.check(Some("s3cret"), Scope::Ingest),
            Ok("desk".into())
        );
        assert_eq!(tokens.check(Some("s3cret"), Scope::Admin), Err(false));
        assert_eq!(tokens.check(Some("guess"), Scope::Read), Err(true));
        assert_eq!(tokens.check(None, Scope::Read), Err(true));
        std::fs::write(
            &path,
            "tokens:\n  - name: x\n    sha256: s3cret\n    scopes: [read]\n",
        )
        .unwrap();
        assert!(
            Tokens::load(&path)
                .unwrap_err()
                .to_string()
                .contains("64 hexadecimal")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
