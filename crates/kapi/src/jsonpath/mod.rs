//! kubectl's JSONPath templates (`-o jsonpath=`, custom columns,
//! `wait --for=jsonpath=`), ported from client-go's `util/jsonpath`.
//!
//! Prefer [`JsonPath::parse`] for `-o jsonpath=` templates, unless the
//! expression comes from custom columns or `wait --for=jsonpath=`, where
//! kubectl first relaxes it: then use [`JsonPath::parse_relaxed`].
//!
//! # Dialect
//!
//! | syntax | meaning |
//! |---|---|
//! | `text` | copied as is |
//! | `{...}` | an action; `{"{"}` prints a `{` |
//! | `$`, `@` | the root / current object (may be left out) |
//! | `.name`, `['name']` | a map key; `\` escapes a terminator: `{.labels.kubernetes\.io/hostname}` |
//! | `.*` | every map value (in key order) or list element |
//! | `..name` | recursive descent |
//! | `[n]`, `[-n]`, `[start:end:step]`, `[*]` | list index, slice, all elements |
//! | `[1,3]`, `['a.b', 'c']` | union; each quoted member is a path |
//! | `[?(@.x == 'y')]` | filter with `==` `!=` `<` `>` `<=` `>=`; `[?(@.x)]` tests existence |
//! | `{range .items[*]}...{end}` | repeat the enclosed template per item |
//! | `{"\n"}`, `{'\t'}` | quoted text with Go escapes |
//!
//! # Output
//!
//! The results of one action are joined by a single space. Maps and lists
//! print as compact JSON with sorted keys and Go's escaping (`<` is
//! `\u003c`), strings print raw, `null` as `null`, and numbers as Go prints
//! kubectl's `int64`/`float64`: `1.0` is `1`, `2.2` is `2.2`, `1e6` is
//! `1e+06`.
//!
//! # Differences from client-go
//!
//! - **Order.** Map keys are always visited in sorted order (`.*`, `..`).
//!   kubectl visits Go maps in random order, so any fixed order is one
//!   kubectl may print; client-go's tests that use Go structs show field
//!   declaration order instead (`{"Color":..,"Price":..,"IsNew":..}`).
//! - **Type names in errors.** Where client-go names a Go type
//!   (`map[string]int is not array or slice`), kapi names the JSON type:
//!   `object is not array or slice`, `null is not array or slice and cannot
//!   be filtered`.
//! - **Empty ranges.** The body of a `{range}` over nothing is skipped.
//!   client-go evaluates it against nil, which fails with "is not found" when
//!   missing keys are not allowed.
//! - **Empty slices.** A slice that selects nothing from one list (`[2:2]`)
//!   goes on to the next list; client-go stops there and drops the rest.
//! - **Regex.** `=~` is not supported, as in upstream client-go (some
//!   forks add it): `[?(@.x=~'y')]` fails to parse at the `~`.
//! - **Raw bytes.** Quoted text whose `\x`/octal escapes do not form UTF-8
//!   gets U+FFFD where Go would write the raw bytes.
//! - **Limits.** An execution fails instead of running away: more than
//!   100 nested ranges, or more than ten million evaluation steps (nodes
//!   walked, values produced, bytes of literal text copied; only
//!   unclosed, nested ranges or deep recursive descent inside ranges get
//!   near that).
//!
//! Everything else, quirks included, follows client-go: for example an
//! unclosed `{range}` runs to the end of the template and then runs its body
//! once more against the outer object, and comparing an integer with a float
//! in a filter is an error ("incompatible types for comparison").

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use serde_json::Value;

mod eval;
mod parser;
mod print;

/// A parsed JSONPath template, e.g. `{range .items[*]}{.metadata.name}{"\n"}{end}`.
///
/// Parse once, execute against many objects:
///
/// ```
/// use kapi::jsonpath::JsonPath;
/// use serde_json::json;
///
/// let names = JsonPath::parse(r#"{range .items[*]}{.metadata.name}{"\n"}{end}"#)?;
/// let list = json!({"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]});
/// assert_eq!(names.render(&list)?, "a\nb\n");
/// # Ok::<(), kapi::jsonpath::JsonPathError>(())
/// ```
#[derive(Debug, Clone)]
pub struct JsonPath {
    template: String,
    nodes: Vec<parser::Node>,
    allow_missing_keys: bool,
    json_output: bool,
    step_limit: usize,
}

