//! YAML 1.1 scalar resolution as go-yaml v2 (and so sigs.k8s.io/yaml and
//! kubectl) does it: booleans, Go integers, floats, timestamps.

use crate::gofmt::{float_g, json_float};

/// How go-yaml v2 reads an untagged plain scalar (`resolve` in resolve.go).
///
/// A YAML printer can use it to quote every string that would not read
/// back as a string, so that printing and parsing agree by construction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    /// A string: the text as it is.
    Str,
    /// `~`, `null`, or nothing.
    Null,
    /// `true`, `yes`, `on`, `y` … and their `false` counterparts.
    Bool(bool),
    /// An integer in Go's syntax (`0755`, `0x1F`, `1_000`).
    Int(i64),
    /// An integer above `i64::MAX`.
    Uint(u64),
    /// A float, including `.inf` and `.nan`.
    Float(f64),
    /// A YAML 1.1 timestamp: read as a string, but quoted when printed.
    Timestamp,
}

/// go-yaml v2's `resolve("", s)`: what an untagged plain scalar means.
///
/// ```
/// use kapi::manifest::{resolve_plain, Resolved};
///
/// assert_eq!(resolve_plain("on"), Resolved::Bool(true));
/// assert_eq!(resolve_plain("0755"), Resolved::Int(493));
/// assert_eq!(resolve_plain("2024-01-15"), Resolved::Timestamp);
/// assert_eq!(resolve_plain("1.2.3"), Resolved::Str);
/// ```
pub fn resolve_plain(s: &str) -> Resolved {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match hint {
        // Go's ParseFloat, which takes `_` between digits.
        b'.' if underscores_ok(s) => {
            parse_float(&s.replace('_', "")).map_or(Resolved::Str, Resolved::Float)
        }
        b'D' | b'S' => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain = s.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                Resolved::Int(i)
            } else if let Some(u) = go_parse_uint(&plain) {
                Resolved::Uint(u)
            } else {
                parse_float(&plain).map_or(Resolved::Str, Resolved::Float)
            }
        }
        _ => Resolved::Str,
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` and a bare leading
/// `0` (octal) select the base. Underscores were removed by the caller.
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (base, digits): (u64, &[u8]) = match b {
        [] => return None,
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'x') => (16, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'o') => (8, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'b') => (2, rest),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = u64::from(match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        });
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then as ParseUint.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest)?;
    if neg {
        0i64.checked_sub_unsigned(u)
    } else {
        i64::try_from(u).ok()
    }
}

/// go-yaml's float syntax, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
/// parsed; overflow to infinity is not a float for Go's ParseFloat.
fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > start)
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if b.get(i) == Some(&b'.') {
        let (j, any) = digits(i + 1);
        if !any {
            return None;
        }
        i = j;
    } else {
        let (j, any) = digits(i);
        if !any {
            return None;
        }
        i = j;
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1).0;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (j, any) = digits(i);
        if !any {
            return None;
        }
        i = j;
    }
    if i != b.len() {
        return None;
    }
    // serde_json parses the number (JSON spells it without `+`, a bare `.`
    // or leading zeros), so YAML floats are exactly as precise as JSON ones
    // and core's float parser (about 20 KB) stays out of the binary.
    let (sign, rest) = match b.first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (int, rest) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len()),
    );
    let int = int.trim_start_matches('0');
    let (frac, exp) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(r.find(['e', 'E']).unwrap_or(r.len())),
        None => ("", rest),
    };
    let json = format!(
        "{sign}{}.{}{exp}",
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "0" } else { frac }
    );
    serde_json::from_str::<f64>(&json)
        .ok()
        .filter(|f| f.is_finite())
}

/// Go's `underscoreOK` for decimal text: each `_` sits between two digits.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// Whether go-yaml v2 reads `s` as a timestamp: Go's `time.Parse` with
/// `2006-1-2T15:4:5.999999999Z07:00` (or a lower-case `t`),
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`, ranges checked.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // go-yaml's quick check: exactly four digits, then '-'.
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year = b[..4]
        .iter()
        .fold(0u32, |y, d| y * 10 + u32::from(d - b'0'));
    let mut rest = &b[5..];
    let (Some(month), true) = (num12(&mut rest), eat(&mut rest, b'-')) else {
        return false;
    };
    let Some(day) = num12(&mut rest) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    match rest.first() {
        None => true,
        Some(b'T' | b't') => {
            rest = &rest[1..];
            clock(&mut rest) && zone(rest)
        }
        Some(b' ') => {
            // A space in a Go layout matches one or more spaces.
            while rest.first() == Some(&b' ') {
                rest = &rest[1..];
            }
            clock(&mut rest) && rest.is_empty()
        }
        Some(_) => false,
    }
}

