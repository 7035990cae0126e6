//! `--for` and `--fail-on` conditions: parsing kubectl's forms and checking
//! them against one object (or its absence).

use kapi::jsonpath::JsonPath;
use serde_json::Value;

use super::compare::{self, Op};
use super::lifecycle;

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
    /// `jsonpath='{expr}'[OP VALUE]`: the expression gives exactly one
    /// scalar that compares with VALUE by OP (`=`, `==`, `!=`, `<`, `<=`,
    /// `>`, `>=`; see [`compare`]), or, without OP VALUE, any non-empty
    /// value.
    JsonPath {
        /// The relaxed template, e.g. `{.status.numberReady}`.
        path: JsonPath,
        /// The operator and the wanted value, quotes trimmed.
        compare: Option<Comparison>,
    },
    /// `reason=NAME`: the object shows that reason (see
    /// [`lifecycle::reasons`]): `CrashLoopBackOff`, `Evicted`,
    /// `BackoffLimitExceeded`, ...
    Reason {
        /// The reason, compared without case.
        name: String,
    },
    /// `endpoints[=N]`: a Service has at least N ready endpoints in its
    /// EndpointSlices. Checked by [`super::endpoints`], not on objects.
    Endpoints {
        /// N, at least 1.
        min: u64,
    },
}

