//! WatchList (`sendInitialEvents`): the list options' validation as
//! kube-apiserver runs it (apimachinery
//! `pkg/apis/meta/internalversion/validation/validation.go`, answered as
//! `errors.NewInvalid(ListOptions.meta.k8s.io, "", errs)`), and how this
//! fake answers such a watch ([`WatchList`], set by
//! [`FakeApiServer::set_watch_list`](crate::FakeApiServer::set_watch_list)).

use crate::request::ApiRequest;
use crate::status::{self, Cause, Details, Status};

/// How the fake answers a watch that asks for `sendInitialEvents=true`
/// (client-go's WatchList, a "streaming list").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WatchList {
    /// Served: every current object as an `ADDED` event, then a `BOOKMARK`
    /// annotated `k8s.io/initial-events-end: "true"` at the resourceVersion
    /// of that state (with `allowWatchBookmarks=true`), then the changes.
    /// kube-apiserver's default in 1.32 and from 1.34.
    #[default]
    Enabled,
    /// Refused with the real 422 `Invalid` Status ("sendInitialEvents is
    /// forbidden for watch unless the WatchList feature gate is enabled"),
    /// as a 1.33 kube-apiserver with default settings answers.
    Disabled,
    /// Refused with a 400 `BadRequest` Status, as some aggregated API
    /// servers answer (the message is the fake's own).
    BadRequest,
    /// `sendInitialEvents` and `resourceVersionMatch` are ignored: a watch
    /// from "" gets the synthetic `ADDED` events of an old-style watch and
    /// never the initial-events-end bookmark, as a server that does not
    /// know the parameters (an API server not built on k8s.io/apiserver).
    Ignored,
}

/// The 400 message of [`WatchList::BadRequest`].
pub(crate) const BAD_REQUEST_MESSAGE: &str =
    "sendInitialEvents is not supported by this server (kapi-fake WatchList::BadRequest)";

/// `sendInitialEvents` as the server decodes it into a `*bool`
/// (`Convert_Slice_string_To_Pointer_bool`): absent is nil, "0" and
/// "false" (any case) are false, anything else is true.
pub(crate) fn send_initial_events(req: &ApiRequest) -> Option<bool> {
    req.param("sendInitialEvents")
        .map(|v| !(v == "0" || v.eq_ignore_ascii_case("false")))
}

/// Validates a watch's options (`validateWatchOptions`): the 422 the
/// server answers, or the 400 of [`WatchList::BadRequest`].
pub(crate) fn validate_watch(req: &ApiRequest, mode: WatchList) -> Result<(), Status> {
    let initial = send_initial_events(req);
    if initial.is_some() && mode == WatchList::BadRequest {
        return Err(status::bad_request(BAD_REQUEST_MESSAGE));
    }
    if mode == WatchList::Ignored {
        return Ok(());
    }
    let matching = req.param("resourceVersionMatch").unwrap_or_default();
    let mut errors = Vec::new();
    if initial.is_some() {
        if matching != "NotOlderThan" {
            errors.push(forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if mode == WatchList::Disabled {
            errors.push(forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
            ));
        }
    }
    if !matching.is_empty() {
        if initial.is_none() {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ));
        }
        if matching != "NotOlderThan" {
            errors.push(FieldError {
                field: "resourceVersionMatch",
                reason: "FieldValueNotSupported",
                body: format!(
                    "Unsupported value: {}: supported values: \"NotOlderThan\"",
                    status::go_quote(matching)
                ),
            });
        }
        if req.param("continue").is_some_and(|c| !c.is_empty()) {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        }
    }
    invalid(errors)
}

/// A list may not ask for initial events (`ValidateListOptions`).
pub(crate) fn validate_list(req: &ApiRequest) -> Result<(), Status> {
    if send_initial_events(req).is_none() {
        return Ok(());
    }
    invalid(vec![forbidden(
        "sendInitialEvents",
        "sendInitialEvents is forbidden for list",
    )])
}

struct FieldError {
    field: &'static str,
    reason: &'static str,
    body: String,
}

fn forbidden(field: &'static str, detail: &str) -> FieldError {
    FieldError {
        field,
        reason: "FieldValueForbidden",
        body: format!("Forbidden: {detail}"),
    }
}

/// `errors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind:
/// "ListOptions"}, "", errs)`: one cause per error, the message the
/// aggregate of `field: body` (bracketed when more than one).
fn invalid(errors: Vec<FieldError>) -> Result<(), Status> {
    if errors.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.body))
        .collect();
    let summary = if let [one] = list.as_slice() {
        one.clone()
    } else {
        format!("[{}]", list.join(", "))
    };
    let mut details = Details::of("", "meta.k8s.io", "ListOptions");
    details.causes = errors
        .into_iter()
        .map(|e| Cause {
            reason: e.reason.into(),
            message: e.body,
            field: e.field.into(),
        })
        .collect();
    Err(Status::failure(
        422,
        "Invalid",
        format!("ListOptions.meta.k8s.io \"\" is invalid: {summary}"),
    )
    .details(details))
}
