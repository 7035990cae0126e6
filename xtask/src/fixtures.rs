//! `cargo xtask fixtures [--check]`: the generated fixtures (the PKI, the
//! kubelet's service-account directory, and kubeconfigs with an exec
//! plugin), written or checked byte for byte.
//!
//! Generation is deterministic: Ed25519 keys come from fixed seeds (Ed25519
//! signatures are deterministic too), serial numbers and validity dates are
//! fixed. So `--check` regenerates everything in memory and compares it with
//! the committed files, as rust-analyzer's `ensure_file_contents` does: any
//! difference means someone edited a generated file or changed this generator
//! without rerunning it. `fixtures/api/` is hand-written and not checked here.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};

/// The folders under `fixtures/` that this generator owns entirely: `--check`
/// also reports files there that it would not write.
const OWNED_DIRS: [&str; 3] = ["pki", "serviceaccount", "kubeconfig"];

/// The SANs of both server certificates: every name a client may dial in
/// tests or in a pod.
const SERVER_SANS: [&str; 7] = [
    "127.0.0.1",
    "::1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];

/// The kubelet's timestamped data directory (`..YYYY_MM_DD_hh_mm_ss.NNNNNNNNN`).
const SA_DATA_DIR: &str = "..2025_01_01_00_00_00.000000000";

/// The namespace file's content: the kubelet writes it without a newline.
const SA_NAMESPACE: &str = "test";

/// The third part of the fixture token: a marker tests can grep for.
pub(crate) const TOKEN_MARKER: &str = "kapi-fixture-token-not-a-real-signature";

/// Runs the task: `fixtures` writes, `fixtures --check` compares.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let check_only = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => anyhow::bail!("usage: cargo xtask fixtures [--check]"),
    };
    let root = crate::project_root().join("fixtures");
    let entries = generate()?;
    if check_only {
        ensure_up_to_date(&root, &entries)?;
        println!("fixtures are up to date ({} files)", entries.len());
    } else {
        write(&root, &entries)?;
        println!("wrote {} files under {}", entries.len(), root.display());
    }
    Ok(())
}

/// One generated file or symlink, relative to `fixtures/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    path: PathBuf,
    content: Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    File(Vec<u8>),
    Symlink(PathBuf),
}

