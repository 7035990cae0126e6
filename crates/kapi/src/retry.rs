//! Which answers and failures are worth another attempt, and how long to
//! wait first. The rules follow what the API server means by each answer:
//!
//! - **reads** (GET, HEAD) are retried on `429`, `503` and `504`, and on any
//!   other `5xx` that carries `Retry-After` (client-go's rule), and when the
//!   connection failed or was cut before an answer arrived;
//! - **writes** are retried only when the server cannot have acted on
//!   them: `429` or `503` with `Retry-After` (API Priority and Fairness
//!   rejecting it before it ran, or a server shutting down), or a connection
//!   that was refused;
//! - the wait is the server's `Retry-After` (seconds or an HTTP date),
//!   otherwise the client's shared [`Backoff`](crate::backoff::Backoff).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// At most this many attempts per request, the first included (client-go:
/// 1 + 10 retries; kapi counts attempts so the message can say them).
pub(crate) const MAX_ATTEMPTS: u32 = 10;

/// The longest `Retry-After` honoured; a longer one ends the retries and
/// the answer is returned as the error.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether a request with `method` may be sent again without risk of doing
/// it twice.
pub(crate) fn is_read(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Whether an answer with `status` (and `Retry-After` present or not) is
/// worth another attempt of a request with `method`.
pub(crate) fn retry_status(method: &str, status: u16, has_retry_after: bool) -> bool {
    if is_read(method) {
        matches!(status, 429 | 503 | 504) || (status >= 500 && has_retry_after)
    } else {
        matches!(status, 429 | 503) && has_retry_after
    }
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (IMF-fixdate, the
/// form RFC 9110 requires senders to use), as a wait from `now`. A date in
/// the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as seconds since the epoch.
fn parse_http_date(s: &str) -> Option<u64> {
    let (_weekday, rest) = s.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || year < 1970 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let at = crate::gofmt::unix_seconds(
        year as i64,
        month,
        day as i64,
        h as i64,
        m as i64,
        sec as i64,
    )?;
    u64::try_from(at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = at(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        // A date already past: go now.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(0),
            "the epoch"
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
    }

    #[test]
    fn malformed_retry_after_is_ignored() {
        let now = at(0);
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn writes_are_retried_only_when_the_server_cannot_have_acted() {
        assert!(retry_status("POST", 429, true));
        assert!(retry_status("PATCH", 503, true));
        assert!(!retry_status("POST", 429, false));
        assert!(!retry_status("PUT", 503, false));
        assert!(!retry_status("DELETE", 504, true));
        assert!(!retry_status("POST", 500, true));
    }

    #[test]
    fn reads_are_retried_on_throttling_and_unavailability() {
        for status in [429, 503, 504] {
            assert!(retry_status("GET", status, false), "{status}");
        }
        assert!(retry_status("GET", 500, true));
        assert!(!retry_status("GET", 500, false));
        assert!(!retry_status("GET", 404, true));
        assert!(!retry_status("GET", 410, false));
    }
}
