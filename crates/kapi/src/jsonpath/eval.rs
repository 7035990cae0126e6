//! Evaluation and printing, a port of client-go's `util/jsonpath/jsonpath.go`
//! over `serde_json::Value`.
//!
//! The data model is kubectl's: objects arrive as `unstructured` maps, where a
//! JSON number is an `int64` if it is written as one and fits, and a
//! `float64` otherwise. serde_json keeps the same distinction (`1` versus
//! `1.0`), so comparisons and printing follow Go's rules for those two types.
//!
//! Results borrow from the input wherever they can ([`Item`]); only literals
//! from the template and the bytes of a string (`.*` over a string) are owned.

use std::borrow::Cow;

use serde_json::{Number, Value};

use super::parser::{Node, Param};

/// One result: borrowed from the data, or made by the template.
pub(crate) type Item<'a> = Cow<'a, Value>;

/// How much work one execution may do before it fails, counted in nodes
/// walked plus values produced plus bytes of template text copied. kubectl has no such limit; kapi needs one
/// because unclosed `{range}`s re-run their bodies (as in client-go), which
/// makes the work exponential in the number of them. Ten million steps is
/// far more than `{..}` over thousands of pods needs.
pub(crate) const DEFAULT_STEP_LIMIT: usize = 10_000_000;

/// How deep `{range}`s may nest. Each level is a recursive call.
pub(crate) const MAX_RANGE_DEPTH: usize = 100;

/// An execution failure: client-go's message, and the byte offset in the
/// template of the node that failed when there is one.
#[derive(Debug)]
pub(crate) struct ExecError {
    pub(crate) message: String,
    pub(crate) pos: Option<usize>,
    /// Limits: these must escape an existence filter, which otherwise
    /// swallows errors as client-go does.
    fatal: bool,
}

impl ExecError {
    fn fatal(message: String) -> Self {
        ExecError {
            message,
            pos: None,
            fatal: true,
        }
    }
}

/// An error from one node, and whether client-go would have returned a
/// non-empty value list alongside it. Only an existence filter
/// (`[?(@.x)]`) looks at that: it ignores the error and matches when values
/// came back, so `[?(@.labels[0])]` matches every element whose `labels` is
/// not a list, exactly as in client-go.
struct Fail {
    error: ExecError,
    passthrough: bool,
}

impl Fail {
    fn new(message: impl Into<String>, pos: usize, passthrough: bool) -> Self {
        Fail {
            error: ExecError {
                message: message.into(),
                pos: Some(pos),
                fatal: false,
            },
            passthrough,
        }
    }

    fn with_passthrough(self, passthrough: bool) -> Self {
        Fail {
            passthrough,
            ..self
        }
    }
}

impl From<ExecError> for Fail {
    fn from(error: ExecError) -> Self {
        Fail {
            error,
            passthrough: false,
        }
    }
}

/// client-go's `JSONPath` during one execution: the range counters are
/// per-execution state here, so a parsed template can be reused.
pub(crate) struct Evaluator<'n> {
    nodes: &'n [Node],
    allow_missing_keys: bool,
    step_limit: usize,
    steps: usize,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end: Option<usize>,
}

impl<'n> Evaluator<'n> {
    pub(crate) fn new(nodes: &'n [Node], allow_missing_keys: bool, step_limit: usize) -> Self {
        Evaluator {
            nodes,
            allow_missing_keys,
            step_limit,
            steps: 0,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end: None,
        }
    }

