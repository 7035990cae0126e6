//! Comparisons in `--for=jsonpath=EXPR OP VALUE`: where the operator is,
//! and how a value found in an object compares with the wanted one.
//!
//! kubectl has equality only (`=`); kapi adds `==`, `!=`, `<`, `<=`, `>`,
//! `>=`. Numbers compare as numbers; the ordering operators need a number
//! on both sides, and say so when the object holds something else.

use kapi::jsonpath;
use serde_json::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    /// The operator as written (`==` is written `=`).
    pub fn text(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether it orders values (and so needs numbers).
    pub fn orders(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

/// The operator at the start of `text`, and its length.
fn op_at(text: &[u8]) -> Option<(Op, usize)> {
    match text {
        [b'!', b'=', ..] => Some((Op::Ne, 2)),
        [b'=', b'=', ..] => Some((Op::Eq, 2)),
        [b'<', b'=', ..] => Some((Op::Le, 2)),
        [b'>', b'=', ..] => Some((Op::Ge, 2)),
        [b'<', ..] => Some((Op::Lt, 1)),
        [b'>', ..] => Some((Op::Gt, 1)),
        [b'=', ..] => Some((Op::Eq, 1)),
        _ => None,
    }
}

/// The first operator outside `{}`, `[]`, `()` and quotes: its byte
/// offset, the operator and its length. Filters such as
/// `{.status.conditions[?(@.type!="Ready")].status}` keep theirs.
pub fn find_op(text: &str) -> Option<(usize, Op, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' if depth > 0 => quote = Some(b),
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ if depth == 0 => {
                    if let Some((op, len)) = op_at(&bytes[i..]) {
                        return Some((i, op, len));
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// A number as the wanted side of a comparison may be written: decimal,
/// with an optional sign, fraction and exponent (`3`, `-1`, `0.5`, `1e3`).
pub fn parse_number(text: &str) -> Option<Number> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !all_digits(e) {
            return None;
        }
    }
    if exponent.is_none() && !mantissa.contains('.') {
        if let Ok(int) = t.parse::<i128>() {
            return Some(Number::Int(int));
        }
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Number::Float)
}

/// A number from either side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer, compared exactly.
    Int(i128),
    /// Anything else.
    Float(f64),
}

impl Number {
    fn of(value: &Value) -> Option<Number> {
        match value {
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(Number::Int(i.into()))
                } else if let Some(u) = n.as_u64() {
                    Some(Number::Int(u.into()))
                } else {
                    n.as_f64().map(Number::Float)
                }
            }
            // Annotations and a few status fields hold numbers as text.
            Value::String(s) => parse_number(s),
            _ => None,
        }
    }

    fn cmp(self, other: Number) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.float().partial_cmp(&b.float()),
        }
    }

    fn float(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// Whether `value` (found by `expr`) compares with `want` by `op`.
///
/// `=` and `!=` compare numbers as numbers when the object holds a number
/// and `want` is one (`1.0` equals `1`), else the text as Go's `%v` prints
/// it (kubectl's rule). The ordering operators need numbers.
///
/// # Errors
///
/// An ordering operator on a value that is not a number.
pub fn holds(op: Op, value: &Value, want: &str, expr: &str) -> Result<bool, String> {
    let found = Number::of(value).filter(|_| value.is_number() || op.orders());
    let wanted = parse_number(want);
    if op.orders() {
        let Some(found) = found else {
            return Err(format!(
                "{expr} is {}, not a number: cannot compare it with {}{want}",
                shown(value),
                op.text()
            ));
        };
        // The wanted side was checked when the condition was parsed.
        let Some(wanted) = wanted else {
            return Err(format!("{want:?} is not a number"));
        };
        let Some(order) = found.cmp(wanted) else {
            return Ok(false);
        };
        return Ok(match op {
            Op::Lt => order.is_lt(),
            Op::Le => order.is_le(),
            Op::Gt => order.is_gt(),
            Op::Ge => order.is_ge(),
            Op::Eq | Op::Ne => unreachable!("ordering operators only"),
        });
    }
    let equal = match (found, wanted) {
        (Some(a), Some(b)) => a.cmp(b).is_some_and(|o| o.is_eq()),
        _ => text_of(value).trim() == want.trim(),
    };
    Ok(if op == Op::Eq { equal } else { !equal })
}

/// A value as Go's `%v` prints what kubectl decoded: `<nil>` for null.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        other => jsonpath::format_value(other),
    }
}

