//! `--for` and `--fail-on` conditions: parsing kubectl's forms and checking
//! them against one object (or its absence).

use kapi::jsonpath::{self, JsonPath};
use serde_json::Value;

/// One condition, as `--for=...` or `--fail-on=...` gives it.
#[derive(Debug)]
pub enum Condition {
    /// `delete`: the object is gone.
    Delete,
    /// `create`: the object exists.
    Create,
    /// `condition=NAME[=VALUE]`: `status.conditions[type=NAME].status` is
    /// VALUE (default `true`), both compared without case, and the
    /// condition is not older than the object's `metadata.generation`.
    Status {
        /// The condition type, e.g. `Ready`.
        name: String,
        /// The wanted status, e.g. `true`.
        value: String,
    },
    /// `jsonpath='{expr}'[=VALUE]`: the expression gives exactly one
    /// scalar, equal to VALUE as text (or, without VALUE, any non-empty
    /// value).
    JsonPath {
        /// The relaxed template, e.g. `{.status.numberReady}`.
        path: JsonPath,
        /// The wanted value, quotes trimmed.
        value: Option<String>,
    },
}

/// The result of checking one condition on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Whether the condition holds.
    pub holds: bool,
    /// What was seen, for the progress line, e.g.
    /// `{.status.numberReady}=19, want 20`.
    pub observed: String,
}

impl Condition {
    /// Parses one `--for` value with kubectl's rules and messages.
    pub fn parse(text: &str) -> Result<Condition, String> {
        if text.eq_ignore_ascii_case("delete") {
            return Ok(Condition::Delete);
        }
        if text.eq_ignore_ascii_case("create") {
            return Ok(Condition::Create);
        }
        if let Some(rest) = text.strip_prefix("condition=") {
            let (name, value) = match rest.split_once('=') {
                Some((name, value)) => (name, value),
                None => (rest, "true"),
            };
            if name.is_empty() {
                return Err(format!(
                    "condition name cannot be empty in {text:?}: use --for=condition=Ready"
                ));
            }
            return Ok(Condition::Status {
                name: name.to_string(),
                value: value.to_string(),
            });
        }
        if let Some(rest) = text.strip_prefix("jsonpath=") {
            let (expr, value) = split_jsonpath(rest)?;
            if expr.is_empty() {
                return Err("jsonpath expression cannot be empty".into());
            }
            let path = JsonPath::parse_relaxed(expr).map_err(|e| e.to_string())?;
            return Ok(Condition::JsonPath {
                path: path.allow_missing_keys(true),
                value,
            });
        }
        Err(format!("unrecognized condition: {text:?}"))
    }

    /// The condition as the user would write it: `condition=Complete`,
    /// `jsonpath={.status.numberReady}=20`, `delete`, `create`.
    pub fn describe(&self) -> String {
        match self {
            Condition::Delete => "delete".into(),
            Condition::Create => "create".into(),
            Condition::Status { name, value } if value.eq_ignore_ascii_case("true") => {
                format!("condition={name}")
            }
            Condition::Status { name, value } => format!("condition={name}={value}"),
            Condition::JsonPath { path, value: None } => format!("jsonpath={}", path.template()),
            Condition::JsonPath {
                path,
                value: Some(v),
            } => format!("jsonpath={}={v}", path.template()),
        }
    }

    /// Checks the condition against an object, or its absence (`None`).
    ///
    /// # Errors
    ///
    /// kubectl's errors for a JSONPath that cannot be compared: more than
    /// one list or value, a map or list where a value is wanted, or an
    /// execution error.
    pub fn check(&self, object: Option<&Value>) -> Result<Check, String> {
        let Some(object) = object else {
            return Ok(match self {
                Condition::Delete => Check::holds("deleted"),
                _ => Check::waiting("not found"),
            });
        };
        match self {
            Condition::Delete => Ok(Check::waiting("exists, want it deleted")),
            Condition::Create => Ok(Check::holds("exists")),
            Condition::Status { name, value } => Ok(check_condition(object, name, value)),
            Condition::JsonPath { path, value } => check_jsonpath(object, path, value.as_deref()),
        }
    }
}

impl Check {
    fn holds(observed: impl Into<String>) -> Check {
        Check {
            holds: true,
            observed: observed.into(),
        }
    }

    fn waiting(observed: impl Into<String>) -> Check {
        Check {
            holds: false,
            observed: observed.into(),
        }
    }
}

/// Splits `EXPR[=VALUE]` on the first `=` that stands alone: not part of
/// `==`, `!=`, `<=` or `>=`, and not inside `{}`, `[]`, `()` or quotes, so
/// filters such as `{.status.conditions[?(@.type=="Ready")].status}=True`
/// keep their operators. The value loses surrounding quotes, as kubectl's.
fn split_jsonpath(text: &str) -> Result<(&str, Option<String>), String> {
    const FORMAT: &str = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'";
    let Some(at) = lone_equals(text) else {
        return Ok((text, None));
    };
    let (expr, value) = (&text[..at], &text[at + 1..]);
    if lone_equals(value).is_some() {
        return Err(FORMAT.into());
    }
    let value = value.trim_matches(|c| c == '\'' || c == '"');
    if value.is_empty() {
        return Err("jsonpath wait has to have a value after equal sign".into());
    }
    Ok((expr, Some(value.to_string())))
}

