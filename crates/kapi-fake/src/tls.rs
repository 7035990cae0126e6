//! The rustls server configuration (ring provider) from fixture PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A TLS acceptor serving `cert` (a PEM chain) with `key`; HTTP/1.1 only.
///
/// Panics with the file name when a file is missing or unparsable: the
/// fixtures are committed, so that is a broken checkout.
pub(crate) fn acceptor(cert: &Path, key: &Path) -> TlsAcceptor {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .unwrap_or_else(|err| panic!("failed to read '{}': {err}", cert.display()));
    let key = PrivateKeyDer::from_pem_file(key)
        .unwrap_or_else(|err| panic!("failed to read '{}': {err}", key.display()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the fixture key matches the fixture certificate");
    // kube-apiserver also offers h2; clients fall back to HTTP/1.1 happily.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}
