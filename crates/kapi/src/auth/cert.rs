//! Client certificates: a PEM certificate chain and its private key (RSA,
//! EC or PKCS#8) made into what rustls presents, checked up front so a bad
//! pair is an error naming where it came from rather than a failed handshake.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::gofmt::{format_unix, unix_seconds};
use crate::{Error, Result};

/// The certificate chain in `cert_pem` with the key in `key_pem`.
/// `source` names both for errors (a file, or a kubeconfig field); no
/// error ever quotes the key.
pub(crate) fn load(cert_pem: &[u8], key_pem: &[u8], source: &str) -> Result<Arc<CertifiedKey>> {
    let invalid = |reason: String| Error::InvalidClientCert {
        source: source.to_string(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| invalid("the certificate is not valid PEM".into()))?;
    let Some(leaf) = chain.first() else {
        return Err(invalid("no PEM CERTIFICATE block found".into()));
    };
    if let Some((_, not_after)) = validity(leaf) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if now > not_after {
            return Err(invalid(format!(
                "the certificate expired on {}; get a new one",
                format_unix(not_after)
            )));
        }
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
        invalid(
            "the key is not a PEM private key (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)"
                .into(),
        )
    })?;
    // ring's key types directly: its default provider would drag ChaCha20
    // back into the binary (see crypto.rs).
    let signing = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|_| {
        invalid("the private key cannot be used (unsupported type or damaged)".into())
    })?;
    let certified = CertifiedKey::new(chain, signing);
    if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
        certified.keys_match()
    {
        return Err(invalid(
            "the private key does not belong to the certificate".into(),
        ));
    }
    Ok(Arc::new(certified))
}

/// A certificate's `notBefore` and `notAfter`, as Unix seconds, read from
/// its DER (`Certificate` → `tbsCertificate` → `validity`).
pub(crate) fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (cert, _) = element(der, 0x30)?;
    let (mut tbs, _) = element(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = element(tbs, 0xa0)?.1; // [0] version
    }
    let (_, rest) = element(tbs, 0x02)?; // serialNumber
    let (_, rest) = element(rest, 0x30)?; // signature
    let (_, rest) = element(rest, 0x30)?; // issuer
    let (validity, _) = element(rest, 0x30)?;
    let (not_before, rest) = time(validity)?;
    let (not_after, _) = time(rest)?;
    Some((not_before, not_after))
}

/// One DER element of `tag`: its content and what follows it.
fn element(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *der.first()? != tag {
        return None;
    }
    let first = *der.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let len = der
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    Some((der.get(header..end)?, der.get(end..)?))
}

/// UTCTime (`YYMMDDhhmmssZ`) or GeneralizedTime (`YYYYMMDDhhmmssZ`).
fn time(der: &[u8]) -> Option<(i64, &[u8])> {
    let tag = *der.first()?;
    let (text, rest) = element(der, tag)?;
    let text = std::str::from_utf8(text).ok()?;
    let (year, rest_text) = match tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| -> Option<i64> { rest_text.get(r)?.parse().ok() };
    let secs = unix_seconds(
        year,
        num(0..2)?,
        num(2..4)?,
        num(4..6)?,
        num(6..8)?,
        num(8..10)?,
    )?;
    Some((secs, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER_CRT: &str = include_str!("../../../../fixtures/pki/server.crt");
    const EXPIRED_CRT: &str = include_str!("../../../../fixtures/pki/expired.crt");

    fn der(pem: &str) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
    }

    #[test]
    fn reads_validity_dates() {
        let (before, after) = validity(&der(EXPIRED_CRT)).unwrap();
        assert!(before < after);
        assert!(
            format_unix(after).starts_with("2001-"),
            "{}",
            format_unix(after)
        );
        assert!(validity(&der(SERVER_CRT)).is_some());
        assert_eq!(validity(b"\x30\x03\x02\x01"), None);
    }

    #[test]
    fn rsa_ec_and_pkcs8_keys_load() {
        let rsa_crt = include_bytes!("test_data/rsa.crt");
        let ec_crt = include_bytes!("test_data/ec.crt");
        let rsa_key = include_bytes!("test_data/rsa.key");
        let ec_key = include_bytes!("test_data/ec.key");
        let ec_pkcs8 = include_bytes!("test_data/ec-pkcs8.key");
        assert!(load(rsa_crt, rsa_key, "rsa").is_ok());
        assert!(load(ec_crt, ec_key, "ec").is_ok());
        assert!(load(ec_crt, ec_pkcs8, "ec pkcs8").is_ok());
        let err = load(rsa_crt, ec_key, "x").unwrap_err().to_string();
        assert!(err.contains("does not belong"), "{err}");
    }

    #[test]
    fn expired_and_mismatched_pairs_are_refused_without_the_key() {
        let key = include_str!("../../../../fixtures/pki/expired.key");
        let err = load(EXPIRED_CRT.as_bytes(), key.as_bytes(), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expired on 2001-"), "{err}");
        let other = include_str!("../../../../fixtures/pki/ca.key");
        let err = load(SERVER_CRT.as_bytes(), other.as_bytes(), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not belong"), "{err}");
        assert!(!err.contains("PRIVATE"), "{err}");
        let good = include_str!("../../../../fixtures/pki/server.key");
        assert!(load(SERVER_CRT.as_bytes(), good.as_bytes(), "x").is_ok());
        let err = load(SERVER_CRT.as_bytes(), b"garbage", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a PEM private key"), "{err}");
    }
}
