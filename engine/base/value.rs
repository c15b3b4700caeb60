//! Comparing texts and JSON values the way conditions compare them.

use serde_json::{Number, Value};

/// Whether two texts are equal; most texts compared on the hot path differ in length or in
/// their first byte, which is looked at before the rest.
pub fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// JSON equality where numbers compare by value: `1` and `1.0` are the same number, and whole
/// numbers compare exactly (`9007199254740993` is not `9007199254740992`, which it would be as
/// floating point).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
        // The usual case (a status against the values a condition allows): most differ in
        // length or first byte.
        (Value::String(x), Value::String(y)) => same_text(x, y),
        _ => a == b,
    }
}

fn same_number(x: &Number, y: &Number) -> bool {
    match (whole(x), whole(y)) {
        (Some(a), Some(b)) => a == b,
        (Some(a), None) => y.as_f64().is_some_and(|f| float_is(f, a)),
        (None, Some(b)) => x.as_f64().is_some_and(|f| float_is(f, b)),
        (None, None) => x.as_f64() == y.as_f64(),
    }
}

/// A whole number, exactly.
fn whole(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Whether a float is exactly the whole number `n`.
fn float_is(f: f64, n: i128) -> bool {
    // Every whole number an f64 can hold exactly is below 2^1024, and i128 holds the range
    // of i64 and u64; outside ±2^127 the float cannot be one of ours.
    f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == n && n as f64 == f
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value_and_whole_numbers_exactly() {
        assert!(same(&json!(1), &json!(1.0)));
        assert!(!same(&json!("1"), &json!(1)));
        let big: Value = serde_json::from_str("9007199254740993").unwrap();
        let near: Value = serde_json::from_str("9007199254740992").unwrap();
        assert!(!same(&big, &near));
        assert!(same(&near, &json!(9_007_199_254_740_992.0)));
        assert!(!same(&big, &json!(9_007_199_254_740_992.0)));
        assert!(!same(&json!(u64::MAX), &json!(u64::MAX - 1)));
        assert!(same(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(same(&json!(-3), &json!(-3.0)));
        assert!(!same(&json!(-3), &json!(-3.5)));
        assert!(same(&json!(0.5), &json!(0.5)));
    }
}
