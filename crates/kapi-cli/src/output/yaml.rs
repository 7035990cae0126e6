//! `-o yaml`: prints a value byte for byte as `kubectl get -o yaml` does.
//!
//! Prefer [`write_yaml`] for one object and [`YamlListWriter`] when several
//! objects arrive one at a time and must print as one `List`.
//!
//! kubectl prints with sigs.k8s.io/yaml: the object goes to JSON (see
//! [`super::json`]), that JSON is read back by go-yaml v2 and written out by
//! go-yaml v2's emitter, a Go port of libyaml's. No Rust crate writes that
//! style, so this module ports the parts of the emitter that a JSON value can
//! reach: block mappings with keys in go-yaml's "natural" order (`a2` before
//! `a10`), block sequences whose `- ` sits at the parent key's column, `{}`
//! and `[]` for empty containers, and go-yaml's choice between plain,
//! `'single'`, `"double"` (with `\t`, `\x01`, `\U0001F600` escapes) and `|`
//! literal scalars, including folding long lines at column 80.
//!
//! Known differences, all on input kubectl itself handles badly:
//! - kubectl fails ("yaml: control characters are not allowed") on strings
//!   holding U+007F–U+009F other than U+0085, U+FFFE or U+FFFF, and ("found
//!   unexpected document indicator") on U+0085 followed by `---`; kapi prints
//!   them, escaped.
//! - go-yaml's key order has cycles (`v1alpha1` < `v2` < `v10` <
//!   `v1alpha1`): for such key sets kubectl's order changes from run to run,
//!   while kapi's is fixed.
//! - Keys are compared with `char::is_alphabetic` and ASCII digits where Go
//!   uses `unicode.IsLetter` and `unicode.IsDigit`; only exotic non-ASCII
//!   keys can sort differently.

use std::borrow::Cow;
use std::io::{self, Write};

use serde_json::{Map, Value};

use kapi::gofmt::{float_g as go_format_g, json_number as number_text};
use kapi::manifest::{resolve_plain, Resolved};

/// Writes `v` the way `kubectl get -o yaml` prints it, final newline included.
///
/// The text is built in memory and written with one `write_all`.
///
/// See the test `doc_example_write_yaml` in this file for an example.
pub fn write_yaml(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    let mut em = Emitter::new();
    em.emit_node(v, Context::ROOT);
    em.document_end();
    out.write_all(&em.buf)
}

/// Streams several objects as the one `List` kubectl prints for them.
///
/// The output is byte-identical to [`write_yaml`] on
/// `{"apiVersion": "v1", "items": [...], "kind": "List", "metadata": {"resourceVersion": ""}}`
/// (the envelope `kubectl get` builds), but only one item is held at a time.
///
/// See the test `doc_example_yaml_list_writer` in this file for an example.
#[derive(Debug)]
pub struct YamlListWriter {
    /// Emitter state carried between items: where the cursor is decides
    /// whether the next `- ` needs a line break first.
    em: Emitter,
    items: usize,
}

impl YamlListWriter {
    /// Writes the envelope up to `items:`.
    pub fn begin(out: &mut dyn Write) -> io::Result<Self> {
        let mut em = Emitter::new();
        em.set_context(Context::ROOT);
        em.block_mapping_start();
        em.mapping_entry("apiVersion", &Value::String("v1".to_owned()));
        em.mapping_key("items");
        // The `items` value is the node being emitted from here on.
        em.set_context(Context::MAPPING_VALUE);
        let mut list = YamlListWriter { em, items: 0 };
        list.flush(out)?;
        Ok(list)
    }

    /// Writes one element of `items`.
    pub fn item(&mut self, out: &mut dyn Write, v: &Value) -> io::Result<()> {
        if self.items == 0 {
            self.em.block_sequence_start();
        }
        self.items += 1;
        self.em.sequence_item(v);
        self.flush(out)
    }

    /// Closes `items` and writes the rest of the envelope and the newline.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            self.em.flow_empty('[', ']');
        } else {
            self.em.pop_indent();
        }
        self.em
            .mapping_entry("kind", &Value::String("List".to_owned()));
        let mut metadata = Map::new();
        metadata.insert("resourceVersion".to_owned(), Value::String(String::new()));
        self.em.mapping_entry("metadata", &Value::Object(metadata));
        self.em.pop_indent();
        self.em.document_end();
        self.flush(out)
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.em.buf)?;
        self.em.buf.clear();
        Ok(())
    }
}

