//! Go's formatting, as kubectl's output has it: `encoding/json` strings
//! and numbers, `strconv.FormatFloat`'s shortest `%g`, `%v` and `%q`, and
//! RFC 3339 times both ways, and apimachinery's `HumanDuration`. One home
//! for the JSON and YAML printers, JSONPath, the manifest reader, AGE
//! columns and the test suite's fake API server.
//!
//! ```
//! use kapi::gofmt;
//!
//! assert_eq!(gofmt::json_float(1e21), "1e+21");
//! assert_eq!(gofmt::json_float(0.0000001), "1e-7");
//! assert_eq!(gofmt::float_g(1e6, false), "1e+06");
//! let mut out = Vec::new();
//! gofmt::write_json_string(&mut out, "<b>");
//! assert_eq!(out, br#""\u003cb\u003e""#);
//! ```

use serde_json::{Number, Value};

/// kubectl keeps integers that fit `int64` and turns everything else into
/// `float64`, so a `u64` above `i64::MAX` prints as a float
/// (`18446744073709552000`), as does any number parsed with a fraction or
/// exponent (`1.0` prints `1`).
pub fn json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        // Above i64::MAX: Go parsed it as float64, rounding to nearest.
        json_float(u as f64)
    } else {
        // serde_json numbers are always one of the three; NaN cannot occur.
        json_float(n.as_f64().unwrap_or(0.0))
    }
}

