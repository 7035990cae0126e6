//! What `cargo xtask bench` relies on: counted connections and requests,
//! and a watch that streams many events at once.

mod common;

use common::*;
use kapi_fake::{Connections, FakeApiServer};

#[test]
fn connections_and_requests_are_counted() {
    let server = FakeApiServer::start();
    assert_eq!(server.connections(), Connections::default());
    // One agent: its requests share one connection.
    let agent = agent();
    let token = server.token();
    for _ in 0..3 {
        let mut response = agent
            .get(format!("{}/version", server.url()))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap();
        assert_eq!(response.status(), 200);
        // Read to its end, the connection goes back to the pool.
        response.body_mut().read_to_string().unwrap();
    }
    assert_eq!(server.connections(), Connections { tcp: 1, tls: 1 });
    assert_eq!(server.request_count(), 3);
    // A new agent, a new connection.
    assert_eq!(get(&server, "/version").status, 200);
    assert_eq!(server.connections(), Connections { tcp: 2, tls: 2 });
    assert_eq!(server.request_count(), server.requests().len());
}

#[test]
fn a_watch_on_the_generated_pods_streams_the_events_asked_for() {
    let server = FakeApiServer::builder()
        .many_pods(3)
        .watch_events(7)
        .build();
    let rv: u64 = server.resource_version().parse().unwrap();
    let watch = WatchStream::open(
        &server,
        &format!("/api/v1/namespaces/big/pods?watch=1&resourceVersion={rv}"),
    );
    for k in 0..7u64 {
        let event = watch.event();
        assert_eq!(event["type"], "MODIFIED");
        assert_eq!(
            event["object"]["metadata"]["name"],
            format!("pod-0000{}", k % 3)
        );
        assert_eq!(
            event["object"]["metadata"]["resourceVersion"],
            (rv + 1 + k).to_string()
        );
    }
}
