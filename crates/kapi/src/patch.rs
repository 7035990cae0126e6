//! [`Patch`]: the four kinds of PATCH the API server accepts.
//!
//! Prefer [`Patch::Apply`] for "make the object look like this" (it merges
//! on the server and tracks field ownership), [`Patch::Merge`] for "set
//! these few fields" on any type, [`Patch::Strategic`] when lists of
//! built-in types must merge by key (containers by name), and
//! [`Patch::Json`] for precise operations (`test`, array indexes).

use serde::Serialize;

/// A patch body and the `Content-Type` that tells the server how to read it
/// (apimachinery `pkg/types/patch.go`).
///
/// ```
/// use serde_json::json;
/// let ready = kapi::Patch::Merge(json!({"metadata": {"labels": {"ready": "true"}}}));
/// assert_eq!(ready.content_type(), "application/merge-patch+json");
/// let bump = kapi::Patch::Json(json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]));
/// assert_eq!(bump.content_type(), "application/json-patch+json");
/// ```
///
/// New kinds may be added (the API server also takes CBOR applies): a
/// `match` needs a `_` arm.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Patch<T: Serialize> {
    /// A strategic merge patch (`application/strategic-merge-patch+json`):
    /// a merge patch whose lists merge by the keys the built-in types
    /// declare. Custom resources do not support it (`415`).
    Strategic(T),
    /// A JSON merge patch, RFC 7386 (`application/merge-patch+json`): maps
    /// merge, `null` deletes a key, lists are replaced whole.
    Merge(T),
    /// A JSON patch, RFC 6902 (`application/json-patch+json`): a list of
    /// `{"op", "path", "value"}` operations.
    Json(T),
    /// A server-side apply (`application/apply-patch+yaml`): the whole
    /// intended object (`apiVersion`, `kind`, `metadata.name` included).
    /// JSON is valid YAML, so it is sent as JSON. Needs
    /// [`PatchParams::apply`](crate::PatchParams::apply).
    Apply(T),
}

impl<T: Serialize> Patch<T> {
    /// The `Content-Type` of this kind of patch.
    pub fn content_type(&self) -> &'static str {
        match self {
            Patch::Strategic(_) => "application/strategic-merge-patch+json",
            Patch::Merge(_) => "application/merge-patch+json",
            Patch::Json(_) => "application/json-patch+json",
            Patch::Apply(_) => "application/apply-patch+yaml",
        }
    }

    /// The patch body.
    pub fn body(&self) -> &T {
        match self {
            Patch::Strategic(b) | Patch::Merge(b) | Patch::Json(b) | Patch::Apply(b) => b,
        }
    }

    /// True for [`Patch::Apply`].
    pub fn is_apply(&self) -> bool {
        matches!(self, Patch::Apply(_))
    }
}