/// Go's `fmt.Sprint` of a decoded JSON value (`%v`), as kubectl's
/// custom columns print a cell: maps as `map[k:v k2:v2]` with sorted keys,
/// lists as `[a b]`, strings raw, `null` as `<nil>`, integers as decimals
/// and other numbers as shortest `%g`. Iterative, so no value is too deep.
///
/// ```
/// use kapi::gofmt::sprint;
/// use serde_json::json;
///
/// assert_eq!(sprint(&json!({"app": "mysql", "tier": null})), "map[app:mysql tier:<nil>]");
/// assert_eq!(sprint(&json!(["sh", "-c", [1, 1e21, true]])), "[sh -c [1 1e+21 true]]");
/// ```
pub fn sprint(value: &Value) -> String {
    enum Work<'v> {
        Value(&'v Value),
        Key(&'v str),
        Text(&'static str),
    }
    let mut out = String::new();
    let mut todo = vec![Work::Value(value)];
    while let Some(work) = todo.pop() {
        match work {
            Work::Text(text) => out.push_str(text),
            Work::Key(key) => {
                out.push_str(key);
                out.push(':');
            }
            Work::Value(Value::Null) => out.push_str("<nil>"),
            Work::Value(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Work::Value(Value::String(s)) => out.push_str(s),
            Work::Value(Value::Number(n)) => match n.as_i64() {
                Some(i) => out.push_str(&i.to_string()),
                // Go decodes anything else into float64.
                None => out.push_str(&float_g(n.as_f64().unwrap_or(0.0), false)),
            },
            Work::Value(Value::Array(items)) => {
                out.push('[');
                todo.push(Work::Text("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    todo.push(Work::Value(item));
                    if i > 0 {
                        todo.push(Work::Text(" "));
                    }
                }
            }
            Work::Value(Value::Object(map)) => {
                // fmt sorts map keys; serde_json's map is already sorted.
                out.push_str("map[");
                todo.push(Work::Text("]"));
                for (i, (key, item)) in map.iter().enumerate().rev() {
                    todo.push(Work::Value(item));
                    todo.push(Work::Key(key));
                    if i > 0 {
                        todo.push(Work::Text(" "));
                    }
                }
            }
        }
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, bits)`: Go's shortest `%g` form.
///
/// go-yaml prints floats this way (`1e+06`, `1.5`, `1e-05`), and
/// sigs.k8s.io/yaml uses it with 32 bits to turn float map keys into strings.
/// Infinities and NaN print as Go does (`+Inf`, `-Inf`, `NaN`); callers map
/// them to YAML's spelling.
pub fn float_g(f: f64, bits32: bool) -> String {
    let (finite, neg) = if bits32 {
        let x = f as f32;
        (x.is_finite(), x.is_sign_negative())
    } else {
        (f.is_finite(), f.is_sign_negative())
    };
    if !finite {
        return if f.is_nan() {
            "NaN".to_owned()
        } else if neg {
            "-Inf".to_owned()
        } else {
            "+Inf".to_owned()
        };
    }
    let d = Decimal::shortest(f, bits32);
    // Shortest %g switches to an exponent below 1e-4 and from 1e6 (eprec 6).
    let exp = d.point - 1;
    if !(-4..6).contains(&exp) {
        d.fmt_e()
    } else {
        d.fmt_f()
    }
}

/// Go's encoding/json float64 format: `%f`-like between 1e-6 and 1e21,
/// exponent form outside, with a one-digit negative exponent unpadded.
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    let d = Decimal::shortest(f, false);
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = d.fmt_e();
        // encoding/json rewrites e-09 as e-9 but keeps e+21.
        let n = s.len();
        if n >= 4
            && s.as_bytes()[n - 4] == b'e'
            && s.as_bytes()[n - 3] == b'-'
            && s.as_bytes()[n - 2] == b'0'
        {
            s.remove(n - 2);
        }
        s
    } else {
        d.fmt_f()
    }
}

/// The shortest decimal digits that round-trip a float, Go's `decimalSlice`.
struct Decimal {
    neg: bool,
    /// Significant digits without leading zeros; `"0"` for zero.
    digits: Vec<u8>,
    /// Position of the decimal point: the value is `0.digits × 10^point`.
    point: i32,
}

impl Decimal {
    /// The shortest digits that read back as `f` (as `f32` when `bits32`),
    /// which is what Go's `shortest` mode produces.
    ///
    /// serde_json already carries a shortest-digits formatter for its own
    /// output; reusing it through `to_string` keeps core's float formatting
    /// (about 20 KB) out of the binary.
    fn shortest(f: f64, bits32: bool) -> Decimal {
        let text = if bits32 {
            serde_json::to_string(&(f as f32).abs())
        } else {
            serde_json::to_string(&f.abs())
        };
        Decimal::parse(&text.unwrap_or_default(), f.is_sign_negative())
    }

    /// Reads any plain decimal text (`100000.0`, `1.5e-7`, `1e21`).
    fn parse(text: &str, neg: bool) -> Decimal {
        let (mantissa, exp) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
        let exp: i32 = exp.trim_start_matches('+').parse().unwrap_or(0);
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        let mut point = int.len() as i32 + exp;
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        point -= leading as i32;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Decimal {
                neg,
                digits: vec![b'0'],
                point: 1,
            };
        }
        Decimal { neg, digits, point }
    }

    fn is_zero(&self) -> bool {
        self.digits == b"0"
    }

    /// Go's `fmtE` with the shortest precision: `d.ddde±XX`.
    fn fmt_e(&self) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.push(char::from(self.digits[0]));
        if self.digits.len() > 1 {
            s.push('.');
            s.extend(self.digits[1..].iter().map(|&b| char::from(b)));
        }
        let exp = if self.is_zero() { 0 } else { self.point - 1 };
        s.push('e');
        s.push(if exp < 0 { '-' } else { '+' });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            s.push('0');
        }
        s.push_str(&exp.to_string());
        s
    }

    /// Go's `fmtF` with the shortest precision: all digits, no exponent.
    fn fmt_f(&self) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        let nd = self.digits.len() as i32;
        let digit = |i: i32| -> char {
            if (0..nd).contains(&i) {
                char::from(self.digits[i as usize])
            } else {
                '0'
            }
        };
        if self.point > 0 && !self.is_zero() {
            for i in 0..self.point {
                s.push(digit(i));
            }
        } else {
            s.push('0');
        }
        let frac = if self.is_zero() {
            0
        } else {
            (nd - self.point).max(0)
        };
        if frac > 0 {
            s.push('.');
            for i in 0..frac {
                s.push(digit(self.point + i));
            }
        }
        s
    }
}

/// Go's encoding/json string escaping with `escapeHTML` on (the default
/// kubectl inherits): short escapes for `\b \f \n \r \t`, `\u00XX` for other
/// control bytes, and `\u003c \u003e \u0026 \u2028 \u2029`.
///
/// Runs of bytes that need no escape (nearly all of them) are copied at
/// once: the scan looks at bytes, not characters, since every byte that
/// needs an escape is ASCII, or the first of U+2028/U+2029's three.
pub fn write_json_string(buf: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    buf.reserve(bytes.len() + 2);
    buf.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|&b| ESCAPE[usize::from(b)]) {
        i += at;
        let b = bytes[i];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            // E2 80 A8 and E2 80 A9; any other character starting with E2
            // is copied.
            0xe2 => match bytes.get(i + 1..i + 3) {
                Some([0x80, 0xa8]) => b"\\u2028",
                Some([0x80, 0xa9]) => b"\\u2029",
                _ => {
                    i += 1;
                    continue;
                }
            },
            _ => b"",
        };
        buf.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            // `<`, `>`, `&` and the other control bytes.
            buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
            i += 1;
        } else {
            buf.extend_from_slice(escape);
            i += if b == 0xe2 { 3 } else { 1 };
        }
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// The bytes [`write_json_string`] stops at: `"`, `\`, `<`, `>`, `&`,
/// control bytes, and 0xE2 (which may start U+2028 or U+2029).
static ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xe2] = true;
    table
};

/// Appends [`json_number`]'s text for `n` (integers without allocating).
pub fn write_json_number(buf: &mut Vec<u8>, n: &Number) {
    match n.as_i64() {
        Some(i) => write_i64(buf, i),
        None => buf.extend_from_slice(json_number(n).as_bytes()),
    }
}

/// Appends the decimal digits of `i`.
pub fn write_i64(buf: &mut Vec<u8>, i: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = i.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if i < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&digits[at..]);
}

/// Writes the control character `c` as Go's `%q` writes it inside a
/// string: `\a \b \f \n \r \t \v`, `\xNN` for the other C0 controls and
/// DEL, `\uNNNN` for C1 controls (not single bytes in UTF-8). Rust's `{:?}`
/// writes ESC as `\u{1b}`; Go, and so kubectl, as `\x1b`.
///
/// ```
/// let mut out = String::new();
/// kapi::gofmt::write_escaped_control(&mut out, '\u{1b}');
/// kapi::gofmt::write_escaped_control(&mut out, '\u{9b}');
/// assert_eq!(out, "\\x1b\\u009b");
/// ```
pub fn write_escaped_control(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

/// Seconds since the Unix epoch of a UTC date and time, as Go's
/// `time.Date` counts them; `None` for a month, day or time out of range.
pub fn unix_seconds(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `2001-01-01T00:00:00Z` for Unix seconds.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// An RFC 3339 timestamp (`2026-01-01T00:00:00Z`, fractions and offsets
/// allowed) as Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let secs = unix_seconds(
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    )?;
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            let o = h * 3600 + m * 60;
            if rest.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(secs - offset)
}

/// apimachinery's `duration.HumanDuration` on whole seconds, as kubectl's
/// AGE column and the apiserver's tables print it.
///
/// ```
/// use kapi::gofmt::human_duration;
///
/// assert_eq!(human_duration(45), "45s");
/// assert_eq!(human_duration(330), "5m30s");
/// assert_eq!(human_duration(183_600), "2d3h");
/// assert_eq!(human_duration(-5), "<invalid>");
/// ```
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> String {
        let n: Number = serde_json::from_str(text).unwrap();
        json_number(&n)
    }

    #[test]
    fn sprint_prints_nested_values_as_go_fmt_does() {
        // kubectl on the fake: `-o custom-columns=X:.spec.x`.
        let x = serde_json::json!({
            "b": true, "big": 1e21, "e": "", "el": [], "em": {}, "f": 1.5,
            "false": null, "list": [[1, 2], {"a": null, "z": [true]}],
            "s": "a b", "small": 0.000001, "u": 18446744073709551615u64,
        });
        assert_eq!(
            sprint(&x),
            "map[b:true big:1e+21 e: el:[] em:map[] f:1.5 false:<nil> \
list:[[1 2] map[a:<nil> z:[true]]] s:a b small:1e-06 u:1.8446744073709552e+19]"
        );
        assert_eq!(sprint(&serde_json::json!(null)), "<nil>");
        let mut deep = serde_json::json!(1);
        // (Not deeper: dropping a serde_json Value recurses.)
        for _ in 0..1_000 {
            deep = serde_json::json!([deep]);
        }
        assert_eq!(sprint(&deep).len(), 2_001);
    }

    #[test]
    fn json_float_and_number_agree_on_large_integers() {
        assert_eq!(json_float(u64::MAX as f64), "18446744073709552000");
    }

    #[test]
    fn formats_numbers_like_go_encoding_json() {
        // Expected values are what kubectl v1.32 printed for the same input.
        assert_eq!(num("1.5"), "1.5");
        assert_eq!(num("1e21"), "1e+21");
        assert_eq!(num("0.000001"), "0.000001");
        assert_eq!(num("0.0000001"), "1e-7");
        assert_eq!(num("1.23e-10"), "1.23e-10");
        assert_eq!(num("1234567.5"), "1234567.5");
        assert_eq!(num("18446744073709551615"), "18446744073709552000");
        assert_eq!(num("9223372036854775807"), "9223372036854775807");
        assert_eq!(num("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(num("-0.0"), "-0");
        assert_eq!(num("0.0"), "0");
        assert_eq!(num("100000000000000000000"), "100000000000000000000");
        assert_eq!(num("1.0"), "1");
        assert_eq!(num("1.5e300"), "1.5e+300");
        assert_eq!(num("-2.5e-8"), "-2.5e-8");
    }

    #[test]
    fn formats_g_like_go_strconv() {
        assert_eq!(float_g(1e6, false), "1e+06");
        assert_eq!(float_g(123456.0, false), "123456");
        assert_eq!(float_g(0.0001, false), "0.0001");
        assert_eq!(float_g(0.00001, false), "1e-05");
        assert_eq!(
            float_g(1.8446744073709552e19, false),
            "1.8446744073709552e+19"
        );
        assert_eq!(float_g(0.0, false), "0");
        assert_eq!(float_g(-0.0, false), "-0");
        assert_eq!(float_g(f64::INFINITY, false), "+Inf");
        // float32 keys: 0.1 prints as its float32 shortest form.
        assert_eq!(float_g(0.1, true), "0.1");
        assert_eq!(float_g(1e7, true), "1e+07");
        assert_eq!(float_g(1.2345678901234567, true), "1.2345679");
        assert_eq!(float_g(1e39, true), "+Inf");
        // kubectl printed these float keys as "312985.12" and "1e-45".
        assert_eq!(float_g(312985.125, true), "312985.12");
        assert_eq!(float_g(1.5e-45, true), "1e-45");
    }

    #[test]
    fn picks_the_same_shortest_digits_as_go_on_ties() {
        // Halfway between two 17-digit candidates; kubectl printed `...562.2`
        // (Rust's `{:e}` would say `...562.3`).
        assert_eq!(num("1658206780088562.25"), "1658206780088562.2");
        assert_eq!(num("2.5e-323"), "2.5e-323");
    }

    #[test]
    fn escapes_strings_like_go() {
        let v =
            serde_json::json!("<a href=\"x/y\">&\u{2028}\u{2029}\u{1}\u{8}\u{c}\t\r\n\\\u{7f}é😀");
        assert_eq!(
            { let mut out = Vec::new(); write_json_string(&mut out, v.as_str().unwrap()); String::from_utf8(out).unwrap() + "\n" },
            "\"\\u003ca href=\\\"x/y\\\"\\u003e\\u0026\\u2028\\u2029\\u0001\\b\\f\\t\\r\\n\\\\\u{7f}é😀\"\n"
        );
    }

    /// The escaper as it was, character by character: the reference.
    fn escaped_by_chars(s: &str) -> Vec<u8> {
        let mut buf = vec![b'"'];
        for c in s.chars() {
            match c {
                '"' => buf.extend_from_slice(b"\\\""),
                '\\' => buf.extend_from_slice(b"\\\\"),
                '\n' => buf.extend_from_slice(b"\\n"),
                '\r' => buf.extend_from_slice(b"\\r"),
                '\t' => buf.extend_from_slice(b"\\t"),
                '\u{8}' => buf.extend_from_slice(b"\\b"),
                '\u{c}' => buf.extend_from_slice(b"\\f"),
                '\u{2028}' => buf.extend_from_slice(b"\\u2028"),
                '\u{2029}' => buf.extend_from_slice(b"\\u2029"),
                '<' | '>' | '&' | '\0'..='\u{1f}' => {
                    buf.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                c => buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        buf.push(b'"');
        buf
    }

    #[test]
    fn the_fast_escaper_agrees_with_the_character_by_character_one() {
        // Characters around every case, U+2000..U+2030 (E2 80 xx) among them.
        let alphabet: Vec<char> = ('\0'..='\u{7f}')
            .chain('\u{2000}'..='\u{2030}')
            .chain(['é', '\u{e000}', '\u{1f600}', '\u{85}', '\u{fffd}'])
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..400 {
            let s: String = (0..len % 40)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let mut got = Vec::new();
            write_json_string(&mut got, &s);
            assert_eq!(got, escaped_by_chars(&s), "{s:?}");
        }
        for &c in &alphabet {
            let mut got = Vec::new();
            write_json_string(&mut got, &c.to_string());
            assert_eq!(got, escaped_by_chars(&c.to_string()), "{c:?}");
        }
    }

    #[test]
    fn integers_are_written_without_allocating_and_like_json_number() {
        for text in [
            "0",
            "-1",
            "42",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "1.5",
        ] {
            let n: Number = serde_json::from_str(text).unwrap();
            let mut buf = Vec::new();
            write_json_number(&mut buf, &n);
            assert_eq!(String::from_utf8(buf).unwrap(), json_number(&n), "{text}");
        }
    }

    #[test]
    fn dates_both_ways() {
        assert_eq!(unix_seconds(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(format_unix(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(
            parse_rfc3339("2026-01-01T01:00:00.5+01:00"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_rfc3339("2026-01-01 00:00:00"), None);
        assert_eq!(parse_rfc3339("soon"), None);
    }
}
