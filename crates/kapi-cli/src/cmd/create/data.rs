//! `kapi create configmap|secret generic|secret docker-registry|secret
//! tls NAME`: the object built from `--from-literal`, `--from-file`
//! (a file, `KEY=FILE`, a directory's regular files), `--from-env-file`,
//! with kubectl's key checks and messages (`pkg/cmd/create`), and printed
//! as kubectl prints a typed object: `-o json` in Go's field order
//! (`kind`, `apiVersion`, `metadata` with `creationTimestamp: null`, ...),
//! `-o yaml` with sorted keys.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// What the data is for: the messages and the map differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Secret,
}

/// The keys gathered so far: text (`data`) and, for a ConfigMap, bytes
/// that are not UTF-8 (`binaryData`).
pub struct Data {
    kind: Kind,
    name: String,
    pub text: Map<String, Value>,
    pub binary: Map<String, Value>,
}

impl Data {
    pub fn new(kind: Kind, name: &str) -> Data {
        Data {
            kind,
            name: name.to_string(),
            text: Map::new(),
            binary: Map::new(),
        }
    }

    /// `--from-literal=KEY=VALUE` (the value may hold `=`).
    pub fn literal(&mut self, source: &str) -> Result<()> {
        match source.split_once('=') {
            Some((key, value)) if !key.is_empty() => self.add(key, value.as_bytes()),
            _ => Err(Error::msg(format!(
                "invalid literal source {source}, expected key=value"
            ))),
        }
    }

    /// `--from-file=FILE`, `--from-file=KEY=FILE` or a directory.
    pub fn file(&mut self, source: &str) -> Result<()> {
        let (key, path) = match source.matches('=').count() {
            0 => {
                let base = source.trim_end_matches('/');
                let base = base.rsplit('/').next().filter(|b| !b.is_empty());
                (base.unwrap_or(source).to_string(), source)
            }
            1 if source.starts_with('=') => {
                return Err(Error::msg(format!(
                    "key name for file path {} missing",
                    &source[1..]
                )))
            }
            1 if source.ends_with('=') => {
                return Err(Error::msg(format!(
                    "file path for key name {} missing",
                    &source[..source.len() - 1]
                )))
            }
            1 => {
                let (k, p) = source.split_once('=').unwrap_or_default();
                (k.to_string(), p)
            }
            _ => return Err(Error::msg("key names or file paths cannot contain '='")),
        };
        let meta = std::fs::metadata(path).map_err(|e| read_error(path, &e))?;
        if !meta.is_dir() {
            let bytes = std::fs::read(path).map_err(|e| Error::msg(e.to_string()))?;
            return self.add(&key, &bytes);
        }
        if source.contains('=') {
            return Err(Error::msg("cannot give a key name for a directory path"));
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| Error::msg(format!("error listing files in {path}: {e}")))?;
        let mut files: Vec<_> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        // os.ReadDir's order.
        files.sort();
        for name in files {
            let bytes = std::fs::read(Path::new(path).join(&name))
                .map_err(|e| Error::msg(e.to_string()))?;
            self.add(&name, &bytes)?;
        }
        Ok(())
    }

    /// `--from-env-file=FILE`: `KEY=VALUE` lines (a bare `KEY` takes the
    /// environment's value), `#` comments and blank lines skipped.
    pub fn env_file(&mut self, path: &str) -> Result<()> {
        let meta = std::fs::metadata(path).map_err(|e| read_error(path, &e))?;
        if meta.is_dir() {
            let what = match self.kind {
                Kind::ConfigMap => "config",
                Kind::Secret => "secret",
            };
            return Err(Error::msg(format!("env {what} file cannot be a directory")));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::msg(e.to_string()))?;
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = std::str::from_utf8(raw).map_err(|_| {
                Error::msg(format!(
                    "env file {path} contains invalid utf8 bytes at line {}: {raw:?}",
                    i + 1
                ))
            })?;
            let line = if i == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((k, v)) => (k, v.to_string()),
                None => (line, std::env::var(line).unwrap_or_default()),
            };
            let problems = env_var_name_problems(key);
            if !problems.is_empty() {
                return Err(Error::msg(format!(
                    "{key:?} is not a valid key name: {}",
                    problems.join(";")
                )));
            }
            self.add(key, value.as_bytes())?;
        }
        Ok(())
    }

    /// Adds one key, checked as kubectl checks it.
    pub fn add(&mut self, key: &str, bytes: &[u8]) -> Result<()> {
        let problems = config_key_problems(key);
        match self.kind {
            Kind::ConfigMap => {
                if !problems.is_empty() {
                    return Err(Error::msg(format!(
                        "{key:?} is not a valid key name for a ConfigMap: {}",
                        problems.join(",")
                    )));
                }
                for (map, which) in [(&self.text, "Data"), (&self.binary, "BinaryData")] {
                    if map.contains_key(key) {
                        return Err(Error::msg(format!(
                            "cannot add key {key:?}, another key by that name already exists in {which} for ConfigMap {:?}",
                            self.name
                        )));
                    }
                }
                match std::str::from_utf8(bytes) {
                    Ok(text) => self.text.insert(key.into(), Value::String(text.into())),
                    Err(_) => self.binary.insert(key.into(), Value::String(base64(bytes))),
                };
            }
            Kind::Secret => {
                if !problems.is_empty() {
                    return Err(Error::msg(format!(
                        "{key:?} is not valid key name for a Secret {}",
                        problems.join(";")
                    )));
                }
                if self.text.contains_key(key) {
                    return Err(Error::msg(format!(
                        "cannot add key {key}, another key by that name already exists"
                    )));
                }
                self.text.insert(key.into(), Value::String(base64(bytes)));
            }
        }
        Ok(())
    }
}