/// The operator and the wanted value of a JSONPath condition.
pub type Comparison = (Op, String);

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
            let (expr, compare) = split_jsonpath(rest)?;
            if expr.is_empty() {
                return Err("jsonpath expression cannot be empty".into());
            }
            let path = JsonPath::parse_relaxed(expr).map_err(|e| e.to_string())?;
            return Ok(Condition::JsonPath {
                path: path.allow_missing_keys(true),
                compare,
            });
        }
        if let Some(name) = text.strip_prefix("reason=") {
            if name.is_empty() {
                return Err(format!(
                    "reason cannot be empty in {text:?}: use e.g. --fail-on=reason=CrashLoopBackOff"
                ));
            }
            return Ok(Condition::Reason {
                name: name.to_string(),
            });
        }
        if text == "endpoints" {
            return Ok(Condition::Endpoints { min: 1 });
        }
        if let Some(n) = text.strip_prefix("endpoints=") {
            return match n.parse::<u64>() {
                Ok(min) if min > 0 => Ok(Condition::Endpoints { min }),
                _ => Err(format!(
                    "endpoints wants a number of ready endpoints of at least 1, got {n:?}: use --for=endpoints or --for=endpoints=3"
                )),
            };
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
            Condition::JsonPath {
                path,
                compare: None,
            } => format!("jsonpath={}", path.template()),
            Condition::JsonPath {
                path,
                compare: Some((op, v)),
            } => format!("jsonpath={}{}{v}", path.template(), op.text()),
            Condition::Reason { name } => format!("reason={name}"),
            Condition::Endpoints { min: 1 } => "endpoints".into(),
            Condition::Endpoints { min } => format!("endpoints={min}"),
        }
    }

    /// Whether the condition is about the object's status conditions or
    /// reasons, which a finished Job or Pod never changes again.
    pub fn frozen_when_finished(&self) -> bool {
        matches!(self, Condition::Status { .. } | Condition::Reason { .. })
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
            Condition::JsonPath { path, compare } => check_jsonpath(object, path, compare.as_ref()),
            Condition::Reason { name } => Ok(check_reason(object, name)),
            Condition::Endpoints { .. } => {
                Err("--for=endpoints applies to Services only (svc/NAME)".into())
            }
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

/// Splits `EXPR[OP VALUE]` on the first operator outside `{}`, `[]`,
/// `()` and quotes (see [`compare::find_op`]), so filters such as
/// `{.status.conditions[?(@.type=="Ready")].status}=True` keep theirs. The
/// value loses surrounding quotes, as kubectl's.
fn split_jsonpath(text: &str) -> Result<(&str, Option<Comparison>), String> {
    const FORMAT: &str = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3, --for=jsonpath='{.status.readyReplicas}'>=3 or --for=jsonpath='{.status.readyReplicas}'";
    let Some((at, op, len)) = compare::find_op(text) else {
        return Ok((text, None));
    };
    let (expr, value) = (&text[..at], &text[at + len..]);
    if compare::find_op(value).is_some() {
        return Err(FORMAT.into());
    }
    let value = value.trim_matches(|c| c == '\'' || c == '"');
    if value.is_empty() {
        return Err(if op == Op::Eq {
            "jsonpath wait has to have a value after equal sign".into()
        } else {
            format!("jsonpath wait has to have a value after {}", op.text())
        });
    }
    if op.orders() && compare::parse_number(value).is_none() {
        return Err(format!(
            "jsonpath wait: {} compares numbers, and {value:?} is not a number",
            op.text()
        ));
    }
    Ok((expr, Some((op, value.to_string()))))
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

/// kubectl's JSONPath wait: one scalar, compared as [`compare::holds`]
/// says (`=`: `fmt.Sprintf("%v")` text with spaces trimmed, as kubectl).
fn check_jsonpath(
    object: &Value,
    path: &JsonPath,
    want: Option<&Comparison>,
) -> Result<Check, String> {
    let results = path.find_results(object).map_err(|e| e.to_string())?;
    let expr = path.template();
    let wanted = match want {
        Some((Op::Eq, v)) => format!("want {v}"),
        Some((op, v)) => format!("want {}{v}", op.text()),
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
    let Some((op, want)) = want else {
        // kubectl accepts any value here, even "" or []; an empty one is
        // not yet what anyone waits for.
        let text = compare::text_of(value);
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
    let text = compare::text_of(value);
    let observed = format!("{expr}={}", shown(&text));
    // An explicit null is no value yet, except for kubectl's `=` (which
    // compares its text, `<nil>`).
    if value.is_null() && *op != Op::Eq {
        return Ok(Check::waiting(format!("{observed}, {wanted}")));
    }
    Ok(if compare::holds(*op, value, want, expr)? {
        Check::holds(observed)
    } else {
        Check::waiting(format!("{observed}, {wanted}"))
    })
}

/// `reason=NAME`: where the object shows that reason, if it does.
fn check_reason(object: &Value, name: &str) -> Check {
    match lifecycle::reasons(object)
        .into_iter()
        .find(|(_, r)| r.eq_ignore_ascii_case(name))
    {
        Some((place, reason)) => Check::holds(format!("{place}: {reason}")),
        None => Check::waiting(format!("reason {name} not shown")),
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
                Condition::JsonPath { path, compare } => {
                    assert_eq!(path.template(), template, "{text}");
                    assert_eq!(compare.map(|(_, v)| v).as_deref(), value, "{text}");
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
    fn comparisons_parse_with_their_operator() {
        for (text, template, op, value) in [
            (
                "jsonpath={.status.readyReplicas}>=3",
                "{.status.readyReplicas}",
                Op::Ge,
                "3",
            ),
            (
                "jsonpath={.status.readyReplicas}==3",
                "{.status.readyReplicas}",
                Op::Eq,
                "3",
            ),
            (
                "jsonpath=.status.phase!=Pending",
                "{.status.phase}",
                Op::Ne,
                "Pending",
            ),
            ("jsonpath={.a}<'10'", "{.a}", Op::Lt, "10"),
            ("jsonpath={.a}<=0.5", "{.a}", Op::Le, "0.5"),
            ("jsonpath={.a}>-1", "{.a}", Op::Gt, "-1"),
            (
                r#"jsonpath={.status.conditions[?(@.type!="Ready")].status}!=True"#,
                r#"{.status.conditions[?(@.type!="Ready")].status}"#,
                Op::Ne,
                "True",
            ),
        ] {
            match Condition::parse(text).unwrap() {
                Condition::JsonPath {
                    path,
                    compare: Some((o, v)),
                } => {
                    assert_eq!((path.template(), o, &*v), (template, op, value), "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(
            Condition::parse("jsonpath={.status.readyReplicas}>=3")
                .unwrap()
                .describe(),
            "jsonpath={.status.readyReplicas}>=3"
        );
        assert_eq!(
            Condition::parse("jsonpath={.a}>=three").unwrap_err(),
            r#"jsonpath wait: >= compares numbers, and "three" is not a number"#
        );
        assert_eq!(
            Condition::parse("jsonpath={.a}!=").unwrap_err(),
            "jsonpath wait has to have a value after !="
        );
        assert!(Condition::parse("jsonpath={.a}=>3")
            .unwrap_err()
            .starts_with("jsonpath wait format must be"));
    }

    #[test]
    fn comparisons_check_numbers_as_numbers() {
        let deploy = json!({"status": {"readyReplicas": 2, "phase": "Running", "gone": null}});
        let c = check("jsonpath={.status.readyReplicas}>=3", &deploy);
        assert_eq!(c.observed, "{.status.readyReplicas}=2, want >=3");
        assert!(!c.holds);
        assert!(check("jsonpath={.status.readyReplicas}>=2", &deploy).holds);
        assert!(check("jsonpath={.status.readyReplicas}<10", &deploy).holds);
        assert!(check("jsonpath={.status.phase}!=Pending", &deploy).holds);
        assert!(!check("jsonpath={.status.phase}!=Running", &deploy).holds);
        // Missing and null values are not there yet, whatever the operator.
        assert!(!check("jsonpath={.status.availableReplicas}!=0", &deploy).holds);
        assert!(!check("jsonpath={.status.gone}>=0", &deploy).holds);
        assert_eq!(
            check_err("jsonpath={.status.phase}>1", &deploy),
            r#"{.status.phase} is "Running", not a number: cannot compare it with >1"#
        );
    }

    #[test]
    fn reasons_are_found_on_pods_containers_and_conditions() {
        let pod = json!({"status": {"containerStatuses": [{"name": "app",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let c = check("reason=CrashLoopBackOff", &pod);
        assert_eq!(c, Check::holds("container app: CrashLoopBackOff"));
        assert!(!check("reason=ImagePullBackOff", &pod).holds);
        assert_eq!(
            Condition::parse("reason=").unwrap_err(),
            r#"reason cannot be empty in "reason=": use e.g. --fail-on=reason=CrashLoopBackOff"#
        );
    }

    #[test]
    fn endpoints_take_a_positive_count() {
        assert!(matches!(
            Condition::parse("endpoints"),
            Ok(Condition::Endpoints { min: 1 })
        ));
        assert!(matches!(
            Condition::parse("endpoints=3"),
            Ok(Condition::Endpoints { min: 3 })
        ));
        assert_eq!(
            Condition::parse("endpoints=3").unwrap().describe(),
            "endpoints=3"
        );
        for bad in ["endpoints=0", "endpoints=x", "endpoints="] {
            assert!(Condition::parse(bad)
                .unwrap_err()
                .starts_with("endpoints wants a number"));
        }
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
