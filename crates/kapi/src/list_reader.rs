//! Reading a list response one entry at a time: a byte-level scanner that
//! walks the top-level JSON object of a `List` (or a server-side `Table`)
//! and hands out each element of its `items` (or `rows`) array as raw
//! bytes, before the next one is read.
//!
//! Prefer [`Pager`](crate::Pager), which sends the requests and decodes the
//! entries; this reader is what keeps its memory bounded by the largest
//! entry (at most [`MAX_ITEM_BYTES`]) plus the read buffer, however many
//! entries a page holds, even when a server ignores `limit`.
//!
//! The scanner tracks only what it needs to find where a value ends:
//! strings (with their escapes) and the nesting depth. Each captured value
//! is then decoded by serde_json from the slice, which checks it in full,
//! so malformed bytes become a decode error, never a panic or a short list.

use std::io::{self, BufRead};

use serde::de::Error as _;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The largest single list entry (or other top-level member) accepted, as
/// [`MAX_EVENT_BYTES`](crate::watch::MAX_EVENT_BYTES) caps a watch event: an
/// object in etcd is at most 1.5 MiB by default, so a larger one means a
/// broken or hostile server, and reading it would grow memory without bound.
pub const MAX_ITEM_BYTES: usize = 16 << 20;

/// The members whose array is streamed: a list's `items`, a Table's `rows`.
const STREAMED: [&str; 2] = ["items", "rows"];

/// Reads one list page from `input`.
pub(crate) struct ListReader<R> {
    input: R,
    /// `GET https://…/pods`, for errors.
    request: String,
    /// The server URL, for transport errors.
    server: String,
    /// Every top-level member read so far but the streamed array.
    members: Map<String, Value>,
    /// The streamed array's member name, once seen.
    array_key: Option<String>,
    state: State,
    /// The current (last handed out) entry.
    entry: Vec<u8>,
    /// Scratch for member keys and values.
    scratch: Vec<u8>,
    max_item: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Before the opening `{`.
    Start,
    /// Inside the array; `first`: no element read yet.
    InArray { first: bool },
    /// The closing `}` was read.
    Done,
    /// An error was returned; nothing more is read.
    Failed,
}

impl<R: BufRead> ListReader<R> {
    pub(crate) fn new(input: R, request: String, server: String) -> ListReader<R> {
        ListReader {
            input,
            request,
            server,
            members: Map::new(),
            array_key: None,
            state: State::Start,
            entry: Vec::new(),
            scratch: Vec::new(),
            max_item: MAX_ITEM_BYTES,
        }
    }

    #[cfg(test)]
    fn with_max_item(mut self, max: usize) -> Self {
        self.max_item = max;
        self
    }

    /// Reads up to the first element of the streamed array (or to the end
    /// of the object when there is none).
    pub(crate) fn open(&mut self) -> Result<()> {
        if self.state != State::Start {
            return Ok(());
        }
        let result = self.open_inner();
        self.fail_on_err(result)
    }

    /// The top-level members read so far (all of them once
    /// [`advance`](Self::advance) has returned `false`).
    pub(crate) fn members(&self) -> &Map<String, Value> {
        &self.members
    }

    /// `items` or `rows`, if the page had such an array.
    pub(crate) fn array_key(&self) -> Option<&str> {
        self.array_key.as_deref()
    }

    /// Reads the next entry (then in [`last_entry`](Self::last_entry));
    /// `false` after the last one, when the rest of the object has been
    /// read too.
    pub(crate) fn advance(&mut self) -> Result<bool> {
        let result = self.next_entry_inner();
        self.fail_on_err(result)
    }

    /// The raw bytes of the next entry; `None` after the last one.
    #[cfg(test)]
    fn next_entry(&mut self) -> Result<Option<&[u8]>> {
        match self.advance()? {
            true => Ok(Some(&self.entry)),
            false => Ok(None),
        }
    }

    /// The bytes of the entry last read by [`advance`](Self::advance).
    pub(crate) fn last_entry(&self) -> &[u8] {
        &self.entry
    }

