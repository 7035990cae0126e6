//! The classic client-go in-cluster example, written with kapi: get the
//! DaemonSet `gateway`, and tell "not found" from other errors.
//!
//! `Config::infer` reads a kubeconfig when there is one (`KUBECONFIG`,
//! `~/.kube/config`), else the pod's service account, as kubectl does: in a
//! pod it is `Client::incluster()`, and it also runs from a laptop or CI.
//! Built static, it runs in the busybox image (`ci/Dockerfile`) and the
//! busybox root of `cargo xtask test`, printing
//! `daemonset gateway in namespace test: 20 pods scheduled, 19 ready`.

use std::process::ExitCode;

use serde::Deserialize;

/// Only the fields this program reads: a plain serde struct is enough.
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
    let client = match kapi::Config::infer().and_then(kapi::Client::new) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let namespace = client.namespace().to_string();
    let path = format!("/apis/apps/v1/namespaces/{namespace}/daemonsets/gateway");
    match client.get(&path).json::<DaemonSet>() {
        Ok(ds) => println!(
            "daemonset gateway in namespace {namespace}: {} pods scheduled, {} ready",
            ds.status.current_number_scheduled, ds.status.number_ready
        ),
        Err(e) if e.is_not_found() => {
            println!("daemonset gateway not found in namespace {namespace}")
        }
        Err(e) => {
            // 403, 401, a 5xx, TLS, timeouts: each its own kapi::Error.
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
