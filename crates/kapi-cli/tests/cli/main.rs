//! The `kapi` binary, run for real against the TLS fake API server.
//!
//! One integration binary (ripgrep's layout); one module per area.

mod apply_client;
mod auth;
mod bad_input;
mod ca_rotation;
mod create_generic;
mod dry_run;
mod escape;
mod fidelity;
mod foundation;
mod kubeconfig;
mod logs;
mod manifest;
mod read;
mod redirects;
mod retries;
mod running;
mod stream;
mod util;
mod wait;
mod watch;
mod watch_list;
mod write;