/// kubectl's `error reading PATH: no such file or directory`.
fn read_error(path: &str, e: &std::io::Error) -> Error {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    Error::msg(format!("error reading {path}: {reason}"))
}

/// apimachinery's `IsConfigMapKey`.
fn config_key_problems(key: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if key.len() > 253 {
        problems.push("must be no more than 253 characters".to_string());
    }
    let ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        problems.push(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. \
             'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is \
             '[-._a-zA-Z0-9]+')"
                .to_string(),
        );
    }
    problems.extend(dot_problems(key));
    problems
}

/// apimachinery's `IsEnvVarName`.
fn env_var_name_problems(key: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let ok = key.bytes().next().is_some_and(|b| !b.is_ascii_digit())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        problems.push(
            "a valid environment variable name must consist of alphabetic characters, digits, \
             '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or \
             'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is \
             '[-._a-zA-Z][-._a-zA-Z0-9]*')"
                .to_string(),
        );
    }
    problems.extend(dot_problems(key));
    problems
}

fn dot_problems(key: &str) -> Option<String> {
    match key {
        "." => Some("must not be '.'".into()),
        ".." => Some("must not be '..'".into()),
        _ if key.starts_with("..") => Some("must not start with '..'".into()),
        _ => None,
    }
}

/// Standard base64 with padding (Go's `base64.StdEncoding`, as JSON
/// writes `[]byte`).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `.dockerconfigjson` kubectl writes for a registry login (Go struct
/// order: username, password, email, auth).
pub fn docker_config(server: &str, username: &str, password: &str, email: &str) -> String {
    let quote = |s: &str| {
        let mut buf = Vec::new();
        kapi::gofmt::write_json_string(&mut buf, s);
        String::from_utf8(buf).unwrap_or_default()
    };
    let mut entry = format!(
        "{{\"username\":{},\"password\":{}",
        quote(username),
        quote(password)
    );
    if !email.is_empty() {
        entry.push_str(&format!(",\"email\":{}", quote(email)));
    }
    entry.push_str(&format!(
        ",\"auth\":{}}}",
        quote(&base64(format!("{username}:{password}").as_bytes()))
    ));
    format!("{{\"auths\":{{{}:{entry}}}}}", quote(server))
}

/// Go's `tls.X509KeyPair` first checks: PEM blocks of the right kinds.
pub fn check_tls_pair(cert: &[u8], key: &[u8]) -> Result<()> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (cert, key) = (text(cert), text(key));
    if !cert.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::msg(
            "tls: failed to find any PEM data in certificate input",
        ));
    }
    if !key.contains("-----BEGIN") || !key.contains("PRIVATE KEY-----") {
        return Err(Error::msg("tls: failed to find any PEM data in key input"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_go_writes_it() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"1"), "MQ==");
        assert_eq!(base64(b"two=2"), "dHdvPTI=");
        assert_eq!(base64(&[0, 1, 255]), "AAH/");
        assert_eq!(base64(b"u:p"), "dTpw");
    }

    #[test]
    fn docker_config_matches_kubectl() {
        assert_eq!(
            base64(docker_config("r.io", "u", "p", "e@x").as_bytes()),
            "eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImVtYWlsIjoiZUB4IiwiYXV0aCI6ImRUcHcifX19"
        );
    }

    #[test]
    fn keys_are_checked_as_kubectl_checks_them() {
        let mut cm = Data::new(Kind::ConfigMap, "x");
        cm.literal("a=1=2").unwrap();
        assert_eq!(cm.text["a"], "1=2");
        assert_eq!(
            cm.literal("a=3").unwrap_err().to_string(),
            "error: cannot add key \"a\", another key by that name already exists in Data for ConfigMap \"x\""
        );
        assert_eq!(
            cm.literal("..=1").unwrap_err().to_string(),
            "error: \"..\" is not a valid key name for a ConfigMap: must not be '..'"
        );
        assert!(cm.literal("=1").is_err());
        cm.add("bin", &[0, 1, 255]).unwrap();
        assert_eq!(cm.binary["bin"], "AAH/");
        let mut secret = Data::new(Kind::Secret, "s");
        assert!(secret
            .literal("b@d=1")
            .unwrap_err()
            .to_string()
            .starts_with("error: \"b@d\" is not valid key name for a Secret a valid config key"));
    }
}