/// Everything the generator owns, in a fixed order.
pub(crate) fn generate() -> anyhow::Result<Vec<Entry>> {
    let mut out = Vec::new();

    let ca_key = ed25519_key("kapi fixture: ca")?;
    let ca = ca_params("kapi-fixture-ca", 1, (2000, 1, 1));
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_pem = ca_cert.pem();
    out.push(file("pki/ca.crt", &ca_pem));
    out.push(file("pki/ca.key", &ca_key.serialize_pem()));
    let ca = Issuer::new(ca, ca_key);

    let server_key = ed25519_key("kapi fixture: server")?;
    let server = server_params("kapi-fixture-server", 2, (2025, 1, 1), (2100, 1, 1))?;
    out.push(file(
        "pki/server.crt",
        &server.signed_by(&server_key, &ca)?.pem(),
    ));
    out.push(file("pki/server.key", &server_key.serialize_pem()));

    let expired_key = ed25519_key("kapi fixture: expired")?;
    let expired = server_params("kapi-fixture-expired", 3, (2000, 1, 1), (2001, 1, 1))?;
    out.push(file(
        "pki/expired.crt",
        &expired.signed_by(&expired_key, &ca)?.pem(),
    ));
    out.push(file("pki/expired.key", &expired_key.serialize_pem()));

    // Unrelated to the cluster CA, with a different subject, so clients
    // report UnknownIssuer rather than BadSignature.
    let other_key = ed25519_key("kapi fixture: other-ca")?;
    let other = ca_params("kapi-fixture-other-ca", 4, (2025, 1, 1)).self_signed(&other_key)?;
    out.push(file("pki/other-ca.crt", &other.pem()));
    out.push(file("pki/other-ca.key", &other_key.serialize_pem()));

    // The CA a cluster rotates to, and the server certificate it issues:
    // tests serve it while the service account's ca.crt holds the old and
    // the new CA (the overlap), then the new one only.
    let rotated_key = ed25519_key("kapi fixture: rotated-ca")?;
    let rotated = ca_params("kapi-fixture-rotated-ca", 5, (2025, 1, 1));
    let rotated_cert = rotated.self_signed(&rotated_key)?;
    out.push(file("pki/rotated-ca.crt", &rotated_cert.pem()));
    out.push(file("pki/rotated-ca.key", &rotated_key.serialize_pem()));
    let rotated = Issuer::new(rotated, rotated_key);
    let rotated_server_key = ed25519_key("kapi fixture: rotated-server")?;
    let rotated_server =
        server_params("kapi-fixture-rotated-server", 6, (2025, 1, 1), (2100, 1, 1))?;
    out.push(file(
        "pki/rotated-server.crt",
        &rotated_server
            .signed_by(&rotated_server_key, &rotated)?
            .pem(),
    ));
    out.push(file(
        "pki/rotated-server.key",
        &rotated_server_key.serialize_pem(),
    ));

    // What kind's kubeadm gives the admin: a client certificate in
    // system:masters, signed by the cluster CA.
    let admin_key = ed25519_key("kapi fixture: admin")?;
    let admin = client_params("kubernetes-admin", "system:masters", 7)?;
    let admin_pem = admin.signed_by(&admin_key, &ca)?.pem();
    out.push(file("pki/admin.crt", &admin_pem));
    out.push(file("pki/admin.key", &admin_key.serialize_pem()));

    // A self-signed server certificate (not a CA) that a kubeconfig pins
    // as its own CA bundle (kube-rs#1767).
    let pinned_key = ed25519_key("kapi fixture: pinned-server")?;
    let pinned = server_params("kapi-fixture-pinned-server", 8, (2025, 1, 1), (2100, 1, 1))?;
    out.push(file(
        "pki/pinned-server.crt",
        &pinned.self_signed(&pinned_key)?.pem(),
    ));
    out.push(file("pki/pinned-server.key", &pinned_key.serialize_pem()));

    out.push(file(
        "kubeconfig/kind.yaml",
        &kind_kubeconfig(&ca_pem, &admin_pem, &admin_key.serialize_pem()),
    ));
    out.push(file("kubeconfig/exec-plugin.sh", &exec_plugin()));

    // The kubelet's projected volume: the files live in a timestamped
    // directory, `..data` points at it, and the visible names point through
    // `..data`, so one rename swaps all of them at once.
    let data = format!("serviceaccount/{SA_DATA_DIR}");
    out.push(file(&format!("{data}/ca.crt"), &ca_pem));
    out.push(file(&format!("{data}/namespace"), SA_NAMESPACE));
    out.push(file(&format!("{data}/token"), &fixture_token()));
    out.push(link("serviceaccount/..data", SA_DATA_DIR));
    for name in ["ca.crt", "namespace", "token"] {
        out.push(link(
            &format!("serviceaccount/{name}"),
            &format!("..data/{name}"),
        ));
    }
    Ok(out)
}

/// Replaces the owned folders under `root` with `entries`.
pub(crate) fn write(root: &Path, entries: &[Entry]) -> anyhow::Result<()> {
    for dir in OWNED_DIRS {
        let dir = root.join(dir);
        match fs::remove_dir_all(&dir) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(err).with_context(|| format!("failed to remove '{}'", dir.display()))
            }
            _ => {}
        }
    }
    for entry in entries {
        let path = root.join(&entry.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create '{}'", parent.display()))?;
        }
        match &entry.content {
            Content::File(bytes) => fs::write(&path, bytes),
            Content::Symlink(target) => symlink(target, &path),
        }
        .with_context(|| format!("failed to write '{}'", path.display()))?;
    }
    Ok(())
}

/// Fails, listing every difference, unless the files under `root` match
/// `entries`.
pub(crate) fn ensure_up_to_date(root: &Path, entries: &[Entry]) -> anyhow::Result<()> {
    let problems = check(root, entries);
    anyhow::ensure!(
        problems.is_empty(),
        "fixtures are out of date: run `cargo xtask fixtures` and commit\n  {}",
        problems.join("\n  ")
    );
    Ok(())
}

/// Compares `entries` with the files under `root`; returns one line per
/// difference (changed, missing or unexpected), empty when all match.
pub(crate) fn check(root: &Path, entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for entry in entries {
        let path = root.join(&entry.path);
        let shown = entry.path.display();
        let found = match &entry.content {
            Content::File(_) => match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_file() => fs::read(&path).map(Content::File),
                Ok(_) => Ok(Content::Symlink(PathBuf::new())),
                Err(err) => Err(err),
            },
            Content::Symlink(_) => fs::read_link(&path).map(Content::Symlink),
        };
        match found {
            Ok(found) if found == entry.content => {}
            Ok(_) => problems.push(format!("{shown}: differs from the generated content")),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("{shown}: missing"));
            }
            Err(err) => problems.push(format!("{shown}: {err}")),
        }
    }
    for dir in OWNED_DIRS {
        let mut found = Vec::new();
        list_files(root, Path::new(dir), &mut found);
        for path in found {
            if !entries.iter().any(|e| e.path == path) {
                problems.push(format!("{}: not generated (remove it)", path.display()));
            }
        }
    }
    problems
}

