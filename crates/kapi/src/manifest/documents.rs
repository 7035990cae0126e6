//! The streaming document reader: [`Documents`] reads a manifest from any
//! [`Read`] one document at a time, so memory is bounded by the largest
//! document rather than by the input.
//!
//! YAML input is split into documents at `---` lines, as kubectl's
//! YAMLReader splits it, and each piece is parsed on its own; JSON input
//! (first non-blank character `{`) is read value after value. Every byte is
//! checked as UTF-8 as it is read, so binary input fails at its first bad
//! byte instead of after the whole file.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use serde_json::Value;

use super::json::{JsonError, JsonStream};
use super::{yaml, ManifestError, Parsed, RawError, MAX_DOCUMENT_BYTES};
use crate::FieldValidation;

/// One document of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    value: Value,
    number: usize,
    warnings: Vec<String>,
}

impl Document {
    /// The document as JSON (a `kind: List` is one document: see
    /// [`flatten_lists`](super::flatten_lists)).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value, taken.
    pub fn into_value(self) -> Value {
        self.value
    }

    /// Its number in the input, counting from 1, empty documents included.
    pub fn number(&self) -> usize {
        self.number
    }

    /// What the apiserver would warn about with `fieldValidation=Warn`:
    /// `duplicate field "metadata.name"`, one per repeated key (empty
    /// unless the reader was made with [`FieldValidation::Warn`]).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The documents of a JSON or YAML manifest, read from `R` as they are
/// needed: each call to `next` reads just enough input for one document.
///
/// Empty and `null` documents are skipped. After an error the iterator
/// ends; documents before it have been returned, as kubectl acts on the
/// documents before a broken one.
///
/// ```
/// use kapi::manifest::Documents;
///
/// let input = "kind: ConfigMap\n---\nkind: Secret\n".as_bytes();
/// let kinds: Vec<String> = Documents::new("app.yaml", input)
///     .map(|doc| doc.map(|d| d.value()["kind"].to_string()))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(kinds, ["\"ConfigMap\"", "\"Secret\""]);
/// # Ok::<(), kapi::manifest::ManifestError>(())
/// ```
pub struct Documents<R: Read> {
    source: String,
    validation: FieldValidation,
    state: State<R>,
    ready: VecDeque<Parsed>,
    /// Documents started so far, empty ones included.
    documents: usize,
    /// The input position: bytes and lines already read, and the UTF-8
    /// checker's verdict.
    position: Rc<Position>,
}

enum State<R: Read> {
    Start(BufReader<Checked<R>>),
    Yaml {
        reader: BufReader<Checked<R>>,
        /// The next line to read, counting from 1.
        line: usize,
        /// A `---` line already read: the first line of the next document.
        carry: Option<String>,
        /// Whether the first line (where a byte order mark may be) is read.
        started: bool,
    },
    Json {
        stream: Box<JsonStream<BufReader<Checked<R>>>>,
        /// Lines of blanks before the first value.
        skipped_lines: usize,
    },
    Done,
}

impl<R: Read> Documents<R> {
    /// A reader of `reader`; `source_name` is used in errors only (a path,
    /// or `-` for stdin). A repeated mapping key is an error, as with the
    /// apiserver's strict field validation: see [`Self::field_validation`].
    pub fn new(source_name: &str, reader: R) -> Documents<R> {
        let position = Rc::new(Position::default());
        Documents {
            source: source_name.to_owned(),
            validation: FieldValidation::Strict,
            state: State::Start(BufReader::new(Checked {
                inner: reader,
                position: position.clone(),
                pending: Vec::new(),
                failed: None,
            })),
            ready: VecDeque::new(),
            documents: 0,
            position,
        }
    }

