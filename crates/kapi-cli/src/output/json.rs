//! `-o json`: prints a value byte for byte as `kubectl get -o json` does.
//!
//! Prefer [`write_json`] for one object and [`JsonListWriter`] when several
//! objects arrive one at a time (pages, watches) and must print as one `List`.
//!
//! kubectl decodes objects into Go maps (integers as `int64`, every other
//! number as `float64`) and prints them with `json.MarshalIndent(obj, "", "    ")`
//! plus a newline. That means: keys sorted by bytes at every level (which is
//! what serde_json's `Map` already does without `preserve_order`), four-space
//! indentation, `{}` and `[]` for empty containers, Go's string escaping
//! (`<`, `>`, `&`, U+2028 and U+2029 are escaped, `/` is not) and Go's float
//! formatting (`1e+21`, `1e-7`, `0.000001`, `1` for `1.0`).

use std::io::{self, Write};

use serde_json::{Number, Value};

/// Writes `v` the way `kubectl get -o json` prints it, newline included.
///
/// The text is built in memory and written with one `write_all`, so a
/// failing writer (a closed pipe) never sees half a document.
///
/// ```
/// use kapi_cli::output::json::write_json;
///
/// let pod = serde_json::json!({"kind": "Pod", "apiVersion": "v1", "spec": {}});
/// let mut out = Vec::new();
/// write_json(&mut out, &pod)?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"spec\": {}\n}\n"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_json(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    let mut buf = Vec::new();
    write_value(&mut buf, v, 0);
    buf.push(b'\n');
    out.write_all(&buf)
}

/// Streams several objects as the one `List` kubectl prints for them.
///
/// The output is byte-identical to [`write_json`] on
/// `{"apiVersion": "v1", "items": [...], "kind": "List", "metadata": {"resourceVersion": ""}}`
/// (the envelope `kubectl get` builds), but only one item is held at a time.
///
/// ```
/// use kapi_cli::output::json::JsonListWriter;
///
/// let mut out = Vec::new();
/// let mut list = JsonListWriter::begin(&mut out)?;
/// list.item(&mut out, &serde_json::json!({"kind": "Pod"}))?;
/// list.finish(&mut out)?;
/// assert!(String::from_utf8(out).unwrap().ends_with("\"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonListWriter {
    items: usize,
}

impl JsonListWriter {
    /// Writes the envelope up to the opening `[` of `items`.
    pub fn begin(out: &mut dyn Write) -> io::Result<Self> {
        out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [")?;
        Ok(JsonListWriter { items: 0 })
    }

    /// Writes one element of `items`.
    pub fn item(&mut self, out: &mut dyn Write, v: &Value) -> io::Result<()> {
        let mut buf = Vec::new();
        if self.items > 0 {
            buf.push(b',');
        }
        newline_indent(&mut buf, 2);
        write_value(&mut buf, v, 2);
        self.items += 1;
        out.write_all(&buf)
    }

    /// Closes `items` and writes the rest of the envelope and the newline.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        if self.items > 0 {
            newline_indent_to(out, 1)?;
        }
        out.write_all(
            b"],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
        )
    }
}

/// The text Go's encoding/json gives a number after kubectl decoded it.
///
/// kubectl keeps integers that fit `int64` and turns everything else into
/// `float64`, so a `u64` above `i64::MAX` prints as a float
/// (`18446744073709552000`), as does any number parsed with a fraction or
/// exponent (`1.0` prints `1`).
pub(crate) fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        // Above i64::MAX: Go parsed it as float64, rounding to nearest.
        go_json_float(u as f64)
    } else {
        // serde_json numbers are always one of the three; NaN cannot occur.
        go_json_float(n.as_f64().unwrap_or(0.0))
    }
}

