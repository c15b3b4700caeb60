//! What the benchmarks share.

#[allow(dead_code)]
pub mod month;

/// A memory figure of this process from `/proc/self/status`, in KiB: `VmRSS` (resident now) or
/// `VmHWM` (the peak); 0 where the file is missing.
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| {
            l.strip_prefix(field)
                .is_some_and(|rest| rest.starts_with(':'))
        })
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The environment variable `name`, or `default` when it is not set.
#[allow(dead_code)]
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
