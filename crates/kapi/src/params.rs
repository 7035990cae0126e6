//! Options of the write verbs: [`PostParams`] (create, replace),
//! [`PatchParams`] (patch, apply) and [`DeleteParams`].
//!
//! Prefer the builders (`PostParams::default().dry_run()`) over filling the
//! fields by hand: they keep the combinations the server accepts.

use serde_json::{json, Map, Value};

use crate::Request;

/// `fieldValidation`: what the server does with fields it does not know
/// (kubectl's `--validate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    /// Fail the request on unknown or duplicate fields (kubectl's default).
    Strict,
    /// Accept the request and send a `Warning` header per problem.
    Warn,
    /// Drop unknown fields silently.
    Ignore,
}

impl FieldValidation {
    /// The query value: `Strict`, `Warn` or `Ignore`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Strict => "Strict",
            FieldValidation::Warn => "Warn",
            FieldValidation::Ignore => "Ignore",
        }
    }
}

/// Options of [`Api::create`](crate::Api::create) and
/// [`Api::replace`](crate::Api::replace).
///
/// ```
/// let pp = kapi::PostParams::default().dry_run().field_manager("my-job");
/// assert!(pp.dry_run);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostParams {
    /// `dryRun=All`: validate and run admission, store nothing.
    pub dry_run: bool,
    /// `fieldManager`: who owns the fields written (shown in
    /// `managedFields`). The server derives one from the User-Agent when unset.
    pub field_manager: Option<String>,
    /// `fieldValidation`; the server's default (`Warn` since 1.27) when unset.
    pub field_validation: Option<FieldValidation>,
}

impl PostParams {
    /// Sets `dryRun=All`.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Sets the field manager.
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_string());
        self
    }

    /// Sets `fieldValidation`.
    pub fn field_validation(mut self, validation: FieldValidation) -> Self {
        self.field_validation = Some(validation);
        self
    }

    pub(crate) fn apply_to(&self, req: Request) -> Request {
        write_query(
            req,
            self.dry_run,
            self.field_manager.as_deref(),
            false,
            self.field_validation,
        )
    }
}

/// The query of a write, in the order kubectl sends it: `dryRun`,
/// `fieldManager`, `force`, `fieldValidation`.
fn write_query(
    mut req: Request,
    dry_run: bool,
    field_manager: Option<&str>,
    force: bool,
    validation: Option<FieldValidation>,
) -> Request {
    if dry_run {
        req = req.query("dryRun", "All");
    }
    if let Some(manager) = field_manager {
        req = req.query("fieldManager", manager);
    }
    if force {
        req = req.query("force", "true");
    }
    if let Some(validation) = validation {
        req = req.query("fieldValidation", validation.as_str());
    }
    req
}

/// Options of [`Api::patch`](crate::Api::patch).
///
/// Server-side apply needs a field manager: start from
/// [`PatchParams::apply`].
///
/// ```
/// let pp = kapi::PatchParams::apply("my-controller").force();
/// assert_eq!(pp.field_manager.as_deref(), Some("my-controller"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchParams {
    /// `dryRun=All`: validate and run admission, store nothing.
    pub dry_run: bool,
    /// `fieldManager`; required for [`Patch::Apply`](crate::Patch::Apply).
    pub field_manager: Option<String>,
    /// `force=true`: an apply takes over fields other managers own instead
    /// of failing with a `409 Conflict` (kubectl's `--force-conflicts`).
    /// Only valid for [`Patch::Apply`](crate::Patch::Apply).
    pub force: bool,
    /// `fieldValidation`; the server's default when unset.
    pub field_validation: Option<FieldValidation>,
}

// `dry_run`, `field_manager` and `field_validation` mirror PostParams's on
// purpose: two option types, as kube-rs and client-go have, each with its
// own documented builder.
impl PatchParams {
    /// Options for a server-side apply by `field_manager`.
    pub fn apply(field_manager: &str) -> Self {
        PatchParams {
            field_manager: Some(field_manager.to_string()),
            ..PatchParams::default()
        }
    }

    /// Sets `force=true` (apply only).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Sets `dryRun=All`.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Sets the field manager.
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_string());
        self
    }

    /// Sets `fieldValidation`.
    pub fn field_validation(mut self, validation: FieldValidation) -> Self {
        self.field_validation = Some(validation);
        self
    }

    pub(crate) fn apply_to(&self, req: Request) -> Request {
        write_query(
            req,
            self.dry_run,
            self.field_manager.as_deref(),
            self.force,
            self.field_validation,
        )
    }
}