    /// What a repeated mapping key is, as the apiserver treats it under
    /// `fieldValidation`: `Strict` (the default) an error, `Warn` a warning
    /// in [`Document::warnings`] (the last value is kept), `Ignore` nothing
    /// (the last value is kept).
    ///
    /// ```
    /// use kapi::{manifest::Documents, FieldValidation};
    ///
    /// let input = "metadata:\n  name: a\n  name: b\n";
    /// let err = Documents::new("cm.yaml", input.as_bytes()).next().unwrap().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "failed to parse 'cm.yaml': document 1, line 3, column 3: \
    ///      strict decoding error: duplicate field \"metadata.name\""
    /// );
    /// let doc = Documents::new("cm.yaml", input.as_bytes())
    ///     .field_validation(FieldValidation::Warn)
    ///     .next().unwrap()?;
    /// assert_eq!(doc.value()["metadata"]["name"], "b");
    /// assert_eq!(doc.warnings(), ["duplicate field \"metadata.name\""]);
    /// # Ok::<(), kapi::manifest::ManifestError>(())
    /// ```
    pub fn field_validation(mut self, validation: FieldValidation) -> Documents<R> {
        self.validation = validation;
        self
    }

    fn error(&self, (document, line, column, message): RawError) -> ManifestError {
        ManifestError {
            source: self.source.clone(),
            document: document.max(1),
            line,
            column,
            message,
            yaml_syntax: false,
        }
    }

    /// An input failure: bad UTF-8, a document too large, or I/O.
    fn input_error(&self, e: io::Error) -> ManifestError {
        let document = self.documents + 1;
        let failure = e.get_ref().and_then(|e| e.downcast_ref::<InputFailure>());
        let (line, column) = match failure {
            Some(InputFailure::NotUtf8 { line, column, .. }) => (*line, *column),
            _ => (self.position.line.get(), self.position.column.get()),
        };
        let message = match failure {
            Some(failure) => failure.describe(document),
            None => format!("failed to read: {e}"),
        };
        self.error((document, line, column, message))
    }

    fn too_large(&self, line: usize) -> ManifestError {
        let document = self.documents + 1;
        self.error((document, line, 1, InputFailure::TooLarge.describe(document)))
    }

    /// Reads the next step of the input into `ready`; `Ok(false)` at the end.
    fn advance(&mut self) -> Result<bool, ManifestError> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => Ok(false),
            State::Start(mut reader) => {
                let (json, skipped_lines) = sniff(&mut reader).map_err(|e| self.input_error(e))?;
                self.state = if json {
                    // From here on the checker bounds each document.
                    self.position.limit_from.set(Some(0));
                    State::Json {
                        stream: Box::new(JsonStream::new(reader, self.validation)),
                        skipped_lines,
                    }
                } else {
                    State::Yaml {
                        reader,
                        line: 1 + skipped_lines,
                        carry: None,
                        started: skipped_lines > 0,
                    }
                };
                Ok(true)
            }
            State::Yaml {
                mut reader,
                mut line,
                carry,
                mut started,
            } => {
                let first_line = if carry.is_some() { line - 1 } else { line };
                let mut text = carry.unwrap_or_default();
                let mut next = None;
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    let budget = (MAX_DOCUMENT_BYTES + 1).saturating_sub(text.len()) as u64;
                    let n = (&mut reader)
                        .take(budget)
                        .read_until(b'\n', &mut buf)
                        .map_err(|e| self.input_error(e))?;
                    if n == 0 {
                        if text.len() > MAX_DOCUMENT_BYTES {
                            return Err(self.too_large(first_line));
                        }
                        break;
                    }
                    let mut piece = String::from_utf8_lossy(&buf).into_owned();
                    if !started {
                        started = true;
                        if let Some(rest) = piece.strip_prefix('\u{feff}') {
                            piece = rest.to_owned();
                        }
                    }
                    if is_separator(&piece) && !text.is_empty() {
                        next = Some(piece);
                        line += 1;
                        break;
                    }
                    text.push_str(&piece);
                    if text.len() > MAX_DOCUMENT_BYTES {
                        return Err(self.too_large(first_line));
                    }
                    if buf.last() == Some(&b'\n') {
                        line += 1;
                    }
                }
                if text.is_empty() {
                    return Ok(false);
                }
                let started_documents = yaml::parse_chunk(
                    &text,
                    first_line,
                    self.documents,
                    self.validation,
                    &mut self.ready,
                )
                .map_err(|e| match e {
                    yaml::ChunkError::Syntax(raw) => ManifestError {
                        yaml_syntax: true,
                        ..self.error(raw)
                    },
                    yaml::ChunkError::Value(raw) => self.error(raw),
                })?;
                self.documents += started_documents;
                let at_end = next.is_none();
                self.state = State::Yaml {
                    reader,
                    line,
                    carry: next,
                    started,
                };
                Ok(!at_end || !self.ready.is_empty())
            }
            State::Json {
                mut stream,
                skipped_lines,
            } => match stream.next(self.documents) {
                None => Ok(false),
                Some(Ok((parsed, offset))) => {
                    self.documents += 1;
                    // The limit counts from where this document ends.
                    self.position.limit_from.set(Some(offset as u64));
                    if !parsed.value.is_null() {
                        self.ready.push_back(parsed);
                    }
                    self.state = State::Json {
                        stream,
                        skipped_lines,
                    };
                    Ok(true)
                }
                Some(Err(JsonError::Io(e))) => Err(self.input_error(e)),
                Some(Err(JsonError::Syntax((d, l, c, m)))) => {
                    Err(self.error((d, l + skipped_lines, c, m)))
                }
            },
        }
    }
}

