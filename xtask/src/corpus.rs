//! `cargo xtask corpus DIR`: reads every `*.yaml`, `*.yml` and `*.json`
//! under DIR with `kapi::manifest` and, when kubectl is installed, checks
//! that kapi would send what kubectl sends.
//!
//! kubectl's side is `kubectl create --dry-run=client -o json -f FILE`
//! against a `kapi_fake::FakeApiServer` (kubectl maps kinds through
//! discovery, so it needs a server; `--validate=false` because the fake has
//! no OpenAPI). Several objects come back as a `List`; its items are
//! compared with kapi's objects (lists flattened, as `kapi create -f`
//! does), as JSON values. Opt-in: not part of `cargo xtask test`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

const USAGE: &str = "usage: cargo xtask corpus DIR";

/// What one file gave.
enum Outcome {
    /// The same objects; how kubectl read the file, when not `create`.
    Ok(&'static str),
    Differs(String),
    KapiError(String),
    KubectlError(String),
    /// Both refused it (kapi's and kubectl's first lines).
    BothError(String, String),
}

pub fn run(args: &[String]) -> Result<()> {
    let [dir] = args else {
        bail!("{USAGE}");
    };
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        bail!("'{}' is not a directory\n{USAGE}", dir.display());
    }
    let mut files = Vec::new();
    collect(&dir, &mut files)?;
    files.sort();

    let kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    let server = kubectl.then(kapi_fake::FakeApiServer::start);
    let kubeconfig = match &server {
        Some(server) => {
            let path = std::env::temp_dir()
                .join(format!("xtask-corpus-{}.kubeconfig", std::process::id()));
            fs::write(&path, server.kubeconfig())
                .with_context(|| format!("failed to write '{}'", path.display()))?;
            Some(path)
        }
        None => {
            eprintln!("kubectl not found: parsing with kapi only");
            None
        }
    };

    let (mut ok, mut differs, mut kapi_errors, mut kubectl_errors, mut both) = (0, 0, 0, 0, 0);
    for file in &files {
        let shown = file.strip_prefix(&dir).unwrap_or(file).display();
        let outcome = check(file, kubeconfig.as_deref());
        match &outcome {
            Outcome::Ok(how) => {
                ok += 1;
                println!("ok            {shown}{how}");
            }
            Outcome::Differs(path) => {
                differs += 1;
                println!("differs       {shown}: first difference at {path}");
            }
            Outcome::KapiError(e) => {
                kapi_errors += 1;
                println!("kapi error    {shown}: {e}");
            }
            Outcome::KubectlError(e) => {
                kubectl_errors += 1;
                println!("kubectl error {shown}: {e}");
            }
            Outcome::BothError(k, c) => {
                both += 1;
                println!("both error    {shown}: kapi: {k}; kubectl: {c}");
            }
        }
    }
    if let Some(path) = &kubeconfig {
        let _ = fs::remove_file(path);
    }
    println!(
        "\n{} files: {ok} ok, {differs} differ, {kapi_errors} kapi errors, {kubectl_errors} kubectl errors, {both} both errors",
        files.len()
    );
    Ok(())
}

/// Every manifest file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("failed to read '{}'", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn check(file: &Path, kubeconfig: Option<&Path>) -> Outcome {
    let name = file.to_string_lossy();
    let kapi = fs::read(file)
        .map_err(|e| format!("failed to read: {e}"))
        .and_then(|bytes| {
            kapi::manifest::parse_manifests(&name, &bytes)
                .map(kapi::manifest::flatten_lists)
                .map_err(|e| e.to_string())
        })
        .and_then(as_kapi_sends);
    let Some(kubeconfig) = kubeconfig else {
        return match kapi {
            Ok(_) => Outcome::Ok(""),
            Err(e) => Outcome::KapiError(e),
        };
    };
    let kubectl = kubectl_objects(file, kubeconfig);
    match (kapi, kubectl) {
        (Ok(ours), Ok((mut theirs, local))) => {
            normalise(&ours, &mut theirs);
            let how = if local {
                " (kubectl label --local)"
            } else {
                ""
            };
            match first_difference(&Value::Array(ours), &Value::Array(theirs), String::new()) {
                None => Outcome::Ok(how),
                Some(path) => Outcome::Differs(format!("{path}{how}")),
            }
        }
        // Both see no objects: kubectl says so as an error.
        (Ok(ours), Err(e)) if ours.is_empty() && e.contains("no objects passed") => Outcome::Ok(""),
        (Ok(_), Err(e)) => Outcome::KubectlError(e),
        (Err(e), Ok(_)) => Outcome::KapiError(e),
        (Err(k), Err(c)) => Outcome::BothError(k, c),
    }
}

