//! `metav1.Status` bodies byte for byte as kube-apiserver writes them:
//! compact JSON in Go struct order with a trailing newline.

use crate::json::Json;
use crate::request::qualified;

/// Go's `http.NotFound` body, served for paths that are not API paths.
pub(crate) const PAGE_NOT_FOUND: &str = "404 page not found\n";

/// The message of an expired continue token (410 Expired).
pub(crate) const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// A `Status` under construction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Status {
    pub(crate) code: u16,
    success: bool,
    reason: String,
    message: String,
    details: Option<Box<Details>>,
    continue_token: Option<String>,
}

/// `StatusDetails`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Details {
    pub(crate) name: String,
    pub(crate) group: String,
    pub(crate) kind: String,
    pub(crate) uid: String,
    pub(crate) causes: Vec<Cause>,
}

/// `StatusCause`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cause {
    pub(crate) reason: String,
    pub(crate) message: String,
    pub(crate) field: String,
}

impl Details {
    /// Name, group and kind (the resource, for most errors).
    pub(crate) fn of(name: &str, group: &str, kind: &str) -> Self {
        Details {
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
            ..Details::default()
        }
    }

    fn json(&self) -> Json {
        let mut fields = Vec::new();
        for (key, value) in [
            ("name", &self.name),
            ("group", &self.group),
            ("kind", &self.kind),
            ("uid", &self.uid),
        ] {
            if !value.is_empty() {
                fields.push((key, Json::from(value.as_str())));
            }
        }
        if !self.causes.is_empty() {
            let causes = self.causes.iter().map(|c| {
                let mut cause = Vec::new();
                for (key, value) in [
                    ("reason", &c.reason),
                    ("message", &c.message),
                    ("field", &c.field),
                ] {
                    if !value.is_empty() {
                        cause.push((key, Json::from(value.as_str())));
                    }
                }
                Json::obj(cause)
            });
            fields.push(("causes", Json::arr(causes)));
        }
        Json::obj(fields)
    }
}

impl Status {
    /// A failure with `code`, `reason` and `message`.
    pub(crate) fn failure(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Status {
            code,
            success: false,
            reason: reason.into(),
            message: message.into(),
            details: None,
            continue_token: None,
        }
    }

    /// Adds `details`.
    pub(crate) fn details(mut self, details: Details) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// The `Status` a DELETE answers with when the object is gone at once.
    pub(crate) fn deleted(details: Details) -> Self {
        Status {
            code: 200,
            success: true,
            reason: String::new(),
            message: String::new(),
            details: Some(Box::new(details)),
            continue_token: None,
        }
    }

    /// The ordered JSON value (for watch ERROR events).
    pub(crate) fn json(&self) -> Json {
        let mut metadata = Vec::new();
        if let Some(token) = &self.continue_token {
            metadata.push(("continue", Json::from(token.as_str())));
        }
        let mut fields = vec![
            ("kind", Json::from("Status")),
            ("apiVersion", Json::from("v1")),
            ("metadata", Json::obj(metadata)),
            (
                "status",
                Json::from(if self.success { "Success" } else { "Failure" }),
            ),
        ];
        if !self.message.is_empty() {
            fields.push(("message", Json::from(self.message.as_str())));
        }
        if !self.reason.is_empty() {
            fields.push(("reason", Json::from(self.reason.as_str())));
        }
        if let Some(details) = &self.details {
            fields.push(("details", details.json()));
        }
        if !self.success {
            fields.push(("code", Json::from(u64::from(self.code))));
        }
        Json::obj(fields)
    }

    /// The response body: compact JSON and a newline.
    pub(crate) fn body(&self) -> String {
        self.json().encode() + "\n"
    }
}

/// The 401 for a missing or wrong bearer token.
pub(crate) fn unauthorized() -> String {
    Status::failure(401, "Unauthorized", "Unauthorized").body()
}

/// `daemonsets.apps "nope" not found`.
pub(crate) fn not_found_status(group: &str, resource: &str, name: &str) -> Status {
    Status::failure(
        404,
        "NotFound",
        format!("{} \"{name}\" not found", qualified(resource, group)),
    )
    .details(Details::of(name, group, resource))
}