    /// client-go's `FindResults`: one result list per top-level node, in
    /// order, with range bodies expanded once per item.
    pub(crate) fn run(mut self, data: &Value) -> Result<Vec<Vec<Item<'_>>>, ExecError> {
        self.find_results(&Cow::Borrowed(data), 0, false)
    }

    /// Walks the top-level nodes from `start` against `data` until an
    /// `{end}` closes the current range.
    ///
    /// This is client-go's algorithm, counters and all, so that oddly nested
    /// or unclosed ranges behave as they do in kubectl: an unclosed range's
    /// body runs once per item and then once more against the outer data.
    ///
    /// With `dry`, nothing is evaluated; only `range` and `end` are counted
    /// to find where an empty range ends. client-go evaluates the body
    /// against nil instead, which fails with "is not found" when missing keys
    /// are not allowed; kapi treats an empty range as producing nothing.
    fn find_results<'a>(
        &mut self,
        data: &Item<'a>,
        start: usize,
        dry: bool,
    ) -> Result<Vec<Vec<Item<'a>>>, ExecError> {
        let nodes = self.nodes;
        let mut full = Vec::new();
        let mut i = start;
        while let Some(node) = nodes.get(i) {
            let results = if dry {
                self.count_range_markers(node);
                Vec::new()
            } else {
                self.walk(vec![data.clone()], node).map_err(|f| f.error)?
            };

            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(i);
                break;
            }

            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if self.in_range > MAX_RANGE_DEPTH {
                    return Err(ExecError::fatal(format!(
                        "ranges nested more than {MAX_RANGE_DEPTH} deep"
                    )));
                }
                if results.is_empty() {
                    self.find_results(&Cow::Owned(Value::Null), i + 1, true)?;
                } else {
                    for value in results {
                        full.extend(self.find_results(&value, i + 1, false)?);
                    }
                }
                self.in_range -= 1;
                // Resume after the `{end}` the body stopped at, if it is ahead.
                if let Some(end) = self.last_end.filter(|&end| end > i) {
                    i = end;
                }
                i += 1;
                continue;
            }

            if !dry {
                full.push(results);
            }
            i += 1;
        }
        Ok(full)
    }

    /// The counter side effects of `range` and `end` in an action, without
    /// evaluating anything.
    fn count_range_markers(&mut self, node: &Node) {
        let Node::List(list) = node else { return };
        for node in list {
            if let Node::Identifier { name, .. } = node {
                match name.as_str() {
                    "range" => self.begin_range += 1,
                    "end" if self.in_range > 0 => self.end_range += 1,
                    _ => {}
                }
            }
        }
    }

    fn charge(&mut self, steps: usize) -> Result<(), ExecError> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.step_limit {
            return Err(ExecError::fatal(format!(
                "template evaluation exceeded {} steps",
                self.step_limit
            )));
        }
        Ok(())
    }

    /// client-go's `walk`.
    fn walk<'a>(&mut self, input: Vec<Item<'a>>, node: &'n Node) -> Result<Vec<Item<'a>>, Fail> {
        self.charge(input.len().saturating_add(1))?;
        let count = input.len();
        let output = match node {
            Node::Text(text) => {
                // A copy of the text per evaluation: its bytes are work too,
                // or unclosed ranges repeating a long text would allocate
                // gigabytes within the step limit.
                self.charge(text.len())?;
                vec![Cow::Owned(Value::String(text.clone()))]
            }
            Node::List(nodes) => self.eval_list(input, nodes)?,
            Node::Field { name, pos } => self.eval_field(&input, name, *pos)?,
            Node::Wildcard => eval_wildcard(&input),
            Node::Recursive => self.eval_recursive(input)?,
            Node::Array { params, pos } => eval_array(&input, params, *pos)?,
            Node::Union(members) => self.eval_union(input, members)?,
            Node::Filter {
                left,
                right,
                op,
                pos,
                op_pos,
            } => self.eval_filter(&input, left, right, op, *pos, *op_pos)?,
            Node::Int(value) => repeat(Value::from(*value), count),
            Node::Float(value) => repeat(
                Number::from_f64(*value).map_or(Value::Null, Value::Number),
                count,
            ),
            Node::Bool(value) => repeat(Value::Bool(*value), count),
            Node::Identifier { name, pos } => self.eval_identifier(input, name, *pos)?,
        };
        self.charge(output.len())?;
        Ok(output)
    }

    fn eval_list<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        nodes: &'n [Node],
    ) -> Result<Vec<Item<'a>>, Fail> {
        let mut current = input;
        for node in nodes {
            current = self.walk(current, node)?;
        }
        Ok(current)
    }

    fn eval_identifier<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        name: &str,
        pos: usize,
    ) -> Result<Vec<Item<'a>>, Fail> {
        match name {
            "range" => {
                self.begin_range += 1;
                Ok(input)
            }
            "end" if self.in_range > 0 => {
                self.end_range += 1;
                Ok(Vec::new())
            }
            "end" => Err(Fail::new("not in range, nothing to end", pos, false)),
            _ => Err(Fail::new(
                format!("unrecognized identifier {name}"),
                pos,
                !input.is_empty(),
            )),
        }
    }

    /// A map key. Values that are not maps give nothing; if nothing at all
    /// matched, that is "not found" unless missing keys are allowed.
    fn eval_field<'a>(
        &mut self,
        input: &[Item<'a>],
        name: &str,
        pos: usize,
    ) -> Result<Vec<Item<'a>>, Fail> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Item<'a>> = input.iter().filter_map(|item| field(item, name)).collect();
        if results.is_empty() && !self.allow_missing_keys {
            return Err(Fail::new(format!("{name} is not found"), pos, false));
        }
        Ok(results)
    }

    /// Pre-order: each non-empty container (strings count, as in Go), then
    /// its descendants. Iterative, so deep data cannot overflow the stack.
    fn eval_recursive<'a>(&mut self, input: Vec<Item<'a>>) -> Result<Vec<Item<'a>>, Fail> {
        let mut result = Vec::new();
        for item in input {
            let mut stack = vec![item];
            while let Some(item) = stack.pop() {
                self.charge(1)?;
                let (has_children, descend) = match item.as_ref() {
                    Value::Object(map) => (!map.is_empty(), true),
                    Value::Array(list) => (!list.is_empty(), true),
                    // A string's children are its bytes, which have none.
                    Value::String(s) => (!s.is_empty(), false),
                    _ => (false, false),
                };
                if !has_children {
                    continue;
                }
                let kids = if descend { children(&item) } else { Vec::new() };
                result.push(item);
                stack.extend(kids.into_iter().rev());
            }
        }
        Ok(result)
    }

    fn eval_union<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        members: &'n [Vec<Node>],
    ) -> Result<Vec<Item<'a>>, Fail> {
        let passthrough = !input.is_empty();
        let mut result = Vec::new();
        for member in members {
            let values = self
                .eval_list(input.clone(), member)
                .map_err(|f| f.with_passthrough(passthrough))?;
            result.extend(values);
        }
        Ok(result)
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Item<'a>],
        left: &'n [Node],
        right: &'n [Node],
        op: &str,
        pos: usize,
        op_pos: usize,
    ) -> Result<Vec<Item<'a>>, Fail> {
        let passthrough = !input.is_empty();
        let mut results = Vec::new();
        for item in input {
            let Some(elements) = elements(item) else {
                let message = format!(
                    "{} is not array or slice and cannot be filtered",
                    type_name(item)
                );
                return Err(Fail::new(message, pos, passthrough));
            };
            for element in elements {
                let temp = vec![element.clone()];
                if op == "exists" {
                    let exists = match self.eval_list(temp, left) {
                        Ok(values) => !values.is_empty(),
                        Err(fail) if fail.error.fatal => return Err(fail),
                        Err(fail) => fail.passthrough,
                    };
                    if exists {
                        results.push(element);
                    }
                    continue;
                }

                let lefts = self
                    .eval_list(temp.clone(), left)
                    .map_err(|f| f.with_passthrough(passthrough))?;
                let lhs = match lefts.as_slice() {
                    [] => continue,
                    [one] => one,
                    _ => {
                        let message = "can only compare one element at a time";
                        return Err(Fail::new(message, pos, passthrough));
                    }
                };
                let rights = self
                    .eval_list(temp, right)
                    .map_err(|f| f.with_passthrough(passthrough))?;
                let rhs = match rights.as_slice() {
                    [] => continue,
                    [one] => one,
                    _ => {
                        let message = "can only compare one element at a time";
                        return Err(Fail::new(message, pos, passthrough));
                    }
                };
                let pass = compare(op, lhs, rhs)
                    .map_err(|message| Fail::new(message, op_pos, !results.is_empty()))?;
                if pass {
                    results.push(element);
                }
            }
        }
        Ok(results)
    }
}

