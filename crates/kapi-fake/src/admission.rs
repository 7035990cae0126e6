//! The checks an object passes before it is stored: its name, its labels,
//! and the fields the fake decodes strictly (ConfigMap and Secret data).
//! Failures are the real 422 `Invalid` Status (with field causes) or, for a
//! value of the wrong JSON type, the real 400 decoding error.

use serde_json::Value;

use crate::catalog::ResourceInfo;
use crate::json::go_string;
use crate::status::{self, Cause, Details, Status};
use crate::validation;

const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const CONFIG_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/// One field error: `(field, type, detail)`.
struct FieldError {
    field: String,
    reason: &'static str,
    body: String,
}

/// Checks `object` (named `name`) for `info`.
pub(crate) fn validate(info: &ResourceInfo, object: &Value, name: &str) -> Result<(), Status> {
    decode_check(info, object)?;
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError {
            field: "metadata.name".into(),
            reason: "FieldValueRequired",
            body: "Required value: name or generateName is required".into(),
        });
    } else {
        let problems = match (info.group.as_str(), info.resource.as_str()) {
            ("", "namespaces") => validation::dns1123_label_errors(name),
            ("", "services") => dns1035_errors(name),
            _ => validation::dns1123_subdomain_errors(name),
        };
        for problem in problems {
            errors.push(invalid("metadata.name", name, &problem));
        }
    }
    let meta = &object["metadata"];
    for (key, value) in meta["labels"].as_object().into_iter().flatten() {
        if let Err(problem) = validation::qualified_name(key) {
            errors.push(invalid("metadata.labels", key, &problem));
        }
        if let Err(problem) = validation::label_value(value.as_str().unwrap_or_default()) {
            errors.push(invalid(
                "metadata.labels",
                value.as_str().unwrap_or_default(),
                &problem,
            ));
        }
    }
    for key in meta["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if let Err(problem) = validation::qualified_name(key) {
            errors.push(invalid("metadata.annotations", key, &problem));
        }
    }
    if info.group.is_empty() && matches!(info.resource.as_str(), "configmaps" | "secrets") {
        for field in ["data", "binaryData"] {
            for key in object[field]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                if key.is_empty()
                    || key.len() > 253
                    || !key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                {
                    errors.push(invalid(&format!("{field}[{key}]"), key, CONFIG_KEY_MSG));
                }
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let kind = if info.group.is_empty() {
        info.kind.clone()
    } else {
        format!("{}.{}", info.kind, info.group)
    };
    let list: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.body))
        .collect();
    let summary = if let [one] = list.as_slice() {
        one.clone()
    } else {
        format!("[{}]", list.join(", "))
    };
    let mut details = Details::of(name, &info.group, &info.kind);
    details.causes = errors
        .into_iter()
        .map(|e| Cause {
            reason: e.reason.into(),
            message: e.body,
            field: e.field,
        })
        .collect();
    Err(Status::failure(
        422,
        "Invalid",
        format!("{kind} {} is invalid: {summary}", status::go_quote(name)),
    )
    .details(details))
}

fn invalid(field: &str, value: &str, detail: &str) -> FieldError {
    FieldError {
        field: field.into(),
        reason: "FieldValueInvalid",
        body: format!("Invalid value: {}: {detail}", go_string(value)),
    }
}

fn dns1035_errors(name: &str) -> Vec<String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    let mut errs = Vec::new();
    if name.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !ok {
        errs.push(DNS1035_MSG.to_string());
    }
    errs
}

/// The 400 the real server's decoder gives for values of the wrong type
/// in the strictly typed fields the fake knows.
fn decode_check(info: &ResourceInfo, object: &Value) -> Result<(), Status> {
    for field in ["labels", "annotations"] {
        let bad = match &object["metadata"][field] {
            Value::Null => None,
            Value::Object(map) => map.values().find(|v| !v.is_string()).map(|v| (v, "string")),
            other => Some((other, "map[string]string")),
        };
        if let Some((found, want)) = bad {
            return Err(status::bad_request(format!(
                "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {found} into Go struct field ObjectMeta.metadata.{field} of type {want}",
                kind = info.kind,
                version = info.version,
                found = json_type(found),
            )));
        }
    }
    if !(info.group.is_empty() && matches!(info.resource.as_str(), "configmaps" | "secrets")) {
        return Ok(());
    }
    let data_fields: &[&str] = if info.resource == "configmaps" {
        &["data", "binaryData"]
    } else {
        &["data", "stringData"]
    };
    for field in data_fields {
        let value = &object[*field];
        let bad = match value {
            Value::Null => None,
            Value::Object(map) => map.values().find(|v| !v.is_string()).map(|v| (v, "string")),
            other => Some((other, "map[string]string")),
        };
        if let Some((found, want)) = bad {
            let found = json_type(found);
            let want = if *field == "binaryData" || (info.resource == "secrets" && *field == "data")
            {
                want.replace("string", "[]uint8")
            } else {
                want.to_string()
            };
            return Err(status::bad_request(format!(
                "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {found} into Go struct field {kind}.{field} of type {want}",
                kind = info.kind,
                version = info.version,
            )));
        }
    }
    Ok(())
}

/// A JSON value's type as Go's decoder names it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn configmaps() -> ResourceInfo {
        ResourceInfo {
            group: String::new(),
            version: "v1".into(),
            resource: "configmaps".into(),
            kind: "ConfigMap".into(),
            singular: "configmap".into(),
            namespaced: true,
            verbs: vec![],
            short_names: vec![],
            categories: vec![],
            subresources: vec![],
        }
    }

    #[test]
    fn bad_name_is_the_real_422() {
        let status = validate(&configmaps(), &json!({}), "Bad_Name").unwrap_err();
        assert_eq!(
            status.body(),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"ConfigMap \\\"Bad_Name\\\" is invalid: metadata.name: Invalid value: \\\"Bad_Name\\\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\",\"reason\":\"Invalid\",\"details\":{\"name\":\"Bad_Name\",\"kind\":\"ConfigMap\",\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: \\\"Bad_Name\\\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\",\"field\":\"metadata.name\"}]},\"code\":422}\n"
        );
    }

    #[test]
    fn missing_name_and_bad_data() {
        let missing = validate(&configmaps(), &json!({}), "").unwrap_err();
        assert!(missing.body().contains(r#""message":"ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required""#));
        assert!(missing.body().contains(r#""reason":"FieldValueRequired""#));
        let number = validate(&configmaps(), &json!({"data": {"a": 1}}), "x").unwrap_err();
        assert_eq!(number.code, 400);
        assert!(number.body().contains("ConfigMap in version \\\"v1\\\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"));
        let key = validate(&configmaps(), &json!({"data": {"bad key": "1"}}), "x").unwrap_err();
        assert_eq!(key.code, 422);
        assert!(key.body().contains("data[bad key]: Invalid value"));
    }
}
