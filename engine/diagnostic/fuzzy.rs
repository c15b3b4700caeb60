//! "Did you mean" suggestions for unknown names.

/// The candidate closest to `unknown`, if one is close enough to be a likely typo.
///
/// Closeness is the Levenshtein distance, allowing about one edit per three characters; a
/// candidate that differs only in case or separators (`-`, `_`, space) always qualifies.
pub fn closest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = fold(unknown);
    let budget = (unknown.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == unknown {
            continue;
        }
        let distance = if fold(candidate) == folded {
            0
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
    }
}