impl JsonPath {
    /// Parses a template in kubectl's dialect.
    ///
    /// Only syntax is checked here. Unknown words such as `{hello}`, and
    /// stray `{end}`s, are execution errors, as in client-go.
    ///
    /// # Errors
    ///
    /// A [`JsonPathErrorKind::Parse`] error with client-go's message and the
    /// position of the problem.
    ///
    /// ```
    /// use kapi::jsonpath::JsonPath;
    ///
    /// let err = JsonPath::parse("{.hello").unwrap_err();
    /// assert_eq!(err.position(), Some(7));
    /// assert_eq!(err.to_string(), r#"failed to parse jsonpath "{.hello" at position 7: unclosed action"#);
    /// ```
    pub fn parse(template: &str) -> Result<JsonPath, JsonPathError> {
        let nodes = parser::parse(template).map_err(|e| {
            JsonPathError::new(JsonPathErrorKind::Parse, e.message, template, Some(e.pos))
        })?;
        Ok(JsonPath {
            template: template.to_owned(),
            nodes,
            allow_missing_keys: true,
            json_output: false,
            step_limit: eval::DEFAULT_STEP_LIMIT,
        })
    }

    /// Parses an expression the way kubectl's custom columns and
    /// `wait --for=jsonpath=` do: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all
    /// become `{.a.b}`; `""` stays `""`; unbalanced braces are an error.
    /// See [`relaxed_expression`].
    ///
    /// # Errors
    ///
    /// A [`JsonPathErrorKind::Parse`] error if the expression cannot be
    /// relaxed or the result does not parse.
    ///
    /// ```
    /// use kapi::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let ready = JsonPath::parse_relaxed("status.numberReady")?;
    /// assert_eq!(ready.template(), "{.status.numberReady}");
    /// assert_eq!(ready.render(&json!({"status": {"numberReady": 19}}))?, "19");
    /// # Ok::<(), kapi::jsonpath::JsonPathError>(())
    /// ```
    pub fn parse_relaxed(expr: &str) -> Result<JsonPath, JsonPathError> {
        JsonPath::parse(&relaxed_expression(expr)?)
    }

    /// Sets `--allow-missing-template-keys`. On (the default, as for kubectl's
    /// `-o jsonpath`), a key that is not there prints nothing; off, it is the
    /// error `<key> is not found`.
    #[must_use]
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// Prints each action's results as one JSON array indented by four
    /// spaces, followed by a newline, instead of text: kubectl's
    /// `-o jsonpath-as-json` (client-go's `EnableJSONOutput`). Off by default.
    #[must_use]
    pub fn json_output(mut self, enable: bool) -> Self {
        self.json_output = enable;
        self
    }

    /// The template as parsed (after relaxing, for [`JsonPath::parse_relaxed`]).
    #[must_use]
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Executes the template against one object and writes the text to `out`.
    ///
    /// Nothing is written if evaluation fails. The output of each action is
    /// written with one `write_all`; wrap `out` in a `BufWriter` if it is
    /// unbuffered.
    ///
    /// # Errors
    ///
    /// [`JsonPathErrorKind::Execute`] as for [`JsonPath::find_results`], or
    /// [`JsonPathErrorKind::Write`] if `out` fails.
    ///
    /// ```
    /// use kapi::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let pod = json!({"spec": {"containers": [{"name": "app"}, {"name": "sidecar"}]}});
    /// let mut out = Vec::new();
    /// JsonPath::parse("{.spec.containers[*].name}")?.execute(&pod, &mut out)?;
    /// assert_eq!(out, b"app sidecar");
    /// # Ok::<(), kapi::jsonpath::JsonPathError>(())
    /// ```
    pub fn execute(&self, data: &Value, out: &mut dyn Write) -> Result<(), JsonPathError> {
        let results = self.find_results(data)?;
        let mut buf = Vec::new();
        for action in &results {
            buf.clear();
            print::print_results(&mut buf, action, self.json_output);
            out.write_all(&buf).map_err(|e| self.write_error(e))?;
        }
        Ok(())
    }

