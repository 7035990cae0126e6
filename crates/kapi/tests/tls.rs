//! TLS failures are classified by rustls's error type ([`TlsFailure`]) and
//! keep it as their `source()`; transport failures keep the I/O error.
//! The fake serves the certificates: a CA the client does not trust, an
//! expired one, one that does not name the host asked for.

use std::error::Error as _;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

use kapi::{Client, Config, Error, TlsFailure};
use kapi_fake::FakeApiServer;

fn pki(name: &str) -> PathBuf {
    kapi_fake::fixtures_dir().join("pki").join(name)
}

fn get_version(config: Config) -> Error {
    let client = Client::new(config.with_token("t")).unwrap();
    client.get("/version").send().map(drop).unwrap_err()
}

fn with_ca(server: &FakeApiServer, ca: &str) -> Config {
    Config::new(server.url()).with_ca_file(pki(ca)).unwrap()
}

/// The rustls error under a TLS error, through `source()`.
fn rustls_source(err: &Error) -> &rustls::Error {
    err.source()
        .and_then(|s| s.downcast_ref::<rustls::Error>())
        .unwrap_or_else(|| panic!("no rustls::Error under {err:?}"))
}

#[test]
fn an_unknown_ca_is_unknown_issuer_with_the_ca_file_hint() {
    let server = FakeApiServer::start();
    let err = get_version(with_ca(&server, "other-ca.crt"));
    assert!(
        matches!(
            err,
            Error::Tls {
                failure: TlsFailure::UnknownIssuer,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.tls_failure(), Some(TlsFailure::UnknownIssuer));
    assert!(matches!(
        rustls_source(&err),
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "Unable to connect to the server {}: invalid peer certificate: UnknownIssuer \
             (the server's certificate is not signed by a CA in {:?})",
            server.url(),
            pki("other-ca.crt")
        )
    );
}

#[test]
fn an_expired_certificate_is_expired() {
    let server = FakeApiServer::builder().expired_cert().build();
    let err = get_version(with_ca(&server, "ca.crt"));
    assert_eq!(err.tls_failure(), Some(TlsFailure::Expired), "{err:?}");
    assert!(matches!(
        rustls_source(&err),
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. }
        )
    ));
    let text = err.to_string();
    assert!(text.contains("expired"), "{text}");
    // The CA hint is for unknown issuers only.
    assert!(!text.contains("not signed by a CA"), "{text}");
}

#[test]
fn a_certificate_for_other_names_is_not_valid_for_name() {
    let server = FakeApiServer::start();
    let err = get_version(with_ca(&server, "ca.crt").with_tls_server_name("elsewhere.example"));
    assert_eq!(
        err.tls_failure(),
        Some(TlsFailure::NotValidForName),
        "{err:?}"
    );
    assert!(matches!(
        rustls_source(&err),
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. }
        )
    ));
    assert!(!err.to_string().contains("not signed by a CA"), "{err}");
}

#[test]
fn the_right_ca_and_name_connect() {
    let server = FakeApiServer::start();
    let client = Client::new(with_ca(&server, "ca.crt").with_token(server.token())).unwrap();
    let version: serde_json::Value = client.get("/version").json().unwrap();
    assert!(version["gitVersion"].is_string(), "{version}");
}

#[test]
fn a_connection_closed_mid_handshake_is_a_transport_error_with_its_io_source() {
    // Accepts each connection, reads the ClientHello, and closes it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut conn = conn;
            let _ = conn.read(&mut [0; 512]);
        }
    });
    let config = Config::new(format!("https://127.0.0.1:{port}"))
        .with_ca_file(pki("ca.crt"))
        .unwrap();
    let client = Client::new(config.with_token("t")).unwrap();
    // A POST is sent once: nothing is retried after the connection is lost.
    let err = client
        .post("/api/v1/namespaces")
        .send()
        .map(drop)
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.tls_failure(), None);
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .unwrap_or_else(|| panic!("no io::Error under {err:?}"));
    assert_eq!(io.kind(), std::io::ErrorKind::UnexpectedEof, "{io:?}");
}