/// `strconv.FormatFloat(f, 'g', -1, bits)`: Go's shortest `%g` form.
///
/// go-yaml prints floats this way (`1e+06`, `1.5`, `1e-05`), and
/// sigs.k8s.io/yaml uses it with 32 bits to turn float map keys into strings.
/// Infinities and NaN print as Go does (`+Inf`, `-Inf`, `NaN`); callers map
/// them to YAML's spelling.
pub(crate) fn go_format_g(f: f64, bits32: bool) -> String {
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
fn go_json_float(f: f64) -> String {
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

/// Recursion depth is the value's depth: serde_json and `parse_manifests`
/// both stop at 128 levels.
fn write_value(buf: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Null => buf.extend_from_slice(b"null"),
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        Value::Number(n) => buf.extend_from_slice(number_text(n).as_bytes()),
        Value::String(s) => write_string(buf, s),
        Value::Array(items) if items.is_empty() => buf.extend_from_slice(b"[]"),
        Value::Array(items) => {
            buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                newline_indent(buf, depth + 1);
                write_value(buf, item, depth + 1);
            }
            newline_indent(buf, depth);
            buf.push(b']');
        }
        Value::Object(map) if map.is_empty() => buf.extend_from_slice(b"{}"),
        Value::Object(map) => {
            buf.push(b'{');
            // serde_json's Map is a BTreeMap<String, _>: byte order, as Go sorts.
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                newline_indent(buf, depth + 1);
                write_string(buf, key);
                buf.extend_from_slice(b": ");
                write_value(buf, value, depth + 1);
            }
            newline_indent(buf, depth);
            buf.push(b'}');
        }
    }
}

fn newline_indent(buf: &mut Vec<u8>, depth: usize) {
    buf.push(b'\n');
    for _ in 0..depth {
        buf.extend_from_slice(b"    ");
    }
}

fn newline_indent_to(out: &mut dyn Write, depth: usize) -> io::Result<()> {
    let mut buf = Vec::new();
    newline_indent(&mut buf, depth);
    out.write_all(&buf)
}