    /// Decodes `bytes` (an entry or member) as `T`.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|source| Error::Decode {
            request: self.request.clone(),
            source,
        })
    }

    fn fail_on_err<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn open_inner(&mut self) -> Result<()> {
        match self.peek()? {
            Some(b'{') => self.input.consume(1),
            Some(b) => {
                return Err(self.syntax(format!("expected a JSON object, found {}", show(b))))
            }
            None => return Err(self.ended_early("before the list began")),
        }
        match self.peek()? {
            Some(b'}') => {
                self.input.consume(1);
                self.finish()
            }
            _ => self.members_until_array(),
        }
    }

    fn next_entry_inner(&mut self) -> Result<bool> {
        match self.state {
            State::Start => {
                self.open_inner()?;
                self.next_entry_inner()
            }
            State::Done => Ok(false),
            State::Failed => Err(Error::InvalidRequest(format!(
                "the list response to {} already failed",
                self.request
            ))),
            State::InArray { first } => {
                match self.peek()? {
                    Some(b']') => {
                        self.input.consume(1);
                        self.after_member()?;
                        return self.next_entry_inner();
                    }
                    Some(b',') if !first => {
                        self.input.consume(1);
                        if self.peek()?.is_none() {
                            return Err(self.ended_early("inside the list's items"));
                        }
                    }
                    Some(b) if !first => {
                        return Err(self.syntax(format!(
                            "expected ',' or ']' after an item, found {}",
                            show(b)
                        )));
                    }
                    Some(_) => {}
                    None => return Err(self.ended_early("inside the list's items")),
                }
                let mut entry = std::mem::take(&mut self.entry);
                let result = self.capture(&mut entry);
                self.entry = entry;
                result?;
                self.state = State::InArray { first: false };
                Ok(true)
            }
        }
    }

    /// After a member's value: `,` and the next member, or `}` and the end.
    fn after_member(&mut self) -> Result<()> {
        match self.peek()? {
            Some(b',') => {
                self.input.consume(1);
                self.members_until_array()
            }
            Some(b'}') => {
                self.input.consume(1);
                self.finish()
            }
            Some(b) => Err(self.syntax(format!(
                "expected ',' or '}}' after a member, found {}",
                show(b)
            ))),
            None => Err(self.ended_early("inside the list object")),
        }
    }

    /// Reads members into `members` until a streamed array opens (state
    /// `InArray`) or the object ends (state `Done`).
    /// The next JSON value (a member name or a member), captured into the
    /// reusable buffer and decoded.
    fn capture_member<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let decoded = self
            .capture(&mut scratch)
            .and_then(|()| self.decode::<T>(&scratch));
        self.scratch = scratch;
        decoded
    }

    fn members_until_array(&mut self) -> Result<()> {
        loop {
            match self.peek()? {
                Some(b'"') => {}
                Some(b) => {
                    return Err(self.syntax(format!("expected a member name, found {}", show(b))))
                }
                None => return Err(self.ended_early("inside the list object")),
            }
            let key: String = self.capture_member()?;
            match self.peek()? {
                Some(b':') => self.input.consume(1),
                Some(b) => {
                    return Err(
                        self.syntax(format!("expected ':' after {key:?}, found {}", show(b)))
                    )
                }
                None => return Err(self.ended_early("inside the list object")),
            }
            match self.peek()? {
                Some(b'[') if STREAMED.contains(&key.as_str()) => {
                    if self.array_key.is_some() {
                        return Err(self.syntax(format!("a second streamed array, {key:?}")));
                    }
                    self.input.consume(1);
                    self.array_key = Some(key);
                    self.state = State::InArray { first: true };
                    return Ok(());
                }
                Some(_) => {}
                None => return Err(self.ended_early("inside the list object")),
            }
            let value: Value = self.capture_member()?;
            // `"items": 7` is no list: Go's decoder refuses it too
            // ("cannot unmarshal number into ... items"). null is an empty list.
            if STREAMED.contains(&key.as_str()) && !value.is_null() {
                return Err(self.syntax(format!("{key:?} is not an array")));
            }
            let after = format!("expected ',' or '}}' after {key:?}");
            self.members.insert(key, value);
            // A large member (a Table's columnDefinitions, say) need not
            // keep its buffer.
            self.scratch.clear();
            self.scratch.shrink_to(64 * 1024);
            match self.peek()? {
                Some(b',') => self.input.consume(1),
                Some(b'}') => {
                    self.input.consume(1);
                    return self.finish();
                }
                Some(b) => return Err(self.syntax(format!("{after}, found {}", show(b)))),
                None => return Err(self.ended_early("inside the list object")),
            }
        }
    }

    /// After the closing `}`: only whitespace may follow.
    fn finish(&mut self) -> Result<()> {
        if let Some(b) = self.peek()? {
            return Err(self.syntax(format!("trailing characters after the list: {}", show(b))));
        }
        self.state = State::Done;
        Ok(())
    }

    /// Appends the next JSON value (at a non-whitespace byte) to `out`,
    /// cleared first. Strings and nesting are tracked to find its end; its
    /// validity is left to the decoder.
    fn capture(&mut self, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let mut scan = Scan::default();
        match self.peek()? {
            Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {}
            Some(b) => return Err(self.syntax(format!("expected a value, found {}", show(b)))),
            None => return Err(self.ended_early("before a value")),
        }
        loop {
            let chunk = fill(&mut self.input)?;
            if chunk.is_empty() {
                return Err(self.ended_early("inside a value"));
            }
            let (used, complete) = match scan.feed(chunk) {
                Some(n) => (n, true),
                None => (chunk.len(), false),
            };
            if out.len() + used > self.max_item {
                return Err(Error::Transport {
                    server: self.server.clone(),
                    message: format!(
                        "an item of the list response to {} is larger than {} bytes; the list was dropped",
                        self.request, self.max_item
                    ),
                    source: None,
                });
            }
            out.extend_from_slice(&chunk[..used]);
            self.input.consume(used);
            if complete {
                return Ok(());
            }
        }
    }

    /// The next non-whitespace byte, not consumed; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            let chunk = fill(&mut self.input)?;
            if chunk.is_empty() {
                return Ok(None);
            }
            match chunk
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(i) => {
                    let b = chunk[i];
                    self.input.consume(i);
                    return Ok(Some(b));
                }
                None => {
                    let n = chunk.len();
                    self.input.consume(n);
                }
            }
        }
    }

    fn syntax(&self, message: String) -> Error {
        Error::Decode {
            request: self.request.clone(),
            source: serde_json::Error::custom(message),
        }
    }

    fn ended_early(&self, where_: &str) -> Error {
        Error::Transport {
            server: self.server.clone(),
            message: format!("the response to {} ended early ({where_})", self.request),
            source: None,
        }
    }
}