/// The byte offset of the first lone `=` outside brackets and quotes.
fn lone_equals(text: &str) -> Option<usize> {
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
                b'=' if depth == 0 => {
                    let prev = i.checked_sub(1).map(|p| bytes[p]);
                    let next = bytes.get(i + 1).copied();
                    let paired =
                        matches!(prev, Some(b'=' | b'!' | b'<' | b'>')) || next == Some(b'=');
                    if !paired {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// kubectl's `checkCondition`: the first condition of that type with a
/// status decides, unless it describes an older generation of the object.
fn check_condition(object: &Value, name: &str, want: &str) -> Check {
    let wanted = format!("want {}", want.to_lowercase());
    let Some(conditions) = object["status"]["conditions"].as_array() else {
        return Check::waiting(format!("condition {name} not set, {wanted}"));
    };
    for condition in conditions {
        let Some(kind) = condition["type"].as_str() else {
            continue;
        };
        if !same_text(kind, name) {
            continue;
        }
        let Some(status) = condition["status"].as_str() else {
            continue;
        };
        if let Some(generation) = object["metadata"]["generation"].as_i64() {
            let observed = condition["observedGeneration"]
                .as_i64()
                .or_else(|| object["status"]["observedGeneration"].as_i64());
            if let Some(observed) = observed.filter(|o| *o < generation) {
                return Check::waiting(format!(
                    "condition {kind}={status} is for generation {observed}, not {generation} yet, {wanted}"
                ));
            }
        }
        let observed = format!("condition {kind}={status}");
        return if same_text(status, want) {
            Check::holds(observed)
        } else {
            Check::waiting(format!("{observed}, {wanted}"))
        };
    }
    Check::waiting(format!("condition {name} not set, {wanted}"))
}

/// kubectl's JSONPath wait: one scalar, compared as `fmt.Sprintf("%v")`
/// text with spaces trimmed.
fn check_jsonpath(object: &Value, path: &JsonPath, want: Option<&str>) -> Result<Check, String> {
    let results = path.find_results(object).map_err(|e| e.to_string())?;
    let expr = path.template();
    let wanted = match want {
        Some(v) => format!("want {v}"),
        None => "want a value".to_string(),
    };
    let Some(first) = results.first().filter(|r| !r.is_empty()) else {
        return Ok(Check::waiting(format!("{expr}=<none>, {wanted}")));
    };
    if results.len() > 1 {
        return Err("given jsonpath expression matches more than one list".into());
    }
    if first.len() > 1 {
        return Err("given jsonpath expression matches more than one value".into());
    }
    let value: &Value = &first[0];
    let Some(want) = want else {
        // kubectl accepts any value here, even "" or []; an empty one is
        // not yet what anyone waits for.
        let text = text_of(value);
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        return Ok(if empty {
            Check::waiting(format!("{expr}={}, {wanted}", shown(&text)))
        } else {
            Check::holds(format!("{expr}={}", shown(&text)))
        });
    };
    if value.is_object() || value.is_array() {
        return Err("jsonpath leads to a nested object or list which is not supported".into());
    }
    let text = text_of(value);
    let observed = format!("{expr}={}", shown(&text));
    Ok(if text.trim() == want.trim() {
        Check::holds(observed)
    } else {
        Check::waiting(format!("{observed}, {wanted}"))
    })
}

/// A value as Go's `%v` prints what kubectl decoded: `<nil>` for null.
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        other => jsonpath::format_value(other),
    }
}

/// Empty text made visible in the progress line.
fn shown(text: &str) -> &str {
    if text.is_empty() {
        "\"\""
    } else {
        text
    }
}

/// Go's `strings.EqualFold`, near enough: compared after lowercasing.
fn same_text(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(cond: &str, object: &Value) -> Check {
        Condition::parse(cond).unwrap().check(Some(object)).unwrap()
    }

    fn check_err(cond: &str, object: &Value) -> String {
        Condition::parse(cond)
            .unwrap()
            .check(Some(object))
            .unwrap_err()
    }

    fn job(status: &str) -> Value {
        json!({"metadata": {"generation": 1}, "status": {"conditions": [
            {"type": "Complete", "status": status},
        ]}})
    }

    #[test]
    fn kubectl_forms_parse() {
        assert!(matches!(Condition::parse("delete"), Ok(Condition::Delete)));
        assert!(matches!(Condition::parse("DELETE"), Ok(Condition::Delete)));
        assert!(matches!(Condition::parse("create"), Ok(Condition::Create)));
        match Condition::parse("condition=Ready=false").unwrap() {
            Condition::Status { name, value } => assert_eq!((&*name, &*value), ("Ready", "false")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Condition::parse("condition=Available").unwrap().describe(),
            "condition=Available"
        );
        for (text, template, value) in [
            (
                "jsonpath={.status.numberReady}=20",
                "{.status.numberReady}",
                Some("20"),
            ),
            (
                "jsonpath=.status.numberReady=20",
                "{.status.numberReady}",
                Some("20"),
            ),
            (
                "jsonpath=status.phase='Running'",
                "{.status.phase}",
                Some("Running"),
            ),
            (
                "jsonpath={.status.loadBalancer.ingress}",
                "{.status.loadBalancer.ingress}",
                None,
            ),
            (
                r#"jsonpath={.status.conditions[?(@.type=="Ready")].status}=True"#,
                r#"{.status.conditions[?(@.type=="Ready")].status}"#,
                Some("True"),
            ),
            (
                "jsonpath={.items[?(@.x!=1)].y}=2",
                "{.items[?(@.x!=1)].y}",
                Some("2"),
            ),
        ] {
            match Condition::parse(text).unwrap() {
                Condition::JsonPath { path, value: v } => {
                    assert_eq!(path.template(), template, "{text}");
                    assert_eq!(v.as_deref(), value, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_forms_get_kubectls_messages() {
        assert_eq!(
            Condition::parse("ready").unwrap_err(),
            r#"unrecognized condition: "ready""#
        );
        assert_eq!(
            Condition::parse("jsonpath={.status.phase}=").unwrap_err(),
            "jsonpath wait has to have a value after equal sign"
        );
        assert_eq!(
            Condition::parse("jsonpath=").unwrap_err(),
            "jsonpath expression cannot be empty"
        );
        assert!(Condition::parse("jsonpath={.a}=b=c")
            .unwrap_err()
            .starts_with("jsonpath wait format must be"));
        assert!(Condition::parse("jsonpath={.status.phase")
            .unwrap_err()
            .contains("unexpected path string"));
    }

    #[test]
    fn conditions_compare_without_case_and_default_to_true() {
        assert!(check("condition=complete", &job("True")).holds);
        assert!(!check("condition=Complete", &job("False")).holds);
        assert!(check("condition=Complete=false", &job("False")).holds);
        assert_eq!(
            check("condition=Complete", &job("False")).observed,
            "condition Complete=False, want true"
        );
        assert_eq!(
            check("condition=Failed", &job("False")).observed,
            "condition Failed not set, want true"
        );
    }

    #[test]
    fn a_condition_older_than_the_generation_does_not_count() {
        let stale = json!({"metadata": {"generation": 4}, "status": {"observedGeneration": 3,
            "conditions": [{"type": "Available", "status": "True"}]}});
        let c = check("condition=Available", &stale);
        assert!(!c.holds);
        assert!(c.observed.contains("generation 3, not 4"), "{}", c.observed);
        let own = json!({"metadata": {"generation": 4}, "status": {"observedGeneration": 3,
            "conditions": [{"type": "Available", "status": "True", "observedGeneration": 4}]}});
        assert!(check("condition=Available", &own).holds);
    }

    #[test]
    fn jsonpath_values_compare_as_go_prints_them() {
        let ds = json!({"status": {"numberReady": 19, "ratio": 1.0, "phase": " Running "}});
        let c = check("jsonpath={.status.numberReady}=20", &ds);
        assert_eq!(
            c,
            Check {
                holds: false,
                observed: "{.status.numberReady}=19, want 20".into()
            }
        );
        assert!(check("jsonpath={.status.numberReady}=19", &ds).holds);
        assert!(check("jsonpath={.status.ratio}=1", &ds).holds);
        assert!(check("jsonpath={.status.phase}=Running", &ds).holds);
        assert!(!check("jsonpath={.status.missing}=x", &ds).holds);
        assert_eq!(
            check("jsonpath={.status.missing}=x", &ds).observed,
            "{.status.missing}=<none>, want x"
        );
    }

    #[test]
    fn jsonpath_without_a_value_waits_for_a_non_empty_one() {
        let svc = json!({"status": {"loadBalancer": {}}});
        assert!(!check("jsonpath={.status.loadBalancer.ingress}", &svc).holds);
        let empty = json!({"status": {"loadBalancer": {"ingress": []}}});
        assert!(!check("jsonpath={.status.loadBalancer.ingress}", &empty).holds);
        let ready = json!({"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}});
        assert!(check("jsonpath={.status.loadBalancer.ingress}", &ready).holds);
    }

    #[test]
    fn jsonpath_errors_are_kubectls() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(
            check_err("jsonpath={.spec.containers[*].name}=a", &pod),
            "given jsonpath expression matches more than one value"
        );
        assert_eq!(
            check_err("jsonpath={.spec}=a", &pod),
            "jsonpath leads to a nested object or list which is not supported"
        );
    }

    #[test]
    fn absence_meets_delete_only() {
        let delete = Condition::parse("delete").unwrap();
        assert!(delete.check(None).unwrap().holds);
        assert!(!delete.check(Some(&json!({}))).unwrap().holds);
        let create = Condition::parse("create").unwrap();
        assert!(!create.check(None).unwrap().holds);
        assert!(create.check(Some(&json!({}))).unwrap().holds);
        let cond = Condition::parse("condition=Ready").unwrap();
        assert_eq!(cond.check(None).unwrap().observed, "not found");
    }
}
