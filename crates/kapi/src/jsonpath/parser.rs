//! Template text to syntax tree, a port of client-go's `util/jsonpath/parser.go`.
//!
//! The parser is a loop rather than client-go's mutually recursive functions,
//! so a long template cannot exhaust the stack. It still re-parses the
//! pieces client-go re-parses (union members, `['key']` and both sides of a
//! filter) as small templates of their own, because that is what decides
//! their meaning: `['a.b']` is the path `.a.b`, and `[?(@.x==@.y)]` compares
//! two paths. Those sub-parses are bounded by [`MAX_PARSE_DEPTH`].
//!
//! Positions are byte offsets into the template the user wrote; sub-parses
//! map theirs back through [`Origin`].

use std::fmt::Write as _;

/// How deep sub-templates (union members, bracket keys, filter sides) may
/// nest. Well-formed templates never go past 4; the bound only turns a
/// pathological input into an error instead of deep recursion.
const MAX_PARSE_DEPTH: usize = 16;

/// One node of a parsed template. Mirrors client-go's node types.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Literal text, outside an action or quoted inside one.
    Text(String),
    /// One `{...}` action: its nodes are applied left to right.
    List(Vec<Node>),
    /// `.name`: a map key.
    Field { name: String, pos: usize },
    /// `.*`: every value of a map, element of a list or byte of a string.
    Wildcard,
    /// `..`: the value and every non-empty container below it, pre-order.
    Recursive,
    /// `[n]`, `[start:end:step]`, `[*]`.
    Array { params: [Param; 3], pos: usize },
    /// `[a,b]`: each member is a path applied to the same input.
    Union(Vec<Vec<Node>>),
    /// `[?(left op right)]`, or `[?(left)]` with `op == "exists"`.
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
        pos: usize,
        op_pos: usize,
    },
    /// An integer literal (Go `int`).
    Int(i64),
    /// A float literal (Go `float64`); always finite.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A bare word: `range`, `end`, or an error at execution time.
    Identifier { name: String, pos: usize },
}

/// One of the three slice parameters, as client-go's `ParamsEntry`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Param {
    pub(crate) value: i64,
    pub(crate) known: bool,
    /// The end of `[n]`, derived as `n + 1`.
    pub(crate) derived: bool,
}

/// A parse failure: client-go's message and a byte offset in the template.
#[derive(Debug)]
pub(crate) struct ParseError {
    pub(crate) message: String,
    pub(crate) pos: usize,
}

/// Parses a whole template into its top-level nodes (`Text` and `List`).
pub(crate) fn parse(template: &str) -> Result<Vec<Node>, ParseError> {
    let origin = Origin {
        shift: 0,
        lo: 0,
        hi: template.len(),
    };
    Parser::new(template, origin, 0).parse_template()
}

/// Maps offsets in a synthesized sub-template back to the user's template:
/// `original = offset + shift`, clamped to the span the sub-template came from.
#[derive(Debug, Clone, Copy)]
struct Origin {
    shift: isize,
    lo: usize,
    hi: usize,
}

impl Origin {
    fn map(self, offset: usize) -> usize {
        let offset = isize::try_from(offset).unwrap_or(isize::MAX);
        let mapped = usize::try_from(offset.saturating_add(self.shift)).unwrap_or(0);
        mapped.clamp(self.lo, self.hi.max(self.lo))
    }

    /// The origin of a sub-template `prefix + input[start..end] + suffix`.
    fn sub(self, start: usize, end: usize, prefix_len: usize) -> Origin {
        let lo = self.map(start);
        let hi = self.map(end);
        let shift = isize::try_from(lo)
            .unwrap_or(isize::MAX)
            .saturating_sub(isize::try_from(prefix_len).unwrap_or(0));
        Origin { shift, lo, hi }
    }
}

struct Parser<'t> {
    input: &'t str,
    pos: usize,
    /// Width of the last character returned by `next`, for `backup`.
    width: usize,
    origin: Origin,
    depth: usize,
}

impl<'t> Parser<'t> {
    fn new(input: &'t str, origin: Origin, depth: usize) -> Self {
        Parser {
            input,
            pos: 0,
            width: 0,
            origin,
            depth,
        }
    }

    fn error(&self, message: impl Into<String>, offset: usize) -> ParseError {
        ParseError {
            message: message.into(),
            pos: self.origin.map(offset),
        }
    }

