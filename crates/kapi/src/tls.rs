//! TLS: the cluster CA bundle, read and checked certificate by certificate.

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::{Error, Result};

/// The certificates trusted for the API server, and nothing else.
#[derive(Clone, Debug)]
pub(crate) struct CaBundle {
    certs: Vec<CertificateDer<'static>>,
    path: Option<PathBuf>,
}

impl CaBundle {
    /// Reads a PEM bundle of one or more certificates. A missing, empty or
    /// unparsable file is an error naming the file: client-go would fall
    /// back to the system roots, which must never vouch for a cluster.
    pub(crate) fn from_file(path: &Path) -> Result<CaBundle> {
        let pem = std::fs::read(path).map_err(|source| Error::ReadFile {
            what: "CA",
            path: path.to_path_buf(),
            source,
        })?;
        let certs = parse_pem(&pem).map_err(|reason| Error::InvalidCa {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(CaBundle {
            certs,
            path: Some(path.to_path_buf()),
        })
    }

    /// A PEM bundle held in memory (a kubeconfig's
    /// `certificate-authority-data`); errors name `origin` and `field`.
    pub(crate) fn from_pem(pem: &[u8], origin: &Path, field: &str) -> Result<CaBundle> {
        let certs = parse_pem(pem).map_err(|reason| Error::InvalidCa {
            path: origin.to_path_buf(),
            reason: format!("{field}: {reason}"),
        })?;
        Ok(CaBundle { certs, path: None })
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The certificates, in file order.
    pub(crate) fn certs(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }
}

/// Every `CERTIFICATE` block of a PEM bundle, each checked to be a
/// certificate rustls can use as a trust anchor. ureq would silently skip
/// the ones it cannot parse; here they are errors.
fn parse_pem(pem: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    if pem.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    let mut certs = Vec::new();
    for (n, item) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = item.map_err(|e| pem_problem(n + 1, &e))?;
        let mut store = rustls::RootCertStore::empty();
        store
            .add(der.clone())
            .map_err(|e| format!("certificate {} is not a usable CA certificate: {e}", n + 1))?;
        certs.push(der);
    }
    if certs.is_empty() {
        return Err("no PEM CERTIFICATE block found".into());
    }
    Ok(certs)
}

/// What is wrong with certificate `n`, in words: rustls-pki-types prints
/// the missing END marker as a list of byte values.
fn pem_problem(n: usize, e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error::*;
    match e {
        MissingSectionEnd { .. } => format!(
            "certificate {n} is cut short: its \"-----END CERTIFICATE-----\" line is missing \
             (is the file truncated?)"
        ),
        IllegalSectionStart { .. } => {
            format!("certificate {n} has a malformed \"-----BEGIN ...-----\" line")
        }
        Base64Decode(_) => format!(
            "certificate {n} is not valid PEM: its base64 text is damaged \
             (is the file truncated or edited?)"
        ),
        SectionTooLarge => format!("certificate {n} is larger than PEM allows (256 MB)"),
        _ => format!("certificate {n} could not be read as PEM"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA_PEM: &str = include_str!("../../../fixtures/pki/ca.crt");
    const OTHER_CA_PEM: &str = include_str!("../../../fixtures/pki/other-ca.crt");

    #[test]
    fn bundle_of_two_certificates() {
        let bundle = format!("{CA_PEM}\n{OTHER_CA_PEM}");
        assert_eq!(parse_pem(bundle.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn empty_and_garbage_bundles_are_errors() {
        assert_eq!(parse_pem(b"").unwrap_err(), "the file is empty");
        assert_eq!(parse_pem(b" \n").unwrap_err(), "the file is empty");
        assert_eq!(
            parse_pem(b"temp_cert").unwrap_err(),
            "no PEM CERTIFICATE block found"
        );
        let corrupt = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
        assert!(parse_pem(corrupt.as_bytes())
            .unwrap_err()
            .contains("certificate 1"));
    }

    #[test]
    fn a_truncated_bundle_names_the_certificate_in_words() {
        let cut = &CA_PEM[..CA_PEM.len() / 2];
        let bundle = format!("{OTHER_CA_PEM}\n{cut}");
        let err = parse_pem(bundle.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            "certificate 2 is cut short: its \"-----END CERTIFICATE-----\" line is missing \
             (is the file truncated?)"
        );
        let damaged = CA_PEM.replacen("MI", "M!", 1);
        let err = parse_pem(damaged.as_bytes()).unwrap_err();
        assert!(
            err.starts_with("certificate 1 is not valid PEM: its base64"),
            "{err}"
        );
    }

    #[test]
    fn private_keys_are_not_certificates() {
        let key = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            parse_pem(key.as_bytes()).unwrap_err(),
            "no PEM CERTIFICATE block found"
        );
    }
}
