//! Test support for kapi: a fake Kubernetes API server over verified TLS.
//!
//! [`FakeApiServer`] is a rustls front (the fixture CA and server
//! certificate) that records every request, checks the bearer token against
//! the current content of its service-account token file, and forwards the
//! rest to a [`wiremock::MockServer`] over plain HTTP. wiremock serves the
//! files under `fixtures/api/` by URL path, a Kubernetes `NotFound` Status for
//! any other object path, and whatever a test registers with
//! [`FakeApiServer::respond`] or [`FakeApiServer::mount`].
//!
//! The API is blocking: the server runs on its own tokio runtime, so tests can
//! run the real `kapi` binary against it. This crate is never a dependency of
//! the shipped crates.
//!
//! # Usage
//!
//! ```no_run
//! let server = kapi_fake::FakeApiServer::start();
//! // Point an in-cluster client at it:
//! for (name, value) in server.env() {
//!     println!("{name}={value}");
//! }
//! server.respond("GET", "/api/v1/namespaces/test/pods/web", 502, "text/html", "<html>bad gateway</html>");
//! // ... run the client ...
//! assert!(server.requests().iter().any(|r| r.path == "/version"));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod canned;
mod fixture_routes;
mod front;
mod kubeconfig;
mod object_path;
mod recorded;
mod server;
mod service_account;
mod silent;
mod status;
mod tls;
mod upstream;

use std::path::{Path, PathBuf};

pub use recorded::Recorded;
pub use server::{Builder, FakeApiServer};
pub use silent::{silent_server, SilentServer};
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