    /// Executes the template into a `String`.
    ///
    /// # Errors
    ///
    /// [`JsonPathErrorKind::Execute`] as for [`JsonPath::find_results`].
    ///
    /// ```
    /// use kapi::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let node = json!({"metadata": {"labels": {"kubernetes.io/hostname": "node-1"}}});
    /// let host = JsonPath::parse(r"{.metadata.labels.kubernetes\.io/hostname}")?;
    /// assert_eq!(host.render(&node)?, "node-1");
    /// # Ok::<(), kapi::jsonpath::JsonPathError>(())
    /// ```
    pub fn render(&self, data: &Value) -> Result<String, JsonPathError> {
        let mut out = Vec::new();
        self.execute(data, &mut out)?;
        Ok(String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Evaluates the template and returns the values each top-level node
    /// produced, like client-go's `FindResults`: one inner list per text
    /// segment or action, with `{range}` bodies expanded once per item and
    /// `{range}`/`{end}` themselves left out. Values borrow from `data`
    /// where they can; literal text is owned.
    ///
    /// `kubectl wait --for=jsonpath=` takes `results[0][0]` and rejects
    /// more than one list, more than one value, and maps or lists.
    ///
    /// # Errors
    ///
    /// A [`JsonPathErrorKind::Execute`] error: a missing key when missing
    /// keys are not allowed, an index out of bounds, a comparison between
    /// different types, an unknown word or stray `{end}`, or a limit hit.
    ///
    /// ```
    /// use kapi::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let pods = json!({"items": [{"status": {"phase": "Running"}}, {"status": {"phase": "Failed"}}]});
    /// let results = JsonPath::parse_relaxed("items[*].status.phase")?.find_results(&pods)?;
    /// assert_eq!(results.len(), 1);
    /// assert_eq!(results[0].len(), 2, "matches more than one value");
    /// assert_eq!(*results[0][1], json!("Failed"));
    /// # Ok::<(), kapi::jsonpath::JsonPathError>(())
    /// ```
    pub fn find_results<'a>(
        &self,
        data: &'a Value,
    ) -> Result<Vec<Vec<Cow<'a, Value>>>, JsonPathError> {
        eval::Evaluator::new(&self.nodes, self.allow_missing_keys, self.step_limit)
            .run(data)
            .map_err(|e| {
                JsonPathError::new(JsonPathErrorKind::Execute, e.message, &self.template, e.pos)
            })
    }

    /// Lowers the evaluation step limit; tests (and `kapi::__fuzz`) use it
    /// to keep runaway templates quick.
    #[cfg(any(test, feature = "_fuzz"))]
    pub(crate) fn with_step_limit(mut self, limit: usize) -> Self {
        self.step_limit = limit;
        self
    }

    fn write_error(&self, source: io::Error) -> JsonPathError {
        let mut err = JsonPathError::new(
            JsonPathErrorKind::Write,
            source.to_string(),
            &self.template,
            None,
        );
        err.inner.source = Some(source);
        err
    }
}

impl std::str::FromStr for JsonPath {
    type Err = JsonPathError;

    /// Same as [`JsonPath::parse`].
    fn from_str(template: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(template)
    }
}

/// kubectl's `RelaxedJSONPathExpression`: turns `a.b`, `.a.b`, `{a.b}` and
/// `{.a.b}` into `{.a.b}`. The empty string stays empty. Anything with other
/// braces is an error.
///
/// # Errors
///
/// A [`JsonPathErrorKind::Parse`] error, without a position, for anything
/// else, such as `{foo.bar` or `foo.bar}`.
///
/// ```
/// use kapi::jsonpath::relaxed_expression;
///
/// assert_eq!(relaxed_expression("{foo.bar}")?, "{.foo.bar}");
/// assert!(relaxed_expression("{foo.bar").is_err());
/// # Ok::<(), kapi::jsonpath::JsonPathError>(())
/// ```
pub fn relaxed_expression(expr: &str) -> Result<String, JsonPathError> {
    if expr.is_empty() {
        return Ok(String::new());
    }
    // `^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`
    let braced = expr
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .and_then(field_spec);
    match braced.or_else(|| field_spec(expr)) {
        Some(spec) => Ok(format!("{{.{spec}}}")),
        None => Err(JsonPathError::new(
            JsonPathErrorKind::Parse,
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or \
             '{name1.name2}' or '{.name1.name2}'"
                .to_owned(),
            expr,
            None,
        )),
    }
}

