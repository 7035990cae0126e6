//! Issue 13, item 3: `kapi wait` and `kapi get -w` get the current state
//! from one streaming watch (`sendInitialEvents`, WatchList) and fall back
//! to list-then-watch when the server refuses it (422 from a 1.33 server,
//! 400) or `KUBE_FEATURE_WatchListClient=false`, with the same output.

use std::process::Output;

use kapi_fake::{FakeApiServer, Recorded, WatchList};
use serde_json::json;

use crate::running::{wait_for_requests, Running, PATIENCE};
use crate::util::*;

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
const DS_LIST: &str = "/apis/apps/v1/namespaces/test/daemonsets";
const ENV: &str = "KUBE_FEATURE_WatchListClient";

/// The streaming start of a wait or a watch on ds/gateway.
const STREAM: &str = "watch=1&fieldSelector=metadata.name=gateway&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";

/// How a test run gets the state.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// The server serves WatchList.
    Streamed,
    /// The server refuses it (`Disabled`: 422, `BadRequest`: 400).
    Refused(WatchList),
    /// `KUBE_FEATURE_WatchListClient=false`.
    Off,
}

const MODES: [Mode; 4] = [
    Mode::Streamed,
    Mode::Refused(WatchList::Disabled),
    Mode::Refused(WatchList::BadRequest),
    Mode::Off,
];

fn server_for(mode: Mode) -> FakeApiServer {
    let server = FakeApiServer::start();
    if let Mode::Refused(refusal) = mode {
        server.set_watch_list(refusal);
    }
    server
}

/// The in-cluster environment, with the variable set for [`Mode::Off`].
fn env_for(server: &FakeApiServer, mode: Mode) -> Vec<(String, String)> {
    let mut env = server.env();
    if mode == Mode::Off {
        env.push((ENV.into(), "false".into()));
    }
    env
}

fn run(server: &FakeApiServer, mode: Mode, args: &[&str]) -> Output {
    let mut cmd = kapi(server);
    if mode == Mode::Off {
        cmd.env(ENV, "false");
    }
    cmd.args(args).output().unwrap()
}

/// The requests on the DaemonSet collection, queries decoded, the
/// (jittered) `timeoutSeconds` cut off.
fn queries(server: &FakeApiServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == DS_LIST)
        .map(|r| {
            let q = r.query_string();
            match q.find("&timeoutSeconds=") {
                Some(at) => q[..at].to_string(),
                None => q,
            }
        })
        .collect()
}

fn is_stream(r: &Recorded) -> bool {
    r.path == DS_LIST && r.query_param("sendInitialEvents").is_some()
}

