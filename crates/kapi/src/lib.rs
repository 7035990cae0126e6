//! A tiny, blocking Kubernetes API client for programs that run in a pod
//! (or anywhere with a kubeconfig).
//!
//! kapi reads the pod's service-account files exactly as client-go does,
//! verifies the API server with the cluster CA (and only with it), keeps the
//! bearer token fresh as the kubelet rotates it, and turns failures into a
//! typed [`Status`]. It is blocking on purpose: one request at a time over
//! [ureq](https://docs.rs/ureq) and rustls, no async runtime, no threads of
//! its own. That keeps a static binary small enough to `COPY` into a
//! `FROM busybox` image.
//!
//! # Usage
//!
//! The classic client-go in-cluster example: get a DaemonSet, and tell
//! "not found" from other errors. [`Config::infer`] picks what kubectl
//! would: a kubeconfig (`KUBECONFIG`, `~/.kube/config`) when there is one,
//! else the pod's service account ([`Client::incluster`] skips kubeconfigs).
//!
//! ```no_run
//! let client = kapi::Client::new(kapi::Config::infer()?)?;
//! match client.get("/apis/apps/v1/namespaces/test/daemonsets/gateway").json::<serde_json::Value>() {
//!     Ok(ds) => println!("{} pods scheduled", ds["status"]["currentNumberScheduled"]),
//!     Err(e) if e.is_not_found() => println!("daemonset gateway not found"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), kapi::Error>(())
//! ```
//!
//! ## Error handling
//!
//! Every fallible call returns [`Result`]. A non-2xx answer from the server is
//! [`Error::Api`] carrying the server's [`Status`] (`is_not_found()`,
//! `is_forbidden()`, `is_conflict()`, `is_unauthorized()`); everything else
//! (configuration, TLS, timeouts) has its own variant. Messages read like
//! kubectl's and never contain the token.
//!
//! ## Writing
//!
//! [`Api::create`], [`Api::replace`], [`Api::patch`] (a [`Patch`]:
//! strategic, merge, JSON, or server-side apply) and [`Api::delete`] are
//! typed through serde. A `409` or `422` is an [`Error::Api`] whose
//! [`Status`] says what to do: [`Error::is_already_exists`],
//! [`Error::is_conflict`] (read again and retry), [`Error::is_invalid`] with
//! one [`StatusCause`] per rejected field ([`Status::causes`]).
//!
//! ```no_run
//! use serde_json::{json, Value};
//! let client = kapi::Client::incluster()?;
//! let pods = client.api(client.resolve("pods")?);
//! let me = std::env::var("HOSTNAME").unwrap_or_default();
//! let ready = kapi::Patch::Merge(json!({"metadata": {"labels": {"ready": "true"}}}));
//! let _pod: Value = pods.patch(&me, &kapi::PatchParams::default(), &ready)?;
//! # Ok::<(), kapi::Error>(())
//! ```
//!
//! ## Timeouts
//!
//! No request waits forever: resolving the server's name and connecting (TCP
//! and TLS) are each bounded by
//! [`DEFAULT_CONNECT_TIMEOUT`](config::DEFAULT_CONNECT_TIMEOUT), every read or
//! write that makes no progress by
//! [`DEFAULT_IDLE_TIMEOUT`](config::DEFAULT_IDLE_TIMEOUT), and a whole request
//! by [`Config::with_request_timeout`] when set. Watches replace the
//! no-progress limit with their `timeoutSeconds` plus a grace period.
//!
//! ## Name resolution
//!
//! Host names are resolved by kapi itself, as musl and Go's pure resolver
//! do: IP literals directly, then `/etc/hosts`, then DNS to the
//! `/etc/resolv.conf` name servers with their `search` and `ndots` rules. No
//! glibc `getaddrinfo`, so a static binary needs no NSS modules and the
//! lookup has a timeout.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "_fuzz")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod api;
mod auth;
mod backoff;
mod builtin;
mod client;
pub mod config;
mod connector;
mod crypto;
pub mod discovery;
pub mod duration;
mod error;
pub mod gofmt;
pub mod jsonpath;
mod list;
mod list_reader;
pub mod manifest;
mod params;
mod patch;
mod redirect;
mod request;
mod resolver;
mod resource;
mod response;
mod retry;
mod status;
mod tls;
mod token;
mod trace;
mod transport_error;
mod trust;
pub mod watch;
mod watch_list;
pub mod watcher;
mod write;

pub use api::Api;
pub use client::Client;
pub use config::Config;
pub use error::{Error, Result, TlsFailure};
pub use list::{Items, ListParams, Pager, DEFAULT_PAGE_SIZE, MAX_ITEM_BYTES};
pub use params::{DeleteParams, FieldValidation, PatchParams, PostParams, PropagationPolicy};
pub use patch::Patch;
pub use request::Request;
pub use resource::{builtin, builtin_kind, check_segment, ApiResource, TypeName};
pub use response::Response;
pub use status::{Status, StatusCause, StatusDetails};
pub use token::MAX_TOKEN_BYTES;
pub use watch::{Bookmark, WatchEvent, WatchParams, WatchStream};
pub use watcher::Watcher;
pub use write::Deleted;