/// The field spec of kubectl's relaxing regex: the optional leading dot is
/// dropped only when something is left after it (`.` stays `.`).
fn field_spec(s: &str) -> Option<&str> {
    let spec = match s.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => rest,
        _ => s,
    };
    (!spec.is_empty() && !spec.contains(['{', '}'])).then_some(spec)
}

/// Formats one value as [`JsonPath::execute`] prints a single result: maps
/// and lists as compact JSON, strings raw, numbers as Go prints them, `null`
/// as `null`.
///
/// ```
/// use kapi::jsonpath::format_value;
/// use serde_json::json;
///
/// assert_eq!(format_value(&json!(1.0)), "1");
/// assert_eq!(format_value(&json!({"b": [1, "<x>"], "a": null})), r#"{"a":null,"b":[1,"\u003cx\u003e"]}"#);
/// ```
#[must_use]
pub fn format_value(value: &Value) -> String {
    let mut out = Vec::new();
    print::write_text(&mut out, value);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A template that failed to parse, execute, or write.
///
/// `Display` is one line: what failed, the template (quoted as Go's `%q`
/// would), the 0-based character position in it when known, and client-go's
/// message:
///
/// ```text
/// failed to parse jsonpath "{.hello" at position 7: unclosed action
/// failed to execute jsonpath "{.hello}" at position 2: hello is not found
/// ```
#[derive(Debug)]
pub struct JsonPathError {
    inner: Box<ErrorInner>,
}

#[derive(Debug)]
struct ErrorInner {
    kind: JsonPathErrorKind,
    message: String,
    template: String,
    position: Option<usize>,
    source: Option<io::Error>,
}

/// What a [`JsonPathError`] failed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonPathErrorKind {
    /// The template is not valid syntax, e.g. `{.hello` ("unclosed action").
    Parse,
    /// The template is valid but cannot be applied to this object, e.g.
    /// `{.hello}` without allowing missing keys ("hello is not found").
    Execute,
    /// Writing the output failed; [`std::error::Error::source`] is the I/O error.
    Write,
}

impl JsonPathError {
    fn new(
        kind: JsonPathErrorKind,
        message: String,
        template: &str,
        byte_pos: Option<usize>,
    ) -> Self {
        // Positions are byte offsets inside the module, characters outside.
        let position = byte_pos.map(|pos| {
            template
                .char_indices()
                .take_while(|&(i, _)| i < pos)
                .count()
        });
        JsonPathError {
            inner: Box::new(ErrorInner {
                kind,
                message,
                template: template.to_owned(),
                position,
                source: None,
            }),
        }
    }

    /// Whether parsing, executing or writing failed.
    #[must_use]
    pub fn kind(&self) -> JsonPathErrorKind {
        self.inner.kind
    }

    /// client-go's message alone, e.g. `unclosed action`.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The template that failed.
    #[must_use]
    pub fn template(&self) -> &str {
        &self.inner.template
    }

    /// Where in the template it failed, as a 0-based character offset: the
    /// offending character or the start of the offending construct (for
    /// "unclosed action", the end of the template).
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        self.inner.position
    }
}

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let verb = match inner.kind {
            JsonPathErrorKind::Parse => "parse",
            JsonPathErrorKind::Execute => "execute",
            JsonPathErrorKind::Write => {
                return write!(
                    f,
                    "failed to write jsonpath output: {}",
                    OneLine(&inner.message)
                );
            }
        };
        write!(f, "failed to {verb} jsonpath {:?}", inner.template)?;
        if let Some(position) = inner.position {
            write!(f, " at position {position}")?;
        }
        write!(f, ": {}", OneLine(&inner.message))
    }
}

impl std::error::Error for JsonPathError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Messages quote the template (identifiers, numbers, keys); escape control
/// characters so the error stays on one line.
struct OneLine<'s>(&'s str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
