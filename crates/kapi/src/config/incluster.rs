//! In-cluster configuration: the service's env vars and the pod's
//! service-account files, read as client-go reads them.

use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use super::{Auth, Config};
use crate::tls::CaBundle;
use crate::token::TokenFile;
use crate::{Error, Result};

/// Where the kubelet mounts the service-account token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The env var holding the API server's host (an IP, or a DNS name on some clouds).
pub const SERVICE_HOST_ENV: &str = "KUBERNETES_SERVICE_HOST";
/// The env var holding the API server's port.
pub const SERVICE_PORT_ENV: &str = "KUBERNETES_SERVICE_PORT";
/// Overrides the namespace file, as clientcmd's in-cluster loader does.
const POD_NAMESPACE_ENV: &str = "POD_NAMESPACE";

const TOKEN_FILE: &str = "token";
const CA_FILE: &str = "ca.crt";
const NAMESPACE_FILE: &str = "namespace";

/// Builds the in-cluster config from an env lookup and a service-account dir.
pub(super) fn load(env: &dyn Fn(&str) -> Option<String>, dir: &Path) -> Result<Config> {
    let nonempty = |name: &str| env(name).filter(|v| !v.is_empty());
    let (Some(host), Some(port)) = (nonempty(SERVICE_HOST_ENV), nonempty(SERVICE_PORT_ENV)) else {
        return Err(Error::NotInCluster);
    };
    let server = server_url(&host, &port)?;
    let token = TokenFile::open(&dir.join(TOKEN_FILE))?;
    let ca = CaBundle::from_file(&dir.join(CA_FILE))?;
    let namespace = match nonempty(POD_NAMESPACE_ENV) {
        Some(ns) => ns,
        None => read_namespace(&dir.join(NAMESPACE_FILE))?,
    };
    let mut config = Config::new(server).with_namespace(namespace);
    config.ca = Some(ca);
    config.auth = Auth::TokenFile(Arc::new(token));
    Ok(config)
}

/// `https://host:port`, with an IPv6 host bracketed and compressed and port
/// 443 left out (the same URL either way; kube-rs writes it so).
pub(crate) fn server_url(host: &str, port: &str) -> Result<String> {
    let port: u16 = match port.trim().parse() {
        Ok(p) if p != 0 => p,
        _ => return Err(Error::InvalidPort(port.to_string())),
    };
    let host = host.trim();
    let authority = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
        Ok(IpAddr::V4(ip)) => ip.to_string(),
        Err(_) if is_dns_name(host) => host.to_ascii_lowercase(),
        Err(_) => return Err(Error::InvalidHost(host.to_string())),
    };
    Ok(if port == 443 {
        format!("https://{authority}")
    } else {
        format!("https://{authority}:{port}")
    })
}

