//! The fake's own API: everything `respond()` answers and mounted mocks did
//! not take. Routes a request by its path to discovery, the store (get,
//! list, watch, writes) or the static fixture files, after authorization.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::{Method, Response};
use serde_json::Value;

use crate::catalog::{self, Catalog, ResourceInfo};
use crate::clock::Clock;
use crate::discovery::DiscoveryContext;
use crate::many_pods::ManyPods;
use crate::pod_logs::Logs;
use crate::rbac::{Attributes, Rbac};
use crate::request::{parse_target, ApiRequest, ResourcePath, Target};
use crate::response::{self, Body};
use crate::static_files::StaticFiles;
use crate::status;
use crate::store::{Key, Store};
use crate::watch_list::WatchList;
use crate::write::{self, Target as WriteTarget};
use crate::{delete, list, merge_patch, object_meta, review, seed, watch};

/// What the fake serves and the knobs tests turn.
pub(crate) struct Api {
    store: Mutex<Store>,
    pub(crate) catalog: Catalog,
    pub(crate) clock: Clock,
    pub(crate) rbac: Rbac,
    pub(crate) statics: StaticFiles,
    pub(crate) many_pods: ManyPods,
    /// `MODIFIED` events of generated pods every watch on them streams
    /// first (`Builder::watch_events`).
    pub(crate) watch_events: usize,
    legacy_discovery: bool,
    /// Lists ignore `limit` (one page).
    pub(crate) ignore_limit: bool,
    /// A continue token is answered with itself.
    pub(crate) stuck_continue: bool,
    /// `None`: continue tokens work. `Some(n)`: `n` more requests with a
    /// continue token succeed, later ones get 410 Expired.
    continue_budget: Mutex<Option<usize>>,
    /// `host:port` of the server, for legacy discovery.
    address: Mutex<String>,
    /// How long deleting an object takes (absent: immediate).
    deletion_delays: Mutex<HashMap<Key, Duration>>,
    /// `authentication.k8s.io/v1` SelfSubjectReview is gone and v1beta1
    /// served instead (a 1.27 server).
    self_review_v1beta1: AtomicBool,
    /// Container logs (`pods/NAME/log`).
    pub(crate) logs: Logs,
    /// How `sendInitialEvents` watches are answered.
    watch_list: Mutex<WatchList>,
}

/// The start-up options of [`Api`].
pub(crate) struct ApiOptions {
    pub(crate) now: i64,
    pub(crate) many_pods: usize,
    pub(crate) watch_events: usize,
    pub(crate) legacy_discovery: bool,
    pub(crate) ignore_limit: bool,
    pub(crate) stuck_continue: bool,
    /// Built-in group versions not served (`Builder::without_api`).
    pub(crate) without_apis: Vec<String>,
    pub(crate) watch_list: WatchList,
}

impl Api {
    /// Loads the fixtures under `api_dir`.
    pub(crate) fn load(api_dir: &Path, options: ApiOptions) -> Self {
        let (objects, object_paths) = seed::load(api_dir);
        let mut catalog = Catalog::load(api_dir);
        for api_version in &options.without_apis {
            catalog.remove_api(api_version);
        }
        let mut store = Store::default();
        for (key, mut stored) in objects {
            stored.custom = !catalog.builtins().iter().any(|r| r.group == key.group);
            store.seed(key, stored);
        }
        Api {
            store: Mutex::new(store),
            catalog,
            clock: Clock::new(options.now),
            rbac: Rbac::with_defaults(),
            statics: StaticFiles::new(api_dir.to_path_buf(), object_paths),
            many_pods: ManyPods::new(options.many_pods),
            watch_events: options.watch_events,
            legacy_discovery: options.legacy_discovery,
            ignore_limit: options.ignore_limit,
            stuck_continue: options.stuck_continue,
            continue_budget: Mutex::new(None),
            address: Mutex::new(String::new()),
            deletion_delays: Mutex::new(HashMap::new()),
            self_review_v1beta1: AtomicBool::new(false),
            logs: Logs::load(&api_dir.parent().unwrap_or(api_dir).join("logs")),
            watch_list: Mutex::new(options.watch_list),
        }
    }

    /// Makes deleting the object at `key` take `delay` (`None`: immediate).
    pub(crate) fn set_deletion_delay(&self, key: Key, delay: Option<Duration>) {
        let mut delays = self
            .deletion_delays
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match delay {
            Some(delay) => delays.insert(key, delay),
            None => delays.remove(&key),
        };
    }

