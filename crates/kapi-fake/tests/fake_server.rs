//! The fake API server seen from a real TLS client (ureq + rustls/ring,
//! configured like kapi's: fixture CA only, no proxy).

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kapi_fake::wiremock::matchers::{method, path, query_param};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::{fixtures_dir, silent_server, FakeApiServer};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

const DAEMONSET: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

/// What a test looks at in a response.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

/// An agent trusting only `fixtures/pki/<ca_file>`.
fn agent(ca_file: &str) -> Agent {
    agent_with_timeout(ca_file, Duration::from_secs(10))
}

fn agent_with_timeout(ca_file: &str, timeout: Duration) -> Agent {
    let pem = fs::read(fixtures_dir().join("pki").join(ca_file)).expect("fixture CA");
    let roots: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item.expect("valid PEM") {
            PemItem::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build();
    Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build()
        .new_agent()
}

fn get_with(agent: &Agent, url: &str, token: Option<&str>) -> Result<Reply, ureq::Error> {
    let mut request = agent.get(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call()?;
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    Ok(Reply {
        status: response.status().as_u16(),
        content_type,
        body: response.body_mut().read_to_string()?,
    })
}

/// GET `path` with the server's current token.
fn get(server: &FakeApiServer, path: &str) -> Reply {
    let url = format!("{}{path}", server.url());
    get_with(&agent("ca.crt"), &url, Some(&server.token())).expect("request failed")
}

fn fixture(path: &str) -> String {
    fs::read_to_string(fixtures_dir().join("api").join(path)).expect("fixture file")
}

#[test]
fn serves_the_daemonset_byte_exact() {
    let server = FakeApiServer::start();
    let reply = get(&server, DAEMONSET);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        reply.body,
        fixture("apis/apps/v1/namespaces/test/daemonsets/gateway.json")
    );
}

#[test]
fn serves_version_and_the_forbidden_status() {
    let server = FakeApiServer::start();
    let version = get(&server, "/version");
    assert_eq!(version.status, 200);
    assert!(version.body.contains(r#""gitVersion": "v1.33.1""#));
    let forbidden = get(&server, "/api/v1/namespaces/kube-system/secrets/admin");
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.body,
        fixture("api/v1/namespaces/kube-system/secrets/admin.403.json")
    );
}

#[test]
fn unknown_objects_get_the_real_not_found_status() {
    let server = FakeApiServer::start();
    let reply = get(&server, "/apis/apps/v1/namespaces/test/daemonsets/nope");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        reply.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"daemonsets.apps \\\"nope\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"group\":\"apps\",\"kind\":\"daemonsets\"},\"code\":404}\n"
    );
    let core = get(&server, "/api/v1/namespaces/test/pods/x");
    assert!(core.body.contains(r#""message":"pods \"x\" not found""#));
    assert!(core
        .body
        .contains(r#""details":{"name":"x","kind":"pods"}"#));
    let node = get(&server, "/api/v1/nodes/n1");
    assert!(node.body.contains(r#""message":"nodes \"n1\" not found""#));
}

#[test]
fn non_api_paths_get_page_not_found() {
    let server = FakeApiServer::start();
    let reply = get(&server, "/nope");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert_eq!(reply.body, "404 page not found\n");
}

#[test]
fn wrong_or_missing_token_is_unauthorized_and_recorded() {
    let server = FakeApiServer::start();
    let url = format!("{}{DAEMONSET}", server.url());
    let agent = agent("ca.crt");
    for token in [Some("wrong"), Some(""), None] {
        let reply = get_with(&agent, &url, token).unwrap();
        assert_eq!(reply.status, 401, "token {token:?}");
        assert_eq!(
            reply.body,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n"
        );
    }
    let recorded = server.requests();
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[0].header("authorization"), Some("Bearer wrong"));
    assert_eq!(recorded[2].header("authorization"), None);
}

#[test]
fn rotated_token_replaces_the_old_one() {
    let server = FakeApiServer::start();
    let url = format!("{}{DAEMONSET}", server.url());
    let agent = agent("ca.crt");
    let old = server.token();
    assert!(old.contains("kapi-fixture-token"));
    assert_eq!(get_with(&agent, &url, Some(&old)).unwrap().status, 200);

    server.rotate_token("rotated-token");
    assert_eq!(get_with(&agent, &url, Some(&old)).unwrap().status, 401);
    assert_eq!(
        get_with(&agent, &url, Some("rotated-token"))
            .unwrap()
            .status,
        200
    );
    let through_link = fs::read_to_string(server.sa_dir().join("token")).unwrap();
    assert_eq!(through_link, "rotated-token");
}

#[test]
fn records_method_path_query_headers_and_body() {
    let server = FakeApiServer::start();
    let url = format!(
        "{}/api/v1/namespaces/test/configmaps?fieldManager=kapi&labelSelector=app%3Dweb",
        server.url()
    );
    let response = agent("ca.crt")
        .post(&url)
        .header("Authorization", format!("Bearer {}", server.token()))
        .content_type("application/json")
        .send(r#"{"kind":"ConfigMap"}"#)
        .unwrap();
    // No name: the real 422.
    assert_eq!(response.status(), 422);

    let recorded = server.requests();
    let [request] = recorded.as_slice() else {
        panic!("want one request, got {recorded:?}");
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v1/namespaces/test/configmaps");
    assert_eq!(
        request.query,
        [
            ("fieldManager".to_string(), "kapi".to_string()),
            ("labelSelector".to_string(), "app=web".to_string())
        ]
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.body_text(), r#"{"kind":"ConfigMap"}"#);
    let shown = format!("{request:?}");
    assert!(!shown.contains(&server.token()), "Debug leaks the token");
}

#[test]
fn respond_overrides_fixtures_and_the_latest_answer_wins() {
    let server = FakeApiServer::start();
    server.respond("GET", DAEMONSET, 502, "text/html", "<html>first</html>");
    let reply = get(&server, DAEMONSET);
    assert_eq!(
        (
            reply.status,
            reply.content_type.as_str(),
            reply.body.as_str()
        ),
        (502, "text/html", "<html>first</html>")
    );
    server.respond("get", DAEMONSET, 200, "application/json", "{}\n");
    assert_eq!(get(&server, DAEMONSET).body, "{}\n");
    // Other methods and paths still reach the fake's API.
    let delete = agent("ca.crt")
        .delete(format!("{}{DAEMONSET}", server.url()))
        .header("Authorization", format!("Bearer {}", server.token()))
        .call()
        .unwrap();
    assert_eq!(delete.status(), 200);
    assert_eq!(get(&server, "/version").status, 200);
}

#[test]
fn mounted_wiremock_mocks_match_on_queries() {
    let server = FakeApiServer::start();
    server.mount(
        Mock::given(method("GET"))
            .and(path(DAEMONSET))
            .and(query_param("resourceVersion", "0"))
            .respond_with(ResponseTemplate::new(200).set_body_string("from cache")),
    );
    assert_eq!(
        get(&server, &format!("{DAEMONSET}?resourceVersion=0")).body,
        "from cache"
    );
    assert_eq!(get(&server, DAEMONSET).status, 200);
    assert_ne!(get(&server, DAEMONSET).body, "from cache");
}

#[test]
fn expired_certificate_is_rejected_by_a_verifying_client() {
    let server = FakeApiServer::builder().expired_cert().build();
    let url = format!("{}/version", server.url());
    let err = get_with(&agent("ca.crt"), &url, Some(&server.token())).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn other_ca_does_not_verify_the_server() {
    let server = FakeApiServer::start();
    let url = format!("{}/version", server.url());
    let err = get_with(&agent("other-ca.crt"), &url, Some(&server.token())).unwrap_err();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
}

#[test]
fn dns_names_in_the_certificate_verify() {
    let server = FakeApiServer::start();
    let url = format!("https://localhost:{}/version", server.port());
    let reply = get_with(&agent("ca.crt"), &url, Some(&server.token())).unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn ipv6_bind_works() {
    let server = FakeApiServer::builder().bind_ipv6().build();
    assert_eq!(server.host(), "::1");
    assert_eq!(server.url(), format!("https://[::1]:{}", server.port()));
    assert_eq!(get(&server, "/version").status, 200);
}

#[test]
fn env_points_an_in_cluster_client_at_the_server() {
    let server = FakeApiServer::start();
    let env = server.env();
    let value = |name: &str| {
        env.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(value("KUBERNETES_SERVICE_HOST"), "127.0.0.1");
    assert_eq!(value("KUBERNETES_SERVICE_PORT"), server.port().to_string());
    let sa_dir = value("KAPI_SERVICEACCOUNT_DIR");
    assert_eq!(sa_dir, server.sa_dir().to_str().unwrap());
    assert_eq!(
        fs::read_to_string(format!("{sa_dir}/namespace")).unwrap(),
        "test"
    );
    assert_eq!(
        fs::read(format!("{sa_dir}/ca.crt")).unwrap(),
        fs::read(fixtures_dir().join("pki/ca.crt")).unwrap()
    );
}

#[test]
fn sequential_requests_do_not_stall() {
    let server = FakeApiServer::start();
    let (agent, url, token) = (
        agent("ca.crt"),
        format!("{}/version", server.url()),
        server.token(),
    );
    get_with(&agent, &url, Some(&token)).unwrap();
    let started = Instant::now();
    for _ in 0..50 {
        assert_eq!(get_with(&agent, &url, Some(&token)).unwrap().status, 200);
    }
    // A Nagle/delayed-ACK stall costs ~40 ms per request: 2 s for 50.
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(1),
        "50 requests took {elapsed:?}"
    );
}

#[test]
fn drop_closes_the_port() {
    let server = FakeApiServer::start();
    let port = server.port();
    let sa_dir = server.sa_dir().to_path_buf();
    drop(server);
    let err = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    assert!(!sa_dir.exists());
}

#[test]
fn silent_server_accepts_and_never_answers() {
    let silent = silent_server();
    let mut stream = TcpStream::connect(("127.0.0.1", silent.port())).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = stream.read(&mut [0; 1]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
}

#[test]
fn silent_server_hangs_a_tls_client_until_its_timeout() {
    let silent = silent_server();
    let agent = agent_with_timeout("ca.crt", Duration::from_millis(300));
    let started = Instant::now();
    let err = agent
        .get(format!("{}/version", silent.url()))
        .call()
        .unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
