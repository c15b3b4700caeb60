//! "Did you mean" suggestions for unknown names.

/// The candidate closest to `unknown`, if one is close enough to be a likely typo.
///
/// Closeness is the edit distance (with transpositions), allowing about one edit per three
/// characters; a candidate that differs only in case or separators (`-`, `_`, space) always
/// qualifies. Numbers such as step ids (`1.3`) are only matched that way: `1.1` is one edit from
/// `1.3` but not a likely typo of it.
pub fn closest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = fold(unknown);
    let numeric = unknown.chars().all(|c| c.is_ascii_digit() || c == '.');
    let budget = (unknown.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == unknown {
            continue;
        }
        let distance = if fold(candidate) == folded {
            0
        } else if numeric {
            continue;
        } else {
            strsim::osa_distance(unknown, candidate)
        };
        if distance <= budget && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// A "did you mean" help line, if a candidate is close enough.
pub fn did_you_mean<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(unknown, candidates).map(|c| format!("did you mean `{c}`?"))
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["service-owner", "service-level-manager", "customer"];
        assert_eq!(closest("service-ownr", names), Some("service-owner"));
        assert_eq!(closest("Service_Owner", names), Some("service-owner"));
        assert_eq!(closest("licence-manager", names), None);
        assert_eq!(closest("1.3", ["1.1", "1.2"]), None);
    }
}
