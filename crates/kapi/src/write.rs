//! The write verbs on [`Api`]: create, replace, patch (and apply), delete.
//!
//! Prefer [`Api::patch`] with [`Patch::Apply`] to converge an object on a
//! manifest, [`Api::create`] when "already exists" must be noticed, and
//! [`Api::replace`] only with the `resourceVersion` you read (optimistic
//! concurrency: a stale one is a `409 Conflict`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::params::{DeleteParams, PatchParams, PostParams};
use crate::patch::Patch;
use crate::{Api, Error, Result, Status};

/// What a `DELETE` answered: the object (still there, being finalized or
/// given its grace period, or as it was when deleted) or a `Status`.
///
/// ```no_run
/// # let client = kapi::Client::incluster()?;
/// let jobs = client.api(client.resolve("jobs")?);
/// match jobs.delete::<serde_json::Value>("cleanup", &kapi::DeleteParams::default())? {
///     kapi::Deleted::Object(job) => println!("deleting, uid {}", job["metadata"]["uid"]),
///     kapi::Deleted::Status(status) => println!("deleted: {}", status.status),
/// }
/// # Ok::<(), kapi::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Deleted<T> {
    /// The server sent the object back. Pods in their grace period and
    /// objects held by finalizers are still readable until they go.
    Object(T),
    /// The server sent a `Success` Status: the object is gone.
    Status(Box<Status>),
}

impl<T> Deleted<T> {
    /// The object, if the server sent one.
    pub fn object(self) -> Option<T> {
        match self {
            Deleted::Object(o) => Some(o),
            Deleted::Status(_) => None,
        }
    }
}

impl Api {
    /// Creates `object` (`POST` to the collection) and returns what the
    /// server stored. A name already taken is `409 AlreadyExists`
    /// ([`Error::is_already_exists`]); a rejected field is `422 Invalid`
    /// with one [`StatusCause`](crate::StatusCause) per field
    /// ([`Error::is_invalid`]).
    ///
    /// ```no_run
    /// use serde_json::json;
    /// # let client = kapi::Client::incluster()?;
    /// let cms = client.api(client.resolve("cm")?).namespace("test");
    /// let cm = json!({
    ///     "apiVersion": "v1", "kind": "ConfigMap",
    ///     "metadata": {"name": "settings"}, "data": {"mode": "fast"},
    /// });
    /// match cms.create(&kapi::PostParams::default(), &cm) {
    ///     Ok(created) => println!("uid {}", created["metadata"]["uid"]),
    ///     Err(e) if e.is_already_exists() => println!("already there"),
    ///     Err(e) if e.is_invalid() => {
    ///         for cause in e.status().unwrap().causes() {
    ///             eprintln!("{}: {}", cause.field, cause.message);
    ///         }
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn create<T>(&self, params: &PostParams, object: &T) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
    {
        let path = self.writable_collection_path()?;
        let req = params.apply_to(self.client().post(&path));
        req.json_body(object)?.json()
    }

    /// Replaces the object `name` (`PUT`). When `object` carries
    /// `metadata.resourceVersion`, the server applies it only if that is
    /// still the current version, else `409 Conflict`
    /// ([`Error::is_conflict`]): read again, change, retry.
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let cms = client.api(client.resolve("cm")?).namespace("test");
    /// let mut cm: serde_json::Value = cms.get("settings")?;
    /// cm["data"]["mode"] = "slow".into();
    /// let cm = cms.replace("settings", &kapi::PostParams::default(), &cm)?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn replace<T>(&self, name: &str, params: &PostParams, object: &T) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
    {
        let path = self.object_path(name)?;
        let req = params.apply_to(self.client().put(&path));
        req.json_body(object)?.json()
    }

    /// Replaces a subresource of `name`, e.g. `status` or `scale` (`PUT`).
    pub fn replace_subresource<T>(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &T,
    ) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
    {
        let path = self.subresource_path(name, subresource)?;
        let req = params.apply_to(self.client().put(&path));
        req.json_body(object)?.json()
    }

    /// Patches the object `name` and returns it as patched.
    ///
    /// The content type comes from the [`Patch`] variant. A server-side
    /// apply needs a field manager ([`PatchParams::apply`]) and fails with
    /// `409 Conflict` when it would take fields another manager owns,
    /// unless [`PatchParams::force`].
    ///
    /// ```no_run
    /// use serde_json::{json, Value};
    /// # let client = kapi::Client::incluster()?;
    /// let pods = client.api(client.resolve("pods")?);
    /// let me = std::env::var("HOSTNAME").unwrap_or_default();
    /// let ready = kapi::Patch::Merge(json!({"metadata": {"labels": {"ready": "true"}}}));
    /// let pod: Value = pods.patch(&me, &kapi::PatchParams::default(), &ready)?;
    ///
    /// let cms = client.api(client.resolve("cm")?);
    /// let desired = json!({
    ///     "apiVersion": "v1", "kind": "ConfigMap",
    ///     "metadata": {"name": "settings"}, "data": {"mode": "fast"},
    /// });
    /// let cm: Value = cms.patch("settings", &kapi::PatchParams::apply("my-job"), &kapi::Patch::Apply(desired))?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn patch<P, T>(&self, name: &str, params: &PatchParams, patch: &Patch<P>) -> Result<T>
    where
        P: Serialize,
        T: DeserializeOwned,
    {
        self.send_patch(self.object_path(name)?, params, patch)
    }

