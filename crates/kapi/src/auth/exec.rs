//! Exec credential plugins (`client.authentication.k8s.io/v1` and
//! `v1beta1`), run as client-go runs them: never with a terminal (stdin is
//! `/dev/null`, so `interactiveMode: Always` is refused up front), stderr
//! passed through, `KUBERNETES_EXEC_INFO` set, and the credential (a token,
//! a client certificate, or both) kept until its `expirationTimestamp` or
//! a `401`. Unlike client-go, a plugin that does not finish in time is
//! killed.
//!
//! The plugin's output is parsed as JSON first and read field by field, so
//! no error quotes it: it is a credential.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::sign::CertifiedKey;
use serde_json::Value;

use crate::token::Secret;
use crate::{Error, Result};

/// How long a plugin may run before it is killed.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest plugin output read (an ExecCredential with a client
/// certificate chain is a few KB).
const MAX_OUTPUT: u64 = 1 << 20;

/// The API versions kapi speaks.
const API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// The kubeconfig's `exec` section, made ready to run.
#[derive(Debug)]
pub(crate) struct ExecSpec {
    pub(crate) api_version: String,
    pub(crate) command: String,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) install_hint: Option<String>,
    /// `KUBERNETES_EXEC_INFO`: the ExecCredential request (with the cluster
    /// when `provideClusterInfo` is set).
    pub(crate) info: String,
    pub(crate) timeout: Duration,
    /// The kubeconfig that named the plugin, for errors.
    pub(crate) kubeconfig: Option<PathBuf>,
}

/// A plugin and its last credential.
#[derive(Debug)]
pub(crate) struct Exec {
    spec: ExecSpec,
    cached: Mutex<Option<Credential>>,
}

/// What a plugin handed out.
#[derive(Clone, Debug)]
pub(crate) struct Credential {
    pub(crate) token: Option<Secret>,
    pub(crate) cert: Option<Arc<CertifiedKey>>,
    /// Unix seconds; `None`: valid until a `401`.
    expires: Option<i64>,
}

impl Exec {
    pub(crate) fn new(spec: ExecSpec) -> Result<Exec> {
        if !API_VERSIONS.contains(&spec.api_version.as_str()) {
            return Err(spec.error(format!(
                "apiVersion {:?} is not supported; use {} or {}",
                spec.api_version, API_VERSIONS[0], API_VERSIONS[1]
            )));
        }
        Ok(Exec {
            spec,
            cached: Mutex::new(None),
        })
    }

    pub(crate) fn command(&self) -> &str {
        &self.spec.command
    }

    /// The current credential: the cached one until it expires, else a
    /// fresh run of the plugin.
    pub(crate) fn credential(&self) -> Result<Credential> {
        let mut cached = self.lock();
        if let Some(c) = cached.as_ref() {
            if c.expires.is_none_or(|at| now() < at) {
                return Ok(c.clone());
            }
        }
        let fresh = self.spec.run()?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    /// Runs the plugin again (after a `401`). True when the credential changed.
    pub(crate) fn refresh(&self) -> Result<bool> {
        let fresh = self.spec.run()?;
        let mut cached = self.lock();
        let changed = cached.as_ref().is_none_or(|old| {
            old.token != fresh.token
                || old.cert.as_ref().map(|c| c.cert.clone())
                    != fresh.cert.as_ref().map(|c| c.cert.clone())
        });
        *cached = Some(fresh);
        Ok(changed)
    }

    /// The client certificate of the cached credential, for the handshake.
    pub(crate) fn client_cert(&self) -> Option<Arc<CertifiedKey>> {
        self.lock().as_ref().and_then(|c| c.cert.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Credential>> {
        // One field replaced whole; a panic cannot leave it half-written.
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ExecSpec {
    fn error(&self, message: String) -> Error {
        Error::ExecPlugin {
            command: self.command.clone(),
            kubeconfig: self.kubeconfig.clone(),
            message,
        }
    }

    fn run(&self) -> Result<Credential> {
        let mut command = Command::new(&self.command);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("KUBERNETES_EXEC_INFO", &self.info)
            // Never a terminal: kapi runs in pods and CI.
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().map_err(|e| {
            let mut message = if e.kind() == std::io::ErrorKind::NotFound {
                "executable not found".to_string()
            } else {
                format!("cannot run it: {e}")
            };
            if let Some(hint) = &self.install_hint {
                message.push_str("\n\n");
                message.push_str(hint.trim_end());
            }
            self.error(message)
        })?;
        // Poll rather than block: the library starts no threads, and a
        // plugin that hangs must not hang kapi. An ExecCredential fits in
        // the pipe's buffer (64 KiB on Linux), so the plugin never waits on us.
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(self.error(format!(
                        "it did not finish within {}; it was stopped",
                        crate::duration::format(self.timeout)
                    )));
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(25));
                }
                Err(e) => return Err(self.error(format!("waiting for it failed: {e}"))),
            }
        };
        let mut output = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = stdout.take(MAX_OUTPUT).read_to_end(&mut output);
        }
        if !status.success() {
            let how = match status.code() {
                Some(code) => format!("exit status {code}"),
                None => "a signal".to_string(),
            };
            return Err(self.error(format!("it ended with {how} (its stderr is above)")));
        }
        self.parse(&output)
    }

