//! A kubeconfig pointing kubectl (or kapi) at a fake server.

use std::path::Path;

/// A one-context kubeconfig: `server`, the CA file, a bearer token and the
/// default namespace. Scalars are written as JSON strings, which YAML reads
/// as they are.
pub(crate) fn kubeconfig(server: &str, ca_file: &Path, token: &str, namespace: &str) -> String {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: kapi-fake
  cluster:
    server: {server}
    certificate-authority: {ca}
users:
- name: kapi-fake
  user:
    token: {token}
contexts:
- name: kapi-fake
  context:
    cluster: kapi-fake
    user: kapi-fake
    namespace: {namespace}
current-context: kapi-fake
",
        server = quote(server),
        ca = quote(&ca_file.to_string_lossy()),
        token = quote(token),
        namespace = quote(namespace),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_value_quoted() {
        let config = kubeconfig(
            "https://[::1]:6443",
            Path::new("/tmp/a b/ca.crt"),
            "t.o.k",
            "test",
        );
        assert!(config.contains("    server: \"https://[::1]:6443\"\n"));
        assert!(config.contains("    certificate-authority: \"/tmp/a b/ca.crt\"\n"));
        assert!(config.contains("    token: \"t.o.k\"\n"));
        assert!(config.contains("    namespace: \"test\"\n"));
        assert!(config.ends_with("current-context: kapi-fake\n"));
    }
}
