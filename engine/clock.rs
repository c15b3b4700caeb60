//! Where "now" comes from: the one place slaflow reads the system clock, behind a trait so
//! that commands can be given a fixed time in tests.

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one reading of the system clock.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that says what it was last set to: virtual time for tests and for a server run with
/// `--virtual-clock`. Shared between threads; setting it back is ignored.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl ManualClock {
    /// A clock at `now`.
    pub fn at(now: DateTime<Utc>) -> ManualClock {
        ManualClock(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(
            now.timestamp(),
        )))
    }

    /// Moves the clock to `now` (never back).
    pub fn set(&self, now: DateTime<Utc>) {
        self.0
            .fetch_max(now.timestamp(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst), 0)
            .unwrap_or_default()
    }
}
