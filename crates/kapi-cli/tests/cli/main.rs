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
mod kubectl_cases;
mod logs;
mod manifest;
mod read;
mod redirects;
mod retries;
mod rollout;
mod running;
mod scale;
mod set_image;
mod stream;
mod util;
mod wait;
mod wait_compare;
mod wait_endpoints;
mod wait_exit_codes;
mod wait_fail_fast;
mod wait_for_compat;
mod wait_groups;
mod watch;
mod watch_list;
mod write;