/// A value for a message: strings quoted, `""` visible.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => text_of(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_operator_outside_brackets_and_quotes_splits() {
        for (text, at, op) in [
            ("{.a}=3", 4, Op::Eq),
            ("{.a}==3", 4, Op::Eq),
            ("{.a}!=3", 4, Op::Ne),
            ("{.a}<3", 4, Op::Lt),
            ("{.a}<=3", 4, Op::Le),
            ("{.a}>3", 4, Op::Gt),
            ("{.a}>=3", 4, Op::Ge),
            (".status.phase!=Running", 13, Op::Ne),
            (r#"{.c[?(@.type!="Ready")].status}=True"#, 31, Op::Eq),
            (r#"{.c[?(@.n>=2)].m}>=1"#, 17, Op::Ge),
        ] {
            let (i, found, _) = find_op(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((i, found), (at, op), "{text}");
        }
        assert_eq!(find_op("{.status.loadBalancer.ingress}"), None);
        assert_eq!(find_op(r#"{.c[?(@.type=="x=y")].s}"#), None);
    }

    #[test]
    fn numbers_compare_as_numbers() {
        let three = json!(3);
        assert!(holds(Op::Ge, &three, "3", "{.a}").unwrap());
        assert!(holds(Op::Ge, &three, "2.5", "{.a}").unwrap());
        assert!(!holds(Op::Gt, &three, "3", "{.a}").unwrap());
        assert!(holds(Op::Lt, &three, "10", "{.a}").unwrap(), "not as text");
        assert!(holds(Op::Le, &json!(0.5), "0.5", "{.a}").unwrap());
        assert!(holds(Op::Eq, &json!(1.0), "1", "{.a}").unwrap());
        assert!(holds(Op::Eq, &three, "3.0", "{.a}").unwrap());
        assert!(holds(Op::Ne, &three, "4", "{.a}").unwrap());
        assert!(
            holds(Op::Gt, &json!("12"), "9", "{.a}").unwrap(),
            "a number as text"
        );
        assert!(holds(Op::Gt, &json!(u64::MAX), "9223372036854775807", "{.a}").unwrap());
    }

    #[test]
    fn text_compares_as_text_and_ordering_needs_numbers() {
        let phase = json!("Running");
        assert!(holds(Op::Eq, &phase, "Running", "{.p}").unwrap());
        assert!(holds(Op::Ne, &phase, "Pending", "{.p}").unwrap());
        assert!(!holds(Op::Ne, &phase, "Running", "{.p}").unwrap());
        assert!(holds(Op::Eq, &json!(true), "true", "{.p}").unwrap());
        // A string that looks like a number is still text for `=`.
        assert!(!holds(Op::Eq, &json!("010"), "10", "{.p}").unwrap());
        assert_eq!(
            holds(Op::Ge, &phase, "3", "{.status.phase}").unwrap_err(),
            r#"{.status.phase} is "Running", not a number: cannot compare it with >=3"#
        );
        assert!(holds(Op::Lt, &json!(true), "1", "{.p}")
            .unwrap_err()
            .contains("true, not a number"));
    }

    #[test]
    fn number_syntax() {
        assert_eq!(parse_number("3"), Some(Number::Int(3)));
        assert_eq!(parse_number("-3"), Some(Number::Int(-3)));
        assert_eq!(parse_number("0.5"), Some(Number::Float(0.5)));
        assert_eq!(parse_number(".5"), Some(Number::Float(0.5)));
        assert_eq!(parse_number("1e3"), Some(Number::Float(1000.0)));
        for bad in [
            "", "three", "1.2.3", "nan", "inf", "0x10", "1e", "500m", "-",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }
}
