//! Waits between retries: client-go's reflector numbers (0.8 s doubling to
//! 30 s, reset after 2 minutes without a failure), with full jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The first delay; it doubles with each failure in a row.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(800);

/// The longest delay.
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// After this long without a failure the delays start again from
/// [`BACKOFF_BASE`].
pub(crate) const BACKOFF_RESET: Duration = Duration::from_secs(120);

/// A delay sequence shared by every request of one client, so a struggling
/// server sees one client slow down, not each request start afresh.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failures: u32,
    last: Option<Instant>,
}

impl Backoff {
    /// Records a failure and returns how long to wait before the next try.
    pub(crate) fn next_delay(&self) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if state
            .last
            .is_some_and(|t| now.duration_since(t) >= BACKOFF_RESET)
        {
            state.failures = 0;
        }
        state.failures = state.failures.saturating_add(1);
        state.last = Some(now);
        full_jitter(ceiling(state.failures))
    }
}

/// The delay before retry number `failures` (from 1), before jitter.
pub(crate) fn ceiling(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    BACKOFF_BASE.saturating_mul(1 << doublings).min(BACKOFF_MAX)
}

/// A delay drawn evenly from (0, `max`]: many clients that failed together
/// spread out instead of returning together.
pub(crate) fn full_jitter(max: Duration) -> Duration {
    max.mul_f64(1.0 - jitter())
}

/// A number in [0, 1) that differs between calls, processes and moments:
/// splitmix64 over the clock, the pid and a counter (no rand crate).
pub(crate) fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let mut z = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_from_0_8_s_to_30_s() {
        let secs: Vec<f64> = (1..=8).map(|n| ceiling(n).as_secs_f64()).collect();
        assert_eq!(secs, [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]);
        assert_eq!(ceiling(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn delays_stay_under_their_ceiling_and_vary() {
        let backoff = Backoff::default();
        let delays: Vec<Duration> = (0..6).map(|_| backoff.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            assert!(
                *d > Duration::ZERO && *d <= ceiling(n as u32 + 1),
                "{n}: {d:?}"
            );
        }
        let draws: Vec<Duration> = (0..50).map(|_| full_jitter(BACKOFF_MAX)).collect();
        assert!(draws.iter().any(|d| *d != draws[0]), "no jitter");
        let values: Vec<f64> = (0..100).map(|_| jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
    }

    #[test]
    fn delays_start_again_after_two_quiet_minutes() {
        let backoff = Backoff::default();
        for _ in 0..5 {
            backoff.next_delay();
        }
        {
            let mut state = backoff.state.lock().unwrap();
            state.last = Instant::now().checked_sub(BACKOFF_RESET);
        }
        assert!(backoff.next_delay() <= BACKOFF_BASE);
    }
}
