//! The fake's clock: RFC 3339 timestamps (whole seconds, UTC) and the
//! apiserver's human durations.
//!
//! The clock does not tick: "now" is fixed (by default [`DEFAULT_NOW`]) so
//! AGE columns and new objects' timestamps are deterministic; tests move it
//! explicitly.

use std::sync::atomic::{AtomicI64, Ordering};

/// The default "now": 2026-01-01T00:00:00Z.
pub const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// Seconds since the Unix epoch, shared and settable.
#[derive(Debug)]
pub(crate) struct Clock(AtomicI64);

impl Clock {
    pub(crate) fn new(now: i64) -> Self {
        Clock(AtomicI64::new(now))
    }

    /// The current time in seconds since the epoch.
    pub(crate) fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The current time as `2026-01-01T00:00:00Z`.
    pub(crate) fn timestamp(&self) -> String {
        format_rfc3339(self.now())
    }
}

/// RFC 3339 to Unix seconds, Unix seconds to `2026-01-01T00:00:00Z`, and
/// `HumanDuration`: Go's formatting lives in one place, the library's.
pub(crate) use kapi::gofmt::{format_unix as format_rfc3339, human_duration, parse_rfc3339};

/// The printers' `translateTimestampSince`: `<unknown>` for a missing or
/// unparsable timestamp, else the human duration from it to `now`.
pub(crate) fn age(timestamp: Option<&str>, now: i64) -> String {
    match timestamp.and_then(parse_rfc3339) {
        Some(then) => human_duration(now - then),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_rfc3339() {
        let now = parse_rfc3339(DEFAULT_NOW).unwrap();
        assert_eq!(now, 1_767_225_600);
        assert_eq!(format_rfc3339(now), DEFAULT_NOW);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-02-29T12:30:15.123456Z"),
            Some(1_709_209_815)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T02:00:00+02:00"),
            Some(1_767_225_600)
        );
        for bad in [
            "",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "x026-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_of_missing_timestamp_is_unknown() {
        assert_eq!(age(None, 0), "<unknown>");
        assert_eq!(age(Some("garbage"), 0), "<unknown>");
        assert_eq!(age(Some("1970-01-01T00:00:00Z"), 59), "59s");
    }
}
