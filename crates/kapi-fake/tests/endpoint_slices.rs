//! EndpointSlices (`discovery.k8s.io/v1`) over real TLS: what `kapi wait
//! svc/NAME --for=endpoints` lists and watches (issue 14).

mod common;

use std::time::Duration;

use common::*;
use kapi_fake::FakeApiServer;
use serde_json::json;

const SLICES: &str = "/apis/discovery.k8s.io/v1/namespaces/test/endpointslices";
const BY_SERVICE: &str = "labelSelector=kubernetes.io%2Fservice-name%3Dgateway";

#[test]
fn the_gateway_services_slice_is_served_and_selected_by_its_service_label() {
    let server = FakeApiServer::start();
    let reply = get(&server, &format!("{SLICES}/gateway-7d4kq"));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        fixture("apis/discovery.k8s.io/v1/namespaces/test/endpointslices/gateway-7d4kq.json")
    );
    let list = get(&server, &format!("{SLICES}?{BY_SERVICE}"));
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list
        .body
        .starts_with(r#"{"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1""#));
    assert_eq!(names(&list.json()), ["gateway-7d4kq"]);
    let other = get(
        &server,
        &format!("{SLICES}?labelSelector=kubernetes.io%2Fservice-name%3Ddb"),
    );
    assert_eq!(names(&other.json()), Vec::<String>::new());
    // The Service's own labels are on its slices too (the controller copies them).
    let by_app = get(&server, &format!("{SLICES}?labelSelector=app%3Dgateway"));
    assert_eq!(names(&by_app.json()), ["gateway-7d4kq"]);
}

#[test]
fn a_watch_by_service_label_sees_new_slices_and_changes() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!("{SLICES}?watch=1&labelSelector=kubernetes.io%2Fservice-name%3Ddb"),
    );
    assert_eq!(watch.status, 200);
    assert!(server.wait_for_watches(1, Duration::from_secs(10)));
    server.put_object(
        &format!("{SLICES}/db-x1"),
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "db-x1", "namespace": "test",
                "labels": {"kubernetes.io/service-name": "db"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.1.20"], "conditions": {"ready": false}}]}),
    );
    // Another Service's slice is not in this watch.
    server.update(&format!("{SLICES}/gateway-7d4kq"), json!({"endpoints": []}));
    server.update(
        &format!("{SLICES}/db-x1"),
        json!({"endpoints": [{"addresses": ["10.244.1.20"], "conditions": {"ready": true}}]}),
    );
    let added = watch.event();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["metadata"]["name"], "db-x1");
    let modified = watch.event();
    assert_eq!(modified["type"], "MODIFIED");
    assert_eq!(
        modified["object"]["endpoints"][0]["conditions"]["ready"],
        true
    );
    assert_eq!(watch.next_within(Duration::from_millis(200)), Next::Nothing);
}
