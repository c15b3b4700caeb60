//! The index of event ids applied within the deduplication window, so a retried event is
//! found in constant time however many ids are remembered.
//!
//! An id may be written `HEAD>TAIL`. Besides whole ids, the index counts the heads and tails
//! of such ids, so a sender can ask whether any remembered id has a given head or tail
//! without scanning: the webhook receivers put a delivery in the head (a retried delivery is
//! found whichever events it made) and an event that happens once per record in the tail (it
//! is not made again by a later delivery).

use crate::base::{FastMap, FastSet, Name};

/// Remembered ids, their heads and their tails.
#[derive(Debug, Default)]
pub(super) struct SeenIds {
    ids: FastSet<Name>,
    heads: FastMap<Box<str>, u32>,
    tails: FastMap<Box<str>, u32>,
}

impl SeenIds {
    /// The index of `ids`.
    pub(super) fn of<'a>(ids: impl IntoIterator<Item = &'a Name>) -> SeenIds {
        let mut seen = SeenIds::default();
        for id in ids {
            seen.insert(Name::clone(id));
        }
        seen
    }

    /// How many ids are remembered.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether `id` is remembered.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Whether a remembered id is `head` or starts with `head>`.
    pub(super) fn has_head(&self, head: &str) -> bool {
        self.ids.contains(head) || self.heads.contains_key(head)
    }

    /// Whether a remembered id ends with `>tail` (its first `>` before it).
    pub(super) fn has_tail(&self, tail: &str) -> bool {
        self.tails.contains_key(tail)
    }

    pub(super) fn insert(&mut self, id: Name) {
        if let Some((head, tail)) = id.split_once('>') {
            *self.heads.entry(head.into()).or_default() += 1;
            *self.tails.entry(tail.into()).or_default() += 1;
        }
        self.ids.insert(id);
    }

    pub(super) fn remove(&mut self, id: &str) {
        if !self.ids.remove(id) {
            return;
        }
        if let Some((head, tail)) = id.split_once('>') {
            for (map, key) in [(&mut self.heads, head), (&mut self.tails, tail)] {
                if let Some(count) = map.get_mut(key) {
                    *count -= 1;
                    if *count == 0 {
                        map.remove(key);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SeenIds;
    use crate::base::Name;

    #[test]
    fn heads_and_tails_are_counted_until_their_last_id_goes() {
        let mut seen = SeenIds::default();
        seen.insert(Name::from("jira:7"));
        seen.insert(Name::from("jira:8>jira:responded@A-1"));
        seen.insert(Name::from("jira:9#2>jira:responded@A-1"));
        assert!(seen.contains("jira:7") && seen.has_head("jira:7"));
        assert!(seen.has_head("jira:8") && seen.has_head("jira:9#2"));
        assert!(!seen.has_head("jira:9") && !seen.has_head("jira"));
        assert!(seen.has_tail("jira:responded@A-1"));
        seen.remove("jira:8>jira:responded@A-1");
        assert!(!seen.has_head("jira:8"));
        assert!(seen.has_tail("jira:responded@A-1"));
        seen.remove("jira:9#2>jira:responded@A-1");
        assert!(!seen.has_tail("jira:responded@A-1"));
        seen.remove("never");
        assert_eq!(seen.len(), 1);
    }
}
