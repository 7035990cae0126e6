//! The `kapi create configmap` and `kapi create secret generic|
//! docker-registry|tls` commands: flags, the object (`data.rs`), and
//! kubectl's three ways to end: `--dry-run=client` prints it without a
//! server (no kubeconfig needed), `--dry-run=server` sends it with
//! `dryRun=All`, else it is created.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::PostParams;
use serde_json::{json, Map, Value};

use super::data::{self, Data, Kind};
use crate::args::{value, Flag, Matches, UsageError};
use crate::cmd::flags::{self, DryRun};
use crate::connect;
use crate::error::{Error, Result};
use crate::output::json::{write_struct, Field};
use crate::output::result::{ResultFormat, ResultPrinter};
use crate::output::{self, yaml::write_yaml};

/// Which object a command line builds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sub {
    ConfigMap,
    Generic,
    DockerRegistry,
    Tls,
}

impl Sub {
    fn command(self) -> &'static str {
        match self {
            Sub::ConfigMap => "create configmap",
            Sub::Generic => "create secret generic",
            Sub::DockerRegistry => "create secret docker-registry",
            Sub::Tls => "create secret tls",
        }
    }
}

pub(in crate::cmd) const CONFIGMAP_HELP: &str = "\
Create a ConfigMap from literal values, files, directories or env files.

Usage:
  kapi create configmap NAME [--from-literal=KEY=VALUE] [--from-file=[KEY=]PATH]
                             [--from-env-file=FILE] [options]
  kapi create secret generic NAME [--type=TYPE] [the same --from-* options]
  kapi create secret docker-registry NAME --docker-server=S --docker-username=U
                                          --docker-password=P [--docker-email=E]
  kapi create secret docker-registry NAME --from-file=[.dockerconfigjson=]FILE
  kapi create secret tls NAME --cert=FILE --key=FILE

A file's key is its name (or KEY=PATH); a directory adds each regular file in it. Text
goes to data, other bytes to binaryData (a ConfigMap) or base64 data (a Secret). Keys are
checked as kubectl checks them (letters, digits, '-', '_', '.').

--dry-run=client prints the object and sends nothing: it needs no server and no
kubeconfig, for the pipeline pattern

  kapi create configmap app --from-file=config/ --dry-run=client -o yaml |
    kapi apply --server-side -f -

Options:
      --from-literal KEY=VALUE  A key and its value (repeatable)
      --from-file [KEY=]PATH    A file (its name the key) or a directory (repeatable)
      --from-env-file FILE      KEY=VALUE lines; a bare KEY takes the environment's value
                                (repeatable; not with --from-file or --from-literal)
      --type TYPE               secret generic: the Secret's type (default Opaque)
      --docker-server, --docker-username, --docker-password, --docker-email
                                secret docker-registry: the registry login
      --cert FILE, --key FILE   secret tls: the PEM certificate (chain) and private key (checked
                                to be PEM blocks of those kinds; unlike kubectl, not that the
                                key is the certificate's)
  -o, --output FORMAT           name|json|yaml (default: 'configmap/NAME created')
      --dry-run STRATEGY        none|server|client (see above)
      --field-manager NAME      Owner of the fields written (default kapi-create)
      --validate MODE           strict|warn|ignore (default strict)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

/// Every flag of the four commands; each command refuses the others'.
pub(in crate::cmd) const FLAGS: &[Flag] = &[
    value("from-literal", None),
    value("from-file", None),
    value("from-env-file", None),
    value("type", None),
    value("docker-server", None),
    value("docker-username", None),
    value("docker-password", None),
    value("docker-email", None),
    value("cert", None),
    value("key", None),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    value("validate", None),
];

/// Whether `sub` takes the flag `long` (of [`FLAGS`]).
fn takes(sub: Sub, long: &str) -> bool {
    let docker = long.starts_with("docker-");
    let sources = matches!(long, "from-literal" | "from-file" | "from-env-file");
    match sub {
        Sub::ConfigMap => !docker && !matches!(long, "type" | "cert" | "key"),
        Sub::Generic => !docker && !matches!(long, "cert" | "key"),
        Sub::DockerRegistry => {
            long == "from-file" || !sources && !matches!(long, "type" | "cert" | "key")
        }
        Sub::Tls => !docker && !sources && long != "type",
    }
}

/// The subcommand of `kapi create ARGS`, if the first word is one.
pub fn subcommand(args: &[OsString]) -> Option<Sub> {
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["configmap" | "cm", ..] => Some(Sub::ConfigMap),
        ["secret", "generic"] => Some(Sub::Generic),
        ["secret", "docker-registry"] => Some(Sub::DockerRegistry),
        ["secret", "tls"] => Some(Sub::Tls),
        _ => None,
    }
}

