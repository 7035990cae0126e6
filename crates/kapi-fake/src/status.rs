//! `metav1.Status` bodies byte for byte as kube-apiserver writes them:
//! compact JSON in Go struct order with a trailing newline.

use crate::object_path::ObjectPath;

/// Go's `http.NotFound` body, served for paths that are not API paths.
pub(crate) const PAGE_NOT_FOUND: &str = "404 page not found\n";

/// The 401 for a missing or wrong bearer token.
pub(crate) fn unauthorized() -> String {
    status(401, "Unauthorized", "Unauthorized", None)
}

/// The 404 for an object path with no fixture, e.g.
/// `daemonsets.apps "nope" not found`.
pub(crate) fn not_found(object: &ObjectPath<'_>) -> String {
    let qualified = if object.group.is_empty() {
        object.resource.to_string()
    } else {
        format!("{}.{}", object.resource, object.group)
    };
    let mut details = format!(r#"{{"name":{}"#, go_string(object.name));
    if !object.group.is_empty() {
        details.push_str(&format!(r#","group":{}"#, go_string(object.group)));
    }
    details.push_str(&format!(r#","kind":{}}}"#, go_string(object.resource)));
    let message = format!("{qualified} \"{}\" not found", object.name);
    status(404, "NotFound", &message, Some(&details))
}

/// The 405 for a verb the fake does not implement on a fixture path.
pub(crate) fn method_not_allowed() -> String {
    status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        Some("{}"),
    )
}

/// A failure Status; `details` is the already-encoded `details` object.
fn status(code: u16, reason: &str, message: &str, details: Option<&str>) -> String {
    let mut out = String::from(r#"{"kind":"Status","apiVersion":"v1","metadata":{},"#);
    out.push_str(r#""status":"Failure","message":"#);
    out.push_str(&go_string(message));
    out.push_str(r#","reason":"#);
    out.push_str(&go_string(reason));
    if let Some(details) = details {
        out.push_str(r#","details":"#);
        out.push_str(details);
    }
    out.push_str(&format!(",\"code\":{code}}}\n"));
    out
}

/// A JSON string as Go's `encoding/json` writes it: like serde_json, plus
/// `<`, `>` and `&` escaped for HTML safety.
fn go_string(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_matches_the_real_server() {
        assert_eq!(
            unauthorized(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}
"#
        );
    }

    #[test]
    fn not_found_in_a_named_group() {
        let object = ObjectPath {
            group: "apps",
            resource: "daemonsets",
            name: "nope",
        };
        assert_eq!(
            not_found(&object),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"daemonsets.apps \"nope\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"daemonsets"},"code":404}
"#
        );
    }

    #[test]
    fn not_found_in_the_core_group_has_no_group() {
        let object = ObjectPath {
            group: "",
            resource: "pods",
            name: "x",
        };
        assert_eq!(
            not_found(&object),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}
"#
        );
    }

    #[test]
    fn go_string_escapes_html_characters() {
        assert_eq!(go_string("a<b>&\"c\""), r#""a\u003cb\u003e\u0026\"c\"""#);
    }
}
