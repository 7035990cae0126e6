//! Redirects: the bearer token goes only to the configured server's origin
//! (scheme, host and port), and a write answered by a redirect is never
//! turned into a GET or sent elsewhere.
//!
//! Each test runs two fake servers on 127.0.0.1: `home` is the one kapi is
//! configured for, `elsewhere` another port on the same host. Both accept
//! the fixture token, so a leaked token would be *accepted*: the tests look
//! at what `elsewhere` recorded.

use kapi_fake::wiremock::matchers::{method, path, query_param};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::FakeApiServer;

use crate::util::{kapi, output_text};

const CM: &str = "/api/v1/namespaces/test/configmaps/app-config";
const CM_LIST: &str = "/api/v1/namespaces/test/configmaps";

const NEW_CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";

fn redirect_to(status: u16, location: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", location)
}

/// Requests `server` received that carried an `Authorization` header.
fn authorized(server: &FakeApiServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn a_get_redirected_to_another_port_is_followed_without_the_token() {
    let home = FakeApiServer::start();
    let elsewhere = FakeApiServer::start();
    home.mount(
        Mock::given(method("GET"))
            .and(path(CM))
            .respond_with(redirect_to(302, &format!("{}{CM}", elsewhere.url()))),
    );
    let out = kapi(&home)
        .args(["get", "cm", "app-config"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    // elsewhere saw the request, without credentials, and refused it.
    assert!(
        elsewhere.requests().iter().any(|r| r.path == CM),
        "{:?}",
        elsewhere.requests()
    );
    assert_eq!(authorized(&elsewhere), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Unauthorized"), "{stderr}");
    assert!(!stderr.contains(&home.token()), "{stderr}");
}

#[test]
fn a_get_redirected_within_the_origin_keeps_the_token() {
    let home = FakeApiServer::start();
    home.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/namespaces/test/configmaps/moved"))
            .respond_with(redirect_to(301, CM)),
    );
    let out = kapi(&home)
        .args(["get", "--raw", "/api/v1/namespaces/test/configmaps/moved"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("\"app-config\""), "{stdout}");
    assert!(authorized(&home).contains(&format!("GET {CM}")));
}

#[test]
fn a_watch_redirected_to_another_port_gets_no_token() {
    let home = FakeApiServer::start();
    let elsewhere = FakeApiServer::start();
    home.mount(
        Mock::given(method("GET"))
            .and(path(CM_LIST))
            .and(query_param("watch", "1"))
            .respond_with(redirect_to(
                307,
                &format!("{}{CM_LIST}?watch=true", elsewhere.url()),
            )),
    );
    let out = kapi(&home)
        .args(["get", "cm", "--watch-only", "--request-timeout=5s"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(
        elsewhere.requests().iter().any(|r| r.path == CM_LIST),
        "the watch was not followed: {:?}",
        elsewhere.requests()
    );
    assert_eq!(authorized(&elsewhere), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out).1);
}

#[test]
fn the_second_page_of_a_list_redirected_elsewhere_gets_no_token() {
    let home = FakeApiServer::start();
    let elsewhere = FakeApiServer::start();
    home.mount(
        Mock::given(method("GET"))
            .and(path(CM_LIST))
            .and(kapi_fake::wiremock::matchers::query_param_contains(
                "continue", "",
            ))
            .respond_with(redirect_to(302, &format!("{}{CM_LIST}", elsewhere.url()))),
    );
    let out = kapi(&home)
        .args(["get", "cm", "--chunk-size=1", "-o", "name"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    // Page one came from home, with the token; page two went elsewhere
    // without it.
    assert!(!stdout.is_empty(), "{stderr}");
    assert!(elsewhere.requests().iter().any(|r| r.path == CM_LIST));
    assert_eq!(authorized(&elsewhere), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

/// Every write command, answered by `status` with a Location on the same
/// server: refused, nothing written, nothing sent as a GET.
fn assert_write_refused(status: u16, args: &[&str], stdin: Option<&str>, verb: &str, at: &str) {
    let home = FakeApiServer::start();
    home.mount(
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(redirect_to(status, CM)),
    );
    let before = home.object(CM);
    let mut cmd = kapi(&home);
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} {status}: {stdout}{stderr}"
    );
    assert!(
        stderr.contains("nothing was written"),
        "{args:?} {status}: {stderr}"
    );
    assert!(stderr.contains(&status.to_string()), "{stderr}");
    for word in [
        "created",
        "configured",
        "patched",
        "labeled",
        "annotated",
        "deleted",
        "replaced",
        "serverside-applied",
    ] {
        assert!(
            !stdout.contains(word),
            "{args:?} {status}: printed success: {stdout}"
        );
    }
    // The write was sent once and never re-sent as a GET of the Location.
    let sent: Vec<_> = home
        .requests()
        .into_iter()
        .filter(|r| r.path == at || r.path == CM)
        .map(|r| r.method)
        .collect();
    assert_eq!(sent.iter().filter(|m| *m == verb).count(), 1, "{sent:?}");
    assert!(!sent.iter().any(|m| m == "GET" && at != CM), "{sent:?}");
    assert_eq!(home.object(CM), before, "the object changed");
}

#[test]
fn writes_answered_by_a_redirect_fail_and_write_nothing() {
    let cm_yaml =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: fast\n";
    for status in [301, 302, 303] {
        assert_write_refused(
            status,
            &["create", "-f", "-"],
            Some(NEW_CM),
            "POST",
            CM_LIST,
        );
        assert_write_refused(status, &["replace", "-f", "-"], Some(cm_yaml), "PUT", CM);
        assert_write_refused(
            status,
            &["apply", "--server-side", "-f", "-"],
            Some(cm_yaml),
            "PATCH",
            CM,
        );
        assert_write_refused(
            status,
            &[
                "patch",
                "cm",
                "app-config",
                "--type=merge",
                "-p",
                r#"{"data":{"a":"b"}}"#,
            ],
            None,
            "PATCH",
            CM,
        );
        assert_write_refused(
            status,
            &["label", "cm", "app-config", "x=y"],
            None,
            "PATCH",
            CM,
        );
        assert_write_refused(
            status,
            &["annotate", "cm", "app-config", "x=y"],
            None,
            "PATCH",
            CM,
        );
        assert_write_refused(
            status,
            &["delete", "cm", "app-config", "--wait=false"],
            None,
            "DELETE",
            CM,
        );
    }
}

#[test]
fn a_write_redirected_with_307_to_another_port_is_not_sent_there() {
    let home = FakeApiServer::start();
    let elsewhere = FakeApiServer::start();
    home.mount(
        Mock::given(method("POST"))
            .and(path(CM_LIST))
            .respond_with(redirect_to(307, &format!("{}{CM_LIST}", elsewhere.url()))),
    );
    let out = kapi(&home)
        .args(["create", "-f", "-"])
        .write_stdin(NEW_CM)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("another server"), "{stderr}");
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert!(home
        .object("/api/v1/namespaces/test/configmaps/settings")
        .is_none());
}

#[test]
fn a_write_redirected_with_308_within_the_origin_is_resent_with_its_body() {
    let home = FakeApiServer::start();
    home.mount(
        Mock::given(method("POST"))
            .and(path("/api/v1/namespaces/test/configmaps-old"))
            .respond_with(redirect_to(308, CM_LIST)),
    );
    let out = kapi(&home)
        .args([
            "raw",
            "POST",
            "/api/v1/namespaces/test/configmaps-old",
            "-f",
            "-",
        ])
        .write_stdin(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"}}"#)
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let resent: Vec<_> = home
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == CM_LIST)
        .collect();
    assert_eq!(resent.len(), 1);
    assert!(resent[0].body_text().contains("settings"));
    assert!(resent[0].header("authorization").is_some());
    assert!(home
        .object("/api/v1/namespaces/test/configmaps/settings")
        .is_some());
}

#[test]
fn a_redirect_loop_stops_after_ten_with_an_error() {
    let home = FakeApiServer::start();
    home.mount(
        Mock::given(method("GET"))
            .and(path("/loop"))
            .respond_with(redirect_to(302, "/loop")),
    );
    let out = kapi(&home)
        .args(["get", "--raw", "/loop"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("after 10 redirects"), "{stderr}");
    let hits = home.requests().iter().filter(|r| r.path == "/loop").count();
    assert_eq!(hits, 11);
}

#[test]
fn a_redirect_without_location_is_an_error() {
    let home = FakeApiServer::start();
    home.respond("GET", "/nowhere", 302, "text/plain", "");
    let out = kapi(&home)
        .args(["get", "--raw", "/nowhere"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("302 Found without a Location header"),
        "{stderr}"
    );
}