/// go-yaml's `best_indent`.
const INDENT: isize = 2;
/// go-yaml's `best_width`: plain and quoted scalars fold at a space past it.
const WIDTH: usize = 80;
/// Keys longer than this (in bytes) are written as `? key` / `: value`.
const MAX_SIMPLE_KEY: usize = 128;

/// Which kind of node is being emitted, libyaml's `*_context` flags.
#[derive(Clone, Copy, Debug)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

impl Context {
    // libyaml also tracks a root context; it only matters for `...`
    // document-end markers, which go-yaml never writes here.
    const ROOT: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const SEQUENCE_ITEM: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const MAPPING_VALUE: Context = Context {
        mapping: true,
        simple_key: false,
    };
    const SIMPLE_KEY: Context = Context {
        mapping: true,
        simple_key: true,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The subset of libyaml's `yaml_emitter_t` that JSON values exercise.
///
/// Field names and the methods below follow go-yaml v2's `emitterc.go`
/// (sigs.k8s.io/yaml/goyaml.v2) so the two can be compared line by line.
#[derive(Debug)]
struct Emitter {
    buf: Vec<u8>,
    /// Characters (not bytes) since the last line break.
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    /// The last character written was a space or an indicator that counts as one.
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
    context: Context,
}

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            buf: Vec::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            context: Context::ROOT,
        }
    }

    fn set_context(&mut self, context: Context) {
        self.context = context;
    }

    /// `yaml_emitter_emit_node` for a whole subtree.
    ///
    /// Recursion depth is the value's depth: serde_json and
    /// `parse_manifests` both stop at 128 levels.
    fn emit_node(&mut self, v: &Value, context: Context) {
        self.set_context(context);
        match v {
            Value::Object(map) if map.is_empty() => self.flow_empty('{', '}'),
            Value::Object(map) => {
                self.block_mapping_start();
                for (key, value) in sorted_entries(map) {
                    self.mapping_entry(&key, value);
                }
                self.pop_indent();
            }
            Value::Array(items) if items.is_empty() => self.flow_empty('[', ']'),
            Value::Array(items) => {
                self.block_sequence_start();
                for item in items {
                    self.sequence_item(item);
                }
                self.pop_indent();
            }
            Value::Null => self.emit_scalar("null", Style::Plain),
            Value::Bool(true) => self.emit_scalar("true", Style::Plain),
            Value::Bool(false) => self.emit_scalar("false", Style::Plain),
            Value::Number(n) => match n.as_i64() {
                // An int64 reads back as itself: no text round trip.
                Some(i) => self.emit_scalar(&i.to_string(), Style::Plain),
                None => self.emit_scalar(&yaml_number(&number_text(n)), Style::Plain),
            },
            Value::String(s) => {
                let s = json_round_trip(s);
                self.emit_scalar(&s, string_style(&s));
            }
        }
    }

    /// An empty mapping or sequence: go-yaml switches to flow style for it.
    ///
    /// Flow style is only ever used for these, so no scalar is ever written
    /// in flow context and libyaml's flow-only rules are left out.
    fn flow_empty(&mut self, open: char, close: char) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn block_mapping_start(&mut self) {
        self.increase_indent(false, false);
    }

    fn mapping_entry(&mut self, key: &str, value: &Value) {
        self.mapping_key(key);
        self.emit_node(value, Context::MAPPING_VALUE);
    }

    /// `yaml_emitter_emit_block_mapping_key` and the `:` that follows it.
    fn mapping_key(&mut self, key: &str) {
        self.write_indent();
        let analysis = Analysis::of(key);
        if !analysis.multiline && key.len() <= MAX_SIMPLE_KEY {
            self.set_context(Context::SIMPLE_KEY);
            self.scalar(key, string_style(key), &analysis);
            self.write_indicator(':', false, false, false);
        } else {
            // Too long or multi-line for `key: value`: libyaml's `? key`.
            self.write_indicator('?', true, false, true);
            self.set_context(Context::MAPPING_VALUE);
            self.scalar(key, string_style(key), &analysis);
            self.write_indent();
            self.write_indicator(':', true, false, true);
        }
    }

    fn block_sequence_start(&mut self) {
        // A sequence that is a mapping value starts at the key's column.
        let indentless = self.context.mapping && !self.indention;
        self.increase_indent(false, indentless);
    }

    fn sequence_item(&mut self, v: &Value) {
        self.write_indent();
        self.write_indicator('-', true, false, true);
        self.emit_node(v, Context::SEQUENCE_ITEM);
    }

    fn document_end(&mut self) {
        self.write_indent();
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let analysis = Analysis::of(value);
        self.scalar(value, requested, &analysis);
    }

    /// `yaml_emitter_emit_scalar`: pick the style, then write.
    fn scalar(&mut self, value: &str, requested: Style, a: &Analysis) {
        let style = self.select_style(value, requested, a);
        self.increase_indent(true, false);
        let allow_breaks = !self.context.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    /// `yaml_emitter_select_scalar_style`.
    fn select_style(&self, value: &str, requested: Style, a: &Analysis) -> Style {
        let mut style = requested;
        if self.context.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain
            && (!a.plain_allowed || (value.is_empty() && self.context.simple_key))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.context.simple_key) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { INDENT } else { 0 };
        } else if !indentless {
            self.indent += INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, b: u8) {
        self.buf.push(b);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.buf.push(b'\n');
        self.column = 0;
    }

    /// Copies one character; the column counts characters, not bytes.
    fn write_char(&mut self, c: char) {
        let mut tmp = [0; 4];
        self.buf
            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        self.column += 1;
    }

    /// `write_break`: `\n` becomes the configured break; other breaks
    /// (CR, NEL, LS, PS) are copied as they are.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.write_char(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: char,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(b' ');
        }
        self.write_char(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Writes ASCII text that holds no space, break or `stop` byte at
    /// once; `false` (nothing written) for any other text. For text
    /// without spaces no folding rule applies, and with `fits` set the
    /// text ends by column [`WIDTH`], before any rule could fold it.
    fn write_simple(&mut self, value: &str, stop: u8, fits: bool) -> bool {
        let room = self.column + value.len() <= WIDTH;
        let simple = value
            .bytes()
            .all(|b| (b > b' ' || (b == b' ' && fits && room)) && b < 0x7f && b != stop);
        if simple {
            self.buf.extend_from_slice(value.as_bytes());
            self.column += value.len();
        }
        simple
    }

    // write_plain, write_single_quoted and write_double_quoted mirror
    // go-yaml's yaml_emitter_write_{plain,single_quoted,double_quoted}_scalar
    // on purpose: their shared loop shape (spaces, breaks, folding at WIDTH)
    // differs in details that decide byte-for-byte equality with kubectl.
    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        if self.write_simple(value, b' ', false) {
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > WIDTH && chars.peek() != Some(&' ') {
                    self.write_indent();
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator('\'', true, false, false);
        if self.write_simple(value, b'\'', true) {
            self.write_indicator('\'', false, false, false);
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let mut spaces = false;
        let mut breaks = false;
        let last = value.len().saturating_sub(1);
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek().map(|&(_, n)| n) == Some(' ');
                if allow_breaks
                    && !spaces
                    && self.column > WIDTH
                    && i > 0
                    && i < last
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put(b'\'');
                }
                self.write_char(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator('\'', false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.write_indicator('"', true, false, false);
        if !value.contains('\\') && self.write_simple(value, b'"', true) {
            self.write_indicator('"', false, false, false);
            self.whitespace = false;
            self.indention = false;
            return;
        }
        // libyaml's is_bom() looks at the start of the value, not at the
        // current character: a leading BOM escapes every character after it.
        let bom = value.starts_with('\u{feff}');
        let last = value.len().saturating_sub(1);
        let mut spaces = false;
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put(b'\\');
                let short = match c {
                    '\0' => Some(b'0'),
                    '\u{7}' => Some(b'a'),
                    '\u{8}' => Some(b'b'),
                    '\t' => Some(b't'),
                    '\n' => Some(b'n'),
                    '\u{b}' => Some(b'v'),
                    '\u{c}' => Some(b'f'),
                    '\r' => Some(b'r'),
                    '\u{1b}' => Some(b'e'),
                    '"' => Some(b'"'),
                    '\\' => Some(b'\\'),
                    '\u{85}' => Some(b'N'),
                    '\u{a0}' => Some(b'_'),
                    '\u{2028}' => Some(b'L'),
                    '\u{2029}' => Some(b'P'),
                    _ => None,
                };
                if let Some(b) = short {
                    self.put(b);
                } else {
                    let v = u32::from(c);
                    let (letter, digits) = if v <= 0xff {
                        (b'x', 2)
                    } else if v <= 0xffff {
                        (b'u', 4)
                    } else {
                        (b'U', 8)
                    };
                    self.put(letter);
                    for k in (0..digits).rev() {
                        self.put(HEX[((v >> (4 * k)) & 0xf) as usize]);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > WIDTH && i > 0 && i < last {
                    self.write_indent();
                    if chars.peek().map(|&(_, n)| n) == Some(' ') {
                        self.put(b'\\');
                    }
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else {
                self.write_char(c);
                spaces = false;
            }
        }
        self.write_indicator('"', false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator('|', true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// The indentation indicator (when the text starts with a space or a
    /// break) and the chomping indicator: `-` without a final break, `+`
    /// with more than one, none with exactly one.
    fn write_block_scalar_hints(&mut self, value: &str) {
        if value.starts_with(|c: char| c == ' ' || is_break(c)) {
            self.write_indicator('2', false, false, false);
        }
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some('-'),
            (Some(last), _) if !is_break(last) => Some('-'),
            (Some(_), None) => Some('+'),
            (Some(_), Some(prev)) if is_break(prev) => Some('+'),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }
}

/// `yaml_emitter_analyze_scalar`: which block-context styles can hold
/// `value` (flow context never holds a scalar here, see `flow_empty`).
#[derive(Debug)]
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(value: &str) -> Analysis {
        if value.is_empty() {
            return Analysis {
                multiline: false,
                plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        // Most keys and values: letters, digits and `-._/:+=`, which only
        // make an indicator as `---`, `...`, a lone `-` or a final `:`.
        if value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._/:+=".contains(&b))
        {
            let indicators = value.starts_with("---")
                || value.starts_with("...")
                || value == "-"
                || value.ends_with(':');
            return Analysis {
                multiline: false,
                plain_allowed: !indicators,
                single_quoted_allowed: true,
                block_allowed: true,
            };
        }
        // Characters that would start a YAML indicator in block context.
        let mut indicators = value.starts_with("---") || value.starts_with("...");
        let mut line_breaks = false;
        let mut special_characters = false;
        let mut leading_space = false;
        let mut leading_break = false;
        let mut trailing_space = false;
        let mut trailing_break = false;
        let mut break_space = false;
        let mut space_break = false;
        let mut previous_space = false;
        let mut previous_break = false;
        let mut preceded_by_whitespace = true;
        let mut chars = value.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            let last = next.is_none();
            let followed_by_whitespace = matches!(next, None | Some(' ' | '\t'));
            indicators |= match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`'
                    if first =>
                {
                    true
                }
                '?' | '-' if first => followed_by_whitespace,
                ':' => followed_by_whitespace,
                '#' => preceded_by_whitespace,
                _ => false,
            };
            special_characters |= !is_printable(c);
            if c == ' ' {
                leading_space |= first;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= first;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = c == ' ' || c == '\t' || c == '\0' || is_break(c);
            first = false;
        }
        let edge_space = leading_space || leading_break || trailing_space || trailing_break;
        Analysis {
            multiline: line_breaks,
            plain_allowed: !(edge_space
                || break_space
                || space_break
                || special_characters
                || line_breaks
                || indicators),
            single_quoted_allowed: !(break_space || space_break || special_characters),
            block_allowed: !(trailing_space || space_break || special_characters),
        }
    }
}

/// The style go-yaml's `stringv` asks for: `|` for text with `\n`, plain
/// when the text would read back as the same string, double quotes when it
/// would read back as something else (`"yes"`, `"1e3"`, `"2024-01-15"`, `""`).
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolve_plain(s) == Resolved::Str && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// A string as go-yaml reads it back from kubectl's JSON text.
///
/// Go's JSON encoder leaves U+0085 (NEL) unescaped, and YAML 1.1 takes a
/// raw NEL inside a double-quoted scalar for a line break, which folds:
/// with the spaces around it, one NEL becomes a space and each further one a
/// newline. Every other character survives the trip unchanged.
fn json_round_trip(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    // libyaml's yaml_parser_scan_flow_scalar, for spaces and NEL only:
    // Go escapes tabs and the other line breaks.
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    loop {
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\u{85}' {
                break;
            }
            out.push(c);
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut spaces = 0;
        let mut breaks = 0;
        while let Some(&c) = chars.peek() {
            match c {
                ' ' if breaks == 0 => spaces += 1,
                ' ' => {}
                '\u{85}' => breaks += 1,
                _ => break,
            }
            chars.next();
        }
        match breaks {
            0 => out.extend(std::iter::repeat_n(' ', spaces)),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    Cow::Owned(out)
}

/// A number as go-yaml writes it after reading kubectl's JSON text back:
/// integers stay as they are, anything else is a float in `%g` form
/// (`1e+06`, `1.2345675e+06`), and `-0` reads back as the integer `0`.
fn yaml_number(json_text: &str) -> String {
    match resolve_plain(json_text) {
        Resolved::Int(i) => i.to_string(),
        Resolved::Uint(u) => u.to_string(),
        Resolved::Float(f) => go_format_g(f, false),
        // JSON number text always resolves to a number.
        _ => json_text.to_owned(),
    }
}

/// YAML 1.1's sexagesimal floats (`1:20`), which go-yaml quotes although it
/// no longer reads them: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]: greedy is exact here, since a digit can never follow.
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(d)) if d.is_ascii_digit() => i += 2,
            (Some(d), _) if d.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// libyaml's `is_printable`: what may appear unescaped in a YAML stream.
/// Note that it excludes tabs and every character outside the BMP.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}')
        || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Map entries in go-yaml's key order (`sort.Sort(keyList)`).
fn sorted_entries(map: &Map<String, Value>) -> Vec<(Cow<'_, str>, &Value)> {
    // Keys of ASCII letters and of other characters below `A` but digits
    // (`pod-template-hash`, `app.kubernetes.io/name`): key_less is then the
    // byte order serde_json's map already has.
    let byte_ordered = |k: &String| {
        k.bytes()
            .all(|b| b.is_ascii_alphabetic() || (b < b'A' && !b.is_ascii_digit()))
    };
    if map.keys().all(byte_ordered) {
        return map
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), v))
            .collect();
    }
    let entries: Vec<(Vec<char>, Cow<'_, str>, &Value)> = map
        .iter()
        .map(|(k, v)| {
            let k = json_round_trip(k);
            (k.chars().collect(), k, v)
        })
        .collect();
    // go-yaml's comparison is not a strict weak order: keys such as `1a`,
    // `2` and `10a` form a cycle, and kubectl's own order for them changes
    // from run to run (Go randomizes map iteration before sorting). A
    // hand-written merge sort gives one fixed order for those and cannot
    // panic, which slice::sort_by may do when the order is not total.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    let mut merged = vec![0; order.len()];
    let mut width = 1;
    while width < order.len() {
        for start in (0..order.len()).step_by(2 * width) {
            let mid = (start + width).min(order.len());
            let end = (start + 2 * width).min(order.len());
            let (mut l, mut r) = (start, mid);
            for slot in &mut merged[start..end] {
                let right_first =
                    r < end && (l >= mid || key_less(&entries[order[r]].0, &entries[order[l]].0));
                if right_first {
                    *slot = order[r];
                    r += 1;
                } else {
                    *slot = order[l];
                    l += 1;
                }
            }
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
        .into_iter()
        .map(|i| (entries[i].1.clone(), entries[i].2))
        .collect()
}

/// go-yaml v2's `keyList.Less` for two string keys: letters sort after
/// other characters, and runs of digits compare as numbers.
///
/// Go uses `unicode.IsLetter` and `unicode.IsDigit`; this uses
/// `char::is_alphabetic` (which also counts letter numbers and some marks)
/// and ASCII digits, which only differs on exotic non-ASCII keys.
fn key_less(a: &[char], b: &[char]) -> bool {
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let al = a[i].is_alphabetic();
        let bl = b[i].is_alphabetic();
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if a[i] == '0' || b[i] == '0' {
            // A zero inside a number ("10" vs "1a") still counts as a digit.
            for &c in a[..i].iter().rev() {
                if !c.is_ascii_digit() {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let run = |s: &[char], mut n: i64| -> (i64, usize) {
            let mut j = i;
            while let Some(d) = s.get(j).and_then(|c| c.to_digit(10)) {
                // Go's int64 arithmetic wraps; so does this.
                n = n.wrapping_mul(10).wrapping_add(i64::from(d));
                j += 1;
            }
            (n, j)
        };
        let (an, ai) = run(a, an);
        let (bn, bi) = run(b, bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: &Value) -> String {
        let mut out = Vec::new();
        write_yaml(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn scalar(s: &str) -> String {
        let text = render(&json!({ "k": s }));
        text.strip_prefix("k: ").unwrap_or(&text).to_owned()
    }

    #[test]
    fn quotes_strings_that_would_read_back_as_other_types() {
        // Each expectation is what kubectl v1.32 printed for the same string.
        for (s, want) in [
            ("yes", "\"yes\"\n"),
            ("y", "\"y\"\n"),
            ("Off", "\"Off\"\n"),
            ("true", "\"true\"\n"),
            ("null", "\"null\"\n"),
            ("~", "\"~\"\n"),
            ("", "\"\"\n"),
            ("1", "\"1\"\n"),
            ("1e3", "\"1e3\"\n"),
            ("0x1F", "\"0x1F\"\n"),
            (".5", "\".5\"\n"),
            ("1_000", "\"1_000\"\n"),
            ("1:20", "\"1:20\"\n"),
            ("2024-01-15", "\"2024-01-15\"\n"),
            ("2024-13-01", "2024-13-01\n"),
            ("0xFFFFFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFFFFF\n"),
            ("tRUE", "tRUE\n"),
            ("<&>", "<&>\n"),
        ] {
            assert_eq!(scalar(s), want, "{s:?}");
        }
    }

    #[test]
    fn single_quotes_strings_that_plain_style_cannot_hold() {
        for (s, want) in [
            ("-", "'-'\n"),
            (" lead", "' lead'\n"),
            ("trail ", "'trail '\n"),
            ("a: b", "'a: b'\n"),
            ("a #b", "'a #b'\n"),
            ("*x", "'*x'\n"),
            ("it's", "it's\n"),
            ("'q'", "'''q'''\n"),
            ("- x", "'- x'\n"),
            ("---", "'---'\n"),
        ] {
            assert_eq!(scalar(s), want, "{s:?}");
        }
    }

    #[test]
    fn double_quotes_and_escapes_unprintable_characters() {
        assert_eq!(scalar("tab\there"), "\"tab\\there\"\n");
        assert_eq!(scalar("emoji 😀"), "\"emoji \\U0001F600\"\n");
        assert_eq!(scalar("\u{8}\u{c}\u{1}"), "\"\\b\\f\\x01\"\n");
        assert_eq!(scalar("\u{feff}ab"), "\"\\uFEFF\\x61\\x62\"\n");
    }

    #[test]
    fn writes_multiline_strings_as_literal_blocks() {
        assert_eq!(scalar("a\nb"), "|-\n  a\n  b\n");
        assert_eq!(scalar("a\nb\n"), "|\n  a\n  b\n");
        assert_eq!(scalar("a\nb\n\n"), "|+\n  a\n  b\n\n");
        assert_eq!(scalar("\n"), "|2+\n\n");
        assert_eq!(scalar(" a\nb"), "|2-\n   a\n  b\n");
        assert_eq!(scalar("a \nb"), "\"a \\nb\"\n");
        assert_eq!(scalar("a\n\tb"), "\"a\\n\\tb\"\n");
    }

    #[test]
    fn folds_long_plain_strings_after_column_80() {
        let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore";
        assert_eq!(
            scalar(words),
            "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\n  ut labore\n"
        );
    }

    #[test]
    fn sorts_keys_naturally() {
        let v = json!({"a10": 1, "a9": 2, "a-b": 3, "ab": 4, "_x": 5, "Z": 6, "a:": 7, "a1": 8});
        assert_eq!(
            render(&v),
            "_x: 5\nZ: 6\na-b: 3\n'a:': 7\na1: 8\na9: 2\na10: 1\nab: 4\n"
        );
    }

    #[test]
    fn formats_numbers_as_go_yaml_reads_kubectl_json() {
        let v = json!([
            1.5,
            1e21,
            0.000001,
            1e-7,
            1234567.5,
            18446744073709551615u64,
            -0.0,
            1e20,
            1.0,
            -7
        ]);
        assert_eq!(
            render(&v),
            "- 1.5\n- 1e+21\n- 1e-06\n- 1e-07\n- 1.2345675e+06\n- 1.8446744073709552e+19\n- 0\n- 1e+20\n- 1\n- -7\n"
        );
    }

    #[test]
    fn writes_long_keys_as_complex_keys() {
        let key = "k".repeat(129);
        assert_eq!(
            render(&json!({ key.clone(): 1 })),
            format!("? {key}\n: 1\n")
        );
    }

    #[test]
    fn list_writer_matches_whole_list() {
        let items = [
            json!({"kind": "Pod", "metadata": {"name": "a"}, "spec": {"x": [1, {"y": []}]}}),
            json!({"data": {"script": "echo hi\n"}}),
            json!({}),
            json!({"data": {"keep": "x\n\n"}}),
            json!({"kind": "Pod"}),
        ];
        for n in 0..=items.len() {
            let whole = json!({
                "apiVersion": "v1",
                "items": items[..n],
                "kind": "List",
                "metadata": {"resourceVersion": ""},
            });
            let mut streamed = Vec::new();
            let mut list = YamlListWriter::begin(&mut streamed).unwrap();
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
    /// `NAME.kubectl.yaml` (see tests/golden/printers/README.md).
    macro_rules! golden {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.yaml"
                ));
                let v: Value = serde_json::from_str(input).unwrap();
                assert_eq!(render(&v), want);
            }
        )*};
    }

    /// Golden lists: the items of `NAME.input.json` streamed through
    /// [`YamlListWriter`] must match what `kubectl get` printed for them
    /// (`NAME.kubectl.yaml`, recorded against a fake API server).
    macro_rules! golden_list {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.yaml"
                ));
                let items: Vec<Value> = serde_json::from_str(input).unwrap();
                let mut out = Vec::new();
                let mut list = YamlListWriter::begin(&mut out).unwrap();
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

    /// The example in the doc comment of `write yaml` (a binary crate's
    /// doc examples never run, so the example lives here).
    #[test]
    fn doc_example_write_yaml() -> io::Result<()> {
        let pod = serde_json::json!({
            "kind": "Pod",
            "spec": {"containers": [{"name": "app", "args": ["--port", "80"]}]},
            "metadata": {"labels": {"on": "yes"}},
        });
        let mut out = Vec::new();
        write_yaml(&mut out, &pod)?;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
kind: Pod
metadata:
  labels:
    \"on\": \"yes\"
spec:
  containers:
  - args:
    - --port
    - \"80\"
    name: app
"
        );
        Ok(())
    }

    /// The example in the doc comment of `yaml list writer` (a binary crate's
    /// doc examples never run, so the example lives here).
    #[test]
    fn doc_example_yaml_list_writer() -> io::Result<()> {
        let mut out = Vec::new();
        let mut list = YamlListWriter::begin(&mut out)?;
        list.item(
            &mut out,
            &serde_json::json!({"kind": "Pod", "metadata": {"name": "a"}}),
        )?;
        list.finish(&mut out)?;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
apiVersion: v1
items:
- kind: Pod
  metadata:
    name: a
kind: List
metadata:
  resourceVersion: \"\"
"
        );
        Ok(())
    }
}
