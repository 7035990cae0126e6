//! Test support for kapi: a fake Kubernetes API server over verified TLS
//! that behaves like a 1.33 kube-apiserver for what kapi needs,
//! deterministically.
//!
//! [`FakeApiServer`] is a rustls front (the fixture CA and server
//! certificate) that records every request and authenticates its bearer
//! token. Requests go first to a [`wiremock::MockServer`], for the answers a
//! test registers with [`FakeApiServer::respond`] or
//! [`FakeApiServer::mount`]; everything else is served by the fake's own API:
//!
//! - **a store** of objects seeded from `fixtures/api/` (see
//!   `fixtures/README.md`), with a global resourceVersion counter, uids,
//!   creationTimestamps and generations; an untouched fixture object is
//!   served byte for byte;
//! - **lists** in key order with `limit`/`continue` (consistent at the first
//!   page's resourceVersion), `labelSelector`, `fieldSelector`,
//!   `resourceVersion=0`, and the real 400/410 answers;
//! - **Tables** (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) with
//!   the 1.33 printers' columns and cells, the CRD printer columns, or the
//!   default Name/Created At, and `includeObject`;
//! - **discovery**: aggregated v2 when asked for, else legacy, plus
//!   `APIResourceList`s, built in resources and CRD-defined ones;
//! - **watches** streamed line by line, from "" (synthetic ADDED events) or a
//!   resourceVersion (history replay, or a 410 ERROR event once compacted),
//!   with bookmarks and `timeoutSeconds`; WatchList (`sendInitialEvents=true`
//!   with `resourceVersionMatch=NotOlderThan`: the current objects, then the
//!   `k8s.io/initial-events-end` bookmark), validated as the real server
//!   validates it, and refused on demand ([`WatchList`]);
//! - **writes**: create, replace, JSON/merge/strategic merge patches,
//!   server-side apply with managed fields and conflicts, delete with
//!   options, `dryRun=All`, the `status` and `scale` subresources, the real
//!   409/415/422 answers, and watch events for each;
//! - **pod logs** (`pods/NAME/log`): the container the apiserver picks, the
//!   kubelet's refusals, `tailLines`/`sinceSeconds`/`sinceTime`/`timestamps`/
//!   `limitBytes`/`previous`, and `follow=true` streams of lines a test
//!   appends ([`FakeApiServer::append_log`]) or that never end
//!   ([`FakeApiServer::endless_log`]);
//! - **identities and RBAC**: the fixture token is
//!   `system:serviceaccount:test:kapi`; [`FakeApiServer::add_service_account`]
//!   makes more, each with [`Rule`]s (a list or watch whose field selector
//!   names one object, `metadata.name=NAME`, is authorized as that object,
//!   as kube-apiserver does, so `resourceNames` can allow it);
//!   `SelfSubjectAccessReview` and `SelfSubjectReview` answer from them.
//!
//! The clock is fixed at [`DEFAULT_NOW`] (set it with [`Builder::now`] or
//! [`FakeApiServer::set_now`]), so AGE cells and new objects are
//! deterministic.
//!
//! Test knobs change the world from the test thread, each change a watch
//! event: [`FakeApiServer::put_object`], [`update`](FakeApiServer::update),
//! [`delete_object`](FakeApiServer::delete_object); cut watch streams with
//! [`drop_watches`](FakeApiServer::drop_watches); expire history and continue
//! tokens with [`compact_now`](FakeApiServer::compact_now) or
//! [`expire_continue_tokens`](FakeApiServer::expire_continue_tokens); send
//! bookmarks; refuse WatchList as a 1.33 server
//! ([`set_watch_list`](FakeApiServer::set_watch_list)); slow a deletion down with
//! [`delay_deletion`](FakeApiServer::delay_deletion). [`Builder`] adds
//! generated pods ([`Builder::many_pods`]) and an old server's legacy-only
//! discovery.
//!
//! The API is blocking: the server runs on its own tokio runtime, so tests can
//! run the real `kapi` binary against it. This crate is never a dependency of
//! the shipped crates.
//!
//! # Usage
//!
//! ```no_run
//! use std::time::Duration;
//! use serde_json::json;
//!
//! let server = kapi_fake::FakeApiServer::start();
//! // Point an in-cluster client at it:
//! for (name, value) in server.env() {
//!     println!("{name}={value}");
//! }
//! // ... start `kapi wait --for=jsonpath='{.status.numberReady}'=20 ds/gateway` ...
//! server.wait_for_watches(1, Duration::from_secs(5));
//! server.update(
//!     "/apis/apps/v1/namespaces/test/daemonsets/gateway",
//!     json!({"status": {"numberReady": 20}}),
//! );
//! server.respond("GET", "/api/v1/namespaces/test/pods/web", 502, "text/html", "<html>bad gateway</html>");
//! assert!(server.requests().iter().any(|r| r.path == "/version"));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admission;
mod api;
mod base64;
mod builder;
mod canned;
mod catalog;
mod clock;
mod continue_token;
mod delete;
mod discovery;
mod fallthrough;
mod field_manager;
mod field_selector;
mod front;
mod identity;
mod json;
mod json_patch;
mod knobs;
mod kubeconfig;
mod label_selector;
mod last_applied;
mod list;
mod many_pods;
mod merge_patch;
mod object_meta;
mod pod_logs;
mod predicate;
mod proxy;
mod rbac;
mod recorded;
mod request;
mod response;
mod review;
mod seed;
mod server;
mod service_account;
mod silent;
mod static_files;
mod status;
mod store;
mod strategic_merge;
mod table;
mod tls;
mod upstream;
mod validation;
mod watch;
mod watch_list;
mod write;
mod yaml;

use std::path::{Path, PathBuf};

pub use builder::Builder;
pub use clock::DEFAULT_NOW;
pub use proxy::ConnectProxy;
pub use rbac::Rule;
pub use recorded::Recorded;
pub use server::{Connections, FakeApiServer};
pub use silent::{silent_server, SilentServer};
pub use watch_list::WatchList;
/// wiremock, re-exported for [`FakeApiServer::mount`].
pub use wiremock;

/// The environment variable the `kapi` CLI reads the service-account
/// directory from (the real one is `/var/run/secrets/kubernetes.io/serviceaccount`).
pub const SERVICEACCOUNT_DIR_ENV: &str = "KAPI_SERVICEACCOUNT_DIR";

/// The workspace's `fixtures/` directory (see `fixtures/README.md`).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        // Invariant: this crate lives at <workspace>/crates/kapi-fake.
        .expect("crates/kapi-fake has a grandparent")
        .join("fixtures")
}