/// The fixture service-account token: JWT-shaped (three base64url parts)
/// like a projected token, with a signature part that is a plain marker.
pub(crate) fn fixture_token() -> String {
    let header = r#"{"alg":"RS256","kid":"kapi-fixture"}"#;
    let claims = concat!(
        r#"{"aud":["https://kubernetes.default.svc.cluster.local"],"#,
        r#""exp":4102444800,"iat":1735689600,"#,
        r#""iss":"https://kubernetes.default.svc.cluster.local","#,
        r#""kubernetes.io":{"namespace":"test","serviceaccount":"#,
        r#"{"name":"kapi","uid":"5f0c2a4e-1b7d-4c9a-8e3f-6a2b9d1c7e40"}},"#,
        r#""nbf":1735689600,"sub":"system:serviceaccount:test:kapi"}"#,
    );
    format!(
        "{}.{}.{TOKEN_MARKER}",
        base64url(header.as_bytes()),
        base64url(claims.as_bytes())
    )
}

/// An Ed25519 key whose seed is `label`, zero-padded to 32 bytes. These keys
/// are public by construction: test use only.
fn ed25519_key(label: &str) -> anyhow::Result<KeyPair> {
    // PKCS#8 v1 for Ed25519 is this fixed prefix followed by the 32-byte seed
    // (RFC 8410 section 7).
    const PKCS8_PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    anyhow::ensure!(label.len() <= 32, "seed label '{label}' is over 32 bytes");
    let mut der = PKCS8_PREFIX.to_vec();
    der.extend_from_slice(label.as_bytes());
    der.resize(PKCS8_PREFIX.len() + 32, 0);
    KeyPair::try_from(der).with_context(|| format!("failed to load the Ed25519 key '{label}'"))
}

fn ca_params(common_name: &str, serial: u64, not_before: (i32, u8, u8)) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name_only(common_name);
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = date_time_ymd(2100, 1, 1);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params
}

fn server_params(
    common_name: &str,
    serial: u64,
    not_before: (i32, u8, u8),
    not_after: (i32, u8, u8),
) -> anyhow::Result<CertificateParams> {
    let sans: Vec<String> = SERVER_SANS.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans)?;
    params.distinguished_name = common_name_only(common_name);
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = date_time_ymd(not_after.0, not_after.1, not_after.2);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn client_params(common_name: &str, org: &str, serial: u64) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = common_name_only(common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, org);
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2100, 1, 1);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

/// The server a fixture kubeconfig names; tests replace it with the fake's URL.
pub(crate) const KIND_SERVER: &str = "https://127.0.0.1:6443";

/// A kubeconfig shaped as `kind get kubeconfig` writes it.
fn kind_kubeconfig(ca: &str, cert: &str, key: &str) -> String {
    format!(
        "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: {KIND_SERVER}
  name: kind-kapi
contexts:
- context:
    cluster: kind-kapi
    user: kind-kapi
  name: kind-kapi
current-context: kind-kapi
kind: Config
preferences: {{}}
users:
- name: kind-kapi
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
",
        ca = base64(ca.as_bytes()),
        cert = base64(cert.as_bytes()),
        key = base64(key.as_bytes()),
    )
}

/// An exec credential plugin printing the fixture token (POSIX sh).
fn exec_plugin() -> String {
    format!(
        r#"#!/bin/sh
# kapi fixture exec credential plugin (generated by `cargo xtask fixtures`).
# Prints an ExecCredential holding the fixture service-account token.
#   $1                          apiVersion (default client.authentication.k8s.io/v1)
#   KAPI_FIXTURE_EXEC_LOG       a file: one line is appended per run
#   KAPI_FIXTURE_EXEC_EXPIRY    status.expirationTimestamp, when set
#   KAPI_FIXTURE_EXEC_TOKEN     the token to print instead of the fixture's
api=${{1:-client.authentication.k8s.io/v1}}
token=${{KAPI_FIXTURE_EXEC_TOKEN:-{token}}}
if [ -n "$KAPI_FIXTURE_EXEC_LOG" ]; then echo run >> "$KAPI_FIXTURE_EXEC_LOG"; fi
expiry=""
if [ -n "$KAPI_FIXTURE_EXEC_EXPIRY" ]; then expiry=',"expirationTimestamp":"'"$KAPI_FIXTURE_EXEC_EXPIRY"'"'; fi
printf '{{"apiVersion":"%s","kind":"ExecCredential","status":{{"token":"%s"%s}}}}
' "$api" "$token" "$expiry"
"#,
        token = fixture_token()
    )
}