    /// How long deleting the object at `key` takes, if not immediate.
    pub(crate) fn deletion_delay(&self, key: &Key) -> Option<Duration> {
        self.deletion_delays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
    }

    /// Serves SelfSubjectReview in v1beta1 only (v1 404s), as 1.27 did.
    pub(crate) fn self_review_v1beta1_only(&self) {
        self.self_review_v1beta1.store(true, Ordering::SeqCst);
    }

    /// How `sendInitialEvents` watches are answered from now on.
    pub(crate) fn set_watch_list(&self, mode: WatchList) {
        *self.watch_list.lock().unwrap_or_else(|p| p.into_inner()) = mode;
    }

    /// How `sendInitialEvents` watches are answered.
    pub(crate) fn watch_list(&self) -> WatchList {
        *self.watch_list.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store, locked.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn set_address(&self, address: String) {
        *self.address.lock().unwrap_or_else(|p| p.into_inner()) = address;
    }

    /// From now on, `n` more requests with a continue token succeed; later
    /// ones get 410 Expired.
    pub(crate) fn expire_continue_after(&self, n: usize) {
        *self
            .continue_budget
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(n);
    }

    /// Continue tokens work again.
    pub(crate) fn keep_continue_tokens(&self) {
        *self
            .continue_budget
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether this request's continue token is expired by the knob (and
    /// uses up one of the allowed ones otherwise).
    pub(crate) fn continue_token_expired(&self) -> bool {
        let mut budget = self
            .continue_budget
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match budget.as_mut() {
            None => false,
            Some(0) => true,
            Some(n) => {
                *n -= 1;
                false
            }
        }
    }

    /// The store key of object `name` of `info` at `path`.
    pub(crate) fn key(&self, info: &ResourceInfo, path: &ResourcePath, name: &str) -> Key {
        let namespace = match (&path.namespace, info.namespaced) {
            (Some(ns), true) => ns.as_str(),
            _ => "",
        };
        Key::new(&info.group, &info.resource, namespace, name)
    }

    /// The resource `group/version/resource`: built in, or defined by a CRD
    /// in the store (returned with it).
    pub(crate) fn resolve(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<(ResourceInfo, Option<Arc<Value>>)> {
        if let Some(info) = self.catalog.builtin(group, version, resource) {
            return Some((info.clone(), None));
        }
        let key = Key::new(
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            "",
            &format!("{resource}.{group}"),
        );
        let crd = self.store().get(&key)?.object.clone();
        let info = catalog::crd_resource(&crd, version)?;
        Some((info, Some(crd)))
    }

    /// The resources of every CRD in the store.
    pub(crate) fn crd_resources(&self) -> Vec<ResourceInfo> {
        let store = self.store();
        let mut out = Vec::new();
        for key in store.keys("apiextensions.k8s.io", "customresourcedefinitions") {
            if let Some(crd) = store.get(&key) {
                for version in catalog::crd_versions(&crd.object) {
                    out.extend(catalog::crd_resource(&crd.object, &version));
                }
            }
        }
        out
    }

    /// The resource, custom-ness and store key of the object URL `path`.
    pub(crate) fn locate(&self, path: &str) -> Result<(ResourceInfo, bool, Key), String> {
        let Target::Resource(target) = parse_target(path) else {
            return Err(format!("'{path}' is not an object path"));
        };
        let Some(name) = target.name.as_deref() else {
            return Err(format!("'{path}' names no object"));
        };
        let (info, crd) = self
            .resolve(&target.group, &target.version, &target.resource)
            .ok_or_else(|| format!("the fake does not serve the resource of '{path}'"))?;
        let key = self.key(&info, &target, name);
        Ok((info, crd.is_some(), key))
    }

    /// Creates or replaces the object at the object URL `path` (a test
    /// knob): metadata filled in as a create or an update would, the next
    /// resourceVersion, an ADDED or MODIFIED event.
    pub(crate) fn put(&self, path: &str, mut object: Value) -> Result<Value, String> {
        let (info, custom, key) = self.locate(path)?;
        let now = self.clock.timestamp();
        let mut store = self.store();
        if !object["metadata"].is_object() {
            object["metadata"] = Value::Object(serde_json::Map::new());
        }
        object["metadata"]["name"] = Value::from(key.name.as_str());
        let template = match store.get(&key) {
            Some(old) => {
                let old_object = old.object.clone();
                object_meta::on_update(&mut object, &old_object, &info, custom);
                old.template.clone()
            }
            None => {
                object_meta::on_create(
                    &mut object,
                    &info,
                    custom,
                    &key.namespace,
                    &now,
                    &mut store,
                );
                None
            }
        };
        Ok((*store.write(key, object, template, custom).object).clone())
    }

    /// Applies a JSON merge patch to the object at `path` (a test knob).
    pub(crate) fn merge(&self, path: &str, patch: &Value) -> Result<Value, String> {
        let (info, custom, key) = self.locate(path)?;
        let mut store = self.store();
        let old = store
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("no object at '{path}'"))?;
        let mut object = (*old.object).clone();
        merge_patch::apply(&mut object, patch);
        object_meta::on_update(&mut object, &old.object, &info, custom);
        Ok((*store.write(key, object, old.template, custom).object).clone())
    }

    /// Removes the object at `path` (a test knob); whether it was there.
    pub(crate) fn remove(&self, path: &str) -> Result<bool, String> {
        let (_, _, key) = self.locate(path)?;
        Ok(self.store().remove(&key).is_some())
    }

    /// Whether `group/version` is served at all.
    fn serves(&self, group: &str, version: &str) -> bool {
        self.catalog
            .builtins()
            .iter()
            .any(|r| r.group == group && r.version == version)
            || self
                .crd_resources()
                .iter()
                .any(|r| r.group == group && r.version == version)
    }

    /// Answers `req`.
    pub(crate) async fn handle(self: Arc<Self>, req: ApiRequest) -> Response<Body> {
        let target = parse_target(&req.path);
        let discovery = matches!(
            target,
            Target::CoreVersions | Target::Groups | Target::Group(_) | Target::Resources { .. }
        );
        if discovery && req.method != Method::GET {
            return response::status(&status::method_not_allowed_status());
        }
        match target {
            Target::CoreVersions => self.discovery().core_versions(req.header("accept")),
            Target::Groups => self.discovery().groups(req.header("accept")),
            Target::Group(group) => self.discovery().group(&group),
            Target::Resources { group, version } => self.discovery().resources(&group, &version),
            Target::Resource(path) => self.resource(req, path).await,
            Target::Other => self.static_file(&req),
        }
    }

    fn discovery(&self) -> DiscoveryContext<'_> {
        DiscoveryContext {
            catalog: &self.catalog,
            crds: self.crd_resources(),
            legacy_only: self.legacy_discovery,
            address: self
                .address
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    fn static_file(&self, req: &ApiRequest) -> Response<Body> {
        match self.statics.find(&req.path) {
            Some(_) if req.method != Method::GET => {
                response::status(&status::method_not_allowed_status())
            }
            Some((code, body)) => response::json(code, body),
            None => response::page_not_found(),
        }
    }

    async fn resource(self: Arc<Self>, req: ApiRequest, path: ResourcePath) -> Response<Body> {
        if let Some(answer) = self.reviews(&req, &path) {
            return answer;
        }
        let Some((info, crd)) = self.resolve(&path.group, &path.version, &path.resource) else {
            if let Some((code, body)) = self.statics.find(&req.path) {
                if req.method == Method::GET {
                    return response::json(code, body);
                }
            }
            if self.serves(&path.group, &path.version) {
                return response::status(&status::resource_not_found());
            }
            return response::page_not_found();
        };
        let name = path.name.clone();
        // A namespaced resource's objects live under /namespaces/NS/; a
        // cluster-scoped one has none (the namespace object aside).
        let scoped_right = match (&path.namespace, info.namespaced) {
            (Some(_), true) => true,
            (None, true) => name.is_none(),
            (None, false) => true,
            (Some(_), false) => path.group.is_empty() && path.resource == "namespaces",
        };
        if !scoped_right {
            return response::page_not_found();
        }
        if let Some(sub) = &path.subresource {
            if info.subresource(sub).is_none() {
                return response::status(&status::resource_not_found());
            }
        }
        let namespace = match (&path.namespace, info.namespaced) {
            (Some(ns), true) => ns.clone(),
            _ => String::new(),
        };
        let verb = verb(&req, name.is_some());
        // kube-apiserver's RequestInfo: a list or watch whose field selector
        // names one object is authorized (and refused) as that object, so
        // that RBAC `resourceNames` can allow it.
        let authorized_name = name.clone().or_else(|| {
            let selected = req.param("fieldSelector")?;
            let selector = crate::field_selector::FieldSelector::parse(selected).ok()?;
            let one = selector.requires_exact_match("metadata.name")?;
            let segment = !one.is_empty() && one != "." && one != ".." && !one.contains(['/', '%']);
            (matches!(verb, "list" | "watch") && segment).then(|| one.to_string())
        });
        let allowed = req.user.is_master()
            || self.rbac.allows(
                &req.user.account,
                &Attributes {
                    verb,
                    group: &info.group,
                    resource: &info.resource,
                    subresource: path.subresource.as_deref(),
                    namespace: &namespace,
                    name: authorized_name.as_deref(),
                },
            );
        if !allowed {
            return response::status(&status::forbidden(
                &req.user.username,
                verb,
                &info.group,
                &info.resource,
                path.subresource.as_deref(),
                &namespace,
                authorized_name.as_deref(),
            ));
        }
        let crd = crd.as_deref();
        if req.method != Method::GET && !info.has_verb(verb) && path.subresource.is_none() {
            return response::status(&status::method_not_allowed_status());
        }
        let target = WriteTarget {
            info: &info,
            custom: crd.is_some(),
            namespace: &namespace,
            subresource: path.subresource.as_deref(),
        };
        let answer = match (&req.method, &name) {
            (&Method::GET, _) if req.is_watch() => {
                let ns = info
                    .namespaced
                    .then_some(namespace.as_str())
                    .filter(|ns| !ns.is_empty());
                Ok(watch::watch(&self, &req, &info, crd, ns, name.as_deref()))
            }
            (&Method::GET, Some(name)) => match path.subresource.as_deref() {
                None | Some("status") => Ok(list::get(&self, &req, &info, crd, &path, name)),
                Some("scale") => {
                    let key = self.key(&info, &path, name);
                    let object = self.store().get(&key).map(|s| s.object.clone());
                    match object {
                        Some(object) => Ok(write::scale_response(200, &write::scale_of(&object))),
                        None => Err(status::not_found_status(&info.group, &info.resource, name)),
                    }
                }
                Some("log") if info.group.is_empty() && info.resource == "pods" => {
                    crate::pod_logs::get(&self, &req, &namespace, name)
                }
                Some(_) => Err(status::resource_not_found()),
            },
            (&Method::GET, None) => {
                let ns = info
                    .namespaced
                    .then_some(namespace.as_str())
                    .filter(|ns| !ns.is_empty());
                Ok(list::list(&self, &req, &info, crd, ns))
            }
            _ if !matches!(path.subresource.as_deref(), None | Some("status" | "scale")) => {
                Err(status::method_not_allowed_status())
            }
            (&Method::POST, None) => write::create(&self, &req, &target),
            (&Method::PUT, Some(name)) => write::replace(&self, &req, &target, name),
            (&Method::PATCH, Some(name)) => write::patch(&self, &req, &target, name),
            (&Method::DELETE, Some(name)) if path.subresource.is_none() => {
                delete::delete(&self, &req, &target, name)
            }
            (&Method::DELETE, None) => delete::delete_collection(&self, &req, &target),
            _ => Err(status::method_not_allowed_status()),
        };
        answer.unwrap_or_else(|status| response::status(&status))
    }

    /// The self reviews, answered before resolving (SelfSubjectReview
    /// v1beta1 is not in the catalog).
    fn reviews(&self, req: &ApiRequest, path: &ResourcePath) -> Option<Response<Body>> {
        let named = path.name.is_some() || path.namespace.is_some() || path.subresource.is_some();
        match (path.group.as_str(), path.resource.as_str()) {
            ("authentication.k8s.io", "selfsubjectreviews") if !named => {
                let beta_only = self.self_review_v1beta1.load(Ordering::SeqCst);
                match (path.version.as_str(), beta_only) {
                    ("v1", false) | ("v1beta1", true) if req.method == Method::POST => {
                        Some(review::self_review(req, &path.version))
                    }
                    ("v1", true) => Some(response::status(&status::resource_not_found())),
                    ("v1beta1", false) => Some(response::page_not_found()),
                    _ => Some(response::status(&status::method_not_allowed_status())),
                }
            }
            ("authorization.k8s.io", "selfsubjectaccessreviews")
                if !named && path.version == "v1" =>
            {
                if req.method != Method::POST {
                    return Some(response::status(&status::method_not_allowed_status()));
                }
                Some(
                    review::access_review(self, req)
                        .unwrap_or_else(|status| response::status(&status)),
                )
            }
            _ => None,
        }
    }
}

/// The authorization verb of a request.
fn verb(req: &ApiRequest, named: bool) -> &'static str {
    match (&req.method, named) {
        (&Method::GET, _) if req.is_watch() => "watch",
        (&Method::GET | &Method::HEAD, true) => "get",
        (&Method::GET | &Method::HEAD, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "unknown",
    }
}
