//! The rustls server configuration (ring provider) from fixture PEM files,
//! with a serving certificate that can be swapped while the server runs
//! (a CA rotation: new handshakes get the new certificate, open
//! connections keep theirs). Client certificates are optional and, when
//! sent, verified against the fixture CA, as kube-apiserver's
//! `--client-ca-file` does.

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The certificate new handshakes are served.
#[derive(Debug)]
pub(crate) struct ServingCert {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ServingCert {
    /// Serves `cert` (a PEM chain) with `key` from the next handshake on.
    ///
    /// Panics with the file name when a file is missing or unparsable: the
    /// fixtures are committed, so that is a broken checkout.
    pub(crate) fn set(&self, cert: &Path, key: &Path) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(load(cert, key));
    }
}

impl ResolvesServerCert for ServingCert {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

fn load(cert: &Path, key: &Path) -> CertifiedKey {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .unwrap_or_else(|err| panic!("failed to read '{}': {err}", cert.display()));
    let key = PrivateKeyDer::from_pem_file(key)
        .unwrap_or_else(|err| panic!("failed to read '{}': {err}", key.display()));
    let signing = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key)
        .unwrap_or_else(|err| panic!("unusable key for '{}': {err}", cert.display()));
    CertifiedKey::new(chain, signing)
}

/// A TLS acceptor serving `cert` with `key`, HTTP/1.1 only, and the handle
/// that swaps the certificate later.
pub(crate) fn acceptor(
    cert: &Path,
    key: &Path,
    client_ca: &Path,
) -> (TlsAcceptor, Arc<ServingCert>) {
    let serving = Arc::new(ServingCert {
        current: RwLock::new(Arc::new(load(cert, key))),
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(client_ca)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|err| panic!("failed to read '{}': {err}", client_ca.display()))
    {
        roots.add(cert).expect("the fixture CA is a usable root");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    // Bearer tokens need no certificate.
    .allow_unauthenticated()
    .build()
    .expect("a client verifier for the fixture CA");
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(serving.clone());
    // kube-apiserver also offers h2; clients fall back to HTTP/1.1 happily.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (TlsAcceptor::from(Arc::new(config)), serving)
}
