//! Output as kubectl writes it: client-go's `PrintResults`, Go's `fmt.Fprint`
//! for scalars and `encoding/json` for maps and lists.
//!
//! Everything here is iterative and infallible: any `serde_json::Value`,
//! however deep, can be printed.

use serde_json::Value;

use super::eval::Item;
use crate::gofmt::{float_g, json_float, write_json_string};

/// Writes one action's results: joined by single spaces, maps and lists as
/// compact JSON, everything else as Go's `fmt.Fprint` would. With
/// `json_output`, the whole list as one JSON array indented by four spaces
/// and a newline (kubectl's `-o jsonpath-as-json`).
pub(crate) fn print_results(out: &mut Vec<u8>, results: &[Item<'_>], json_output: bool) {
    if json_output {
        if results.is_empty() {
            out.extend_from_slice(b"[]");
        } else {
            out.push(b'[');
            for (i, value) in results.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, Some(INDENT), 1);
                write_json(out, value, Some(INDENT), 1);
            }
            newline(out, Some(INDENT), 0);
            out.push(b']');
        }
        out.push(b'\n');
        return;
    }
    for (i, value) in results.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_text(out, value);
    }
}

const INDENT: &str = "    ";

/// One value as `-o jsonpath` prints it.
pub(crate) fn write_text(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Object(_) | Value::Array(_) => write_json(out, value, None, 0),
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Number(n) => match n.as_i64() {
            Some(int) => out.extend_from_slice(int.to_string().as_bytes()),
            None => {
                let float = n.as_f64().unwrap_or(0.0);
                out.extend_from_slice(float_g(float, false).as_bytes());
            }
        },
        Value::Bool(_) | Value::Null => write_scalar_json(out, value),
    }
}

/// A container being written by [`write_json`]: its remaining entries, its
/// depth, and whether an entry has been written yet.
enum Frame<'v> {
    List(std::slice::Iter<'v, Value>, usize, bool),
    Map(serde_json::map::Iter<'v>, usize, bool),
}

/// Go's `encoding/json` output: keys sorted (a `BTreeMap` already is), HTML
/// characters escaped, floats as Go formats them. Iterative, so no value is
/// too deep to print.
fn write_json(out: &mut Vec<u8>, value: &Value, indent: Option<&str>, depth: usize) {
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = Some((value, depth));
    loop {
        if let Some((value, depth)) = next.take() {
            match value {
                Value::Array(list) if !list.is_empty() => {
                    out.push(b'[');
                    stack.push(Frame::List(list.iter(), depth, false));
                }
                Value::Object(map) if !map.is_empty() => {
                    out.push(b'{');
                    stack.push(Frame::Map(map.iter(), depth, false));
                }
                _ => write_scalar_json(out, value),
            }
        }
        let Some(frame) = stack.last_mut() else {
            return;
        };
        let closed = match frame {
            Frame::List(entries, depth, started) => match entries.next() {
                Some(element) => {
                    if *started {
                        out.push(b',');
                    }
                    *started = true;
                    newline(out, indent, *depth + 1);
                    next = Some((element, *depth + 1));
                    None
                }
                None => Some((b']', *depth)),
            },
            Frame::Map(entries, depth, started) => match entries.next() {
                Some((key, element)) => {
                    if *started {
                        out.push(b',');
                    }
                    *started = true;
                    newline(out, indent, *depth + 1);
                    write_json_string(out, key);
                    out.push(b':');
                    if indent.is_some() {
                        out.push(b' ');
                    }
                    next = Some((element, *depth + 1));
                    None
                }
                None => Some((b'}', *depth)),
            },
        };
        if let Some((bracket, depth)) = closed {
            newline(out, indent, depth);
            out.push(bracket);
            stack.pop();
        }
    }
}

/// Everything but non-empty containers, in `encoding/json` form.
fn write_scalar_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => match n.as_i64() {
            Some(int) => out.extend_from_slice(int.to_string().as_bytes()),
            None => {
                let float = n.as_f64().unwrap_or(0.0);
                out.extend_from_slice(json_float(float).as_bytes());
            }
        },
        Value::String(s) => write_json_string(out, s),
        Value::Array(_) => out.extend_from_slice(b"[]"),
        Value::Object(_) => out.extend_from_slice(b"{}"),
    }
}

fn newline(out: &mut Vec<u8>, indent: Option<&str>, depth: usize) {
    if let Some(indent) = indent {
        out.push(b'\n');
        for _ in 0..depth {
            out.extend_from_slice(indent.as_bytes());
        }
    }
}
