//! The `kapi` binary, run for real against the TLS fake API server.
//!
//! One integration binary (ripgrep's layout); one module per area.

mod auth;
mod bad_input;
mod ca_rotation;
mod escape;
mod fidelity;
mod foundation;
mod kubeconfig;
mod kubectl_cases;
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
mod watch;
mod write;
