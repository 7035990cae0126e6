//! How requests authenticate: one [`Auth`] with several sources (a static
//! token, a token file, basic credentials, an exec plugin), and the client
//! certificate the TLS layer presents (from the kubeconfig or the plugin).
//!
//! The request loop asks for the `Authorization` value of each attempt to
//! the server's own origin, and calls [`Auth::refresh`] once after a `401`.

pub(crate) mod cert;
pub(crate) mod exec;

use std::sync::Arc;

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;

use crate::token::{Secret, TokenFile};
use crate::Result;

pub(crate) use exec::Exec;

/// Where the `Authorization` header comes from.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// A fixed bearer token.
    Token(Secret),
    /// A bearer token re-read as the kubelet rotates it.
    TokenFile(Arc<TokenFile>),
    /// `Basic base64(user:password)`, the whole header value.
    Basic(Secret),
    /// An exec credential plugin's token and/or client certificate.
    Exec(Arc<Exec>),
}

/// The header value to send, and its scheme for the trace.
pub(crate) struct Authorization {
    pub(crate) scheme: &'static str,
    pub(crate) value: Secret,
}

impl Auth {
    /// The `Authorization` value for the next attempt, if any. Runs the
    /// exec plugin when its credential is missing or expired.
    pub(crate) fn authorization(&self) -> Result<Option<Authorization>> {
        let bearer = |token: &Secret| Authorization {
            scheme: "Bearer",
            value: Secret::new(format!("Bearer {}", token.expose())),
        };
        Ok(match self {
            Auth::None => None,
            Auth::Token(token) => Some(bearer(token)),
            Auth::TokenFile(file) => Some(bearer(&file.current())),
            Auth::Basic(value) => Some(Authorization {
                scheme: "Basic",
                value: value.clone(),
            }),
            Auth::Exec(exec) => exec.credential()?.token.as_ref().map(bearer),
        })
    }

    /// After a `401`: gets a fresh credential. True when it changed, which
    /// makes the request worth one more attempt.
    pub(crate) fn refresh(&self) -> Result<bool> {
        match self {
            Auth::TokenFile(file) => Ok(file.reload()),
            Auth::Exec(exec) => exec.refresh(),
            _ => Ok(false),
        }
    }

    /// What this is, without any secret (for `Debug`).
    pub(crate) fn describe(&self) -> String {
        match self {
            Auth::None => "none".into(),
            Auth::Token(_) => "token <masked>".into(),
            Auth::TokenFile(file) => format!("token file {:?}", file.path()),
            Auth::Basic(_) => "basic <masked>".into(),
            Auth::Exec(exec) => format!("exec {:?}", exec.command()),
        }
    }
}

/// The client certificate offered in the TLS handshake: a fixed one from
/// the kubeconfig, else the exec plugin's current one.
#[derive(Debug)]
pub(crate) struct ClientCert {
    pub(crate) fixed: Option<Arc<CertifiedKey>>,
    pub(crate) exec: Option<Arc<Exec>>,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.fixed
            .clone()
            .or_else(|| self.exec.as_ref().and_then(|e| e.client_cert()))
    }

    fn has_certs(&self) -> bool {
        self.fixed.is_some() || self.exec.is_some()
    }
}