    /// The ExecCredential's status; errors name the field, never a value.
    fn parse(&self, output: &[u8]) -> Result<Credential> {
        let bad =
            |what: &str| self.error(format!("its output is not a valid ExecCredential: {what}"));
        let value: Value = serde_json::from_slice(output).map_err(|e| {
            bad(&format!(
                "not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if value.get("kind").and_then(Value::as_str) != Some("ExecCredential") {
            return Err(bad("kind is not ExecCredential"));
        }
        match value.get("apiVersion").and_then(Value::as_str) {
            Some(v) if v == self.api_version => {}
            Some(v) if API_VERSIONS.contains(&v) => {
                return Err(bad(&format!(
                    "apiVersion is {v}, but the kubeconfig asks for {}",
                    self.api_version
                )))
            }
            _ => return Err(bad(&format!("apiVersion is not {}", self.api_version))),
        }
        let Some(status) = value.get("status").and_then(Value::as_object) else {
            return Err(bad("status is missing"));
        };
        let text = |key: &str| -> Result<Option<&str>> {
            match status.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(bad(&format!("status.{key} is not a string"))),
            }
        };
        let token = text("token")?.map(|t| Secret::new(t.trim().to_string()));
        let cert = match (text("clientCertificateData")?, text("clientKeyData")?) {
            (Some(cert), Some(key)) => Some(crate::auth::cert::load(
                cert.as_bytes(),
                key.as_bytes(),
                &format!("from exec plugin {:?}", self.command),
            )?),
            (None, None) => None,
            _ => {
                return Err(bad(
                    "status.clientCertificateData and status.clientKeyData must come together",
                ))
            }
        };
        if token.is_none() && cert.is_none() {
            return Err(bad(
                "status has neither a token nor clientCertificateData and clientKeyData",
            ));
        }
        let expires = match text("expirationTimestamp")? {
            None => None,
            Some(t) => Some(
                crate::gofmt::parse_rfc3339(t)
                    .ok_or_else(|| bad("status.expirationTimestamp is not an RFC 3339 time"))?,
            ),
        };
        Ok(Credential {
            token,
            cert,
            expires,
        })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(script: &str) -> ExecSpec {
        ExecSpec {
            api_version: API_VERSIONS[0].into(),
            command: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            env: vec![],
            install_hint: None,
            info: "{}".into(),
            timeout: Duration::from_secs(5),
            kubeconfig: None,
        }
    }

    const GOOD: &str = r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cr3t"}}'"#;

    #[test]
    fn token_is_read_and_cached_without_expiry() {
        let exec = Exec::new(spec(GOOD)).unwrap();
        let c = exec.credential().unwrap();
        assert_eq!(c.token.unwrap().expose(), "s3cr3t");
        assert!(!exec.refresh().unwrap(), "same token is no change");
    }

    #[test]
    fn bad_output_names_the_field_not_the_value() {
        for (script, want) in [
            ("echo s3cr3t", "not JSON"),
            (
                r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"s3cr3t"}}'"#,
                "apiVersion is client.authentication.k8s.io/v1beta1",
            ),
            (
                r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":5}}'"#,
                "status.token is not a string",
            ),
            (
                r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}'"#,
                "neither a token",
            ),
            ("exit 3", "exit status 3"),
        ] {
            let err = Exec::new(spec(script))
                .unwrap()
                .credential()
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{script}: {err}");
            assert!(!err.contains("s3cr3t"), "{err}");
        }
    }

    #[test]
    fn a_hanging_plugin_is_stopped() {
        let mut s = spec("sleep 30");
        s.timeout = Duration::from_millis(200);
        let started = Instant::now();
        let err = Exec::new(s).unwrap().credential().unwrap_err().to_string();
        assert!(err.contains("did not finish within"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn missing_command_shows_the_install_hint() {
        let mut s = spec("");
        s.command = "kapi-no-such-plugin".into();
        s.install_hint = Some("install it with brew".into());
        let err = Exec::new(s).unwrap().credential().unwrap_err().to_string();
        assert!(
            err.contains("executable not found") && err.ends_with("install it with brew"),
            "{err}"
        );
    }

    #[test]
    fn expired_credentials_rerun_the_plugin() {
        let dir = std::env::temp_dir().join(format!("kapi-exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let count = dir.join("count");
        let script = format!(
            r#"echo x >> {c}; echo '{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{{"token":"t","expirationTimestamp":"2001-01-01T00:00:00Z"}}}}'"#,
            c = count.display()
        );
        let exec = Exec::new(spec(&script)).unwrap();
        exec.credential().unwrap();
        exec.credential().unwrap();
        assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
