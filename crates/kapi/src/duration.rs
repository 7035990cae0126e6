//! Durations written as Go writes them (`30s`, `1m30s`, `500ms`), as
//! kubectl's `--request-timeout` and `--timeout` take them.

use std::time::Duration;

/// Parses a Go duration such as `30s`, `1m30s`, `1.5h` or `500ms`. A bare
/// number is taken as seconds, as kubectl's `--request-timeout` does.
/// A leading `-` is accepted and reported through the `bool` (negative).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(kapi::duration::parse("1m30s"), Ok((Duration::from_secs(90), false)));
/// assert_eq!(kapi::duration::parse("5"), Ok((Duration::from_secs(5), false)));
/// assert_eq!(kapi::duration::parse("-1s"), Ok((Duration::from_secs(1), true)));
/// assert!(kapi::duration::parse("soon").is_err());
/// ```
pub fn parse(text: &str) -> Result<(Duration, bool), String> {
    let invalid =
        || format!("invalid duration {text:?}: use a number with a unit, e.g. 30s, 5m, 1h");
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest.is_empty() {
        return Err(invalid());
    }
    if rest.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = rest.parse().map_err(|_| invalid())?;
        return Ok((Duration::from_secs(secs), negative));
    }
    let mut total = 0f64;
    let mut s = rest;
    while !s.is_empty() {
        let num_len = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        if num_len == 0 {
            return Err(invalid());
        }
        let value: f64 = s[..num_len].parse().map_err(|_| invalid())?;
        s = &s[num_len..];
        let unit_len = s
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(s.len());
        let seconds_per_unit = match &s[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        s = &s[unit_len..];
        total += value * seconds_per_unit;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(invalid());
    }
    Ok((Duration::from_secs_f64(total), negative))
}

/// Formats a duration as Go's `time.Duration.String` does: `5s`, `1m30s`,
/// `1h0m0s`, `500ms`, `1.5s`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(kapi::duration::format(Duration::from_secs(90)), "1m30s");
/// assert_eq!(kapi::duration::format(Duration::from_millis(500)), "500ms");
/// ```
pub fn format(d: Duration) -> String {
    if d.is_zero() {
        return "0s".into();
    }
    if d < Duration::from_secs(1) {
        let nanos = d.subsec_nanos();
        return if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            format!("{}µs", nanos / 1_000)
        } else {
            format!("{nanos}ns")
        };
    }
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let mut secs = s.to_string();
    let frac = d.subsec_nanos();
    if frac != 0 {
        let digits = format!("{frac:09}");
        secs = format!("{s}.{}", digits.trim_end_matches('0'));
    }
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let secs = |s: &str| parse(s).unwrap().0.as_secs_f64();
        assert_eq!(secs("0"), 0.0);
        assert_eq!(secs("30s"), 30.0);
        assert_eq!(secs("2m"), 120.0);
        assert_eq!(secs("1h30m"), 5400.0);
        assert_eq!(secs("1.5s"), 1.5);
        assert_eq!(secs("250ms"), 0.25);
        assert!(parse("").is_err());
        assert!(parse("s").is_err());
        assert!(parse("10x").is_err());
        assert!(parse("1e999h").is_err());
        assert!(parse("-").is_err());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_secs(5)), "5s");
        assert_eq!(format(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format(Duration::from_secs(32)), "32s");
    }
}
