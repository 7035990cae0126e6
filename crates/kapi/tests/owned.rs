//! The handles own their client: an [`Api`] kept in a struct, an `Api` and a
//! [`Watcher`](kapi::Watcher) moved into threads, against the TLS fake.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use kapi::watcher::Event;
use kapi::{Api, Client, Config, ListParams};
use kapi_fake::FakeApiServer;
use serde_json::{json, Value};

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

fn client(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_token(server.token())
        .with_namespace("test");
    Client::new(config).unwrap()
}

/// Compile-time: every handle can be sent to another thread and kept there
/// (no borrowed lifetime), and the client can be shared.
#[test]
fn handles_are_send_and_static() {
    fn send_static<T: Send + 'static>() {}
    fn shared<T: Send + Sync + 'static>() {}
    send_static::<Api>();
    send_static::<kapi::Request>();
    send_static::<kapi::Pager>();
    send_static::<kapi::Items<Value>>();
    send_static::<kapi::Watcher<Value>>();
    send_static::<kapi::WatchStream<Value>>();
    shared::<Client>();
    shared::<Api>();
}

/// A controller-shaped struct that keeps its handle, built from a client
/// that is dropped right after.
struct Gateway {
    daemonsets: Api,
}

impl Gateway {
    fn new(client: &Client) -> Gateway {
        let daemonsets = client.api(kapi::builtin("ds").unwrap()).namespace("test");
        Gateway { daemonsets }
    }

    fn ready(&self) -> kapi::Result<u64> {
        let ds: Value = self.daemonsets.get("gateway")?;
        Ok(ds["status"]["numberReady"].as_u64().unwrap_or_default())
    }
}

#[test]
fn a_struct_keeps_its_api_after_the_client_is_dropped() {
    let server = FakeApiServer::start();
    let gateway = {
        let client = client(&server);
        Gateway::new(&client)
    };
    assert_eq!(gateway.ready().unwrap(), 19);
    assert_eq!(gateway.daemonsets.scope(), Some("test"));
}

#[test]
fn an_api_and_a_watcher_move_into_threads() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let daemonsets = client.api(kapi::builtin("ds").unwrap());

    // An Api moved into a thread: a get there.
    let api = daemonsets.clone();
    let got = thread::spawn(move || api.get::<Value>("gateway"))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(got["metadata"]["name"], "gateway");

    // A Watcher built here, moved into a thread, reporting back.
    let watcher = daemonsets
        .watcher::<Value>(ListParams::default().fields("metadata.name=gateway"))
        .watch_timeout(30);
    drop((daemonsets, client));
    let (tx, rx) = mpsc::channel();
    let watching = thread::spawn(move || {
        for event in watcher {
            let event = event.map_err(|e| e.to_string())?;
            let done = matches!(event, Event::Modified(_));
            if tx.send(event).is_err() || done {
                break;
            }
        }
        Ok::<(), String>(())
    });
    let next = || rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(next(), Event::Init));
    assert!(matches!(next(), Event::InitApply(_)));
    assert!(matches!(next(), Event::InitDone));
    assert!(server.wait_for_watches(1, Duration::from_secs(10)));
    server.update(DS, json!({"status": {"numberReady": 20}}));
    match next() {
        Event::Modified(ds) => assert_eq!(ds["status"]["numberReady"], 20),
        other => panic!("{other:?}"),
    }
    watching.join().unwrap().unwrap();
}
