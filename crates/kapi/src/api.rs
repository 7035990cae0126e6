//! [`Api`]: a handle on one resource type in one namespace (or all).

use serde::de::DeserializeOwned;

use crate::list::{ListParams, Pager};
use crate::resource::ApiResource;
use crate::{Client, Request, Result};

/// A handle on one resource type, scoped to a namespace for namespaced
/// types. Built by [`Client::api`].
///
/// It owns a [`Client`] clone (cheap: the clones share one connection pool
/// and token), so it can be kept in a struct or moved into a thread:
///
/// ```no_run
/// struct Controller {
///     pods: kapi::Api,
/// }
/// let client = kapi::Client::incluster()?;
/// let controller = Controller { pods: client.api(client.resolve("pods")?) };
/// let worker = std::thread::spawn(move || controller.pods.get::<serde_json::Value>("db-0"));
/// let pod = worker.join().expect("the worker panicked")?;
/// # Ok::<(), kapi::Error>(())
/// ```
///
/// ```no_run
/// # let client = kapi::Client::incluster()?;
/// let pods = client.api(client.resolve("pods")?).namespace("test");
/// for pod in pods.list(kapi::ListParams::default().labels("app=gateway")).items::<serde_json::Value>() {
///     println!("{}", pod?["metadata"]["name"]);
/// }
/// # Ok::<(), kapi::Error>(())
/// ```
#[derive(Clone)]
pub struct Api {
    client: Client,
    resource: ApiResource,
    namespace: Option<String>,
}

impl Api {
    pub(crate) fn new(client: Client, resource: ApiResource) -> Api {
        let namespace = resource.namespaced.then(|| client.namespace().to_string());
        Api {
            client,
            resource,
            namespace,
        }
    }

    /// Scopes the handle to `namespace` (ignored for cluster-scoped types).
    pub fn namespace(mut self, namespace: &str) -> Api {
        if self.resource.namespaced {
            self.namespace = Some(namespace.to_string());
        }
        self
    }

    /// Lists and watches across all namespaces.
    pub fn all_namespaces(mut self) -> Api {
        self.namespace = None;
        self
    }

    /// The resource type.
    pub fn resource(&self) -> &ApiResource {
        &self.resource
    }

    /// The namespace in scope, if any.
    pub fn scope(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The path of the object `name`.
    pub fn object_path(&self, name: &str) -> Result<String> {
        self.resource.object_path(self.namespace.as_deref(), name)
    }

    /// The collection path.
    pub fn collection_path(&self) -> Result<String> {
        self.resource.collection_path(self.namespace.as_deref())
    }

    /// A `GET` of `name`, to add headers or query parameters before sending.
    pub fn get_request(&self, name: &str) -> Result<Request> {
        Ok(self.client.get(&self.object_path(name)?))
    }

    /// Gets the object `name`.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        self.get_request(name)?.json()
    }

    /// Lists page by page (`limit`/`continue`): see [`Pager`].
    pub fn list(&self, params: ListParams) -> Pager {
        Pager::new(self.client.clone(), self.collection_path(), params)
    }
}
