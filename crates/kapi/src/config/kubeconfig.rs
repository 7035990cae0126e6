//! Kubeconfig files, read and merged as client-go's `clientcmd` does:
//! `$KUBECONFIG`'s files (missing ones skipped) merged first-wins for each
//! cluster, user and context name and for `current-context`; relative
//! paths resolved against the directory of the file that named them; then
//! one context (with `--context`, `--cluster`, `--user` overrides) made
//! into a [`Config`].
//!
//! YAML is read with [`crate::manifest`] (YAML 1.1, as go-yaml), then
//! picked apart field by field, so errors name the file and the field.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Map, Value};

use super::{proxy, Config};
use crate::auth::exec::{Exec, ExecSpec, DEFAULT_EXEC_TIMEOUT};
use crate::auth::Auth;
use crate::tls::CaBundle;
use crate::token::{Secret, TokenFile};
use crate::{Error, Result};

/// The env var listing kubeconfig files, `:`-separated.
pub const KUBECONFIG_ENV: &str = "KUBECONFIG";
/// The kubeconfig used when `KUBECONFIG` is unset, under `$HOME`.
pub const DEFAULT_KUBECONFIG: &str = ".kube/config";

/// Which kubeconfig and which parts of it: kubectl's `--kubeconfig`,
/// `--context`, `--cluster` and `--user`. Built from `Default` with the
/// builder methods (new fields may be added).
///
/// ```no_run
/// let opts = kapi::config::KubeconfigOptions::default().context("kind-kind");
/// let config = kapi::Config::from_kubeconfig(&opts)?;
/// # Ok::<(), kapi::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct KubeconfigOptions {
    /// This file only (it must exist), instead of `KUBECONFIG` or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// The context to use instead of `current-context`.
    pub context: Option<String>,
    /// The cluster to use instead of the context's.
    pub cluster: Option<String>,
    /// The user to use instead of the context's.
    pub user: Option<String>,
    /// How long an exec credential plugin may run
    /// (default [`DEFAULT_EXEC_TIMEOUT`](crate::config::DEFAULT_EXEC_TIMEOUT)).
    pub exec_timeout: Option<Duration>,
}

impl KubeconfigOptions {
    /// Reads this file only (`--kubeconfig`).
    pub fn kubeconfig(mut self, path: impl Into<PathBuf>) -> Self {
        self.kubeconfig = Some(path.into());
        self
    }

    /// Uses this context (`--context`).
    pub fn context(mut self, name: &str) -> Self {
        self.context = Some(name.to_string());
        self
    }

    /// Uses this cluster (`--cluster`).
    pub fn cluster(mut self, name: &str) -> Self {
        self.cluster = Some(name.to_string());
        self
    }

    /// Uses this user (`--user`).
    pub fn user(mut self, name: &str) -> Self {
        self.user = Some(name.to_string());
        self
    }

    /// Lets an exec credential plugin run this long.
    pub fn exec_timeout(mut self, timeout: Duration) -> Self {
        self.exec_timeout = Some(timeout);
        self
    }
}

/// One or more kubeconfig files, merged. Its `Debug` shows names only.
#[derive(Clone)]
pub struct Kubeconfig {
    files: Vec<PathBuf>,
    current_context: Option<String>,
    clusters: Vec<Named>,
    users: Vec<Named>,
    contexts: Vec<Named>,
    preferences: Option<Value>,
}

#[derive(Clone)]
struct Named {
    name: String,
    body: Map<String, Value>,
    origin: PathBuf,
}

/// A context, as `kubectl config get-contexts` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    /// The context's name.
    pub name: String,
    /// Its cluster's name.
    pub cluster: String,
    /// Its user's name.
    pub user: String,
    /// Its namespace, if set.
    pub namespace: Option<String>,
}

impl Kubeconfig {
    /// The kubeconfig kubectl would read: `opts.kubeconfig` (which must
    /// exist), else the files in `KUBECONFIG` (missing ones skipped), else
    /// `~/.kube/config`. [`Error::NoKubeconfig`] when there is none.
    pub fn load(opts: &KubeconfigOptions) -> Result<Kubeconfig> {
        load_env(&|name| std::env::var(name).ok(), opts)
    }

    /// One file; it must exist.
    pub fn read(path: &Path) -> Result<Kubeconfig> {
        let mut config = Kubeconfig::empty();
        config.add_file(path)?;
        Ok(config)
    }