/// Go's encoding/json string escaping with `escapeHTML` on (the default
/// kubectl inherits): short escapes for `\b \f \n \r \t`, `\u00XX` for other
/// control bytes, and `\u003c \u003e \u0026 \u2028 \u2029`.
fn write_string(buf: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: &[u8] = match c {
            '"' => b"\\\"",
            '\\' => b"\\\\",
            '\n' => b"\\n",
            '\r' => b"\\r",
            '\t' => b"\\t",
            '\u{8}' => b"\\b",
            '\u{c}' => b"\\f",
            '\u{2028}' => b"\\u2028",
            '\u{2029}' => b"\\u2029",
            '<' | '>' | '&' | '\0'..='\u{1f}' => b"",
            _ => continue,
        };
        buf.extend_from_slice(&s.as_bytes()[start..i]);
        start = i + c.len_utf8();
        if escape.is_empty() {
            let b = c as u8;
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
    }
    buf.extend_from_slice(&s.as_bytes()[start..]);
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn num(text: &str) -> String {
        let n: Number = serde_json::from_str(text).unwrap();
        number_text(&n)
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
        assert_eq!(go_format_g(1e6, false), "1e+06");
        assert_eq!(go_format_g(123456.0, false), "123456");
        assert_eq!(go_format_g(0.0001, false), "0.0001");
        assert_eq!(go_format_g(0.00001, false), "1e-05");
        assert_eq!(
            go_format_g(1.8446744073709552e19, false),
            "1.8446744073709552e+19"
        );
        assert_eq!(go_format_g(0.0, false), "0");
        assert_eq!(go_format_g(-0.0, false), "-0");
        assert_eq!(go_format_g(f64::INFINITY, false), "+Inf");
        // float32 keys: 0.1 prints as its float32 shortest form.
        assert_eq!(go_format_g(0.1, true), "0.1");
        assert_eq!(go_format_g(1e7, true), "1e+07");
        assert_eq!(go_format_g(1.2345678901234567, true), "1.2345679");
        assert_eq!(go_format_g(1e39, true), "+Inf");
        // kubectl printed these float keys as "312985.12" and "1e-45".
        assert_eq!(go_format_g(312985.125, true), "312985.12");
        assert_eq!(go_format_g(1.5e-45, true), "1e-45");
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
        let v = json!("<a href=\"x/y\">&\u{2028}\u{2029}\u{1}\u{8}\u{c}\t\r\n\\\u{7f}é😀");
        assert_eq!(
            render(&v),
            "\"\\u003ca href=\\\"x/y\\\"\\u003e\\u0026\\u2028\\u2029\\u0001\\b\\f\\t\\r\\n\\\\\u{7f}é😀\"\n"
        );
    }

    #[test]
    fn prints_empty_containers_inline() {
        let v = json!({"a": {}, "b": [], "c": [{}], "d": null});
        assert_eq!(
            render(&v),
            "{\n    \"a\": {},\n    \"b\": [],\n    \"c\": [\n        {}\n    ],\n    \"d\": null\n}\n"
        );
    }

    #[test]
    fn list_writer_matches_whole_list() {
        let items = [
            json!({"kind": "Pod", "metadata": {"name": "a"}, "spec": {"x": [1, 2]}}),
            json!({}),
            json!({"kind": "Pod", "metadata": {"name": "b"}}),
        ];
        for n in 0..=items.len() {
            let whole = json!({
                "apiVersion": "v1",
                "items": items[..n],
                "kind": "List",
                "metadata": {"resourceVersion": ""},
            });
            let mut streamed = Vec::new();
            let mut list = JsonListWriter::begin(&mut streamed).unwrap();
            for item in &items[..n] {
                list.item(&mut streamed, item).unwrap();
            }
            list.finish(&mut streamed).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                render(&whole),
                "{n} items"
            );
        }
    }

    /// Golden files: `NAME.input.json` printed by kubectl v1.32 as
    /// `NAME.kubectl.json` (see tests/golden/printers/README.md).
    macro_rules! golden {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let v: Value = serde_json::from_str(input).unwrap();
                assert_eq!(render(&v), want);
            }
        )*};
    }

    /// Golden lists: the items of `NAME.input.json` streamed through
    /// [`JsonListWriter`] must match what `kubectl get` printed for them
    /// (`NAME.kubectl.json`, recorded against a fake API server).
    macro_rules! golden_list {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let items: Vec<Value> = serde_json::from_str(input).unwrap();
                let mut out = Vec::new();
                let mut list = JsonListWriter::begin(&mut out).unwrap();
                for item in &items {
                    list.item(&mut out, item).unwrap();
                }
                list.finish(&mut out).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), want);
            }
        )*};
    }

    mod golden {
        use super::*;
        golden!(
            daemonset,
            configmap_strings,
            numbers,
            nested_empty,
            unicode_keys
        );
        golden_list!(list, list_empty);
    }

    /// Golden files: `NAME.input.yaml` read by kubectl v1.32 and printed as
    /// `NAME.kubectl.json`, one object after another: the manifest reader
    /// and this printer together against kubectl.
    macro_rules! golden_manifest {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                use kapi::manifest::{flatten_lists, Documents};
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.yaml"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let mut got = Vec::new();
                // kubectl's own reading keeps the last of keys that collide
                // (`on:` and `true:`), so the golden files were made that way.
                let docs = Documents::new(stringify!($name), input.as_bytes())
                    .field_validation(kapi::FieldValidation::Ignore)
                    .map(|d| d.unwrap().into_value())
                    .collect();
                for doc in flatten_lists(docs) {
                    write_json(&mut got, &doc).unwrap();
                }
                assert_eq!(String::from_utf8(got).unwrap(), want);
            }
        )*};
    }

    mod golden_manifest {
        use super::*;
        golden_manifest!(manifest_yaml11, manifest_multi);
    }
}
