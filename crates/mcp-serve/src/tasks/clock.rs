//! The wall clock of task records, which follows Tokio's clock.
//!
//! Task records carry wall-clock times (`createdAt`, an expiry every replica
//! can compare), but the tests of time to live run on Tokio's paused clock,
//! which `SystemTime::now()` ignores. So the wall clock here is
//! `SystemTime::now()` shifted by how far Tokio's clock is from the real
//! monotonic one: zero in production (Tokio reads the same clock), the
//! virtual advance under `tokio::time::pause`.

use std::time::{Instant, SystemTime};

/// The current wall-clock time as task records see it: `SystemTime::now()`,
/// moved along with Tokio's clock when a test pauses and advances it.
/// Stores that compare expiry times should use it (or
/// [`TaskRecord::is_expired`](super::TaskRecord::is_expired)).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let drift = mcp_serve::tasks::now()
///     .duration_since(SystemTime::now())
///     .unwrap_or_else(|e| e.duration());
/// assert!(drift < Duration::from_secs(1));
/// ```
pub fn now() -> SystemTime {
    let wall = SystemTime::now();
    let tokio_now = tokio::time::Instant::now().into_std();
    let real_now = Instant::now();
    match tokio_now.checked_duration_since(real_now) {
        Some(ahead) => wall + ahead,
        None => wall - real_now.duration_since(tokio_now),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn follows_a_paused_tokio_clock() {
        let before = now();
        tokio::time::advance(Duration::from_secs(3600)).await;
        let after = now();
        let moved = after.duration_since(before).expect("time moved forward");
        assert!(moved >= Duration::from_secs(3600), "{moved:?}");
        assert!(moved < Duration::from_secs(3610), "{moved:?}");
    }

    #[test]
    fn is_the_system_clock_outside_a_runtime() {
        let drift = now()
            .duration_since(SystemTime::now())
            .unwrap_or_else(|e| e.duration());
        assert!(drift < Duration::from_secs(1), "{drift:?}");
    }
}