/// The 404 for a resource the group version does not have.
pub(crate) fn resource_not_found() -> Status {
    Status::failure(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
    .details(Details::default())
}

/// The 405 Status.
pub(crate) fn method_not_allowed_status() -> Status {
    Status::failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
    .details(Details::default())
}

/// A 400 BadRequest with the server's message.
pub(crate) fn bad_request(message: impl Into<String>) -> Status {
    Status::failure(400, "BadRequest", message)
}

/// The 403 for `user` doing `verb` on a resource, worded as the RBAC
/// authorizer's rejection.
pub(crate) fn forbidden(
    user: &str,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
    namespace: &str,
    name: Option<&str>,
) -> Status {
    let full = match subresource {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_string(),
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {}", go_quote(namespace))
    };
    let reason = format!(
        "User {} cannot {verb} resource {} in API group {} {scope}",
        go_quote(user),
        go_quote(&full),
        go_quote(group)
    );
    let subject = match name {
        Some(name) => format!("{} {}", qualified(resource, group), go_quote(name)),
        None => qualified(resource, group),
    };
    Status::failure(
        403,
        "Forbidden",
        format!("{subject} is forbidden: {reason}"),
    )
    .details(Details::of(name.unwrap_or_default(), group, resource))
}

/// The 410 for a continue token that is too old, with the token to go on
/// at the latest resourceVersion.
pub(crate) fn continue_expired(new_token: String) -> Status {
    let mut status = Status::failure(410, "Expired", CONTINUE_EXPIRED);
    status.continue_token = Some(new_token);
    status
}

/// The 410 (in a watch ERROR event) for a resourceVersion older than the
/// history: `too old resource version: 5 (10)`.
pub(crate) fn too_old_resource_version(rv: u64, oldest: u64) -> Status {
    Status::failure(
        410,
        "Expired",
        format!("too old resource version: {rv} ({oldest})"),
    )
}

/// Go's `%q` for the ASCII strings these messages hold.
pub(crate) fn go_quote(s: &str) -> String {
    serde_json::Value::from(s).to_string()
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
        assert_eq!(
            not_found_status("apps", "daemonsets", "nope").body(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"daemonsets.apps \"nope\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"daemonsets"},"code":404}
"#
        );
    }

    #[test]
    fn not_found_in_the_core_group_has_no_group() {
        assert_eq!(
            not_found_status("", "pods", "x").body(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}
"#
        );
    }

    #[test]
    fn forbidden_matches_the_fixture() {
        let fixture = std::fs::read_to_string(
            crate::fixtures_dir().join("api/api/v1/namespaces/kube-system/secrets/admin.403.json"),
        )
        .unwrap();
        let status = forbidden(
            "system:serviceaccount:test:kapi",
            "get",
            "",
            "secrets",
            None,
            "kube-system",
            Some("admin"),
        );
        assert_eq!(status.body(), fixture);
        let list = forbidden(
            "system:serviceaccount:test:restricted",
            "watch",
            "apps",
            "daemonsets",
            None,
            "test",
            None,
        );
        assert!(list.body().contains(r#""message":"daemonsets.apps is forbidden: User \"system:serviceaccount:test:restricted\" cannot watch resource \"daemonsets\" in API group \"apps\" in the namespace \"test\"","reason":"Forbidden","details":{"group":"apps","kind":"daemonsets"},"code":403}"#), "{}", list.body());
        let cluster = forbidden("u", "delete", "", "nodes", None, "", Some("n"));
        assert!(cluster.body().contains(
            "cannot delete resource \\\"nodes\\\" in API group \\\"\\\" at the cluster scope"
        ));
    }

    #[test]
    fn expired_continue_carries_a_new_token() {
        let body = continue_expired("abc".into()).body();
        assert!(body.starts_with(r#"{"kind":"Status","apiVersion":"v1","metadata":{"continue":"abc"},"status":"Failure","message":"The provided continue parameter is too old"#));
        assert!(body.ends_with(
            r#""reason":"Expired","code":410}
"#
        ));
    }

    #[test]
    fn deletion_success() {
        let mut details = Details::of("foo", "", "configmaps");
        details.uid = "u-1".into();
        assert_eq!(
            Status::deleted(details).body(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"foo","kind":"configmaps","uid":"u-1"}}
"#
        );
    }
}
