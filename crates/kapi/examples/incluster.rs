//! The classic client-go in-cluster example, written with kapi.
//!
//! client-go's `examples/in-cluster-client-configuration` builds a client
//! from the pod's service account, gets an object, and tells "not found"
//! from other API errors. This does the same for the DaemonSet `gateway`
//! and prints how many pods it has scheduled. It is built static and run in
//! the busybox image (`ci/Dockerfile`) and in the busybox root of
//! `cargo xtask test`.
//!
//! ```text
//! $ incluster
//! daemonset gateway in namespace test: 20 pods scheduled, 19 ready
//! ```

use std::process::ExitCode;

use serde::Deserialize;

/// Only the fields this program reads: any other field is ignored, so a
/// plain serde struct is enough (no generated Kubernetes types needed).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DaemonSet {
    status: DaemonSetStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DaemonSetStatus {
    current_number_scheduled: u32,
    #[serde(default)]
    number_ready: u32,
}

fn main() -> ExitCode {
    let client = match kapi::Client::incluster() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let namespace = client.namespace().to_string();
    let path = format!("/apis/apps/v1/namespaces/{namespace}/daemonsets/gateway");
    match client.get(&path).json::<DaemonSet>() {
        Ok(ds) => {
            println!(
                "daemonset gateway in namespace {namespace}: {} pods scheduled, {} ready",
                ds.status.current_number_scheduled, ds.status.number_ready
            );
            ExitCode::SUCCESS
        }
        Err(e) if e.is_not_found() => {
            println!("daemonset gateway not found in namespace {namespace}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Any other Status (403 Forbidden, 401, a 5xx) or a transport error.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
