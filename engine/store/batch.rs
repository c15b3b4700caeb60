//! How a batch's inputs are kept: one entry per line of text, `L <number> <raw line>` for an
//! input line, `S <instant> <hash>` for a version switch, `A <instant>` for the passing of time
//! (instants as seconds since 1970). What the journal stores (a batch's inputs and actions, a
//! snapshot) is compressed (LZ4; the text is repetitive and five to ten times smaller) and
//! carries a 64-bit checksum, so damage is found before anything is read back.

/// One journaled input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An input line, as read.
    Line {
        /// Its number in the input.
        number: u64,
        /// Its text.
        raw: String,
    },
    /// A switch to the bundle version with this hash.
    Switch {
        /// When.
        at: i64,
        /// The version.
        hash: String,
    },
    /// Timers ran up to this instant.
    Advance {
        /// The instant.
        at: i64,
    },
}

/// Compresses stored bytes (LZ4 block, with the original size in front).
pub fn pack(bytes: &[u8]) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(bytes)
}

/// The bytes [`pack`] compressed.
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, String> {
    lz4_flex::block::decompress_size_prepended(packed).map_err(|e| e.to_string())
}

/// A 64-bit checksum of stored parts: any changed byte changes it (not made to resist someone
/// forging it, only to find damage).
pub fn checksum(parts: &[&[u8]]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = crate::base::FastHasher::default();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish()
}

/// Appends an input line.
pub fn put_line(out: &mut Vec<u8>, number: u64, raw: &str) {
    out.extend_from_slice(b"L ");
    out.extend_from_slice(number.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(raw.as_bytes());
    out.push(b'\n');
}

/// Appends a version switch.
pub fn put_switch(out: &mut Vec<u8>, at: i64, hash: &str) {
    out.extend_from_slice(format!("S {at} {hash}\n").as_bytes());
}

/// Appends the passing of time.
pub fn put_advance(out: &mut Vec<u8>, at: i64) {
    out.extend_from_slice(format!("A {at}\n").as_bytes());
}

/// The entries of a batch, in order; an entry that cannot be read is an error naming it.
pub fn entries(batch: &[u8]) -> impl Iterator<Item = Result<Entry, String>> + '_ {
    batch
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(index, line)| {
            entry(line).ok_or_else(|| format!("entry {} is unreadable", index + 1))
        })
}

fn entry(line: &[u8]) -> Option<Entry> {
    let (kind, rest) = line.split_first()?;
    let rest = rest.strip_prefix(b" ")?;
    let (first, tail) = match rest.iter().position(|b| *b == b' ') {
        Some(space) => (rest.get(..space)?, rest.get(space + 1..)),
        None => (rest, None),
    };
    let first = std::str::from_utf8(first).ok()?;
    match kind {
        b'L' => Some(Entry::Line {
            number: first.parse().ok()?,
            raw: String::from_utf8_lossy(tail.unwrap_or_default()).into_owned(),
        }),
        b'S' => Some(Entry::Switch {
            at: first.parse().ok()?,
            hash: std::str::from_utf8(tail?).ok()?.to_string(),
        }),
        b'A' => Some(Entry::Advance {
            at: first.parse().ok()?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_written() {
        let mut out = Vec::new();
        put_line(
            &mut out,
            7,
            r#"{"at":"2026-10-01T09:00:00Z","event":"x y"}"#,
        );
        put_switch(&mut out, -5, "ab12");
        put_advance(&mut out, 1_790_000_000);
        put_line(&mut out, 8, "");
        let read: Vec<Entry> = entries(&out).map(Result::unwrap).collect();
        assert_eq!(
            read,
            [
                Entry::Line {
                    number: 7,
                    raw: r#"{"at":"2026-10-01T09:00:00Z","event":"x y"}"#.into()
                },
                Entry::Switch {
                    at: -5,
                    hash: "ab12".into()
                },
                Entry::Advance { at: 1_790_000_000 },
                Entry::Line {
                    number: 8,
                    raw: String::new()
                },
            ]
        );
        assert!(entries(b"X 1\nL nope x\n").all(|e| e.is_err()));
    }

    #[test]
    fn packed_bytes_unpack_and_any_flipped_bit_changes_the_checksum() {
        let text = "L 1 {\"at\":\"2026-10-01T09:00:00Z\"}\n".repeat(100);
        let packed = pack(text.as_bytes());
        assert!(packed.len() < text.len() / 4);
        assert_eq!(unpack(&packed).unwrap(), text.as_bytes());
        let sum = checksum(&[&packed]);
        for i in 0..packed.len() {
            for bit in 0..8 {
                let mut damaged = packed.clone();
                damaged[i] ^= 1 << bit;
                assert_ne!(checksum(&[&damaged]), sum, "byte {i} bit {bit}");
            }
        }
        assert!(unpack(b"\xff\xff\xff\x7fjunk").is_err());
    }
}
