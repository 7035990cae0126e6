//! Ages as kubectl prints them (`5d`, `3h12m`, `45s`): apimachinery's
//! `HumanDuration`, for tables the server did not render.

use std::time::{SystemTime, UNIX_EPOCH};

/// The age of an RFC 3339 timestamp (`2025-01-01T00:00:00Z`) now, or
/// `<unknown>` when it does not parse.
pub fn age(timestamp: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match parse_rfc3339(timestamp) {
        Some(then) => human_duration(now - then),
        None => "<unknown>".into(),
    }
}

/// apimachinery's `duration.HumanDuration`: the library's.
pub use kapi::gofmt::human_duration;

/// Seconds since the epoch of an RFC 3339 time: the library's parser.
pub use kapi::gofmt::parse_rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_apimachinery() {
        for (secs, want) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (8 * 86_400, "8d"),
            (700 * 86_400, "700d"),
            (730 * 86_400, "2y"),
            (800 * 86_400, "2y70d"),
            (9 * 365 * 86_400, "9y"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2025-01-01T00:00:00Z"), Some(1_735_689_600));
        assert_eq!(
            parse_rfc3339("2025-01-01T01:00:00+01:00"),
            Some(1_735_689_600)
        );
        assert_eq!(
            parse_rfc3339("2025-01-01T00:00:00.123456Z"),
            Some(1_735_689_600)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339(""), None);
    }
}