/// A wait's stderr with its elapsed times (`(0s)`) taken out.
fn timeless(stderr: &str) -> String {
    let mut out = String::new();
    let mut rest = stderr;
    while let Some(at) = rest.find(" (") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        match tail.find(')') {
            Some(end) if tail[..end].ends_with('s') && tail[..end].len() <= 8 => {
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str(" (");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `kapi wait` for the gateway DaemonSet to be ready, made ready by a test
/// thread once the watch is open: status, stdout, stderr, and the queries.
fn wait_until_ready(mode: Mode) -> (Option<i32>, String, String, Vec<String>) {
    let server = server_for(mode);
    let wait = Running::start_with(
        env_for(&server, mode),
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
            "--timeout=30s",
        ],
    );
    wait.wait_for_stderr("{.status.numberReady}=19, want 20");
    assert!(
        server.wait_for_watches(1, PATIENCE),
        "{:?}",
        server.requests()
    );
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let (status, stdout, stderr) = wait.finish();
    (status.code(), stdout, timeless(&stderr), queries(&server))
}

#[test]
fn wait_gets_the_state_and_the_changes_from_one_streaming_watch() {
    let (code, stdout, stderr, queries) = wait_until_ready(Mode::Streamed);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert_eq!(queries, [STREAM]);
}

#[test]
fn wait_falls_back_to_a_list_from_the_watch_cache_with_the_same_output() {
    let (_, want_stdout, want_stderr, _) = wait_until_ready(Mode::Streamed);
    for mode in &MODES[1..] {
        let (code, stdout, stderr, queries) = wait_until_ready(*mode);
        assert_eq!(code, Some(0), "{mode:?}: {stderr}");
        assert_eq!(stdout, want_stdout, "{mode:?}");
        assert_eq!(stderr, want_stderr, "{mode:?}");
        // A refused stream, or none at all; then a list from the watch
        // cache (resourceVersion=0) and a watch from its resourceVersion.
        let rest = match mode {
            Mode::Off => &queries[..],
            _ => {
                assert_eq!(queries[0], STREAM, "{mode:?}");
                &queries[1..]
            }
        };
        assert_eq!(rest.len(), 2, "{mode:?}: {queries:?}");
        assert_eq!(
            rest[0], "fieldSelector=metadata.name=gateway&limit=500&resourceVersion=0",
            "{mode:?}"
        );
        assert!(
            rest[1].starts_with("watch=1&fieldSelector=metadata.name=gateway&resourceVersion=")
                && rest[1].ends_with("&allowWatchBookmarks=true")
                && !rest[1].contains("resourceVersion=0&"),
            "{mode:?}: {queries:?}"
        );
    }
}

#[test]
fn wait_decides_after_the_whole_initial_state_either_way() {
    for mode in MODES {
        let server = server_for(mode);
        // Absent: a delete is met at once, a condition times out (not an
        // error about a missing object), as before.
        let gone = run(
            &server,
            mode,
            &["wait", "--for=delete", "cm/never-was", "--timeout=5s"],
        );
        assert!(gone.status.success(), "{mode:?}: {:?}", output_text(&gone));
        assert_eq!(output_text(&gone).0, "configmap/never-was condition met\n");
        let never = run(
            &server,
            mode,
            &["wait", "--for=condition=Ready", "pod/never", "--timeout=1s"],
        );
        let (stdout, stderr) = output_text(&never);
        assert_eq!(never.status.code(), Some(3), "{mode:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.ends_with("error: timed out waiting for the condition on pods/never\n"),
            "{mode:?}: {stderr}"
        );
        // Present and already true: met from the initial state.
        let met = run(&server, mode, &["wait", "--for=create", "ds/gateway"]);
        assert_eq!(
            output_text(&met).0,
            "daemonset.apps/gateway condition met\n",
            "{mode:?}"
        );
    }
}

#[test]
fn every_spelling_client_go_accepts_turns_it_off_and_others_are_ignored() {
    for (value, streams) in [
        ("false", false),
        ("0", false),
        ("f", false),
        ("F", false),
        ("FALSE", false),
        ("False", false),
        ("true", true),
        ("1", true),
        ("no", true),
        ("", true),
    ] {
        let server = FakeApiServer::start();
        let out = kapi(&server)
            .env(ENV, value)
            .args(["wait", "--for=create", "ds/gateway"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{value:?}: {:?}", output_text(&out));
        let first = &queries(&server)[0];
        assert_eq!(first.starts_with(STREAM), streams, "{value:?}: {first}");
    }
}

#[test]
fn wait_relists_from_the_watch_cache_after_gone_when_it_lists() {
    let server = server_for(Mode::Refused(WatchList::Disabled));
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
        ],
    );
    wait.wait_for_stderr("{.status.numberReady}=19");
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"touched": "1"}}),
    );
    server.compact_now();
    server.drop_watches();
    let lists = wait_for_requests(&server, 2, |r| {
        r.path == DS_LIST && r.query_param("watch").is_none()
    });
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    for list in &lists {
        assert_eq!(list.query_param("resourceVersion"), Some("0"));
    }
    // Refused once, never asked again.
    assert_eq!(server.requests().iter().filter(|r| is_stream(r)).count(), 1);
}