/// Go's `getnum(s, false)`: one or two digits.
fn num12(s: &mut &[u8]) -> Option<u32> {
    let d = |i: usize| {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = d(0)?;
    let (n, len) = match d(1) {
        Some(second) => (first * 10 + second, 2),
        None => (first, 1),
    };
    *s = &s[len..];
    Some(n)
}

fn eat(s: &mut &[u8], c: u8) -> bool {
    if s.first() == Some(&c) {
        *s = &s[1..];
        true
    } else {
        false
    }
}

/// `15:4:5.999999999`: hour, minute, second, optional `.` or `,` fraction.
fn clock(s: &mut &[u8]) -> bool {
    let Some(hour) = num12(s) else { return false };
    if !eat(s, b':') {
        return false;
    }
    let Some(minute) = num12(s) else { return false };
    if !eat(s, b':') {
        return false;
    }
    let Some(second) = num12(s) else { return false };
    if hour >= 24 || minute >= 60 || second >= 60 {
        return false;
    }
    if matches!(s.first(), Some(b'.' | b',')) && s.get(1).is_some_and(u8::is_ascii_digit) {
        *s = &s[1..];
        while s.first().is_some_and(u8::is_ascii_digit) {
            *s = &s[1..];
        }
    }
    true
}

/// `Z07:00`: `Z`, or `±hh:mm` with hours up to 24 and minutes up to 60.
fn zone(s: &[u8]) -> bool {
    match s {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: &u8, b: &u8| {
                (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
            };
            matches!((two(h1, h2), two(m1, m2)), (Some(h), Some(m)) if h <= 24 && m <= 60)
        }
        _ => false,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The integer kubectl makes of a whole float, if it makes one.
///
/// kubectl's objects go through JSON between reading and sending: a float64
/// is written in Go's format and read back as an int64 when the text has no
/// fraction or exponent and fits. So `1.0` becomes `1` and `2^60` becomes
/// `1152921504606847000` (Go writes the shortest digits, then zeros), but
/// `2^63` and `1e21` stay floats.
pub(super) fn kubectl_int(f: f64) -> Option<i64> {
    if f.fract() != 0.0 || !f.is_finite() {
        return None;
    }
    json_float(f).parse().ok()
}

/// A float mapping key as sigs.k8s.io/yaml makes it: Go's `%g` of the
/// value as a float32, with YAML's spelling of infinities and NaN.
pub(super) fn float_key(f: f64) -> String {
    let x = f as f32;
    if x.is_nan() {
        ".nan".to_owned()
    } else if x.is_infinite() {
        if x < 0.0 { "-.inf" } else { ".inf" }.to_owned()
    } else {
        float_g(f64::from(x), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_timestamps_as_go_time_parse_does() {
        for s in [
            "2024-01-15",
            "2024-1-5",
            "2024-02-29",
            "2001-12-14t21:59:43.10Z",
            "2001-12-14 21:59:43.10",
            "2024-01-15T10:00:00+24:00",
        ] {
            assert!(is_timestamp(s), "{s}");
        }
        for s in [
            "2024-13-01",
            "2023-02-29",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:00:00",
            "24-01-15",
            "2024-01-15x",
        ] {
            assert!(!is_timestamp(s), "{s}");
        }
    }

    #[test]
    fn whole_floats_become_integers_as_kubectl_makes_them() {
        assert_eq!(kubectl_int(1.0), Some(1));
        assert_eq!(kubectl_int(2f64.powi(60)), Some(1152921504606847000));
        assert_eq!(kubectl_int(2f64.powi(63)), None);
        assert_eq!(kubectl_int(1.5), None);
    }

    #[test]
    fn float_keys_are_float32_g_format() {
        assert_eq!(float_key(1e7), "1e+07");
        assert_eq!(float_key(1.5), "1.5");
        assert_eq!(float_key(1.2345678901234567), "1.2345679");
        assert_eq!(float_key(1e39), ".inf");
        assert_eq!(float_key(f64::NAN), ".nan");
    }
}