/// `propagationPolicy`: what happens to the objects a deleted object owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagationPolicy {
    /// Delete now; the garbage collector deletes dependents afterwards
    /// (kubectl's default, `--cascade=background`).
    Background,
    /// Dependents first: the object stays, with a `foregroundDeletion`
    /// finalizer, until they are gone.
    Foreground,
    /// Leave dependents in place, without the owner reference.
    Orphan,
}

impl PropagationPolicy {
    /// The API value: `Background`, `Foreground` or `Orphan`.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
            PropagationPolicy::Orphan => "Orphan",
        }
    }
}

/// Options of [`Api::delete`](crate::Api::delete), sent as a
/// `DeleteOptions` body as client-go sends them.
///
/// ```
/// use kapi::{DeleteParams, PropagationPolicy};
/// let dp = DeleteParams::default()
///     .propagation_policy(PropagationPolicy::Foreground)
///     .grace_period(0);
/// assert_eq!(dp.grace_period_seconds, Some(0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteParams {
    /// `dryRun: ["All"]`: check the request, delete nothing.
    pub dry_run: bool,
    /// `propagationPolicy`; the resource's default (usually `Background`) when unset.
    pub propagation_policy: Option<PropagationPolicy>,
    /// `gracePeriodSeconds`: how long a pod gets to stop (0: now). The
    /// object's own default when unset.
    pub grace_period_seconds: Option<u32>,
    /// `preconditions.uid`: delete only the object with this UID.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`: delete only this version.
    pub precondition_resource_version: Option<String>,
}

impl DeleteParams {
    /// Sets `dryRun`.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Sets the propagation policy.
    pub fn propagation_policy(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Sets the grace period in seconds.
    pub fn grace_period(mut self, seconds: u32) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// Deletes only if the object still has this UID.
    pub fn precondition_uid(mut self, uid: &str) -> Self {
        self.precondition_uid = Some(uid.to_string());
        self
    }

    /// Deletes only if the object is still at this resourceVersion.
    pub fn precondition_resource_version(mut self, rv: &str) -> Self {
        self.precondition_resource_version = Some(rv.to_string());
        self
    }

    /// The `meta.k8s.io/v1` `DeleteOptions` body.
    pub fn to_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("kind".into(), json!("DeleteOptions"));
        body.insert("apiVersion".into(), json!("v1"));
        if let Some(seconds) = self.grace_period_seconds {
            body.insert("gracePeriodSeconds".into(), json!(seconds));
        }
        if self.precondition_uid.is_some() || self.precondition_resource_version.is_some() {
            let mut pre = Map::new();
            if let Some(uid) = &self.precondition_uid {
                pre.insert("uid".into(), json!(uid));
            }
            if let Some(rv) = &self.precondition_resource_version {
                pre.insert("resourceVersion".into(), json!(rv));
            }
            body.insert("preconditions".into(), Value::Object(pre));
        }
        if let Some(policy) = self.propagation_policy {
            body.insert("propagationPolicy".into(), json!(policy.as_str()));
        }
        if self.dry_run {
            body.insert("dryRun".into(), json!(["All"]));
        }
        Value::Object(body)
    }

    pub(crate) fn apply_to(&self, req: Request) -> crate::Result<Request> {
        // The body is what client-go sends; dryRun also goes in the query so
        // that proxies and audit logs that only see the URL see it too.
        let req = if self.dry_run {
            req.query("dryRun", "All")
        } else {
            req
        };
        req.json_body(&self.to_body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_options_body_has_only_what_was_set() {
        assert_eq!(
            DeleteParams::default().to_body(),
            json!({"kind": "DeleteOptions", "apiVersion": "v1"})
        );
        assert_eq!(
            DeleteParams::default()
                .dry_run()
                .grace_period(0)
                .propagation_policy(PropagationPolicy::Orphan)
                .precondition_uid("u-1")
                .to_body(),
            json!({
                "kind": "DeleteOptions", "apiVersion": "v1",
                "gracePeriodSeconds": 0,
                "preconditions": {"uid": "u-1"},
                "propagationPolicy": "Orphan",
                "dryRun": ["All"],
            })
        );
    }
}