#[test]
fn the_fallback_is_noted_at_v4_only() {
    let server = server_for(Mode::Refused(WatchList::Disabled));
    let quiet = run(
        &server,
        Mode::Streamed,
        &["wait", "--for=create", "ds/gateway"],
    );
    assert_eq!(output_text(&quiet).1, "");
    let loud = run(
        &server,
        Mode::Streamed,
        &["wait", "--for=create", "ds/gateway", "-v=4"],
    );
    let (stdout, stderr) = output_text(&loud);
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert!(
        stderr.contains("Falling back to regular list")
            && stderr.contains("sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"),
        "{stderr}"
    );
}

/// `kapi get ARGS -w` until `--request-timeout`: the initial state only.
fn get_watch(mode: Mode, args: &[&str]) -> (String, String, Vec<String>) {
    let server = server_for(mode);
    let out = run(
        &server,
        mode,
        &[args, &["-w", "--request-timeout=1s"]].concat(),
    );
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "{mode:?} {args:?}: {stderr}");
    (stdout, stderr, queries(&server))
}

#[test]
fn get_watch_prints_the_initial_state_the_same_in_every_mode() {
    let cases: [&[&str]; 6] = [
        &["get", "ds"],
        &["get", "ds", "gateway", "-o", "wide"],
        &["get", "pods", "-A", "--output-watch-events"],
        &["get", "pods", "-n", "test", "-o", "name"],
        &["get", "ds", "gateway", "-o", "yaml"],
        &["get", "cm", "-o", "json", "--output-watch-events"],
    ];
    // Each run waits out its --request-timeout: run them side by side.
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .flat_map(|args| MODES.map(|mode| (mode, *args)))
            .map(|(mode, args)| (mode, args, scope.spawn(move || get_watch(mode, args))))
            .collect();
        handles
            .into_iter()
            .map(|(mode, args, h)| (mode, args, h.join().unwrap()))
            .collect()
    });
    for chunk in runs.chunks(MODES.len()) {
        let (_, args, (want, _, streamed)) = &chunk[0];
        assert!(!want.is_empty(), "{args:?}");
        if args[1] == "ds" {
            assert_eq!(streamed.len(), 1, "{args:?}: {streamed:?}");
        }
        for (mode, args, (stdout, stderr, _)) in &chunk[1..] {
            assert_eq!(stdout, want, "{mode:?} {args:?}");
            assert_eq!(stderr, "", "{mode:?} {args:?}");
        }
    }
}

#[test]
fn get_watch_of_a_missing_name_says_not_found_in_every_mode() {
    for mode in MODES {
        let server = server_for(mode);
        let out = run(
            &server,
            mode,
            &["get", "ds", "nope", "-w", "--request-timeout=5s"],
        );
        let (stdout, stderr) = output_text(&out);
        assert_eq!(out.status.code(), Some(1), "{mode:?}");
        assert_eq!(stdout, "");
        assert_eq!(
            stderr, "Error from server (NotFound): daemonsets.apps \"nope\" not found\n",
            "{mode:?}"
        );
    }
}

/// `kapi get ds -w` while a test thread changes and deletes the gateway:
/// every line printed.
fn get_watch_changes(mode: Mode, args: &[&str]) -> Vec<String> {
    let server = server_for(mode);
    let get = Running::start_with(
        env_for(&server, mode),
        &[&["get", "ds", "-w"], args].concat(),
    );
    let mut lines = vec![get.line(), get.line()];
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(DS, json!({"status": {"numberReady": 20}}));
    lines.push(get.line());
    assert!(server.delete_object(DS));
    lines.push(get.line());
    let (_, _, stderr) = get.stop();
    assert_eq!(stderr, "", "{mode:?}");
    lines
}

#[test]
fn get_watch_prints_the_changes_the_same_in_every_mode() {
    for args in [&[][..], &["--output-watch-events"][..]] {
        let want = get_watch_changes(Mode::Streamed, args);
        assert!(
            want[0].starts_with("NAME") || want[0].starts_with("EVENT"),
            "{want:?}"
        );
        for mode in &MODES[1..] {
            assert_eq!(get_watch_changes(*mode, args), want, "{mode:?} {args:?}");
        }
    }
}

