//! kapi with the ecosystem's types: k8s-openapi's `DaemonSet`, `Pod` and
//! `Job` through [`Api`](kapi::Api) (get, list), the [`Pager`](kapi::Pager)
//! and the [`Watcher`](kapi::Watcher), against the TLS fake; then the same
//! with plain `#[derive(Deserialize)]` structs. k8s-openapi is a
//! dev-dependency only.

use std::time::Duration;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kapi::watcher::Event;
use kapi::{Client, Config, ListParams, Watcher};
use kapi_fake::FakeApiServer;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

#[allow(dead_code)] // its `main`
#[path = "../examples/k8s_openapi.rs"]
mod example;

const JOB: &str = "/apis/batch/v1/namespaces/test/jobs/migrate";

/// All pods of namespace `test`, by name.
const PODS: [&str; 6] = [
    "backup-29440920-q7v2n",
    "db-0",
    "gateway-b8n4q",
    "gateway-x7k2p",
    "gateway-zt9xw",
    "migrate-x8k2m",
];

fn client(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(server.sa_dir().join("ca.crt"))
        .unwrap()
        .with_token_file(server.sa_dir().join("token"))
        .unwrap()
        .with_namespace("test");
    Client::new(config).unwrap()
}

/// Runs `watcher` up to `InitDone`, marks the job succeeded, and returns
/// the objects of the initial list and of the first change.
fn list_then_change<T: DeserializeOwned + 'static>(
    server: &FakeApiServer,
    mut watcher: Watcher<T>,
) -> (Vec<T>, T) {
    let mut listed = Vec::new();
    loop {
        match watcher.next().unwrap().unwrap() {
            Event::Init => {}
            Event::InitApply(job) => listed.push(job),
            Event::InitDone => break,
            _ => panic!("a watch event before InitDone"),
        }
    }
    // Before the watch opens: it starts from the list's resourceVersion,
    // so the change is its first event.
    server.update(
        JOB,
        json!({"status": {"active": 0, "succeeded": 1, "ready": 0}}),
    );
    loop {
        match watcher.next().unwrap().unwrap() {
            Event::Modified(job) => return (listed, job),
            Event::Init | Event::InitApply(_) | Event::InitDone => {
                panic!("relisted instead of watching")
            }
            _ => {}
        }
    }
}

#[test]
fn k8s_openapi_types_through_api_pager_and_watcher() {
    let server = FakeApiServer::start();
    let client = client(&server);

    // Api::get
    let ds: DaemonSet = client
        .api(client.resolve("ds").unwrap())
        .get("gateway")
        .unwrap();
    assert_eq!(ds.metadata.name.as_deref(), Some("gateway"));
    let status = ds.status.unwrap();
    assert_eq!(
        (status.number_ready, status.desired_number_scheduled),
        (19, 20)
    );

    // Api::list through the Pager, by pages of 4, item by item.
    let pods = client.api(client.resolve("pods").unwrap());
    let mut pager = pods.list(ListParams::default().limit(4));
    let mut pages = Vec::new();
    while pager.begin_page().unwrap().is_some() {
        let mut page = Vec::new();
        while let Some(pod) = pager.next_item::<Pod>().unwrap() {
            page.push(pod.metadata.name.unwrap());
        }
        pages.push(page);
    }
    assert_eq!(pages, [&PODS[..4], &PODS[4..]]);
    // ... and as an iterator over all pages, with a selector.
    let phases: Vec<String> = pods
        .list(ListParams::default().labels("app=gateway").limit(2))
        .items::<Pod>()
        .map(|pod| pod.unwrap().status.unwrap().phase.unwrap())
        .collect();
    assert_eq!(phases, ["Running", "Running", "Pending"]);
    // A whole list in one response, as k8s-openapi's List.
    let list: k8s_openapi::List<Pod> = client.get("/api/v1/namespaces/test/pods").json().unwrap();
    assert_eq!(list.items.len(), PODS.len());

    // Api::watcher: the list's items get their kind and apiVersion back,
    // so k8s-openapi's checks of both pass.
    let jobs = client.api(client.resolve("jobs").unwrap());
    let watcher = jobs.watcher::<Job>(ListParams::default()).watch_timeout(30);
    let (listed, changed) = list_then_change(&server, watcher);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].metadata.name.as_deref(), Some("migrate"));
    assert_eq!(listed[0].status.as_ref().unwrap().active, Some(1));
    let status = changed.status.unwrap();
    assert_eq!((status.active, status.succeeded), (Some(0), Some(1)));
}

/// The fields a caller reads, and nothing else.
#[derive(Deserialize)]
struct Object<S> {
    metadata: Meta,
    #[serde(default = "Option::default")]
    status: Option<S>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DaemonSetStatus {
    number_ready: u32,
    desired_number_scheduled: u32,
}

#[derive(Deserialize)]
struct PodStatus {
    phase: String,
}

#[derive(Deserialize)]
struct JobStatus {
    #[serde(default)]
    active: u32,
    #[serde(default)]
    succeeded: u32,
}

#[test]
fn plain_serde_structs_the_same_way() {
    let server = FakeApiServer::start();
    let client = client(&server);

    let ds: Object<DaemonSetStatus> = client
        .api(client.resolve("ds").unwrap())
        .get("gateway")
        .unwrap();
    let status = ds.status.unwrap();
    assert_eq!(ds.metadata.name, "gateway");
    assert_eq!(
        (status.number_ready, status.desired_number_scheduled),
        (19, 20)
    );

    let pods = client.api(client.resolve("pods").unwrap());
    let mut pager = pods.list(ListParams::default().limit(4));
    let mut names = Vec::new();
    while pager.begin_page().unwrap().is_some() {
        while let Some(pod) = pager.next_item::<Object<PodStatus>>().unwrap() {
            names.push(pod.metadata.name);
        }
    }
    assert_eq!(names, PODS);
    let phases: Vec<String> = pods
        .list(ListParams::default().labels("app=gateway").limit(2))
        .items::<Object<PodStatus>>()
        .map(|pod| pod.unwrap().status.unwrap().phase)
        .collect();
    assert_eq!(phases, ["Running", "Running", "Pending"]);

    let jobs = client.api(client.resolve("jobs").unwrap());
    let watcher = jobs
        .watcher::<Object<JobStatus>>(ListParams::default())
        .watch_timeout(30);
    let (listed, changed) = list_then_change(&server, watcher);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].metadata.name, "migrate");
    let status = changed.status.unwrap();
    assert_eq!((status.active, status.succeeded), (0, 1));
}

#[test]
fn the_example_runs_against_the_fake() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let mut out = Vec::new();
    example::run(&client, Duration::from_secs(1), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let mut want = vec!["daemonset gateway: 19 of 20 ready".to_string()];
    for (pod, phase) in PODS.iter().zip([
        "Succeeded",
        "Running",
        "Running",
        "Running",
        "Pending",
        "Running",
    ]) {
        want.push(format!("pod {pod}: {phase}"));
    }
    want.push("job migrate: 1 active, 0 succeeded".into());
    assert_eq!(out.lines().collect::<Vec<_>>(), want, "{out}");
}