/// kapi's objects as `kapi create -f` sends them (the rules of
/// kapi-cli's `objects::from_manifest` that need no server): `apiVersion`
/// and `kind` are required, and a built-in cluster-scoped object loses the
/// namespace its manifest gives it.
fn as_kapi_sends(mut objects: Vec<Value>) -> Result<Vec<Value>, String> {
    for object in &mut objects {
        let api_version = object["apiVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        if api_version.is_empty() || kind.is_empty() {
            return Err("error validating data: apiVersion or kind not set".to_string());
        }
        let cluster_scoped = kapi::builtin_kind(&api_version, &kind).is_some_and(|r| !r.namespaced);
        if let (true, Some(meta)) = (
            cluster_scoped,
            object.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            meta.remove("namespace");
        }
    }
    Ok(objects)
}

/// The objects `kubectl create --dry-run=client` would send for `file`.
/// For kinds the fake does not serve (CRDs, dropped versions), kubectl
/// cannot map them; then `kubectl label --local` reads the file without a
/// server (its `labels: {}` is taken out again where kapi has none).
fn kubectl_objects(file: &Path, kubeconfig: &Path) -> Result<(Vec<Value>, bool), String> {
    match kubectl(file, kubeconfig, false) {
        Err(e) if e.contains("resource mapping not found") => {
            kubectl(file, kubeconfig, true).map(|objects| (objects, true))
        }
        other => other.map(|objects| (objects, false)),
    }
}

fn kubectl(file: &Path, kubeconfig: &Path, local: bool) -> Result<Vec<Value>, String> {
    let mut cmd = Command::new("kubectl");
    cmd.arg("--kubeconfig").arg(kubeconfig);
    if local {
        cmd.args(["label", "--local", "-o", "json", "kapi-corpus-", "-f"]);
    } else {
        cmd.args([
            "create",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "json",
            "-f",
        ]);
    }
    let out = cmd
        .arg(file)
        .output()
        .map_err(|e| format!("failed to run kubectl: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(stderr.lines().next().unwrap_or("(no message)").to_string());
    }
    // One JSON document per object (or a `List`).
    let mut objects = Vec::new();
    for value in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>() {
        match value.map_err(|e| format!("kubectl's output is not JSON: {e}"))? {
            Value::Object(mut list) if list.get("kind").and_then(Value::as_str) == Some("List") => {
                if let Some(Value::Array(items)) = list.remove("items") {
                    objects.extend(items);
                }
            }
            one => objects.push(one),
        }
    }
    Ok(objects)
}

/// Takes out of kubectl's objects what kapi adds only when it sends them,
/// or what `label --local` adds: the kubeconfig's namespace (`test`) and an
/// empty `labels`, where kapi's object has none.
fn normalise(ours: &[Value], theirs: &mut [Value]) {
    for (our, their) in ours.iter().zip(theirs.iter_mut()) {
        let Some(meta) = their.get_mut("metadata").and_then(Value::as_object_mut) else {
            continue;
        };
        let our_meta = &our["metadata"];
        if our_meta.get("namespace").is_none()
            && meta.get("namespace").and_then(Value::as_str) == Some("test")
        {
            meta.remove("namespace");
        }
        if our_meta.get("labels").is_none()
            && meta
                .get("labels")
                .and_then(Value::as_object)
                .is_some_and(|l| l.is_empty())
        {
            meta.remove("labels");
        }
    }
}

/// The JSONPath-like path of the first place `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let child = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => {
                        if let Some(p) = first_difference(u, v, child) {
                            return Some(p);
                        }
                    }
                    (Some(_), None) => return Some(format!("{child} (only kapi has it)")),
                    (None, _) => return Some(format!("{child} (only kubectl has it)")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                if let Some(p) = first_difference(u, v, format!("{path}[{i}]")) {
                    return Some(p);
                }
            }
            (x.len() != y.len())
                .then(|| format!("{path} (kapi {} items, kubectl {})", x.len(), y.len()))
        }
        // Numbers compare as Go would print them: kubectl's 1.0 is 1.
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(format!(
            "{} (kapi {a}, kubectl {b})",
            if path.is_empty() { "." } else { &path }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_difference_names_the_path() {
        let a = json!([{"a": {"b": [1, 2]}, "c": 1}]);
        assert_eq!(first_difference(&a, &a, String::new()), None);
        let b = json!([{"a": {"b": [1, 3]}, "c": 1}]);
        assert_eq!(
            first_difference(&a, &b, String::new()).unwrap(),
            "[0].a.b[1] (kapi 2, kubectl 3)"
        );
        let c = json!([{"a": {"b": [1, 2]}}]);
        assert_eq!(
            first_difference(&a, &c, String::new()).unwrap(),
            "[0].c (only kapi has it)"
        );
    }
}
