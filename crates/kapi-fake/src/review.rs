//! The self reviews every authenticated user may create:
//! `SelfSubjectAccessReview` (answered from the fake's RBAC table, for
//! `kubectl auth can-i`) and `SelfSubjectReview` (who am I, for
//! `kubectl auth whoami`).

use hyper::Response;
use serde_json::Value;

use crate::api::Api;
use crate::json::Json;
use crate::rbac::Attributes;
use crate::request::ApiRequest;
use crate::response::{self, Body};
use crate::status::{self, Cause, Details, Status};

/// Non-resource paths every authenticated user may GET (the
/// `system:discovery` and `system:public-info-viewer` roles).
fn public_path(path: &str) -> bool {
    let prefixes = ["/api", "/apis", "/openapi"];
    let exact = ["/version", "/version/", "/healthz", "/livez", "/readyz"];
    exact.contains(&path)
        || prefixes
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
pub(crate) fn access_review(api: &Api, req: &ApiRequest) -> Result<Response<Body>, Status> {
    let body: Value = serde_json::from_slice(&req.body).map_err(|err| {
        status::bad_request(format!(
            "couldn't get version/kind; json parse error: {err}"
        ))
    })?;
    let spec = &body["spec"];
    let resource = &spec["resourceAttributes"];
    let non_resource = &spec["nonResourceAttributes"];
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let (allowed, spec_json) = if resource.is_object() {
        let fields = [
            "namespace",
            "verb",
            "group",
            "version",
            "resource",
            "subresource",
            "name",
        ];
        let value = |k: &str| text(resource, k);
        let (verb, group, plural) = (value("verb"), value("group"), value("resource"));
        let (subresource, namespace, name) =
            (value("subresource"), value("namespace"), value("name"));
        let attrs = Attributes {
            verb: &verb,
            group: &group,
            resource: &plural,
            subresource: (!subresource.is_empty()).then_some(subresource.as_str()),
            namespace: &namespace,
            name: (!name.is_empty()).then_some(name.as_str()),
        };
        let allowed = api.rbac.allows(&req.user.account, &attrs);
        let echo = fields
            .iter()
            .filter(|k| !value(k).is_empty())
            .map(|k| (*k, Json::from(value(k))));
        (
            allowed,
            Json::obj([("resourceAttributes", Json::obj(echo))]),
        )
    } else if non_resource.is_object() {
        let (path, verb) = (text(non_resource, "path"), text(non_resource, "verb"));
        let allowed = matches!(verb.as_str(), "get" | "head") && public_path(&path);
        let echo = Json::obj([("path", Json::from(path)), ("verb", Json::from(verb))]);
        (allowed, Json::obj([("nonResourceAttributes", echo)]))
    } else {
        let mut details = Details::of("", "authorization.k8s.io", "SelfSubjectAccessReview");
        details.causes = vec![Cause {
            reason: "FieldValueInvalid".into(),
            message: "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified".into(),
            field: "spec.resourceAttributes".into(),
        }];
        return Err(Status::failure(
            422,
            "Invalid",
            "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )
        .details(details));
    };
    let mut status_fields = vec![("allowed", Json::Bool(allowed))];
    if allowed {
        let who = &req.user.account;
        status_fields.push((
            "reason",
            Json::from(format!(
                "RBAC: allowed by ClusterRoleBinding \"kapi-fake:{who}\" of ClusterRole \"kapi-fake:{who}\" to ServiceAccount \"{who}/{}\"",
                crate::identity::SA_NAMESPACE
            )),
        ));
    }
    let doc = Json::obj([
        ("kind", Json::from("SelfSubjectAccessReview")),
        ("apiVersion", Json::from("authorization.k8s.io/v1")),
        ("metadata", Json::obj([("creationTimestamp", Json::Null)])),
        ("spec", spec_json),
        ("status", Json::obj(status_fields)),
    ]);
    Ok(response::json(201, doc.encode() + "\n"))
}

/// `POST /apis/authentication.k8s.io/VERSION/selfsubjectreviews`.
pub(crate) fn self_review(req: &ApiRequest, version: &str) -> Response<Body> {
    let user = &req.user;
    let groups = Json::arr(user.groups.iter().map(|g| Json::from(g.as_str())));
    let doc = Json::obj([
        ("kind", Json::from("SelfSubjectReview")),
        (
            "apiVersion",
            Json::from(format!("authentication.k8s.io/{version}")),
        ),
        ("metadata", Json::obj([("creationTimestamp", Json::Null)])),
        (
            "status",
            Json::obj([(
                "userInfo",
                Json::obj([
                    ("username", Json::from(user.username.as_str())),
                    ("uid", Json::from(user.uid.as_str())),
                    ("groups", groups),
                ]),
            )]),
        ),
    ]);
    response::json(201, doc.encode() + "\n")
}