impl<R: Read> Iterator for Documents<R> {
    type Item = Result<Document, ManifestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(p) = self.ready.pop_front() {
                return Some(Ok(Document {
                    value: p.value,
                    number: p.number,
                    warnings: p.warnings,
                }));
            }
            match self.advance() {
                Ok(true) => {}
                Ok(false) => {
                    self.state = State::Done;
                    return None;
                }
                Err(e) => {
                    self.state = State::Done;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<R: Read> fmt::Debug for Documents<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Documents")
            .field("source", &self.source)
            .field("documents", &self.documents)
            .finish_non_exhaustive()
    }
}

/// A line that starts a document: `---` then nothing, blanks, or more
/// (`--- {a: 1}` and `--- |` start a document with content).
fn is_separator(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Skips a byte order mark and blank lines (counted), and tells whether
/// the first character after them is `{`, as kubectl's YAMLOrJSONDecoder
/// guesses. Only whole blank lines are consumed.
fn sniff<R: BufRead>(reader: &mut R) -> io::Result<(bool, usize)> {
    let mut lines = 0;
    let mut bom = true;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((false, lines));
        }
        if bom && buf.len() >= 3 && buf.starts_with(b"\xef\xbb\xbf") {
            reader.consume(3);
            bom = false;
            continue;
        }
        bom = false;
        // Whole blank lines in the buffer; a partial one waits for more.
        let Some(first) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
            let end = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            if end == 0 {
                // Blanks without a newline fill the whole buffer: give up
                // guessing; blanks parse as nothing either way.
                return Ok((false, lines));
            }
            lines += buf[..end].iter().filter(|&&b| b == b'\n').count();
            reader.consume(end);
            continue;
        };
        let json = buf[first] == b'{';
        let end = buf[..first]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        lines += buf[..end].iter().filter(|&&b| b == b'\n').count();
        reader.consume(end);
        return Ok((json, lines));
    }
}

/// Where the reader is: shared by [`Checked`] and [`Documents`].
#[derive(Default)]
struct Position {
    /// Bytes read from the input.
    offset: Cell<u64>,
    /// Line and column (in characters) of the next byte, from 1.
    line: Cell<usize>,
    column: Cell<usize>,
    /// Where the current document began, when the checker enforces
    /// [`MAX_DOCUMENT_BYTES`] (JSON; YAML documents are measured whole).
    limit_from: Cell<Option<u64>>,
}

