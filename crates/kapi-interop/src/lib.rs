//! Nothing to link: this package holds `tests/k8s_openapi.rs` and
//! `examples/k8s_openapi.rs`, which use kapi with k8s-openapi's generated
//! types (`cargo run -p kapi-interop --example k8s_openapi`). kapi itself
//! speaks serde and depends on no generated types.