pub fn run(sub: Sub, args: Vec<OsString>) -> Result<ExitCode> {
    let command = sub.command();
    let Some(m) = super::super::parse(command, args, FLAGS, CONFIGMAP_HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new(command, msg));
    if let Some(flag) = FLAGS
        .iter()
        .find(|f| m.given(f.long) && !takes(sub, f.long))
    {
        return Err(usage(format!("unknown flag: --{}", flag.long)));
    }
    // The command words, then NAME.
    let skip = if sub == Sub::ConfigMap { 1 } else { 2 };
    let names = &m.positionals[skip.min(m.positionals.len())..];
    let [name] = names else {
        return Err(usage(format!(
            "exactly one NAME is required, got {}",
            names.len()
        )));
    };
    let format = flags::output(command, &m)?;
    let dry_run = flags::dry_run_strategy(command, &m)?;
    let validation = flags::validation(command, &m)?;
    let namespace = m.value("namespace").filter(|n| !n.is_empty());
    let object = build(sub, name, &m, namespace)?;
    let resource = kapi::builtin(if sub == Sub::ConfigMap {
        "configmaps"
    } else {
        "secrets"
    })
    .ok_or_else(|| Error::msg("no such built-in type"))?;
    let mut out = output::stdout();
    if dry_run == DryRun::Client {
        match format {
            ResultFormat::Json => write_typed(&mut out, &object)?,
            ResultFormat::Yaml => write_yaml(&mut out, &object)?,
            _ => ResultPrinter::client_dry_run(format)
                .print(&mut out, &resource, &object, "created")?,
        }
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let client = connect::client(command, &m)?;
    let mut params = PostParams::default()
        .field_manager(flags::field_manager(&m, "kapi-create"))
        .field_validation(validation);
    params.dry_run = dry_run == DryRun::Server;
    let what = match sub {
        Sub::ConfigMap => "failed to create configmap:",
        _ => "failed to create secret",
    };
    let created: Value = client
        .api(resource.clone())
        .create(&params, &object)
        .map_err(|e| match e.status() {
            Some(status) => Error::msg(format!("{what} {}", status.message)),
            None => Error::from(e),
        })?;
    ResultPrinter::new(format, params.dry_run).print(&mut out, &resource, &created, "created")?;
    out.flush()?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The object, as kubectl builds it (a namespace only with `-n`).
fn build(sub: Sub, name: &str, m: &Matches, namespace: Option<&str>) -> Result<Value> {
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::from(name));
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), Value::from(ns));
    }
    metadata.insert("creationTimestamp".into(), Value::Null);
    let kind = if sub == Sub::ConfigMap {
        Kind::ConfigMap
    } else {
        Kind::Secret
    };
    let mut data = Data::new(kind, name);
    let (literals, files, env_files) = (
        m.all("from-literal"),
        m.all("from-file"),
        m.all("from-env-file"),
    );
    match sub {
        Sub::ConfigMap | Sub::Generic => {
            if !env_files.is_empty() && (!files.is_empty() || !literals.is_empty()) {
                return Err(Error::msg(
                    "from-env-file cannot be combined with from-file or from-literal",
                ));
            }
            // kubectl's order: files then literals for a ConfigMap,
            // literals then files for a Secret (it decides which duplicate
            // is reported).
            if sub == Sub::ConfigMap {
                files.iter().try_for_each(|f| data.file(f))?;
                literals.iter().try_for_each(|l| data.literal(l))?;
            } else {
                literals.iter().try_for_each(|l| data.literal(l))?;
                files.iter().try_for_each(|f| data.file(f))?;
            }
            env_files.iter().try_for_each(|f| data.env_file(f))?;
        }
        Sub::DockerRegistry => {
            let text = |flag: &str| m.value(flag).unwrap_or_default();
            if files.is_empty()
                && [
                    text("docker-username"),
                    text("docker-password"),
                    text("docker-server"),
                ]
                .contains(&"")
            {
                return Err(Error::msg("either --from-file or the combination of --docker-username, --docker-password and --docker-server is required"));
            }
            if files.is_empty() {
                let config = data::docker_config(
                    text("docker-server"),
                    text("docker-username"),
                    text("docker-password"),
                    text("docker-email"),
                );
                data.add(".dockerconfigjson", config.as_bytes())?;
            }
            for file in files {
                match file.contains('=') {
                    true => data.file(file)?,
                    false => data.file(&format!(".dockerconfigjson={file}"))?,
                }
            }
        }
        Sub::Tls => {
            let (cert, key) = (
                m.value("cert").unwrap_or_default(),
                m.value("key").unwrap_or_default(),
            );
            if cert.is_empty() || key.is_empty() {
                return Err(Error::msg("key and cert must be specified"));
            }
            let read = |file: &str| {
                std::fs::read(file).map_err(|e| {
                    Error::msg(format!(
                        "Cannot read file {file}, open {file}: {}",
                        io_reason(&e)
                    ))
                })
            };
            let (cert_bytes, key_bytes) = (read(cert)?, read(key)?);
            data::check_tls_pair(&cert_bytes, &key_bytes)?;
            data.add("tls.crt", &cert_bytes)?;
            data.add("tls.key", &key_bytes)?;
        }
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::from("v1"));
    object.insert(
        "kind".into(),
        Value::from(if kind == Kind::ConfigMap {
            "ConfigMap"
        } else {
            "Secret"
        }),
    );
    object.insert("metadata".into(), Value::Object(metadata));
    if !data.text.is_empty() {
        object.insert("data".into(), Value::Object(data.text));
    }
    if !data.binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(data.binary));
    }
    let secret_type = match sub {
        Sub::ConfigMap => None,
        // Empty (omitted) unless given: the server makes it Opaque.
        Sub::Generic => m.value("type").filter(|t| !t.is_empty()),
        Sub::DockerRegistry => Some("kubernetes.io/dockerconfigjson"),
        Sub::Tls => Some("kubernetes.io/tls"),
    };
    if let Some(t) = secret_type {
        object.insert("type".into(), Value::from(t));
    }
    Ok(Value::Object(object))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// `-o json` of a ConfigMap or Secret built here: Go's field order.
fn write_typed(out: &mut dyn Write, object: &Value) -> std::io::Result<()> {
    let null = json!(null);
    let get = |v: &'_ Value, k: &str| -> Option<Value> { v.get(k).cloned() };
    let meta = &object["metadata"];
    let (name, namespace) = (get(meta, "name"), get(meta, "namespace"));
    let mut metadata: Vec<(&str, Field<'_>)> = Vec::new();
    if let Some(name) = &name {
        metadata.push(("name", Field::Value(name)));
    }
    if let Some(ns) = &namespace {
        metadata.push(("namespace", Field::Value(ns)));
    }
    metadata.push(("creationTimestamp", Field::Value(&null)));
    let mut fields: Vec<(&str, Field<'_>)> = vec![
        ("kind", Field::Value(&object["kind"])),
        ("apiVersion", Field::Value(&object["apiVersion"])),
        ("metadata", Field::Struct(metadata)),
    ];
    for key in ["data", "binaryData", "type"] {
        if let Some(v) = object.get(key) {
            fields.push((key, Field::Value(v)));
        }
    }
    write_struct(out, &fields)
}