    /// `paths` merged in order, the first to set a name or
    /// `current-context` winning; missing files are skipped.
    pub fn merge(paths: &[PathBuf]) -> Result<Kubeconfig> {
        let mut config = Kubeconfig::empty();
        for path in paths {
            if config.files.contains(path) || !path.exists() {
                continue;
            }
            config.add_file(path)?;
        }
        Ok(config)
    }

    /// The files read, in merge order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// `current-context`, if set.
    pub fn current_context(&self) -> Option<&str> {
        self.current_context.as_deref()
    }

    /// Every context, in merge order.
    pub fn contexts(&self) -> Vec<ContextInfo> {
        self.contexts
            .iter()
            .map(|c| ContextInfo {
                name: c.name.clone(),
                cluster: string(&c.body, "cluster").unwrap_or_default().to_string(),
                user: string(&c.body, "user").unwrap_or_default().to_string(),
                namespace: string(&c.body, "namespace").map(str::to_string),
            })
            .collect()
    }

    /// The merged configuration as kubectl's `config view` builds it: paths
    /// as written; unless `raw`, `*-data` fields as `DATA+OMITTED` and
    /// tokens and passwords as `REDACTED`. With `minify`, only the current
    /// context (or `opts.context`) and its cluster and user.
    pub fn view(&self, raw: bool, minify: bool, context: Option<&str>) -> Result<Value> {
        let keep = if minify {
            let name = context
                .or(self.current_context.as_deref())
                .ok_or_else(|| Error::NoContext(self.describe_files()))?;
            let ctx = self.find_context(name)?;
            Some((
                name.to_string(),
                string(&ctx.body, "cluster").unwrap_or_default().to_string(),
                string(&ctx.body, "user").unwrap_or_default().to_string(),
            ))
        } else {
            None
        };
        let list = |entries: &[Named], key: &str, pick: Option<&str>| -> Value {
            if entries.is_empty() {
                // As kubectl prints an empty config.
                return Value::Null;
            }
            Value::Array(
                entries
                    .iter()
                    .filter(|e| pick.is_none_or(|p| p == e.name))
                    .map(|e| {
                        let mut body = e.body.clone();
                        if !raw {
                            redact(&mut body);
                        }
                        let mut m = Map::new();
                        m.insert(key.into(), Value::Object(body));
                        m.insert("name".into(), e.name.clone().into());
                        Value::Object(m)
                    })
                    .collect(),
            )
        };
        let (ctx, cluster, user) = match &keep {
            Some((c, cl, u)) => (Some(c.as_str()), Some(cl.as_str()), Some(u.as_str())),
            None => (None, None, None),
        };
        let mut out = Map::new();
        out.insert("apiVersion".into(), "v1".into());
        out.insert("clusters".into(), list(&self.clusters, "cluster", cluster));
        out.insert("contexts".into(), list(&self.contexts, "context", ctx));
        let current = match (&keep, &self.current_context) {
            (Some((c, _, _)), _) => c.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => String::new(),
        };
        out.insert("current-context".into(), current.into());
        out.insert("kind".into(), "Config".into());
        out.insert(
            "preferences".into(),
            self.preferences
                .clone()
                .unwrap_or_else(|| Value::Object(Map::new())),
        );
        out.insert("users".into(), list(&self.users, "user", user));
        Ok(Value::Object(out))
    }

    /// The [`Config`] of the selected context, cluster and user.
    pub fn config(&self, opts: &KubeconfigOptions) -> Result<Config> {
        self.config_env(&|name| std::env::var(name).ok(), opts)
    }

