//! What a server certificate is checked against: the CA bundle, re-read
//! when its file changes, so a rotated cluster CA is used by the next new
//! connection.
//!
//! client-go 1.36 re-reads the CA file at most every 5 minutes, kube-rs every
//! 60 s. Here each new connection costs one `stat` of the file (the kubelet
//! swaps `..data` atomically, so a rotation changes the inode), and a
//! handshake that fails with `UnknownIssuer` re-reads the file once more
//! before giving up (a rotation within the same second and size). A new
//! file that is not a usable bundle keeps the old roots, and says so once
//! through the trace at `-v=2` or above.
//!
//! A bundle may also pin the server's own certificate instead of a CA
//! (RKE2 and self-signed setups; kube-rs#1767): when webpki finds no issuer,
//! an end-entity certificate byte-identical to one in the bundle is
//! accepted if it is valid now and names the server (or `tls-server-name`).
//! That is said once at `-v=6`. Every other untrusted chain is refused.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::tls::CaBundle;

/// Receives the one-line notes a reload (`-v=2`) or a pin (`-v=6`) has to tell.
pub(crate) type Notify = Arc<dyn Fn(u8, &str) + Send + Sync>;

/// The roots in use, and where they came from.
pub(crate) struct Trust {
    path: Option<PathBuf>,
    provider: Arc<CryptoProvider>,
    notify: Mutex<Option<Notify>>,
    state: Mutex<State>,
}

struct State {
    /// The file as last looked at; `None` when the roots did not come from a file.
    stamp: Option<Stamp>,
    /// The stamp of a file that was found unusable, so it is reported once.
    rejected: Option<Stamp>,
    /// `None` when no CA is configured: every server is refused.
    verifier: Option<Arc<WebPkiServerVerifier>>,
    /// The bundle's certificates, for the pinned-leaf check.
    certs: Vec<CertificateDer<'static>>,
    /// Whether the pin was already reported.
    pin_noted: bool,
}

/// Enough of a file's metadata to tell that it changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        // `metadata` follows symlinks: the kubelet's `..data` swap changes
        // the inode behind `ca.crt`.
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

impl Trust {
    /// Trust in `bundle`, following its file when it has one. With no
    /// bundle, no server is trusted: public roots never vouch for a cluster.
    pub(crate) fn new(bundle: Option<&CaBundle>, provider: Arc<CryptoProvider>) -> Trust {
        let path = bundle.and_then(CaBundle::path).map(Path::to_path_buf);
        let stamp = path.as_deref().and_then(Stamp::of);
        // A bundle was validated certificate by certificate when it was
        // read, so this only fails for a bundle webpki refuses as a whole;
        // then, as with no bundle, every handshake fails with UnknownIssuer
        // and the error names the CA file.
        let verifier = bundle.and_then(|b| verifier_for(b, &provider));
        Trust {
            path,
            provider,
            notify: Mutex::new(None),
            state: Mutex::new(State {
                stamp,
                rejected: None,
                verifier,
                certs: bundle.map(|b| b.certs().to_vec()).unwrap_or_default(),
                pin_noted: false,
            }),
        }
    }

    /// Sends reload notes to `notify` from now on.
    pub(crate) fn set_notify(&self, notify: Notify) {
        *self.notify.lock().unwrap_or_else(|e| e.into_inner()) = Some(notify);
    }

    /// The verifier for a new connection: re-read first if the file changed.
    fn current(&self) -> Option<Arc<WebPkiServerVerifier>> {
        let mut state = self.lock();
        if let Some(path) = &self.path {
            let now = Stamp::of(path);
            if now.is_some() && now != state.stamp {
                self.reload(path, now, &mut state);
            }
        }
        state.verifier.clone()
    }

    /// Re-reads the file even if it looks unchanged. True when the roots
    /// changed, which makes a failed handshake worth checking again.
    fn force_reload(&self) -> Option<Arc<WebPkiServerVerifier>> {
        let path = self.path.as_ref()?;
        let mut state = self.lock();
        let before = state.verifier.as_ref().map(Arc::as_ptr);
        self.reload(path, Stamp::of(path), &mut state);
        let after = state.verifier.as_ref().map(Arc::as_ptr);
        if after == before {
            return None;
        }
        state.verifier.clone()
    }

    fn reload(&self, path: &Path, stamp: Option<Stamp>, state: &mut State) {
        state.stamp = stamp;
        let bundle = CaBundle::from_file(path);
        match bundle
            .as_ref()
            .ok()
            .and_then(|b| verifier_for(b, &self.provider))
        {
            Some(verifier) => {
                state.verifier = Some(verifier);
                if let Ok(b) = &bundle {
                    state.certs = b.certs().to_vec();
                }
                state.rejected = None;
                self.note(2, &format!("re-read the CA bundle {}", path.display()));
            }
            None if state.rejected != stamp => {
                state.rejected = stamp;
                let reason = match bundle {
                    Err(e) => e.to_string(),
                    Ok(_) => "no usable CA certificate".into(),
                };
                self.note(2, &format!(
                    "the CA bundle {} changed but cannot be used ({reason}); keeping the previous one",
                    path.display()
                ));
            }
            None => {}
        }
    }

    /// True when `end_entity` is itself in the bundle (a pinned leaf).
    fn pins(&self, end_entity: &CertificateDer<'_>) -> bool {
        let mut state = self.lock();
        let pinned = state
            .certs
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref());
        let first = pinned && !state.pin_noted;
        state.pin_noted |= pinned;
        drop(state);
        if first {
            self.note(
                6,
                "the CA bundle pins the server's own certificate (not a CA): accepted as it is byte-identical",
            );
        }
        pinned
    }

    fn note(&self, level: u8, line: &str) {
        let notify = self
            .notify
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(notify) = notify {
            notify(level, line);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain fields replaced together; a panic elsewhere cannot leave
        // them half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn verifier_for(
    bundle: &CaBundle,
    provider: &Arc<CryptoProvider>,
) -> Option<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore::empty();
    for cert in bundle.certs() {
        roots.add(cert.clone()).ok()?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .ok()
}

/// rustls's check of the server, against [`Trust`]'s current roots; with
/// `insecure` (`--insecure-skip-tls-verify`) any certificate passes, but the
/// handshake's signatures are still checked (the peer holds the key of the
/// certificate it presents).
pub(crate) struct Verifier {
    pub(crate) trust: Arc<Trust>,
    pub(crate) insecure: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.insecure {
            return Ok(ServerCertVerified::assertion());
        }
        let unknown = || {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        };
        let result = match self.trust.current() {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => unknown(),
        };
        let result = match result {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            )) => match self.trust.force_reload() {
                Some(fresh) => {
                    fresh.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                }
                None => result,
            },
            other => other,
        };
        match result {
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
                if self.trust.pins(end_entity) =>
            {
                verify_pinned(end_entity, server_name, now)
            }
            // A self-signed leaf is its own trust anchor to webpki: still
            // worth saying that the bundle pins it.
            Ok(verified) => {
                self.trust.pins(end_entity);
                Ok(verified)
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.trust
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("ca_file", &self.trust.path)
            .finish_non_exhaustive()
    }
}

/// A pinned leaf is still checked for its name and its validity dates.
fn verify_pinned(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    let (not_before, not_after) = crate::auth::cert::validity(end_entity).ok_or(
        rustls::Error::InvalidCertificate(CertificateError::BadEncoding),
    )?;
    let now = now.as_secs() as i64;
    if now > not_after {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
    }
    if now < not_before {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ));
    }
    Ok(ServerCertVerified::assertion())
}