fn repeat<'a>(value: Value, count: usize) -> Vec<Item<'a>> {
    vec![Cow::Owned(value); count]
}

/// client-go's `evalArray`: `[n]`, `[start:end:step]`, `[*]`.
fn eval_array<'a>(
    input: &[Item<'a>],
    params: &[Param; 3],
    pos: usize,
) -> Result<Vec<Item<'a>>, Fail> {
    let passthrough = !input.is_empty();
    let mut result = Vec::new();
    for item in input {
        let Some(list) = elements(item) else {
            if matches!(item.as_ref(), Value::Null) {
                continue;
            }
            let message = format!("{} is not array or slice", type_name(item));
            return Err(Fail::new(message, pos, passthrough));
        };
        let len = i64::try_from(list.len()).unwrap_or(i64::MAX);
        let [mut start, mut end, step] = *params;
        if !start.known {
            start.value = 0;
        }
        if start.value < 0 {
            start.value += len;
        }
        if !end.known {
            end.value = len;
        }
        if end.value < 0 || (end.value == 0 && end.derived) {
            end.value += len;
        }
        if end.value == start.value {
            // Zero elements requested. client-go returns here, dropping the
            // rest of the input; kapi goes on to the next list.
            continue;
        }
        if start.value >= len || start.value < 0 {
            let message = format!(
                "array index out of bounds: index {}, length {}",
                start.value, len
            );
            return Err(Fail::new(message, pos, passthrough));
        }
        if end.value > len || end.value < 0 {
            let message = format!(
                "array index out of bounds: index {}, length {}",
                end.value.wrapping_sub(1),
                len
            );
            return Err(Fail::new(message, pos, passthrough));
        }
        if start.value > end.value {
            let message = format!(
                "starting index {} is greater than ending index {}",
                start.value, end.value
            );
            return Err(Fail::new(message, pos, passthrough));
        }
        let step = if step.known {
            if step.value <= 0 {
                return Err(Fail::new("step must be > 0", pos, passthrough));
            }
            step.value
        } else {
            1
        };
        // All three are now within 0..=len.
        let (Ok(start), Ok(end), Ok(step)) = (
            usize::try_from(start.value),
            usize::try_from(end.value),
            usize::try_from(step),
        ) else {
            continue;
        };
        let selected = list.get(start..end).unwrap_or_default();
        result.extend(selected.iter().step_by(step).cloned());
    }
    Ok(result)
}