    fn config_env(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        opts: &KubeconfigOptions,
    ) -> Result<Config> {
        let context_name = opts.context.as_deref().or(self.current_context.as_deref());
        let context = match context_name {
            Some(name) => Some(self.find_context(name)?),
            None if opts.cluster.is_some() => None,
            None => return Err(Error::NoContext(self.describe_files())),
        };
        let from_context = |key| context.and_then(|c| string(&c.body, key));
        let cluster_name = opts.cluster.as_deref().or(from_context("cluster"));
        let Some(cluster_name) = cluster_name.filter(|c| !c.is_empty()) else {
            let ctx = context.map(|c| c.name.as_str()).unwrap_or_default();
            return Err(self.error_in(context, format!("context {ctx:?} names no cluster")));
        };
        let cluster = self
            .clusters
            .iter()
            .find(|c| c.name == cluster_name)
            .ok_or_else(|| {
                self.error_in(
                    context,
                    match context_name {
                        Some(ctx) if opts.cluster.is_none() => format!(
                    "context {ctx:?} names cluster {cluster_name:?}, which is not in the kubeconfig"
                ),
                        _ => format!("cluster {cluster_name:?} is not in the kubeconfig"),
                    },
                )
            })?;
        let user_name = opts
            .user
            .as_deref()
            .or(from_context("user"))
            .filter(|u| !u.is_empty());
        let user = match user_name {
            None => None,
            Some(name) => Some(self.users.iter().find(|u| u.name == name).ok_or_else(|| {
                self.error_in(
                    context,
                    match context_name {
                        Some(ctx) if opts.user.is_none() => format!(
                            "context {ctx:?} names user {name:?}, which is not in the kubeconfig"
                        ),
                        _ => format!("user {name:?} is not in the kubeconfig"),
                    },
                )
            })?),
        };

        let c = Fields::new(cluster, "cluster");
        let server = c
            .text("server")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| c.error("has no server; set clusters[].cluster.server".into()))?;
        let mut config = Config::new(server);
        let ca_data = c.data("certificate-authority-data")?;
        let ca_file = c.path("certificate-authority")?;
        let mut ca_pem: Option<Vec<u8>> = None;
        if let Some(data) = ca_data {
            let bundle = CaBundle::from_pem(&data, &cluster.origin, "certificate-authority-data")?;
            ca_pem = Some(data);
            config.ca = Some(bundle);
        } else if let Some(file) = ca_file {
            let bundle = CaBundle::from_file(&file)?;
            ca_pem = std::fs::read(&file).ok();
            config.ca = Some(bundle);
        }
        config.insecure_skip_tls_verify = c.bool("insecure-skip-tls-verify")?;
        config.tls_server_name = c
            .text("tls-server-name")?
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        config.proxy = match c.text("proxy-url")?.filter(|s| !s.is_empty()) {
            Some(url) => Some(url.to_string()),
            None => proxy::from_env(env, config.server()),
        };
        if let Some(ns) = from_context("namespace").filter(|n| !n.is_empty()) {
            config.namespace = ns.to_string();
        }
        let Some(user) = user else {
            return Ok(config);
        };

