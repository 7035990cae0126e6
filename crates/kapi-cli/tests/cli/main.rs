//! The `kapi` binary, run for real against the TLS fake API server.
//!
//! One integration binary (ripgrep's layout); one module per area.

mod auth;
mod foundation;
mod read;
mod running;
mod stream;
mod util;
mod wait;
mod watch;
mod write;
