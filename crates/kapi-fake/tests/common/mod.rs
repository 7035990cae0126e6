//! Helpers shared by the integration tests: a blocking TLS client configured
//! like kapi's (ureq + rustls/ring, the fixture CA only, no proxy).

#![allow(dead_code)]

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use kapi_fake::{fixtures_dir, FakeApiServer};
use serde_json::Value;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

/// kubectl's Accept header for `kubectl get`.
pub const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {}", self.body))
    }
}

/// An agent trusting only `fixtures/pki/ca.crt`.
pub fn agent() -> Agent {
    let pem = fs::read(fixtures_dir().join("pki/ca.crt")).expect("fixture CA");
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
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    Reply {
        status: response.status().as_u16(),
        content_type,
        body: response
            .body_mut()
            .with_config()
            .limit(200 * 1024 * 1024)
            .read_to_string()
            .expect("read body"),
    }
}

/// GET `path` with the server's token and an optional Accept header.
pub fn get_accept(server: &FakeApiServer, path: &str, accept: Option<&str>) -> Reply {
    get_as(server, path, accept, &server.token())
}

/// GET `path` with `token`.
pub fn get_as(server: &FakeApiServer, path: &str, accept: Option<&str>, token: &str) -> Reply {
    let mut request = agent()
        .get(format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    reply(request.call().expect("request failed"))
}

/// GET `path` with the server's token.
pub fn get(server: &FakeApiServer, path: &str) -> Reply {
    get_accept(server, path, None)
}

/// GET `path` as kubectl asks for a table.
pub fn get_table(server: &FakeApiServer, path: &str) -> Reply {
    get_accept(server, path, Some(TABLE_ACCEPT))
}

/// A request with a body.
pub fn send(
    server: &FakeApiServer,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> Reply {
    send_as(server, method, path, content_type, body, &server.token())
}

/// A request with a body and `token`.
pub fn send_as(
    server: &FakeApiServer,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
    token: &str,
) -> Reply {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", content_type)
        .body(body.to_string())
        .expect("a valid request");
    reply(agent().run(request).expect("request failed"))
}

/// The names of a list's items (or a table's rows).
pub fn names(doc: &Value) -> Vec<String> {
    let items = doc["items"]
        .as_array()
        .or_else(|| doc["rows"].as_array())
        .expect("items or rows");
    items
        .iter()
        .map(|i| {
            i["metadata"]["name"]
                .as_str()
                .or_else(|| i["object"]["metadata"]["name"].as_str())
                .or_else(|| i["cells"][0].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The contents of `fixtures/api/<path>`.
pub fn fixture(path: &str) -> String {
    fs::read_to_string(fixtures_dir().join("api").join(path)).expect("fixture file")
}

/// An open watch stream read line by line on a thread.
pub struct WatchStream {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    lines: std::sync::mpsc::Receiver<Result<String, String>>,
}

/// What reading a watch stream gave next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A complete line (without its newline).
    Line(String),
    /// The stream ended cleanly (terminating chunk received).
    End,
    /// The stream broke: the error, and any partial line before it.
    Broken(String),
    /// Nothing within the wait.
    Nothing,
}

impl WatchStream {
    /// Starts `GET path` (a watch URL) with `token`.
    pub fn open_as(server: &FakeApiServer, path: &str, accept: Option<&str>, token: &str) -> Self {
        use std::io::Read;
        let mut request = agent()
            .get(format!("{}{path}", server.url()))
            .header("Authorization", format!("Bearer {token}"));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let response = request.call().expect("watch request failed");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut reader = response.into_body().into_reader();
        std::thread::spawn(move || {
            let mut pending = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => {
                        if !pending.is_empty() {
                            let _ = tx.send(Err(format!(
                                "EOF after a partial line: {}",
                                String::from_utf8_lossy(&pending)
                            )));
                        } else {
                            let _ = tx.send(Ok(String::new()));
                        }
                        return;
                    }
                    Ok(n) => {
                        pending.extend_from_slice(&buf[..n]);
                        while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
                            let line: Vec<u8> = pending.drain(..=pos).collect();
                            let text =
                                String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                            if tx.send(Ok(text)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(err) => {
                        let _ = tx.send(Err(format!(
                            "{err} (partial: {})",
                            String::from_utf8_lossy(&pending)
                        )));
                        return;
                    }
                }
            }
        });
        WatchStream {
            status,
            headers,
            lines: rx,
        }
    }

    /// Starts `GET path` with the server's token.
    pub fn open(server: &FakeApiServer, path: &str) -> Self {
        Self::open_as(server, path, None, &server.token())
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The next line, end or break, waiting up to `wait`.
    pub fn next_within(&self, wait: Duration) -> Next {
        match self.lines.recv_timeout(wait) {
            Ok(Ok(line)) if line.is_empty() => Next::End,
            Ok(Ok(line)) => Next::Line(line),
            Ok(Err(err)) => Next::Broken(err),
            Err(_) => Next::Nothing,
        }
    }

    /// The next event as JSON (panics on anything else within 10 s).
    pub fn event(&self) -> Value {
        match self.next_within(Duration::from_secs(10)) {
            Next::Line(line) => {
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
            }
            other => panic!("want an event, got {other:?}"),
        }
    }

    /// `TYPE name rv` of the next event.
    pub fn summary(&self) -> String {
        let event = self.event();
        let object = &event["object"];
        format!(
            "{} {} {}",
            event["type"].as_str().unwrap(),
            object["metadata"]["name"].as_str().unwrap_or("-"),
            object["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or("-")
        )
    }
}