        let u = Fields::new(user, "user");
        if let Some(provider) = u.body.get("auth-provider") {
            let name = provider.get("name").and_then(Value::as_str).unwrap_or("?");
            return Err(u.error(format!(
                "auth-provider {name:?} is not supported (client-go removed the built-in \
                 providers too); use an exec plugin such as kubelogin"
            )));
        }
        // Client certificate: independent of the header credentials.
        let cert = u.file_or_data("client-certificate")?;
        let key = u.file_or_data("client-key")?;
        match (cert, key) {
            (Some((cert, cert_from)), Some((key, key_from))) => {
                let source = format!("{cert_from} and {key_from}");
                config.client_cert = Some(crate::auth::cert::load(&cert, &key, &source)?);
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(u.error("has client-certificate but no client-key".into()))
            }
            (None, Some(_)) => {
                return Err(u.error("has client-key but no client-certificate".into()))
            }
        }
        // Bearer token, then token file, then basic, then exec (client-go's order).
        let token = u.text("token")?.filter(|t| !t.trim().is_empty());
        let token_file = u.path("tokenFile")?;
        let username = u.text("username")?.filter(|t| !t.is_empty());
        if let Some(token) = token {
            config.auth = Auth::Token(Secret::new(token.trim().to_string()));
        } else if let Some(file) = token_file {
            config.auth = Auth::TokenFile(Arc::new(TokenFile::open(&file)?));
        } else if let Some(name) = username {
            let password = u.text("password")?.unwrap_or_default();
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"));
            config.auth = Auth::Basic(Secret::new(format!("Basic {encoded}")));
        } else if let Some(exec) = u.body.get("exec") {
            let spec = exec_spec(&u, exec, &config, ca_pem.as_deref(), cluster, opts)?;
            config.auth = Auth::Exec(Arc::new(Exec::new(spec)?));
        }
        Ok(config)
    }

    /// A kubeconfig with nothing in it (what kubectl views when there is no file).
    pub fn empty() -> Kubeconfig {
        Kubeconfig {
            files: Vec::new(),
            current_context: None,
            clusters: Vec::new(),
            users: Vec::new(),
            contexts: Vec::new(),
            preferences: None,
        }
    }

    fn describe_files(&self) -> String {
        let files: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
        files.join(":")
    }

    fn find_context(&self, name: &str) -> Result<&Named> {
        self.contexts
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::Kubeconfig {
                path: PathBuf::from(self.describe_files()),
                message: format!("context {name:?} is not in the kubeconfig"),
            })
    }

    fn error_in(&self, context: Option<&Named>, message: String) -> Error {
        Error::Kubeconfig {
            path: context.map_or_else(
                || PathBuf::from(self.describe_files()),
                |c| c.origin.clone(),
            ),
            message,
        }
    }

    fn add_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|source| Error::ReadFile {
            what: "kubeconfig",
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| Error::Kubeconfig {
            path: path.to_path_buf(),
            message,
        };
        let docs = crate::manifest::parse_manifests(&path.display().to_string(), &bytes)
            .map_err(|e| invalid(format!("not valid YAML: {e}")))?;
        self.files.push(path.to_path_buf());
        for doc in docs {
            let Value::Object(doc) = doc else {
                if doc.is_null() {
                    continue;
                }
                return Err(invalid(
                    "not a kubeconfig: the document is not a mapping".into(),
                ));
            };
            match doc.get("kind") {
                None | Some(Value::Null) => {}
                Some(Value::String(k)) if k == "Config" => {}
                Some(k) => {
                    return Err(invalid(format!(
                        "not a kubeconfig: kind is {}, not Config",
                        short(k)
                    )))
                }
            }
            match doc.get("apiVersion") {
                None | Some(Value::Null) => {}
                Some(Value::String(v)) if v == "v1" || v.is_empty() => {}
                Some(v) => return Err(invalid(format!("apiVersion is {}, expected v1", short(v)))),
            }
            if self.current_context.is_none() {
                match doc.get("current-context") {
                    Some(Value::String(c)) if !c.is_empty() => {
                        self.current_context = Some(c.clone())
                    }
                    None | Some(Value::Null) | Some(Value::String(_)) => {}
                    Some(_) => return Err(invalid("current-context is not a string".into())),
                }
            }
            if self.preferences.is_none() {
                self.preferences = doc.get("preferences").filter(|p| p.is_object()).cloned();
            }
            for (list, key) in [
                ("clusters", "cluster"),
                ("users", "user"),
                ("contexts", "context"),
            ] {
                let entries = match doc.get(list) {
                    None | Some(Value::Null) => continue,
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err(invalid(format!("{list} is not a list"))),
                };
                for (i, entry) in entries.iter().enumerate() {
                    let name = match entry.get("name") {
                        Some(Value::String(n)) if !n.is_empty() => n.clone(),
                        _ => {
                            return Err(invalid(format!(
                                "{list}[{i}].name is missing or not a string"
                            )))
                        }
                    };
                    let body = match entry.get(key) {
                        Some(Value::Object(b)) => b.clone(),
                        None | Some(Value::Null) => Map::new(),
                        Some(_) => {
                            return Err(invalid(format!(
                                "{list}[{i}].{key} ({name:?}) is not a mapping"
                            )))
                        }
                    };
                    let target = match key {
                        "cluster" => &mut self.clusters,
                        "user" => &mut self.users,
                        _ => &mut self.contexts,
                    };
                    if !target.iter().any(|e| e.name == name) {
                        target.push(Named {
                            name,
                            body,
                            origin: path.to_path_buf(),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Kubeconfig {
    // Names only: user entries hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |v: &[Named]| v.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        f.debug_struct("Kubeconfig")
            .field("files", &self.files)
            .field("current_context", &self.current_context)
            .field("clusters", &names(&self.clusters))
            .field("users", &names(&self.users))
            .field("contexts", &names(&self.contexts))
            .finish()
    }
}

/// `opts.kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`.
pub(super) fn load_env(
    env: &dyn Fn(&str) -> Option<String>,
    opts: &KubeconfigOptions,
) -> Result<Kubeconfig> {
    if let Some(path) = &opts.kubeconfig {
        return Kubeconfig::read(path);
    }
    if let Some(list) = env(KUBECONFIG_ENV).filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let config = Kubeconfig::merge(&paths)?;
        if config.files.is_empty() {
            return Err(Error::NoKubeconfig(format!(
                "none of the files in KUBECONFIG={list} exists"
            )));
        }
        return Ok(config);
    }
    let Some(home) = env("HOME").filter(|h| !h.is_empty()) else {
        return Err(Error::NoKubeconfig(
            "KUBECONFIG and HOME are not set".into(),
        ));
    };
    let path = Path::new(&home).join(DEFAULT_KUBECONFIG);
    if !path.exists() {
        return Err(Error::NoKubeconfig(format!(
            "KUBECONFIG is not set and {} does not exist",
            path.display()
        )));
    }
    Kubeconfig::read(&path)
}

/// Builds a config from the kubeconfig with `env` for the proxy variables.
pub(super) fn config_env(
    env: &dyn Fn(&str) -> Option<String>,
    opts: &KubeconfigOptions,
) -> Result<Config> {
    load_env(env, opts)?.config_env(env, opts)
}

/// Typed access to one named entry's fields, errors naming file and field.
struct Fields<'a> {
    body: &'a Map<String, Value>,
    kind: &'static str,
    name: &'a str,
    origin: &'a Path,
}

impl<'a> Fields<'a> {
    fn new(entry: &'a Named, kind: &'static str) -> Fields<'a> {
        Fields {
            body: &entry.body,
            kind,
            name: &entry.name,
            origin: &entry.origin,
        }
    }

    fn error(&self, message: String) -> Error {
        Error::Kubeconfig {
            path: self.origin.to_path_buf(),
            message: format!("{} {:?} {message}", self.kind, self.name),
        }
    }

    fn text(&self, key: &str) -> Result<Option<&'a str>> {
        match self.body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(format!("has {key} that is not a string"))),
        }
    }

    /// A file field, made absolute against the kubeconfig's directory
    /// (client-go's `ResolveLocalPaths`).
    fn path(&self, key: &str) -> Result<Option<PathBuf>> {
        Ok(self
            .text(key)?
            .filter(|p| !p.is_empty())
            .map(|p| absolute(self.origin, p)))
    }

    fn bool(&self, key: &str) -> Result<bool> {
        match self.body.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.error(format!("has {key} that is not true or false"))),
        }
    }

    /// A base64 `*-data` field, decoded.
    fn data(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let Some(text) = self.text(key)?.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean)
            .map(Some)
            .map_err(|_| self.error(format!("has {key} that is not valid base64")))
    }

    /// `key-data` (preferred) or the file named by `key`, with where it came from.
    fn file_or_data(&self, key: &str) -> Result<Option<(Vec<u8>, String)>> {
        let data_key = format!("{key}-data");
        if let Some(data) = self.data(&data_key)? {
            return Ok(Some((
                data,
                format!("{:?} {} {:?} {data_key}", self.origin, self.kind, self.name),
            )));
        }
        match self.path(key)? {
            None => Ok(None),
            Some(file) => {
                let bytes = std::fs::read(&file).map_err(|source| Error::ReadFile {
                    what: if key == "client-key" {
                        "client key"
                    } else {
                        "client certificate"
                    },
                    path: file.clone(),
                    source,
                })?;
                Ok(Some((bytes, format!("{file:?}"))))
            }
        }
    }
}