/// Why the input stopped: carried inside an `io::Error`.
#[derive(Debug, Clone)]
enum InputFailure {
    NotUtf8 {
        byte: u8,
        offset: u64,
        line: usize,
        column: usize,
    },
    TooLarge,
}

impl InputFailure {
    fn describe(&self, document: usize) -> String {
        match self {
            InputFailure::NotUtf8 {
                byte,
                offset,
                line,
                column,
            } => format!(
                "the input is not UTF-8 text (byte 0x{byte:02x} at line {line}, column {column}, \
                 byte offset {offset}); manifests must be UTF-8 JSON or YAML"
            ),
            InputFailure::TooLarge => format!(
                "document {document} is larger than {} MiB; split it into smaller documents \
                 (the apiserver takes at most 3 MiB per object)",
                MAX_DOCUMENT_BYTES >> 20
            ),
        }
    }
}

impl fmt::Display for InputFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(0))
    }
}

impl std::error::Error for InputFailure {}

/// A `Read` that passes on only UTF-8 text: it fails at the first byte
/// that is not, and tracks lines and columns for the message.
struct Checked<R> {
    inner: R,
    position: Rc<Position>,
    /// The start of a character split across two reads.
    pending: Vec<u8>,
    failed: Option<InputFailure>,
}

impl<R: Read> Checked<R> {
    fn fail(&mut self, failure: InputFailure) -> io::Error {
        self.failed = Some(failure.clone());
        io::Error::new(io::ErrorKind::InvalidData, failure)
    }

    /// Moves the position over valid text.
    fn walk(&self, text: &[u8]) {
        let p = &self.position;
        if p.line.get() == 0 {
            p.line.set(1);
            p.column.set(1);
        }
        for &b in text {
            if b == b'\n' {
                p.line.set(p.line.get() + 1);
                p.column.set(1);
            } else if b & 0xc0 != 0x80 {
                p.column.set(p.column.get() + 1);
            }
        }
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(failure) = self.failed.clone() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, failure));
        }
        let n = self.inner.read(buf)?;
        let p = self.position.clone();
        if n == 0 {
            if let Some(&byte) = self.pending.first() {
                let (line, column) = (p.line.get().max(1), p.column.get().max(1));
                let offset = p.offset.get() - self.pending.len() as u64;
                return Err(self.fail(InputFailure::NotUtf8 {
                    byte,
                    offset,
                    line,
                    column,
                }));
            }
            return Ok(0);
        }
        let held = self.pending.len();
        let mut joined = std::mem::take(&mut self.pending);
        joined.extend_from_slice(&buf[..n]);
        let start = p.offset.get() - held as u64;
        let (valid, bad) = match std::str::from_utf8(&joined) {
            Ok(_) => (joined.len(), false),
            Err(e) => (e.valid_up_to(), e.error_len().is_some()),
        };
        // Pending bytes were counted as read but not walked over.
        self.walk(&joined[..valid]);
        p.offset.set(start + joined.len() as u64);
        if bad {
            let failure = InputFailure::NotUtf8 {
                byte: joined[valid],
                offset: start + valid as u64,
                line: p.line.get(),
                column: p.column.get(),
            };
            let deliver = valid.saturating_sub(held);
            if deliver == 0 {
                return Err(self.fail(failure));
            }
            // Pass on the text before the bad byte; fail on the next read.
            self.failed = Some(failure);
            return Ok(deliver);
        }
        self.pending = joined[valid..].to_vec();
        if let Some(from) = p.limit_from.get() {
            if p.offset.get().saturating_sub(from) > MAX_DOCUMENT_BYTES as u64 {
                return Err(self.fail(InputFailure::TooLarge));
            }
        }
        Ok(n)
    }
}