/// `.*`: map values (in key order), list elements, or a string's bytes.
fn eval_wildcard<'a>(input: &[Item<'a>]) -> Vec<Item<'a>> {
    input.iter().flat_map(children).collect()
}

fn field<'a>(item: &Item<'a>, name: &str) -> Option<Item<'a>> {
    match item {
        Cow::Borrowed(value) => {
            let value: &'a Value = value;
            match value {
                Value::Object(map) => map.get(name).map(Cow::Borrowed),
                _ => None,
            }
        }
        Cow::Owned(Value::Object(map)) => map.get(name).cloned().map(Cow::Owned),
        Cow::Owned(_) => None,
    }
}

/// The elements of a list, or `None` if the item is not one.
fn elements<'a>(item: &Item<'a>) -> Option<Vec<Item<'a>>> {
    match item {
        Cow::Borrowed(value) => {
            let value: &'a Value = value;
            match value {
                Value::Array(list) => Some(list.iter().map(Cow::Borrowed).collect()),
                _ => None,
            }
        }
        Cow::Owned(Value::Array(list)) => Some(list.iter().cloned().map(Cow::Owned).collect()),
        Cow::Owned(_) => None,
    }
}

/// What Go's reflection iterates: map values, list elements, string bytes.
fn children<'a>(item: &Item<'a>) -> Vec<Item<'a>> {
    match item {
        Cow::Borrowed(value) => {
            let value: &'a Value = value;
            match value {
                Value::Object(map) => map.values().map(Cow::Borrowed).collect(),
                Value::Array(list) => list.iter().map(Cow::Borrowed).collect(),
                Value::String(s) => string_bytes(s),
                _ => Vec::new(),
            }
        }
        Cow::Owned(value) => match value {
            Value::Object(map) => map.values().cloned().map(Cow::Owned).collect(),
            Value::Array(list) => list.iter().cloned().map(Cow::Owned).collect(),
            Value::String(s) => string_bytes(s),
            _ => Vec::new(),
        },
    }
}