/// Standard base64 with padding (RFC 4648 section 4), as kubeconfig `*-data`.
fn base64(bytes: &[u8]) -> String {
    let mut out = base64url(bytes).replace('-', "+").replace('_', "/");
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

fn common_name_only(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn file(path: &str, content: &str) -> Entry {
    Entry {
        path: PathBuf::from(path),
        content: Content::File(content.as_bytes().to_vec()),
    }
}

fn link(path: &str, target: &str) -> Entry {
    Entry {
        path: PathBuf::from(path),
        content: Content::Symlink(PathBuf::from(target)),
    }
}

/// Collects the files and symlinks under `root/dir` (symlinks not followed),
/// as paths relative to `root`. A missing folder has no files.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in read.flatten() {
        let rel = dir.join(entry.file_name());
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => list_files(root, &rel, out),
            _ => out.push(rel),
        }
    }
}

/// Base64url without padding (RFC 4648 section 5), as JWTs use.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated_into_temp_dir() -> (tempfile::TempDir, Vec<Entry>) {
        let dir = tempfile::tempdir().expect("failed to create a temp dir");
        let entries = generate().expect("fixture generation failed");
        write(dir.path(), &entries).expect("failed to write fixtures");
        (dir, entries)
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate().unwrap(), generate().unwrap());
    }

    #[test]
    fn committed_fixtures_are_up_to_date() {
        let root = crate::project_root().join("fixtures");
        let problems = check(&root, &generate().unwrap());
        assert!(
            problems.is_empty(),
            "run `cargo xtask fixtures`: {problems:#?}"
        );
    }

    #[test]
    fn check_passes_right_after_write() {
        let (dir, entries) = generated_into_temp_dir();
        assert_eq!(check(dir.path(), &entries), Vec::<String>::new());
    }

    #[test]
    fn check_reports_a_changed_byte() {
        let (dir, entries) = generated_into_temp_dir();
        let path = dir.path().join("pki/server.crt");
        let mut bytes = fs::read(&path).unwrap();
        bytes[40] ^= 1;
        fs::write(&path, bytes).unwrap();
        assert_eq!(
            check(dir.path(), &entries),
            ["pki/server.crt: differs from the generated content"]
        );
    }

    #[test]
    fn out_of_date_fixtures_fail_with_the_fix() {
        let (dir, entries) = generated_into_temp_dir();
        ensure_up_to_date(dir.path(), &entries).unwrap();
        fs::write(dir.path().join("pki/ca.crt"), "edited by hand").unwrap();
        let err = ensure_up_to_date(dir.path(), &entries).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fixtures are out of date: run `cargo xtask fixtures` and commit\n  \
             pki/ca.crt: differs from the generated content"
        );
    }

    #[test]
    fn check_reports_a_retargeted_symlink() {
        let (dir, entries) = generated_into_temp_dir();
        let path = dir.path().join("serviceaccount/..data");
        fs::remove_file(&path).unwrap();
        symlink("..2024_01_01_00_00_00.000000000", &path).unwrap();
        assert_eq!(
            check(dir.path(), &entries),
            ["serviceaccount/..data: differs from the generated content"]
        );
    }

    #[test]
    fn check_reports_a_symlink_replaced_by_a_file() {
        let (dir, entries) = generated_into_temp_dir();
        let path = dir.path().join("serviceaccount/token");
        fs::remove_file(&path).unwrap();
        fs::write(&path, fixture_token()).unwrap();
        assert_eq!(check(dir.path(), &entries).len(), 1);
    }

    #[test]
    fn check_reports_missing_and_unexpected_files() {
        let (dir, entries) = generated_into_temp_dir();
        fs::remove_file(dir.path().join("pki/ca.key")).unwrap();
        fs::write(dir.path().join("pki/stale.crt"), "x").unwrap();
        assert_eq!(
            check(dir.path(), &entries),
            [
                "pki/ca.key: missing",
                "pki/stale.crt: not generated (remove it)"
            ]
        );
    }

    #[test]
    fn write_removes_stale_files() {
        let (dir, entries) = generated_into_temp_dir();
        fs::write(dir.path().join("pki/stale.crt"), "x").unwrap();
        write(dir.path(), &entries).unwrap();
        assert!(check(dir.path(), &entries).is_empty());
    }

    #[test]
    fn token_is_jwt_shaped_and_greppable() {
        let token = fixture_token();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(parts[..2].iter().all(|p| p.starts_with("eyJ")));
        assert!(token.contains("kapi-fixture-token"));
        assert!(!token.contains(['=', '+', '/', '\n']));
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(base64url(input.as_bytes()), want, "input {input:?}");
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