/// A DNS name: dot-separated labels of letters, digits, `-` and `_`.
fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The namespace file, trimmed; `default` when it is missing or empty.
/// One holding control characters is an error naming the file: otherwise
/// the first request would be refused for a namespace the user never typed.
fn read_namespace(path: &Path) -> Result<String> {
    let ns = match std::fs::read_to_string(path) {
        Ok(ns) if !ns.trim().is_empty() => ns.trim().to_string(),
        Ok(_) => return Ok("default".into()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok("default".into()),
        // Unreadable is treated like missing, as clientcmd does.
        Err(_) => return Ok("default".into()),
    };
    match ns.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::ReadFile {
            what: "namespace",
            path: path.to_path_buf(),
            source: io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "it holds a control character ({:?}); write the namespace alone, or set {POD_NAMESPACE_ENV}",
                    c
                ),
            ),
        }),
        None => Ok(ns),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::fs;
    use std::path::PathBuf;

    const CA_PEM: &str = include_str!("../../../../fixtures/pki/ca.crt");

    /// A throwaway service-account directory.
    struct SaDir(PathBuf);

    impl SaDir {
        fn new(token: Option<&str>, ca: Option<&str>, namespace: Option<&str>) -> SaDir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let dir =
                std::env::temp_dir().join(format!("kapi-incluster-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            for (name, content) in [("token", token), ("ca.crt", ca), ("namespace", namespace)] {
                if let Some(content) = content {
                    fs::write(dir.join(name), content).unwrap();
                }
            }
            SaDir(dir)
        }
    }

    impl Drop for SaDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn good_dir() -> SaDir {
        SaDir::new(Some("temp_token"), Some(CA_PEM), Some("test"))
    }

    // Python client in-cluster suite (kubernetes/base/config/incluster_config_test.py).

    #[test]
    fn join_host_port_brackets_ipv6() {
        assert_eq!(
            server_url("127.0.0.1", "80").unwrap(),
            "https://127.0.0.1:80"
        );
        assert_eq!(server_url("::1", "80").unwrap(), "https://[::1]:80");
    }

    #[test]
    fn load_config_reads_host_token_and_ca() {
        let dir = good_dir();
        let config = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap();
        assert_eq!(config.server(), "https://127.0.0.1:80");
        assert_eq!(config.ca_file(), Some(dir.0.join("ca.crt").as_path()));
        let Auth::TokenFile(token) = config.auth() else {
            panic!("expected a token file")
        };
        assert_eq!(token.current().expose(), "temp_token");
    }

    #[test]
    fn no_port_is_not_in_cluster() {
        let dir = good_dir();
        let err = load(&env(&[(SERVICE_HOST_ENV, "127.0.0.1")]), &dir.0).unwrap_err();
        assert!(matches!(err, Error::NotInCluster));
    }

    #[test]
    fn empty_port_is_not_in_cluster() {
        let dir = good_dir();
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotInCluster));
    }

    #[test]
    fn no_host_is_not_in_cluster() {
        let dir = good_dir();
        let err = load(&env(&[(SERVICE_PORT_ENV, "80")]), &dir.0).unwrap_err();
        assert!(matches!(err, Error::NotInCluster));
    }

    #[test]
    fn empty_host_is_not_in_cluster() {
        let dir = good_dir();
        let err = load(
            &env(&[(SERVICE_HOST_ENV, ""), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotInCluster));
    }

    #[test]
    fn missing_cert_file_names_the_file() {
        let dir = SaDir::new(Some("temp_token"), None, Some("test"));
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::ReadFile { what: "CA", .. }), "{err}");
        assert!(err.to_string().contains("ca.crt"), "{err}");
    }

    #[test]
    fn empty_cert_file_names_the_file() {
        let dir = SaDir::new(Some("temp_token"), Some(""), Some("test"));
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::InvalidCa { .. }), "{err}");
        assert!(err.to_string().contains("ca.crt"), "{err}");
    }

    #[test]
    fn unparsable_cert_file_is_an_error_not_a_fallback_to_system_roots() {
        let dir = SaDir::new(Some("temp_token"), Some("temp_cert"), Some("test"));
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::InvalidCa { .. }), "{err}");
    }

    #[test]
    fn missing_token_file_names_the_file() {
        let dir = SaDir::new(None, Some(CA_PEM), Some("test"));
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::ReadFile { what: "token", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("token"), "{err}");
    }

    #[test]
    fn empty_token_file_names_the_file() {
        let dir = SaDir::new(Some(" \n"), Some(CA_PEM), Some("test"));
        let err = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::EmptyToken(_)), "{err}");
        assert_eq!(
            err.to_string(),
            format!("read empty token from file {:?}", dir.0.join("token"))
        );
    }

    #[test]
    fn token_is_trimmed() {
        let dir = SaDir::new(Some("  temp_token\n"), Some(CA_PEM), Some("test"));
        let config = load(
            &env(&[(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "80")]),
            &dir.0,
        )
        .unwrap();
        let Auth::TokenFile(token) = config.auth() else {
            panic!("expected a token file")
        };
        assert_eq!(token.current().expose(), "temp_token");
    }

    // kube-rs URL cases (kube-client/src/config/incluster_config.rs).

    #[test]
    fn kube_name() {
        assert_eq!(
            server_url("fake.io", "8080").unwrap(),
            "https://fake.io:8080"
        );
    }

    #[test]
    fn kube_name_default_port() {
        assert_eq!(
            server_url("kubernetes.default.svc", "443").unwrap(),
            "https://kubernetes.default.svc"
        );
    }

    #[test]
    fn kube_ipv4() {
        assert_eq!(
            server_url("10.11.12.13", "6443").unwrap(),
            "https://10.11.12.13:6443"
        );
    }

    #[test]
    fn kube_ipv4_default_port() {
        assert_eq!(
            server_url("10.11.12.13", "443").unwrap(),
            "https://10.11.12.13"
        );
    }

    #[test]
    fn kube_ipv6() {
        assert_eq!(
            server_url("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "6443").unwrap(),
            "https://[2001:db8:85a3::8a2e:370:7334]:6443"
        );
    }

    #[test]
    fn kube_ipv6_default_port() {
        assert_eq!(
            server_url("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "443").unwrap(),
            "https://[2001:db8:85a3::8a2e:370:7334]"
        );
    }

    // kapi's own stricter checks.

    #[test]
    fn port_must_be_1_to_65535() {
        for bad in ["0", "65536", "-1", "http", "80a", "1e3"] {
            let err = server_url("10.0.0.1", bad).unwrap_err();
            assert!(matches!(err, Error::InvalidPort(_)), "{bad}: {err}");
            assert!(err.to_string().contains("KUBERNETES_SERVICE_PORT"), "{err}");
        }
        assert_eq!(
            server_url("10.0.0.1", "65535").unwrap(),
            "https://10.0.0.1:65535"
        );
        assert_eq!(server_url("10.0.0.1", "1").unwrap(), "https://10.0.0.1:1");
    }

    #[test]
    fn host_must_be_a_name_or_an_ip() {
        for bad in [
            "https://10.0.0.1",
            "a b",
            "host/path",
            "user@host",
            "a..b",
            "[::1]",
        ] {
            let err = server_url(bad, "443").unwrap_err();
            assert!(matches!(err, Error::InvalidHost(_)), "{bad}: {err}");
        }
        assert_eq!(
            server_url("myaks-dns-1a2b3c.hcp.westeurope.azmk8s.io", "443").unwrap(),
            "https://myaks-dns-1a2b3c.hcp.westeurope.azmk8s.io"
        );
    }

    #[test]
    fn namespace_from_env_then_file_then_default() {
        let host = [(SERVICE_HOST_ENV, "127.0.0.1"), (SERVICE_PORT_ENV, "443")];
        let dir = SaDir::new(Some("t"), Some(CA_PEM), Some("from-file\n"));
        assert_eq!(load(&env(&host), &dir.0).unwrap().namespace(), "from-file");
        let mut with_env = host.to_vec();
        with_env.push((POD_NAMESPACE_ENV, "from-env"));
        assert_eq!(
            load(&env(&with_env), &dir.0).unwrap().namespace(),
            "from-env"
        );
        let no_ns = SaDir::new(Some("t"), Some(CA_PEM), None);
        assert_eq!(load(&env(&host), &no_ns.0).unwrap().namespace(), "default");
    }
}
