//! Go's float formatting (`strconv.FormatFloat` with the shortest
//! precision, and `encoding/json`'s float64 form), shared by the JSONPath
//! printer and the manifest reader.

/// The shortest decimal digits that round-trip `value.abs()`, and the
/// position of the decimal point: `value = 0.DIGITS × 10^point`.
/// Zero has no digits.
fn shortest_digits(value: f64) -> (Vec<u8>, i32) {
    if value == 0.0 {
        return (Vec::new(), 0);
    }
    // Rust's `{:e}` is the shortest round-trip form, like Go's 'g' with -1.
    digits_of(&format!("{:e}", value.abs()))
}

/// As [`shortest_digits`], for the value as a float32 (Go's bitSize 32).
fn shortest_digits32(value: f32) -> (Vec<u8>, i32) {
    if value == 0.0 {
        return (Vec::new(), 0);
    }
    digits_of(&format!("{:e}", value.abs()))
}

/// The digits and point of Rust's `{:e}` text (`1.5e3`).
fn digits_of(formatted: &str) -> (Vec<u8>, i32) {
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((formatted, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

/// Go's `%v` for a float64 (`strconv.FormatFloat(v, 'g', -1, 64)`):
/// `1`, `2.2`, `1e+06`, `1e-05`.
pub(crate) fn go_float_text(value: f64) -> String {
    g_format(value.is_sign_negative(), shortest_digits(value))
}

/// `strconv.FormatFloat(v, 'g', -1, 32)`, for finite values: how
/// sigs.k8s.io/yaml turns a float mapping key into a JSON object key.
pub(crate) fn go_float_text32(value: f32) -> String {
    g_format(value.is_sign_negative(), shortest_digits32(value))
}

fn g_format(negative: bool, (digits, point): (Vec<u8>, i32)) -> String {
    let exponent = point - 1;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !digits.is_empty() && !(-4..6).contains(&exponent) {
        format_e(&mut out, &digits, point);
    } else {
        let precision = (i32::try_from(digits.len()).unwrap_or(i32::MAX) - point).max(0);
        format_f(&mut out, &digits, point, precision);
    }
    out
}

/// Go's `encoding/json` float64: `%f` form unless very small or very large,
/// then `%e` form with a one-digit negative exponent (`1e-7`, `1e+21`).
pub(crate) fn go_float_json(value: f64) -> String {
    let (digits, point) = shortest_digits(value);
    let abs = value.abs();
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        format_e(&mut out, &digits, point);
        // Go trims `e-07` to `e-7`.
        let n = out.len();
        if n >= 4 && out.get(n - 4..n - 1) == Some("e-0") {
            out.remove(n - 2);
        }
    } else {
        let precision = (i32::try_from(digits.len()).unwrap_or(i32::MAX) - point).max(0);
        format_f(&mut out, &digits, point, precision);
    }
    out
}

/// Go's `fmtE` with every digit: `d.ddde±XX`.
fn format_e(out: &mut String, digits: &[u8], point: i32) {
    let mut iter = digits.iter().map(|&d| char::from(d));
    out.push(iter.next().unwrap_or('0'));
    if digits.len() > 1 {
        out.push('.');
        out.extend(iter);
    }
    out.push('e');
    let exponent = if digits.is_empty() { 0 } else { point - 1 };
    out.push(if exponent < 0 { '-' } else { '+' });
    let exponent = exponent.unsigned_abs();
    if exponent < 10 {
        out.push('0');
    }
    out.push_str(&exponent.to_string());
}

/// Go's `fmtF`: integer part, then `precision` fraction digits.
fn format_f(out: &mut String, digits: &[u8], point: i32, precision: i32) {
    let digit = |i: i32| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .map_or('0', |&d| char::from(d))
    };
    if point > 0 {
        for i in 0..point {
            out.push(digit(i));
        }
    } else {
        out.push('0');
    }
    if precision > 0 {
        out.push('.');
        for i in 1..=precision {
            out.push(digit(point + i - 1));
        }
    }
}
