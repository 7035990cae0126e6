//! Field selectors (`fields.ParseSelector`), the fields each resource
//! supports, and their error messages.

use serde_json::Value;

/// A parsed field selector: terms ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: String,
    equal: bool,
    value: String,
}

/// The fields the core group's resources can be selected by (besides
/// `metadata.name` and `metadata.namespace`, which every resource has).
fn core_fields(resource: &str) -> Option<&'static [&'static str]> {
    Some(match resource {
        "pods" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        "nodes" => &["spec.unschedulable"],
        "namespaces" => &["status.phase"],
        "secrets" => &["type"],
        "replicationcontrollers" => &["status.replicas"],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "configmaps"
        | "services"
        | "serviceaccounts"
        | "endpoints"
        | "persistentvolumes"
        | "persistentvolumeclaims"
        | "limitranges"
        | "resourcequotas"
        | "podtemplates" => &[],
        _ => return None,
    })
}

impl FieldSelector {
    /// Parses `selector`; the error is the apiserver's message.
    pub(crate) fn parse(selector: &str) -> Result<Self, String> {
        let mut parts = split_terms(selector);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((lhs, op, rhs)) = split_term(&part) else {
                return Err(format!(
                    "invalid selector: '{selector}'; can't understand '{part}'"
                ));
            };
            terms.push(Term {
                field: lhs.to_string(),
                equal: op != "!=",
                value: unescape(rhs)?,
            });
        }
        Ok(FieldSelector { terms })
    }

    /// Checks every field is selectable on `group`/`resource`.
    pub(crate) fn check_fields(&self, group: &str, resource: &str) -> Result<(), String> {
        for term in &self.terms {
            if matches!(term.field.as_str(), "metadata.name" | "metadata.namespace") {
                continue;
            }
            let extra: &[&str] = match (group, resource) {
                ("batch", "jobs") => &["status.successful"],
                ("apps", "replicasets") => &["status.replicas"],
                ("", r) => core_fields(r).unwrap_or(&[]),
                _ => &[],
            };
            if extra.contains(&term.field.as_str()) {
                continue;
            }
            return Err(if group.is_empty() {
                format!("field label not supported: {}", term.field)
            } else {
                format!(
                    "\"{}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    term.field
                )
            });
        }
        Ok(())
    }

    /// Whether `object` satisfies every term.
    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.terms
            .iter()
            .all(|t| (field_value(object, &t.field) == t.value) == t.equal)
    }

    /// The value `field` must equal, if a term requires that
    /// (`fields.Selector.RequiresExactMatch`).
    pub(crate) fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.equal && t.field == field)
            .map(|t| t.value.as_str())
    }

    /// Whether the selector matches everything.
    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The string a field selector compares: a dotted path into the object,
/// `status.podIPs` being the first pod IP; booleans and numbers as Go
/// formats them, anything absent as "".
pub(crate) fn field_value(object: &Value, field: &str) -> String {
    if field == "status.podIPs" {
        return object["status"]["podIPs"][0]["ip"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    let mut current = object;
    for part in field.split('.') {
        current = &current[part];
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ if field == "spec.unschedulable" || field == "spec.hostNetwork" => "false".into(),
        _ => String::new(),
    }
}

fn split_terms(selector: &str) -> Vec<String> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let (mut start, mut in_slash) = (0, false);
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(selector[start..i].to_string());
            start = i + 1;
        }
    }
    terms.push(selector[start..].to_string());
    terms
}

fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        for op in ["!=", "==", "="] {
            if term[i..].starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

/// `fields.UnescapeValue`.
fn unescape(value: &str) -> Result<String, String> {
    if !value.contains(['\\', '=', ',']) {
        return Ok(value.to_string());
    }
    let mut out = String::new();
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ))
                }
            }
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' || c == '=' {
            return Err(format!(
                "invalid field selector: unescaped character in value: {c}"
            ));
        } else {
            out.push(c);
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_matches() {
        let pod = json!({"metadata": {"name": "db-0", "namespace": "test"},
            "spec": {"nodeName": "node-1"}, "status": {"phase": "Running"}});
        let ok = |s: &str| FieldSelector::parse(s).unwrap().matches(&pod);
        assert!(ok("metadata.name=db-0"));
        assert!(ok("metadata.name==db-0,status.phase=Running"));
        assert!(!ok("status.phase!=Running"));
        assert!(ok("spec.nodeName=node-1,metadata.namespace=test"));
        assert!(ok("status.podIP="));
        assert!(ok(""));
    }

    #[test]
    fn errors() {
        assert_eq!(
            FieldSelector::parse("status.phase").unwrap_err(),
            "invalid selector: 'status.phase'; can't understand 'status.phase'"
        );
        let unsupported = FieldSelector::parse("spec.foo=bar").unwrap();
        assert_eq!(
            unsupported.check_fields("", "pods").unwrap_err(),
            "field label not supported: spec.foo"
        );
        assert_eq!(
            unsupported.check_fields("apps", "daemonsets").unwrap_err(),
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert!(FieldSelector::parse("status.phase=Running")
            .unwrap()
            .check_fields("", "pods")
            .is_ok());
    }
}