/// Where a JSON value ends: string and nesting state across chunks.
#[derive(Default)]
struct Scan {
    depth: u32,
    in_string: bool,
    escape: bool,
    scalar: bool,
    started: bool,
}

impl Scan {
    /// Feeds the next bytes of the value; `Some(n)` when it ends after
    /// `n` bytes of `chunk` (a scalar ends before its delimiter).
    ///
    /// A tight loop over the bytes with the state in locals: outside
    /// strings it stops only at `"{}[]`, inside them only at `"` and `\\`
    /// (eight bytes at a time in long strings).
    fn feed(&mut self, chunk: &[u8]) -> Option<usize> {
        if !self.started {
            let &first = chunk.first()?;
            self.started = true;
            // Invariant: `capture` checks the first byte, so anything
            // else than these starts a number or a literal.
            self.scalar = !matches!(first, b'{' | b'[' | b'"');
        }
        if self.scalar {
            return chunk.iter().position(|b| {
                matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r')
            });
        }
        let (mut depth, mut in_string, mut escape) = (self.depth, self.in_string, self.escape);
        let n = chunk.len();
        let mut i = 0;
        let end = loop {
            if i >= n {
                break None;
            }
            if in_string {
                if escape {
                    escape = false;
                    i += 1;
                }
                while i < n && !STRING_STOP[usize::from(chunk[i])] {
                    if n - i >= 16 {
                        i += quote_or_backslash(&chunk[i..]).unwrap_or(n - i);
                        break;
                    }
                    i += 1;
                }
                if i >= n {
                    break None;
                }
                if chunk[i] == b'\\' {
                    escape = true;
                } else {
                    in_string = false;
                    if depth == 0 {
                        break Some(i + 1);
                    }
                }
                i += 1;
                continue;
            }
            while i < n && !STRUCTURE[usize::from(chunk[i])] {
                i += 1;
            }
            if i >= n {
                break None;
            }
            match chunk[i] {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                _ => {
                    // A closing bracket: the value began with an opening
                    // one (`scalar` is false), so depth is at least 1
                    // unless the brackets are unbalanced, which the
                    // decoder then reports.
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break Some(i + 1);
                    }
                }
            }
            i += 1;
        };
        (self.depth, self.in_string, self.escape) = (depth, in_string, escape);
        end
    }
}

/// The bytes that end a run inside a string: `"` and `\\`.
static STRING_STOP: [bool; 256] = byte_set(b"\"\\");
/// The bytes outside strings that change the scan's state: `"{}[]`.
static STRUCTURE: [bool; 256] = byte_set(b"\"{}[]");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// The index of the first `"` or `\\` in `bytes`, tested a word at a time.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let w = u64::from_le_bytes(eight);
        let (q, b) = (w ^ QUOTES, w ^ BACKSLASHES);
        // A zero byte in q or b is a match; the lowest flagged byte is
        // exact (a borrow only flags bytes above a real zero).
        let found = (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|i| at + i)
}

fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// `fill_buf`, again after an interrupted read; an I/O error is kapi's.
fn fill<R: BufRead>(input: &mut R) -> Result<&[u8]> {
    loop {
        match input.fill_buf() {
            // A second call returns the same buffer; the borrow checker
            // cannot see that through the loop.
            Ok(_) => return input.fill_buf().map_err(Error::from_io),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from_io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A reader over `body` with a tiny buffer, so values straddle reads.
    fn reader(body: &[u8]) -> ListReader<io::BufReader<&[u8]>> {
        ListReader::new(
            io::BufReader::with_capacity(3, body),
            "GET https://k/api/v1/pods".into(),
            "https://k".into(),
        )
    }

    /// (members, entries) of `body`.
    fn read_all(body: &str) -> Result<(Value, Vec<Value>)> {
        let mut r = reader(body.as_bytes());
        r.open()?;
        let mut entries = Vec::new();
        while let Some(raw) = r.next_entry()? {
            let raw = raw.to_vec();
            entries.push(r.decode::<Value>(&raw)?);
        }
        Ok((Value::Object(r.members().clone()), entries))
    }

    #[test]
    fn quotes_and_backslashes_are_found_in_any_position() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = c;
                    // High bytes around the match must not be taken for it.
                    if at + 1 < len {
                        bytes[at + 1] = 0xa2;
                    }
                    if at > 0 {
                        bytes[at - 1] = 0x21;
                    }
                    assert_eq!(quote_or_backslash(&bytes), Some(at), "{len} {at}");
                }
            }
            assert_eq!(quote_or_backslash(&vec![0xdc; len]), None);
        }
    }

    #[test]
    fn items_are_handed_out_one_by_one_with_the_other_members() {
        let (members, entries) = read_all(
            r#" {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc"},
              "items":[{"metadata":{"name":"a"}} , {"metadata":{"name":"b]}\"x"}},{"n":[1,[2,{"3":"}"}]]}]} "#,
        )
        .unwrap();
        assert_eq!(members["kind"], "PodList");
        assert_eq!(members["metadata"]["continue"], "abc");
        assert_eq!(
            entries,
            [
                json!({"metadata": {"name": "a"}}),
                json!({"metadata": {"name": "b]}\"x"}}),
                json!({"n": [1, [2, {"3": "}"}]]}),
            ]
        );
    }

    #[test]
    fn members_after_the_items_are_read_at_the_end() {
        let (members, entries) =
            read_all(r#"{"items":[{"a":1}],"metadata":{"continue":"t"},"kind":"PodList"}"#)
                .unwrap();
        assert_eq!(entries, [json!({"a": 1})]);
        assert_eq!(members["metadata"]["continue"], "t");
        assert_eq!(members["kind"], "PodList");
    }

    #[test]
    fn table_rows_are_streamed_and_scalars_too() {
        let (members, entries) = read_all(
            r#"{"kind":"Table","columnDefinitions":[{"name":"Name"}],"rows":[1,-2.5e3,"s",true,null,{"cells":["x"]}]}"#,
        )
        .unwrap();
        assert_eq!(members["columnDefinitions"][0]["name"], "Name");
        assert_eq!(
            entries,
            [
                json!(1),
                json!(-2.5e3),
                json!("s"),
                json!(true),
                json!(null),
                json!({"cells": ["x"]})
            ]
        );
    }

    #[test]
    fn escapes_and_strings_split_at_any_read_are_found() {
        let body =
            br#"{"items":[{"a":"x\\\"]}\\","b":"\\\\"},"0123456789abcdef0123456789\\\"\\\\",[]]}"#;
        for capacity in 1..body.len() {
            let mut r = ListReader::new(
                io::BufReader::with_capacity(capacity, &body[..]),
                String::new(),
                String::new(),
            );
            let mut entries = Vec::new();
            while let Some(raw) = r.next_entry().unwrap() {
                entries.push(serde_json::from_slice::<Value>(raw).unwrap());
            }
            assert_eq!(
                entries,
                [
                    json!({"a": "x\\\"]}\\", "b": "\\\\"}),
                    json!("0123456789abcdef0123456789\\\"\\\\"),
                    json!([])
                ],
                "read {capacity} at a time"
            );
        }
    }

    #[test]
    fn empty_and_missing_items_are_empty_lists() {
        assert!(read_all(r#"{"items":[]}"#).unwrap().1.is_empty());
        assert!(read_all(r#"{"items":null,"kind":"L"}"#)
            .unwrap()
            .1
            .is_empty());
        assert!(read_all("{}").unwrap().1.is_empty());
        let (members, _) = read_all(r#"{"kind":"Status","code":200}"#).unwrap();
        assert_eq!(members["code"], 200);
    }

    #[test]
    fn items_that_are_not_an_array_are_an_error_not_an_empty_list() {
        for body in [
            r#"{"items":7}"#,
            r#"{"items":{"a":1}}"#,
            r#"{"kind":"Table","rows":"x"}"#,
        ] {
            let err = read_all(body).unwrap_err().to_string();
            assert!(err.contains("is not an array"), "{body}: {err}");
        }
    }

    #[test]
    fn escaped_member_names_are_decoded() {
        let (_, entries) = read_all(r#"{"\u0069tems":[{"a":"\\"}]}"#).unwrap();
        assert_eq!(entries, [json!({"a": "\\"})]);
    }

    #[test]
    fn a_truncated_body_is_an_error_not_a_short_list() {
        let full = r#"{"kind":"PodList","metadata":{"continue":"t"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#;
        for cut in 0..full.len() {
            let err = read_all(&full[..cut]).unwrap_err();
            assert!(
                matches!(err, Error::Transport { .. } | Error::Decode { .. }),
                "cut at {cut}: {err}"
            );
        }
        assert_eq!(read_all(full).unwrap().1.len(), 2);
    }

    #[test]
    fn an_item_over_the_cap_names_the_request() {
        let body = format!(r#"{{"items":[{{"a":"{}"}}]}}"#, "x".repeat(100));
        let mut r = reader(body.as_bytes()).with_max_item(64);
        let err = r.next_entry().unwrap_err().to_string();
        assert!(err.contains("GET https://k/api/v1/pods"), "{err}");
        assert!(err.contains("larger than 64 bytes"), "{err}");
        assert!(r.next_entry().is_err(), "no reading after a failure");
    }

    #[test]
    fn mangled_input_is_an_error_never_a_panic() {
        let cases: &[&[u8]] = &[
            b"[]",
            b"nul",
            b"{\"items\":[}",
            b"{\"items\":[{]}",
            b"{\"items\":[{\"a\":1}}",
            b"{\"items\":[1 2]}",
            b"{\"items\":[,1]}",
            b"{\"items\":[1,]}",
            b"{\"items\":[1]]}",
            b"{\"items\":[1]} x",
            b"{\"items\":[1]}{}",
            b"{items:[]}",
            b"{\"a\" 1}",
            b"{\"a\":}",
            b"{\"a\":1,}",
            b"{\"a\":\"\xff\"}",
            b"{\"items\":[\"\\ud800\"]",
            b"{\"items\":[\"unterminated]}",
            b"\xef\xbb\xbf{}",
            b"{\"items\":[{\"a\":1}],\"items\":[{\"b\":2}]}",
        ];
        for case in cases {
            let body = String::from_utf8_lossy(case);
            let mut r = reader(case);
            let mut result = r.open();
            while result.is_ok() {
                match r.next_entry() {
                    Ok(Some(raw)) => {
                        let raw = raw.to_vec();
                        result = r.decode::<Value>(&raw).map(drop);
                    }
                    Ok(None) => break,
                    Err(e) => result = Err(e),
                }
            }
            assert!(result.is_err(), "accepted {body:?}");
        }
        // Deep nesting is bounded by serde_json's recursion limit.
        let deep = format!(
            "{{\"items\":[{}{}]}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let mut r = reader(deep.as_bytes());
        let raw = r.next_entry().unwrap().unwrap().to_vec();
        assert!(r.decode::<Value>(&raw).is_err());
    }

    #[test]
    fn pseudo_random_garbage_never_panics() {
        let base = br#"{"kind":"PodList","metadata":{"continue":"t"},"items":[{"metadata":{"name":"a\"]"}},[1,{"b":[]}],"x"]}"#;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            let mut body = base.to_vec();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % body.len();
                body[at] = (seed >> 32) as u8;
            }
            let mut r = reader(&body);
            if r.open().is_ok() {
                while let Ok(Some(raw)) = r.next_entry() {
                    let raw = raw.to_vec();
                    let _ = r.decode::<Value>(&raw);
                }
            }
        }
    }
}