fn string_bytes<'a>(s: &str) -> Vec<Item<'a>> {
    s.bytes().map(|b| Cow::Owned(Value::from(b))).collect()
}

/// The JSON type of a value, used where client-go names a Go type
/// (`map[string]interface {} is not array or slice`).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

// ---------------------------------------------------------------------------
// Comparison: Go's text/template `eq`, `ne`, `lt`, `le`, `gt`, `ge`, as
// forked into client-go (third_party/forked/golang/template/funcs.go).

const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const BAD_COMPARISON: &str = "incompatible types for comparison";

/// A value as a Go basic kind. An integer never equals a float: comparing
/// `int64` with `float64` is an error in Go's templates, and so here.
#[derive(Clone, Copy)]
enum Basic<'v> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
}

fn basic_kind(value: &Value) -> Result<Basic<'_>, &'static str> {
    match value {
        Value::Bool(b) => Ok(Basic::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(int) => Ok(Basic::Int(int)),
            // Integers beyond int64 are float64 in kubectl's unstructured data.
            None => n.as_f64().map(Basic::Float).ok_or(BAD_COMPARISON_TYPE),
        },
        Value::String(s) => Ok(Basic::Str(s)),
        Value::Null | Value::Array(_) | Value::Object(_) => Err(BAD_COMPARISON_TYPE),
    }
}

fn compare(op: &str, lhs: &Value, rhs: &Value) -> Result<bool, String> {
    let result = match op {
        "==" => go_eq(lhs, rhs),
        "!=" => go_eq(lhs, rhs).map(|eq| !eq),
        "<" => go_lt(lhs, rhs),
        "<=" => go_le(lhs, rhs),
        ">" => go_le(lhs, rhs).map(|le| !le),
        ">=" => go_lt(lhs, rhs).map(|lt| !lt),
        _ => return Err(format!("unrecognized filter operator {op}")),
    };
    result.map_err(str::to_owned)
}

fn go_eq(lhs: &Value, rhs: &Value) -> Result<bool, &'static str> {
    match (basic_kind(lhs)?, basic_kind(rhs)?) {
        (Basic::Bool(a), Basic::Bool(b)) => Ok(a == b),
        (Basic::Int(a), Basic::Int(b)) => Ok(a == b),
        (Basic::Float(a), Basic::Float(b)) => Ok(a == b),
        (Basic::Str(a), Basic::Str(b)) => Ok(a == b),
        _ => Err(BAD_COMPARISON),
    }
}

fn go_lt(lhs: &Value, rhs: &Value) -> Result<bool, &'static str> {
    match (basic_kind(lhs)?, basic_kind(rhs)?) {
        (Basic::Bool(_), Basic::Bool(_)) => Err(BAD_COMPARISON_TYPE),
        (Basic::Int(a), Basic::Int(b)) => Ok(a < b),
        (Basic::Float(a), Basic::Float(b)) => Ok(a < b),
        (Basic::Str(a), Basic::Str(b)) => Ok(a < b),
        _ => Err(BAD_COMPARISON),
    }
}

fn go_le(lhs: &Value, rhs: &Value) -> Result<bool, &'static str> {
    if go_lt(lhs, rhs)? {
        return Ok(true);
    }
    go_eq(lhs, rhs)
}
