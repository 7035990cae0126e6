//! YAML request bodies (server-side apply sends `application/apply-patch+yaml`;
//! JSON is YAML too) turned into JSON values by the library's manifest
//! reader, with the YAML 1.1 scalar rules of the go-yaml the apiserver uses
//! (`yes`/`no`/`on`/`off` are booleans). The first document is used.

use kapi::manifest::Documents;
use kapi::FieldValidation;
use serde_json::Value;

/// Parses the first document of `text` (an empty body is `null`).
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    // Duplicate keys: the last wins, as sigs.k8s.io/yaml decodes them
    // before any field validation.
    let first = Documents::new("", text.as_bytes())
        .field_validation(FieldValidation::Ignore)
        .next();
    match first {
        None => Ok(Value::Null),
        Some(Ok(doc)) => Ok(doc.into_value()),
        Some(Err(e)) => Err(format!("yaml: line {}: {}", e.line(), e.message())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_manifest() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foo\n  labels: {app: web}\ndata:\n  key: \"1\"\n  plain: 2\n  flag: yes\n  multi: |\n    a\n    b\n  list: [a, b]\n  none: ~\n";
        assert_eq!(
            parse(text).unwrap(),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "foo", "labels": {"app": "web"}},
                "data": {"key": "1", "plain": 2, "flag": true, "multi": "a\nb\n", "list": ["a", "b"], "none": null}})
        );
    }

    #[test]
    fn json_is_yaml_and_errors_are_reported() {
        assert_eq!(parse(r#"{"a": [1, 2.5]}"#).unwrap(), json!({"a": [1, 2.5]}));
        assert!(parse("a: [1, 2").is_err());
        assert_eq!(parse("a: &v 1\nb: *v\n").unwrap(), json!({"a": 1, "b": 1}));
    }
}