    fn rest(&self) -> &'t str {
        self.input.get(self.pos..).unwrap_or("")
    }

    /// The next character, or `None` at the end (client-go's `eof`).
    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn backup(&mut self) {
        self.pos -= self.width;
        self.width = 0;
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        self.input.as_bytes().get(offset).copied()
    }

    /// client-go's `parseText`: text up to each `{`, then the action.
    fn parse_template(mut self) -> Result<Vec<Node>, ParseError> {
        let mut root = Vec::new();
        loop {
            let rest = self.rest();
            match rest.find('{') {
                None => {
                    if !rest.is_empty() {
                        root.push(Node::Text(rest.to_owned()));
                    }
                    return Ok(root);
                }
                Some(i) => {
                    if let Some(text) = rest.get(..i).filter(|t| !t.is_empty()) {
                        root.push(Node::Text(text.to_owned()));
                    }
                    self.pos += i + 1;
                    let action = self.parse_action()?;
                    root.push(Node::List(action));
                }
            }
        }
    }

    /// client-go's `parseInsideAction`, up to and including the closing `}`.
    fn parse_action(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut nodes = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                return Ok(nodes);
            }
            if rest.starts_with("[?(") {
                self.parse_filter(&mut nodes)?;
                continue;
            }
            if rest.starts_with("..") {
                self.parse_recursive(&mut nodes)?;
                continue;
            }
            let start = self.pos;
            match self.next() {
                None | Some('\r') | Some('\n') => {
                    return Err(self.error("unclosed action", start));
                }
                Some(' ' | '@' | '$') => {}
                Some('[') => self.parse_array(&mut nodes, start)?,
                Some(quote @ ('"' | '\'')) => self.parse_quote(&mut nodes, quote, start)?,
                Some('.') => self.parse_field(&mut nodes),
                Some(c) if c == '+' || c == '-' || is_digit(c) => {
                    self.pos = start;
                    self.parse_number(&mut nodes)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.pos = start;
                    self.parse_identifier(&mut nodes);
                }
                Some(c) => {
                    let message = format!("unrecognized character in action: {}", go_unicode(c));
                    return Err(self.error(message, start));
                }
            }
        }
    }

    /// `range`, `end`, `true`, `false` or any other bare word.
    fn parse_identifier(&mut self, nodes: &mut Vec<Node>) {
        let start = self.pos;
        self.scan_to_terminator(false);
        let value = self.input.get(start..self.pos).unwrap_or("");
        nodes.push(match value {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier {
                name: value.to_owned(),
                pos: self.origin.map(start),
            },
        });
    }

    /// `..`; a second one straight after the first is an error.
    fn parse_recursive(&mut self, nodes: &mut Vec<Node>) -> Result<(), ParseError> {
        if matches!(nodes.last(), Some(Node::Recursive)) {
            return Err(self.error("invalid multiple recursive descent", self.pos));
        }
        self.pos += 2;
        nodes.push(Node::Recursive);
        if self.peek().is_some_and(is_alphanumeric) {
            self.parse_field(nodes);
        }
        Ok(())
    }

    fn parse_number(&mut self, nodes: &mut Vec<Node>) -> Result<(), ParseError> {
        let start = self.pos;
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || is_digit(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.input.get(start..self.pos).unwrap_or("");
        if let Some(int) = go_atoi(value) {
            nodes.push(Node::Int(int));
            return Ok(());
        }
        match go_parse_float(value) {
            Some(float) => {
                nodes.push(Node::Float(float));
                Ok(())
            }
            None => Err(self.error(format!("cannot parse number {value}"), start)),
        }
    }

    /// `[...]`: a union, a `'key'`, or an index/slice. `bracket` is the `[`.
    fn parse_array(&mut self, nodes: &mut Vec<Node>, bracket: usize) -> Result<(), ParseError> {
        loop {
            match self.next() {
                None | Some('\n') => return Err(self.error("unterminated array", bracket)),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let inner_start = bracket + 1;
        let inner_end = self.pos - 1;
        let mut text = self.input.get(inner_start..inner_end).unwrap_or("");
        if text == "*" {
            text = ":";
        }

        if text.contains(',') {
            let mut members = Vec::new();
            let mut offset = inner_start;
            for part in text.split(',') {
                let trimmed = part.trim_matches(' ');
                let leading = part.len() - part.trim_start_matches(' ').len();
                let member_start = offset + leading;
                let origin = self
                    .origin
                    .sub(member_start, member_start + trimmed.len(), 2);
                members.push(self.parse_sub(&format!("[{trimmed}]"), origin)?);
                offset += part.len() + 1;
            }
            nodes.push(Node::Union(members));
            return Ok(());
        }

        if let Some(key) = dict_key(text) {
            let key_start = inner_start + 1;
            let origin = self.origin.sub(key_start, key_start + key.len(), 2);
            nodes.extend(self.parse_sub(&format!(".{key}"), origin)?);
            return Ok(());
        }

        let params = parse_slice(text).map_err(|message| self.error(message, bracket))?;
        nodes.push(Node::Array {
            params,
            pos: self.origin.map(bracket),
        });
        Ok(())
    }

    /// `[?(...)]`. Quotes are tracked only so that a `)` inside a quoted
    /// right-hand side does not end the filter, exactly as client-go does.
    fn parse_filter(&mut self, nodes: &mut Vec<Node>) -> Result<(), ParseError> {
        let filter_start = self.pos;
        self.pos += 3;
        let content_start = self.pos;
        let mut begin = false;
        let mut end = false;
        let mut pair = '"';
        loop {
            match self.next() {
                None | Some('\n') => return Err(self.error("unterminated filter", filter_start)),
                Some(quote @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = quote;
                        continue;
                    }
                    let escaped = self
                        .pos
                        .checked_sub(2)
                        .and_then(|i| self.byte_at(i))
                        .is_some_and(|b| b == b'\\');
                    if !escaped && quote == pair {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                Some(_) => {}
            }
        }
        let close = self.pos;
        if self.next() != Some(']') {
            return Err(self.error("unclosed array expect ]", close));
        }
        // The filter text without the closing `)`.
        let text = self.input.get(content_start..close - 1).unwrap_or("");
        let pos = self.origin.map(filter_start);

        match split_comparison(text) {
            None => {
                let origin = self
                    .origin
                    .sub(content_start, content_start + text.len(), 1);
                let left = self.parse_sub(text, origin)?;
                nodes.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".to_owned(),
                    pos,
                    op_pos: pos,
                });
            }
            Some((left_text, op, right_text)) => {
                let op_start = content_start + left_text.len();
                let right_start = op_start + op.len();
                let left_origin = self.origin.sub(content_start, op_start, 1);
                let right_origin = self
                    .origin
                    .sub(right_start, right_start + right_text.len(), 1);
                let left = self.parse_sub(left_text, left_origin)?;
                let right = self.parse_sub(right_text, right_origin)?;
                nodes.push(Node::Filter {
                    left,
                    right,
                    op: op.to_owned(),
                    pos,
                    op_pos: self.origin.map(op_start),
                });
            }
        }
        Ok(())
    }

    /// A quoted string inside an action: `{"\n"}`, `{'x'}`.
    fn parse_quote(
        &mut self,
        nodes: &mut Vec<Node>,
        quote: char,
        start: usize,
    ) -> Result<(), ParseError> {
        loop {
            match self.next() {
                None | Some('\n') => {
                    return Err(self.error("unterminated quoted string", start));
                }
                Some(c) if c == quote => {
                    // client-go looks only at the previous byte, so `"\\"`
                    // does not end the string either.
                    let escaped = self
                        .pos
                        .checked_sub(2)
                        .and_then(|i| self.byte_at(i))
                        .is_some_and(|b| b == b'\\');
                    if !escaped {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        let value = self.input.get(start..self.pos).unwrap_or("");
        match unquote_extend(value) {
            Some(text) => {
                nodes.push(Node::Text(text));
                Ok(())
            }
            None => Err(self.error(
                format!("unquote string {value} error invalid syntax"),
                start,
            )),
        }
    }

    /// A field name after `.`: up to the next unescaped terminator, with every
    /// backslash removed (`kubernetes\.io/hostname`).
    fn parse_field(&mut self, nodes: &mut Vec<Node>) {
        let start = self.pos;
        self.scan_to_terminator(true);
        let value = self.input.get(start..self.pos).unwrap_or("");
        if value == "*" {
            nodes.push(Node::Wildcard);
        } else {
            nodes.push(Node::Field {
                name: value.replace('\\', ""),
                pos: self.origin.map(start),
            });
        }
    }

    fn scan_to_terminator(&mut self, escapes: bool) {
        loop {
            let c = self.next();
            if escapes && c == Some('\\') {
                self.next();
            } else if is_terminator(c) {
                self.backup();
                return;
            }
        }
    }

    /// client-go's `parseAction`: parse `{text}` as a template of its own and
    /// keep the nodes of its first action.
    fn parse_sub(&self, text: &str, origin: Origin) -> Result<Vec<Node>, ParseError> {
        if self.depth >= MAX_PARSE_DEPTH {
            return Err(ParseError {
                message: "template nested too deeply".to_owned(),
                pos: origin.lo,
            });
        }
        let wrapped = format!("{{{text}}}");
        let root = Parser::new(&wrapped, origin, self.depth + 1).parse_template()?;
        match root.into_iter().next() {
            Some(Node::List(nodes)) => Ok(nodes),
            // Unreachable: the wrapped text starts with `{`.
            _ => Ok(Vec::new()),
        }
    }
}

/// client-go's `dictKeyRex`, `^'([^']*)'$`.
fn dict_key(text: &str) -> Option<&str> {
    let key = text.strip_prefix('\'')?.strip_suffix('\'')?;
    (!key.contains('\'')).then_some(key)
}

/// client-go's `sliceOperatorRex`, `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`, and
/// the conversion of its groups into [`Param`]s.
fn parse_slice(text: &str) -> Result<[Param; 3], String> {
    let invalid = || format!("invalid array index {text}");
    let groups: Vec<&str> = text.split(':').collect();
    if groups.len() > 3 {
        return Err(invalid());
    }
    for group in &groups {
        let digits = group.strip_prefix('-').unwrap_or(group);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
    }
    let mut params = [Param::default(); 3];
    for (param, value) in params.iter_mut().zip(&groups) {
        // An empty group stays unknown: `[:2]`, `[1:]`, `[0:6:]`.
        if !value.is_empty() {
            param.known = true;
            param.value =
                go_atoi(value).ok_or_else(|| format!("array index {value} is not a number"))?;
        }
    }
    if groups.len() == 1 {
        // `[n]` is `[n:n+1]`, marked derived so that `[-1]` ends at the end.
        params[1] = Param {
            value: params[0].value.wrapping_add(1),
            known: true,
            derived: true,
        };
    }
    Ok(params)
}

/// client-go's filter regex `^([^!<>=]+)([!<>=]+)(.+?)$`, by hand.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let op_start = text.find(is_op)?;
    if op_start == 0 {
        return None;
    }
    let after = text.get(op_start..)?;
    let run = after.len() - after.trim_start_matches(is_op).len();
    // The right side needs at least one character; the greedy operator
    // group gives one back if the text ends in operator characters.
    let op_len = if run == after.len() { run - 1 } else { run };
    if op_len == 0 {
        return None;
    }
    let left = text.get(..op_start)?;
    let op = after.get(..op_len)?;
    let right = after.get(op_len..)?;
    // `.` in the regex does not match a newline; the filter scanner has
    // already rejected those.
    Some((left, op, right))
}

/// client-go's `isTerminator`; `None` is the end of input.
fn is_terminator(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

/// Go's `unicode.IsDigit` (Unicode category Nd), approximated by Rust's
/// `is_numeric` outside ASCII.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// client-go's `isAlphaNumeric`: `_`, letters and digits.
fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

/// Go's `%#U`: `U+002A '*'`, without the quoted character if unprintable.
fn go_unicode(c: char) -> String {
    let mut out = format!("U+{:04X}", u32::from(c));
    let printable = if c.is_ascii() {
        c.is_ascii_graphic() || c == ' '
    } else {
        !c.is_control() && !c.is_whitespace() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}')
    };
    if printable {
        let _ = write!(out, " '{c}'");
    }
    out
}

/// Go's `strconv.Atoi`: optional sign, ASCII digits, no overflow.
pub(crate) fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for what `parseNumber` can scan: an
/// optional sign, digits and dots. Out-of-range values are errors, as in Go.
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = body.split('.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    if parts.next().is_some() || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = s.parse().ok()?;
    value.is_finite().then_some(value)
}

/// client-go's `UnquoteExtend`: `strconv.Unquote` that also accepts single
/// quotes. `\x` and octal escapes make raw bytes in Go; bytes that do not form
/// UTF-8 become U+FFFD here.
pub(crate) fn unquote_extend(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let quote = *bytes.first()?;
    if bytes.len() < 2 || bytes.last() != Some(&quote) || !matches!(quote, b'"' | b'\'') {
        return None;
    }
    let inner = s.get(1..s.len() - 1)?;
    if !inner.bytes().any(|b| b == b'\\' || b == quote) {
        return Some(inner.to_owned());
    }

    let b = inner.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == quote {
            return None;
        }
        if c >= 0x80 {
            let ch = inner.get(i..)?.chars().next()?;
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            i += ch.len_utf8();
            continue;
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let escape = *b.get(i + 1)?;
        i += 2;
        match escape {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'x' | b'u' | b'U' => {
                let n = match escape {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = b.get(i..i + n)?;
                let mut v: u32 = 0;
                for &h in hex {
                    v = (v << 4) | char::from(h).to_digit(16)?;
                }
                i += n;
                if escape == b'x' {
                    out.push(u8::try_from(v).ok()?);
                } else {
                    let ch = char::from_u32(v)?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(escape - b'0');
                for _ in 0..2 {
                    let d = *b.get(i)?;
                    if !(b'0'..=b'7').contains(&d) {
                        return None;
                    }
                    v = (v << 3) | u32::from(d - b'0');
                    i += 1;
                }
                out.push(u8::try_from(v).ok()?);
            }
            b'\\' => out.push(b'\\'),
            b'\'' | b'"' if escape == quote => out.push(escape),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