/// The exec section made runnable, with its `KUBERNETES_EXEC_INFO`.
fn exec_spec(
    u: &Fields<'_>,
    exec: &Value,
    config: &Config,
    ca_pem: Option<&[u8]>,
    cluster: &Named,
    opts: &KubeconfigOptions,
) -> Result<ExecSpec> {
    let Value::Object(exec) = exec else {
        return Err(u.error("has exec that is not a mapping".into()));
    };
    let field = |key: &str| -> Result<Option<&str>> {
        match exec.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(u.error(format!("has exec.{key} that is not a string"))),
        }
    };
    let command = field("command")?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| u.error("has exec without a command".into()))?;
    // A bare name is looked up in PATH; one with a `/` is a path.
    let command = if command.contains('/') {
        absolute(u.origin, command).display().to_string()
    } else {
        command.to_string()
    };
    let api_version = field("apiVersion")?.unwrap_or_default().to_string();
    let strings = |key: &str| -> Result<Vec<&Value>> {
        match exec.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.iter().collect()),
            Some(_) => Err(u.error(format!("has exec.{key} that is not a list"))),
        }
    };
    let mut args = Vec::new();
    for a in strings("args")? {
        args.push(
            a.as_str()
                .ok_or_else(|| u.error("has exec.args that are not strings".into()))?
                .to_string(),
        );
    }
    let mut env = Vec::new();
    for e in strings("env")? {
        let (Some(name), Some(value)) = (
            e.get("name").and_then(Value::as_str),
            e.get("value").and_then(Value::as_str),
        ) else {
            return Err(u.error("has exec.env entries without a name and a value".into()));
        };
        env.push((name.to_string(), value.to_string()));
    }
    if field("interactiveMode")? == Some("Always") {
        return Err(u.error(
            "has exec.interactiveMode Always, but kapi never gives an exec plugin a terminal; \
             use IfAvailable or Never and a plugin that can work without one"
                .into(),
        ));
    }
    let provide = matches!(exec.get("provideClusterInfo"), Some(Value::Bool(true)));
    let mut spec = Map::new();
    spec.insert("interactive".into(), false.into());
    if provide {
        let mut c = Map::new();
        c.insert("server".into(), config.server().into());
        if let Some(name) = &config.tls_server_name {
            c.insert("tls-server-name".into(), name.clone().into());
        }
        if config.insecure_skip_tls_verify {
            c.insert("insecure-skip-tls-verify".into(), true.into());
        }
        if let Some(pem) = ca_pem {
            c.insert(
                "certificate-authority-data".into(),
                base64::engine::general_purpose::STANDARD.encode(pem).into(),
            );
        }
        if let Some(p) = cluster.body.get("proxy-url") {
            c.insert("proxy-url".into(), p.clone());
        }
        if let Some(ext) = cluster
            .body
            .get("extensions")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter().find(|e| {
                    e.get("name").and_then(Value::as_str)
                        == Some("client.authentication.k8s.io/exec")
                })
            })
            .and_then(|e| e.get("extension"))
        {
            c.insert("config".into(), ext.clone());
        }
        spec.insert("cluster".into(), Value::Object(c));
    }
    let mut info = Map::new();
    info.insert("apiVersion".into(), api_version.clone().into());
    info.insert("kind".into(), "ExecCredential".into());
    info.insert("spec".into(), Value::Object(spec));
    Ok(ExecSpec {
        api_version,
        command,
        args,
        env,
        install_hint: field("installHint")?.map(str::to_string),
        info: Value::Object(info).to_string(),
        timeout: opts.exec_timeout.unwrap_or(DEFAULT_EXEC_TIMEOUT),
        kubeconfig: Some(u.origin.to_path_buf()),
    })
}