#[test]
fn get_watch_only_streamed_still_prints_a_header() {
    let server = FakeApiServer::start();
    let get = Running::start(&server, &["get", "ds", "--watch-only"]);
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let header = get.line();
    assert!(
        header.starts_with("NAME      DESIRED   CURRENT   READY"),
        "{header}"
    );
    assert!(get.line().starts_with("gateway   20        20        20 "));
}

#[test]
fn a_closed_stream_resumes_from_the_last_bookmark_without_a_new_state() {
    let server = FakeApiServer::start();
    let get = Running::start(
        &server,
        &[
            "get",
            "ds/gateway",
            "-w",
            "-o",
            "name",
            "--output-watch-events",
        ],
    );
    assert_eq!(get.line(), "daemonset.apps/gateway");
    assert!(server.wait_for_watches(1, PATIENCE));
    // A change the watch does not match moves the history on; the bookmark
    // that follows moves the watch there.
    server.update(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"touched": "1"}}),
    );
    let rv = server.resource_version();
    // Bookmark, then cut the stream, until kapi resumes from the bookmark
    // (a bookmark written just before the cut may not reach it).
    let mut n = 1;
    let resumed = loop {
        assert!(n < 20, "{:?}", queries(&server));
        server.send_bookmarks();
        std::thread::sleep(std::time::Duration::from_millis(100));
        server.drop_watches();
        n += 1;
        let watches = wait_for_requests(&server, n, |r| r.path == DS_LIST);
        assert!(server.wait_for_watches(1, PATIENCE));
        let last = watches[n - 1].clone();
        if last.query_param("resourceVersion") == Some(rv.as_str()) {
            break last;
        }
    };
    assert_eq!(
        resumed.query_string().split("&timeoutSeconds=").next().unwrap(),
        format!("watch=1&fieldSelector=metadata.name=gateway&resourceVersion={rv}&allowWatchBookmarks=true")
    );
    server.update(DS, json!({"status": {"numberReady": 20}}));
    assert_eq!(get.line(), "daemonset.apps/gateway");
    // One initial state: no list, one stream.
    let queries = queries(&server);
    assert_eq!(
        queries.iter().filter(|q| q.starts_with(STREAM)).count(),
        1,
        "{queries:?}"
    );
    assert!(
        queries.iter().all(|q| q.starts_with("watch=1")),
        "{queries:?}"
    );
    let (_, _, stderr) = get.stop();
    assert_eq!(stderr, "");
}

/// `kapi get cm -l app=later -w` from nothing, while a test thread creates
/// a matching ConfigMap: every line printed.
fn get_watch_from_nothing(mode: Mode) -> Vec<String> {
    let server = server_for(mode);
    let get = Running::start_with(
        env_for(&server, mode),
        &[
            "get",
            "cm",
            "-l",
            "app=later",
            "-w",
            "--output-watch-events",
        ],
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    server.put_object(
        "/api/v1/namespaces/test/configmaps/later",
        json!({"metadata": {"labels": {"app": "later"}}, "data": {"k": "v"}}),
    );
    let lines = vec![get.line(), get.line()];
    let (_, _, stderr) = get.stop();
    assert_eq!(stderr, "", "{mode:?}");
    lines
}

#[test]
fn get_watch_from_an_empty_state_prints_the_header_in_every_mode() {
    // Streamed, the column definitions come on the end marker (the first
    // event), not on the ADDED that follows.
    let want = get_watch_from_nothing(Mode::Streamed);
    assert!(
        want[0].starts_with("EVENT   NAME    DATA   AGE"),
        "{want:?}"
    );
    assert!(want[1].starts_with("ADDED   later   1 "), "{want:?}");
    for mode in &MODES[1..] {
        assert_eq!(get_watch_from_nothing(*mode), want, "{mode:?}");
    }
}
