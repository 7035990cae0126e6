//! Who a bearer token belongs to: the fake's authenticator.
//!
//! Every service-account directory the server hands out (the default one and
//! those from [`FakeApiServer::add_service_account`](crate::FakeApiServer::add_service_account))
//! has a token file; a request's token is compared with each file's current
//! content, so rotated tokens take effect at once.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::base64;

/// The namespace of the fake's service accounts.
pub(crate) const SA_NAMESPACE: &str = "test";

/// The fixture token's service-account UID (its `kubernetes.io` claim).
const KAPI_UID: &str = "5f0c2a4e-1b7d-4c9a-8e3f-6a2b9d1c7e40";

/// An authenticated user, as `SelfSubjectReview` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// `system:serviceaccount:test:kapi`.
    pub(crate) username: String,
    pub(crate) uid: String,
    pub(crate) groups: Vec<String>,
    /// The service account's short name, `kapi`: the key of its RBAC rules.
    pub(crate) account: String,
}

impl Identity {
    /// The service account `name` in namespace `test`.
    pub(crate) fn service_account(name: &str, uid: &str) -> Self {
        Identity {
            username: format!("system:serviceaccount:{SA_NAMESPACE}:{name}"),
            uid: uid.to_string(),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{SA_NAMESPACE}"),
                "system:authenticated".into(),
            ],
            account: name.to_string(),
        }
    }

    /// The identity of the fixture token.
    pub(crate) fn kapi() -> Self {
        Identity::service_account("kapi", KAPI_UID)
    }
}

impl Identity {
    /// The user of a verified client certificate, as kube-apiserver's x509
    /// authenticator names it: CN the user name, each O a group.
    pub(crate) fn from_certificate(der: &[u8]) -> Option<Self> {
        let (cn, orgs) = subject(der)?;
        let mut groups = orgs;
        groups.push("system:authenticated".into());
        Some(Identity {
            account: cn.clone(),
            username: cn,
            uid: String::new(),
            groups,
        })
    }

    /// Members of `system:masters` may do everything.
    pub(crate) fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }
}

/// CN and the O values of a certificate's subject, from its DER.
fn subject(der: &[u8]) -> Option<(String, Vec<String>)> {
    let (cert, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs, 0xa0)?.1;
    }
    let (_, rest) = tlv(tbs, 0x02)?; // serial
    let (_, rest) = tlv(rest, 0x30)?; // signature algorithm
    let (_, rest) = tlv(rest, 0x30)?; // issuer
    let (_, rest) = tlv(rest, 0x30)?; // validity
    let (mut rdns, _) = tlv(rest, 0x30)?; // subject
    let (mut cn, mut orgs) = (None, Vec::new());
    while !rdns.is_empty() {
        let (set, next) = tlv(rdns, 0x31)?;
        rdns = next;
        let (attr, _) = tlv(set, 0x30)?;
        let (oid, value) = tlv(attr, 0x06)?;
        let tag = *value.first()?;
        let (text, _) = tlv(value, tag)?;
        let text = String::from_utf8_lossy(text).into_owned();
        match oid {
            [0x55, 0x04, 0x03] => cn = Some(text),
            [0x55, 0x04, 0x0a] => orgs.push(text),
            _ => {}
        }
    }
    Some((cn?, orgs))
}

/// One DER element of `tag`: its content and what follows.
fn tlv(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *der.first()? != tag {
        return None;
    }
    let first = *der.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        let len = der
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, 2 + n)
    };
    Some((der.get(header..header + len)?, der.get(header + len..)?))
}

/// Token files and their identities; clones share the table.
#[derive(Clone, Default)]
pub(crate) struct Authenticator {
    accounts: Arc<Mutex<Vec<(PathBuf, Identity)>>>,
}

impl Authenticator {
    /// Accepts the current content of `token_file` as `identity`.
    pub(crate) fn add(&self, token_file: PathBuf, identity: Identity) {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((token_file, identity));
    }

    /// The identity whose token file holds `token` right now.
    pub(crate) fn authenticate(&self, token: &str) -> Option<Identity> {
        if token.is_empty() {
            return None;
        }
        let accounts = self
            .accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        // Small local files; blocking a worker for them is fine in a fake.
        accounts.into_iter().find_map(|(file, identity)| {
            let current = fs::read_to_string(file).ok()?;
            (current.trim() == token).then_some(identity)
        })
    }
}

/// A JWT-shaped token for `identity` (unsigned: the signature part is the
/// marker `kapi-fixture-token-not-a-real-signature`, so tests can grep for
/// leaks as they do for the fixture token).
pub(crate) fn token_for(identity: &Identity) -> String {
    let header = r#"{"alg":"RS256","kid":"kapi-fixture"}"#;
    let claims = format!(
        concat!(
            r#"{{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":4102444800,"#,
            r#""iat":1735689600,"iss":"https://kubernetes.default.svc.cluster.local","#,
            r#""kubernetes.io":{{"namespace":"{ns}","serviceaccount":{{"name":"{name}","uid":"{uid}"}}}},"#,
            r#""nbf":1735689600,"sub":"{sub}"}}"#
        ),
        ns = SA_NAMESPACE,
        name = identity.account,
        uid = identity.uid,
        sub = identity.username,
    );
    format!(
        "{}.{}.kapi-fixture-token-not-a-real-signature",
        base64::encode_url(header.as_bytes()),
        base64::encode_url(claims.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_token_is_what_token_for_kapi_makes() {
        let fixture =
            fs::read_to_string(crate::fixtures_dir().join("serviceaccount/token")).unwrap();
        assert_eq!(token_for(&Identity::kapi()), fixture.trim());
    }

    #[test]
    fn certificate_subject_gives_user_and_groups() {
        use rustls_pki_types::pem::PemObject;
        let pem = fs::read(crate::fixtures_dir().join("pki/admin.crt")).unwrap();
        let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem).unwrap();
        let id = Identity::from_certificate(&der).unwrap();
        assert_eq!(id.username, "kubernetes-admin");
        assert_eq!(id.groups, ["system:masters", "system:authenticated"]);
        assert!(id.is_master());
    }

    #[test]
    fn authenticates_by_current_file_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        fs::write(&file, "secret\n").unwrap();
        let auth = Authenticator::default();
        auth.add(file.clone(), Identity::kapi());
        assert_eq!(auth.authenticate("secret"), Some(Identity::kapi()));
        assert_eq!(auth.authenticate(""), None);
        fs::write(&file, "other").unwrap();
        assert_eq!(auth.authenticate("secret"), None);
    }
}