fn string<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

/// A value for an error message, cut short.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!("{}...", &s[..s.floor_char_boundary(40)])
    } else {
        s
    }
}

/// `p` against the directory of the kubeconfig `origin`, unless absolute.
fn absolute(origin: &Path, p: &str) -> PathBuf {
    let dir = origin.parent().unwrap_or(Path::new(""));
    dir.join(p)
}

/// kubectl's `config view` redaction.
fn redact(body: &mut Map<String, Value>) {
    for (key, value) in body.iter_mut() {
        if !value.is_string() || value.as_str() == Some("") {
            continue;
        }
        if key.ends_with("-data") {
            *value = "DATA+OMITTED".into();
        } else if key == "token" || key == "password" {
            *value = "REDACTED".into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(tempfile_dir::TempDir);
    mod tempfile_dir {
        pub struct TempDir(pub std::path::PathBuf);
        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn dir(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("kapi-kc-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(tempfile_dir::TempDir(p))
    }

    impl Dir {
        fn write(&self, name: &str, text: &str) -> PathBuf {
            let p = self.0 .0.join(name);
            std::fs::write(&p, text).unwrap();
            p
        }
    }

    const A: &str = "
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: shared
  cluster:
    server: https://a.example:6443
    certificate-authority: ca.crt
users:
- name: shared
  user:
    token: from-a
contexts:
- name: a
  context: {cluster: shared, user: shared, namespace: team-a}
";
    const B: &str = "
current-context: b
clusters:
- name: shared
  cluster: {server: https://b.example}
- name: only-b
  cluster: {server: https://only-b.example, insecure-skip-tls-verify: true}
users:
- name: shared
  user: {token: from-b}
contexts:
- name: b
  context: {cluster: only-b, user: shared}
";

    #[test]
    fn merge_is_first_wins_and_skips_missing_files() {
        let d = dir("merge");
        let a = d.write("a", A);
        let b = d.write("b", B);
        let missing = d.0 .0.join("missing");
        let merged = Kubeconfig::merge(&[missing, a.clone(), b.clone()]).unwrap();
        assert_eq!(merged.files(), &[a.clone(), b.clone()]);
        assert_eq!(merged.current_context(), Some("a"));
        let names: Vec<String> = merged.contexts().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b"]);
        let view = merged.view(true, false, None).unwrap();
        assert_eq!(
            view["clusters"][0]["cluster"]["server"],
            "https://a.example:6443"
        );
        // As kubectl's view: paths as written; used against the file's directory.
        assert_eq!(
            view["clusters"][0]["cluster"]["certificate-authority"],
            "ca.crt"
        );
        let err = merged
            .config_env(&|_| None, &KubeconfigOptions::default())
            .unwrap_err()
            .to_string();
        let ca = d.0 .0.join("ca.crt");
        assert!(err.contains(&format!("{ca:?}")), "{err}");
        assert_eq!(view["users"][0]["user"]["token"], "from-a");
        let merged = Kubeconfig::merge(&[b, a]).unwrap();
        assert_eq!(merged.current_context(), Some("b"));
        let view = merged.view(false, false, None).unwrap();
        assert_eq!(view["users"][0]["user"]["token"], "REDACTED");
    }

    #[test]
    fn context_cluster_and_user_overrides() {
        let d = dir("select");
        let b = d.write("b", B);
        let env = |_: &str| None;
        let kc = Kubeconfig::read(&b).unwrap();
        let config = kc.config_env(&env, &KubeconfigOptions::default()).unwrap();
        assert_eq!(config.server(), "https://only-b.example");
        assert!(config.insecure_skip_tls_verify());
        assert_eq!(config.namespace(), "default");
        let opts = KubeconfigOptions {
            cluster: Some("shared".into()),
            ..Default::default()
        };
        assert_eq!(
            kc.config_env(&env, &opts).unwrap().server(),
            "https://b.example"
        );
        let opts = KubeconfigOptions {
            context: Some("nope".into()),
            ..Default::default()
        };
        let err = kc.config_env(&env, &opts).unwrap_err().to_string();
        assert!(
            err.contains("context \"nope\" is not in the kubeconfig"),
            "{err}"
        );
        let opts = KubeconfigOptions {
            user: Some("ghost".into()),
            ..Default::default()
        };
        let err = kc.config_env(&env, &opts).unwrap_err().to_string();
        assert!(
            err.contains("user \"ghost\" is not in the kubeconfig"),
            "{err}"
        );
    }

    #[test]
    fn bad_files_name_the_file_and_the_field() {
        let d = dir("bad");
        let env = |_: &str| None;
        let pod = d.write("pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n");
        let err = Kubeconfig::read(&pod).unwrap_err().to_string();
        assert!(
            err.contains("pod") && err.contains("kind is \"Pod\", not Config"),
            "{err}"
        );
        let missing = d.write(
            "m",
            "current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone, user: u}\n",
        );
        let err = Kubeconfig::read(&missing)
            .unwrap()
            .config_env(&env, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("context \"c\" names cluster \"gone\", which is not in the kubeconfig"),
            "{err}"
        );
        let bad_ca = d.write("ca", "current-context: c\ncontexts:\n- name: c\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: bm90IHBlbQ==}\n");
        let err = Kubeconfig::read(&bad_ca)
            .unwrap()
            .config_env(&env, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("certificate-authority-data") && err.contains("no PEM CERTIFICATE"),
            "{err}"
        );
        let empty = d.write("e", "");
        let err = Kubeconfig::read(&empty)
            .unwrap()
            .config_env(&env, &Default::default())
            .unwrap_err();
        assert!(matches!(err, Error::NoContext(_)), "{err}");
    }

    #[test]
    fn kubeconfig_env_then_home() {
        let d = dir("env");
        let a = d.write("a", A);
        let home = d.0 .0.display().to_string();
        let list = format!("{}:{}", d.0 .0.join("none").display(), a.display());
        let env = |name: &str| match name {
            "KUBECONFIG" => Some(list.clone()),
            "HOME" => Some(home.clone()),
            _ => None,
        };
        assert_eq!(
            load_env(&env, &Default::default()).unwrap().files(),
            std::slice::from_ref(&a)
        );
        let env = |name: &str| (name == "HOME").then(|| home.clone());
        let err = load_env(&env, &Default::default()).unwrap_err().to_string();
        assert!(err.contains(".kube/config does not exist"), "{err}");
    }
}