    /// Patches a subresource of `name`: `status` (controllers reporting),
    /// `scale` (replicas without owning the spec).
    ///
    /// ```no_run
    /// use serde_json::{json, Value};
    /// # let client = kapi::Client::incluster()?;
    /// let deploys = client.api(client.resolve("deploy")?).namespace("test");
    /// let scale = kapi::Patch::Merge(json!({"spec": {"replicas": 2}}));
    /// let s: Value = deploys.patch_subresource("scale", "web", &kapi::PatchParams::default(), &scale)?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn patch_subresource<P, T>(
        &self,
        subresource: &str,
        name: &str,
        params: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<T>
    where
        P: Serialize,
        T: DeserializeOwned,
    {
        self.send_patch(self.subresource_path(name, subresource)?, params, patch)
    }

    /// Deletes the object `name`. The answer is either the object (still
    /// present during its grace period or while finalizers run, or as it
    /// was deleted) or a `Success` Status; see [`Deleted`]. A missing
    /// object is `404` ([`Error::is_not_found`]).
    pub fn delete<T: DeserializeOwned>(
        &self,
        name: &str,
        params: &DeleteParams,
    ) -> Result<Deleted<T>> {
        let path = self.object_path(name)?;
        let request = format!("DELETE {path}");
        let req = params.apply_to(self.client().delete(&path))?;
        let body: Value = req.json()?;
        let decode = |source| Error::Decode {
            request: request.clone(),
            source,
        };
        if body.get("kind").and_then(Value::as_str) == Some("Status") {
            return serde_json::from_value(body)
                .map(|s| Deleted::Status(Box::new(s)))
                .map_err(decode);
        }
        serde_json::from_value(body)
            .map(Deleted::Object)
            .map_err(decode)
    }

    fn send_patch<P, T>(&self, path: String, params: &PatchParams, patch: &Patch<P>) -> Result<T>
    where
        P: Serialize,
        T: DeserializeOwned,
    {
        if patch.is_apply() && params.field_manager.as_deref().is_none_or(str::is_empty) {
            return Err(Error::InvalidRequest(
                "a server-side apply needs a field manager: use PatchParams::apply(\"name\")"
                    .into(),
            ));
        }
        if params.force && !patch.is_apply() {
            return Err(Error::InvalidRequest(
                "force is only allowed for server-side apply (Patch::Apply)".into(),
            ));
        }
        let body = serde_json::to_vec(patch.body()).map_err(|source| Error::Encode {
            request: format!("PATCH {path}"),
            source,
        })?;
        params
            .apply_to(self.client().patch(&path))
            .body(body, patch.content_type())
            .json()
    }

    /// The collection path to `POST` to: a namespaced type needs a namespace.
    fn writable_collection_path(&self) -> Result<String> {
        if self.resource().namespaced && self.scope().is_none() {
            return Err(Error::InvalidRequest(format!(
                "a namespace is needed to create {}",
                self.resource().group_resource()
            )));
        }
        self.collection_path()
    }

    /// `<object path>/<subresource>`, the subresource checked as a segment.
    fn subresource_path(&self, name: &str, subresource: &str) -> Result<String> {
        crate::check_segment("subresource", subresource)?;
        Ok(format!("{}/{subresource}", self.object_path(name)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, Config};
    use serde_json::json;

    fn client() -> Client {
        Client::new(Config::new("https://10.0.0.1:6443")).unwrap()
    }

    #[test]
    fn apply_without_a_field_manager_is_refused_before_sending() {
        let c = client();
        let api = c.api(crate::builtin("cm").unwrap()).namespace("test");
        let err = api
            .patch::<_, Value>("x", &PatchParams::default(), &Patch::Apply(json!({})))
            .unwrap_err();
        assert!(err.to_string().contains("field manager"), "{err}");
        let err = api
            .patch::<_, Value>(
                "x",
                &PatchParams::default().force(),
                &Patch::Merge(json!({})),
            )
            .unwrap_err();
        assert!(err.to_string().contains("force"), "{err}");
    }

    #[test]
    fn subresource_names_cannot_escape_their_segment() {
        let c = client();
        let api = c.api(crate::builtin("deploy").unwrap()).namespace("test");
        assert_eq!(
            api.subresource_path("web", "scale").unwrap(),
            "/apis/apps/v1/namespaces/test/deployments/web/scale"
        );
        assert!(api.subresource_path("web", "../x").is_err());
    }

    #[test]
    fn create_needs_a_namespace_for_namespaced_types() {
        let c = client();
        let api = c.api(crate::builtin("cm").unwrap()).all_namespaces();
        let err = api
            .create(&PostParams::default(), &json!({"metadata": {"name": "x"}}))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    }
}
