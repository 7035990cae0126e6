//! A pod template described as `kubectl rollout history --revision=N`
//! prints it (kubectl's `DescribePodTemplate`): indented `Key:\tvalue`
//! lines, tabs left as they are (kubectl writes them straight out, not
//! through a tabwriter).
//!
//! Covered: labels, annotations, service account, init containers and
//! containers (image, ports, seccomp profile, command, args, resources,
//! probes, environment, mounts, devices), the common volume types
//! (hostPath, emptyDir, secret, configMap, persistentVolumeClaim,
//! projected, downwardAPI, csi, nfs, image, ephemeral), topology spread
//! constraints, priority class, node selector and tolerations. Other
//! volume types print `<unknown>`.

use std::fmt::Write;

use serde_json::{Map, Value};

/// kubectl cuts annotation values longer than this (key and `: ` included).
const MAX_ANNOTATION_LEN: usize = 140;

/// The annotation kubectl leaves out of descriptions.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `template` (a `PodTemplateSpec`) as kubectl describes it.
pub fn describe(template: &Value) -> String {
    let mut w = String::from("Pod Template:\n");
    if template.is_null() {
        w.push_str("  <unset>");
        return w;
    }
    let meta = &template["metadata"];
    let spec = &template["spec"];
    labels(&mut w, "  Labels", &meta["labels"]);
    if meta["annotations"]
        .as_object()
        .is_some_and(|a| !a.is_empty())
    {
        annotations(&mut w, "  Annotations", &meta["annotations"]);
    }
    if let Some(sa) = text(&spec["serviceAccountName"]) {
        let _ = writeln!(w, "  Service Account:\t{sa}");
    }
    if !list(&spec["initContainers"]).is_empty() {
        containers(&mut w, "Init Containers", list(&spec["initContainers"]));
    }
    containers(&mut w, "Containers", list(&spec["containers"]));
    volumes(&mut w, list(&spec["volumes"]));
    spread(&mut w, list(&spec["topologySpreadConstraints"]));
    if let Some(class) = text(&spec["priorityClassName"]) {
        let _ = writeln!(w, "  Priority Class Name:\t{class}");
    }
    labels(&mut w, "  Node-Selectors", &spec["nodeSelector"]);
    tolerations(&mut w, list(&spec["tolerations"]));
    w
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// `items` sorted (stably) by their string field `key`, as kubectl sorts
/// mounts, devices, constraints and tolerations.
fn sorted_by<'a>(items: &'a [Value], key: &str) -> Vec<&'a Value> {
    sorted(items.iter().map(|v| (s(&v[key]), v)).collect())
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// Pairs sorted (stably) by their key. Every sort here goes through this
/// one function, one instantiation of the sort: the binary stays small.
pub fn sorted<'a>(mut pairs: Vec<(&'a str, &'a Value)>) -> Vec<(&'a str, &'a Value)> {
    pairs.sort_by(by_key);
    pairs
}

fn by_key(a: &(&str, &Value), b: &(&str, &Value)) -> std::cmp::Ordering {
    a.0.cmp(b.0)
}

/// A map of strings sorted by key (values that are not strings as "").
fn sorted_map(v: &Value) -> Vec<(&str, &str)> {
    let pairs = map(v)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    sorted(pairs).into_iter().map(|(k, v)| (k, s(v))).collect()
}

fn map(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

/// A non-empty string field.
fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// A string field as Go's zero value.
fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// An integer field as Go's zero value.
fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A bool field as Go's zero value.
fn b(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

/// A map of strings, sorted by key, one `k=v` a line.
fn labels(w: &mut String, title: &str, labels: &Value) {
    let _ = write!(w, "{title}:\t");
    let entries = sorted_map(labels);
    if entries.is_empty() {
        w.push_str("<none>\n");
        return;
    }
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            w.push('\t');
        }
        let _ = writeln!(w, "{k}={v}");
    }
}

fn annotations(w: &mut String, title: &str, annotations: &Value) {
    let _ = write!(w, "{title}:\t");
    let mut entries = sorted_map(annotations);
    entries.retain(|(k, _)| *k != LAST_APPLIED);
    if entries.is_empty() {
        w.push_str("<none>\n");
        return;
    }
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            w.push('\t');
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            let _ = writeln!(w, "{k}:");
            for line in value.split('\n') {
                let _ = writeln!(w, "\t  {}", shorten(line, MAX_ANNOTATION_LEN - 2));
            }
        } else {
            let _ = writeln!(w, "{k}: {value}");
        }
    }
}

/// kubectl's `shorten`: at most `max` bytes, then `...` (on a character
/// boundary here, where Go cuts bytes).
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn containers(w: &mut String, label: &str, containers: &[Value]) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    let _ = writeln!(w, "  {label}:{none}");
    for c in containers {
        let _ = writeln!(w, "   {}:", s(&c["name"]));
        let _ = writeln!(w, "    Image:\t{}", s(&c["image"]));
        let ports = list(&c["ports"]);
        let joined = |field: &str| {
            ports
                .iter()
                .map(|p| format!("{}/{}", n(&p[field]), s(&p["protocol"])))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (one, many, text) in [
            ("Port", "Ports", joined("containerPort")),
            ("Host Port", "Host Ports", joined("hostPort")),
        ] {
            if text.contains(',') {
                let _ = writeln!(w, "    {many}:\t{text}");
            } else {
                let shown = if text.is_empty() { "<none>" } else { &text };
                let _ = writeln!(w, "    {one}:\t{shown}");
            }
        }
        let seccomp = &c["securityContext"]["seccompProfile"];
        if seccomp.is_object() {
            let _ = writeln!(w, "    SeccompProfile:\t{}", s(&seccomp["type"]));
            if seccomp["type"] == "Localhost" {
                let _ = writeln!(
                    w,
                    "      LocalhostProfile:\t{}",
                    s(&seccomp["localhostProfile"])
                );
            }
        }
        for (title, field) in [("Command", "command"), ("Args", "args")] {
            let items = list(&c[field]);
            if !items.is_empty() {
                let _ = writeln!(w, "    {title}:");
                for item in items {
                    for line in s(item).split('\n') {
                        let _ = writeln!(w, "      {line}");
                    }
                }
            }
        }
        resources(w, &c["resources"]);
        for (title, field) in [
            ("Liveness", "livenessProbe"),
            ("Readiness", "readinessProbe"),
            ("Startup", "startupProbe"),
        ] {
            if c[field].is_object() {
                let _ = writeln!(w, "    {title}:\t{}", probe(&c[field]));
            }
        }
        if !list(&c["envFrom"]).is_empty() {
            env_from(w, list(&c["envFrom"]));
        }
        env(w, c);
        mounts(w, c);
    }
}

fn resources(w: &mut String, resources: &Value) {
    for (title, field) in [("Limits", "limits"), ("Requests", "requests")] {
        let Some(values) = map(&resources[field]).filter(|m| !m.is_empty()) else {
            continue;
        };
        let _ = writeln!(w, "    {title}:");
        // serde_json's maps are sorted, as kubectl sorts resource names.
        for (name, quantity) in values {
            let _ = writeln!(w, "      {name}:\t{}", quantity_text(quantity));
        }
    }
}

fn quantity_text(q: &Value) -> String {
    match q {
        Value::Number(n) => n.to_string(),
        other => s(other).to_string(),
    }
}

/// kubectl's `DescribeProbe`.
fn probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        n(&p["initialDelaySeconds"]),
        n(&p["timeoutSeconds"]),
        n(&p["periodSeconds"]),
        n(&p["successThreshold"]),
        n(&p["failureThreshold"])
    );
    if p["exec"].is_object() {
        let command: Vec<&str> = list(&p["exec"]["command"]).iter().map(s).collect();
        return format!("exec [{}] {attrs}", command.join(" "));
    }
    if p["httpGet"].is_object() {
        let h = &p["httpGet"];
        let port = int_or_string(&h["port"]);
        let host = s(&h["host"]);
        let authority = if port.is_empty() {
            host.to_string()
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let scheme = s(&h["scheme"]).to_ascii_lowercase();
        let mut url = String::new();
        if !scheme.is_empty() {
            url.push_str(&scheme);
            url.push(':');
        }
        if !authority.is_empty() || !scheme.is_empty() {
            url.push_str("//");
            url.push_str(&authority);
        }
        let path = s(&h["path"]);
        if !path.is_empty() && !path.starts_with('/') && !url.is_empty() {
            url.push('/');
        }
        url.push_str(path);
        return format!("http-get {url} {attrs}");
    }
    if p["tcpSocket"].is_object() {
        let t = &p["tcpSocket"];
        return format!(
            "tcp-socket {}:{} {attrs}",
            s(&t["host"]),
            int_or_string(&t["port"])
        );
    }
    if p["grpc"].is_object() {
        let g = &p["grpc"];
        return format!("grpc <pod>:{} {} {attrs}", n(&g["port"]), s(&g["service"]));
    }
    format!("unknown {attrs}")
}

/// An IntOrString as Go's `String()` prints it.
fn int_or_string(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "0".into(),
    }
}

fn env_from(w: &mut String, sources: &[Value]) {
    w.push_str("    Environment Variables from:\n");
    for e in sources {
        let (from, reference) = if e["configMapRef"].is_object() {
            ("ConfigMap", &e["configMapRef"])
        } else if e["secretRef"].is_object() {
            ("Secret", &e["secretRef"])
        } else {
            ("", &Value::Null)
        };
        let optional = b(&reference["optional"]);
        let name = s(&reference["name"]);
        match text(&e["prefix"]) {
            None => {
                let _ = writeln!(w, "      {name}\t{from}\tOptional: {optional}");
            }
            Some(prefix) => {
                let _ = writeln!(
                    w,
                    "      {name}\t{from} with prefix '{prefix}'\tOptional: {optional}"
                );
            }
        }
    }
}

fn env(w: &mut String, c: &Value) {
    let vars = list(&c["env"]);
    if vars.is_empty() {
        w.push_str("    Environment:\t<none>\n");
        return;
    }
    w.push_str("    Environment:\n");
    for e in vars {
        let name = s(&e["name"]);
        let from = &e["valueFrom"];
        if !from.is_object() {
            for (i, line) in s(&e["value"]).split('\n').enumerate() {
                if i == 0 {
                    let _ = writeln!(w, "      {name}:\t{line}");
                } else {
                    let _ = writeln!(w, "      \t{line}");
                }
            }
            continue;
        }
        if from["fieldRef"].is_object() {
            let f = &from["fieldRef"];
            let _ = writeln!(
                w,
                "      {name}:\t ({}:{})",
                s(&f["apiVersion"]),
                s(&f["fieldPath"])
            );
        } else if from["resourceFieldRef"].is_object() {
            let r = &from["resourceFieldRef"];
            let resource = s(&r["resource"]);
            let mut value = resource_value(c, resource, &r["divisor"]);
            if value == "0" && matches!(resource, "limits.cpu" | "limits.memory") {
                value = "node allocatable".into();
            }
            let _ = writeln!(w, "      {name}:\t{value} ({resource})");
        } else if from["secretKeyRef"].is_object() {
            let k = &from["secretKeyRef"];
            let _ = writeln!(
                w,
                "      {name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}",
                s(&k["key"]),
                s(&k["name"]),
                b(&k["optional"])
            );
        } else if from["configMapKeyRef"].is_object() {
            let k = &from["configMapKeyRef"];
            let _ = writeln!(
                w,
                "      {name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}",
                s(&k["key"]),
                s(&k["name"]),
                b(&k["optional"])
            );
        }
    }
}

/// The value a `resourceFieldRef` would give, from the container's own
/// resources (kubectl's `ExtractContainerResourceValue`): CPU rounded up
/// to whole divisors (default one core), memory and storage likewise
/// (default one byte); empty for what cannot be computed.
fn resource_value(c: &Value, resource: &str, divisor: &Value) -> String {
    let Some((kind, name)) = resource.split_once('.') else {
        return String::new();
    };
    let field = match kind {
        "limits" => "limits",
        "requests" => "requests",
        _ => return String::new(),
    };
    let supported =
        matches!(name, "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-");
    if !supported {
        return String::new();
    }
    let amount = c["resources"][field][name]
        .as_str()
        .and_then(quantity)
        .unwrap_or(0.0);
    let divisor = divisor
        .as_str()
        .and_then(quantity)
        .filter(|d| *d > 0.0)
        .unwrap_or(1.0);
    if name == "cpu" {
        // kubectl divides milli-values.
        let milli = |v: f64| (v * 1000.0).ceil();
        return format!("{}", (milli(amount) / milli(divisor)).ceil() as i64);
    }
    format!("{}", (amount.ceil() / divisor.ceil()).ceil() as i64)
}

/// A resource quantity (`250m`, `512Mi`, `1e3`, `2`) as a number.
fn quantity(text: &str) -> Option<f64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => 10f64.powi(e[1..].parse().ok()?),
        _ => return None,
    };
    Some(number * scale)
}

fn mounts(w: &mut String, c: &Value) {
    let mounts = sorted_by(list(&c["volumeMounts"]), "mountPath");
    let none = if mounts.is_empty() { "\t<none>" } else { "" };
    let _ = writeln!(w, "    Mounts:{none}");
    for m in mounts {
        let mut flags = vec![if b(&m["readOnly"]) {
            "ro".to_string()
        } else {
            "rw".to_string()
        }];
        if let Some(sub) = text(&m["subPath"]) {
            flags.push(format!("path={sub:?}"));
        }
        let _ = writeln!(
            w,
            "      {} from {} ({})",
            s(&m["mountPath"]),
            s(&m["name"]),
            flags.join(",")
        );
    }
    let devices = sorted_by(list(&c["volumeDevices"]), "devicePath");
    if !devices.is_empty() {
        // kubectl's `none` here is the mounts' (an upstream quirk, kept).
        let _ = writeln!(w, "    Devices:{none}");
        for d in devices {
            let _ = writeln!(w, "      {} from {}", s(&d["devicePath"]), s(&d["name"]));
        }
    }
}

fn volumes(w: &mut String, volumes: &[Value]) {
    if volumes.is_empty() {
        w.push_str("  Volumes:\t<none>\n");
        return;
    }
    w.push_str("  Volumes:\n");
    for v in volumes {
        let _ = writeln!(w, "   {}:", s(&v["name"]));
        volume(w, v);
    }
}

// One branch per volume type, as kubectl's describe printers have one
// function each: the lines look alike, the fields and titles are each
// type's own (a table of data, not repeated logic).
fn volume(w: &mut String, v: &Value) {
    let mut lines = |first: &str, rest: &[(&str, String)]| {
        let _ = writeln!(w, "    Type:\t{first}");
        for (key, value) in rest {
            let _ = writeln!(w, "    {key}:\t{value}");
        }
    };
    if let Some(h) = v.get("hostPath").filter(|x| x.is_object()) {
        let kind = text(&h["type"]).unwrap_or("<none>").to_string();
        lines(
            "HostPath (bare host directory volume)",
            &[("Path", s(&h["path"]).into()), ("HostPathType", kind)],
        );
    } else if let Some(e) = v.get("emptyDir").filter(|x| x.is_object()) {
        let limit = match e["sizeLimit"].as_str() {
            Some(q) if quantity(q).is_some_and(|q| q > 0.0) => q.to_string(),
            _ => "<unset>".into(),
        };
        lines(
            "EmptyDir (a temporary directory that shares a pod's lifetime)",
            &[("Medium", s(&e["medium"]).into()), ("SizeLimit", limit)],
        );
    } else if let Some(x) = v.get("secret").filter(|x| x.is_object()) {
        lines(
            "Secret (a volume populated by a Secret)",
            &[
                ("SecretName", s(&x["secretName"]).into()),
                ("Optional", b(&x["optional"]).to_string()),
            ],
        );
    } else if let Some(x) = v.get("configMap").filter(|x| x.is_object()) {
        lines(
            "ConfigMap (a volume populated by a ConfigMap)",
            &[
                ("Name", s(&x["name"]).into()),
                ("Optional", b(&x["optional"]).to_string()),
            ],
        );
    } else if let Some(x) = v.get("nfs").filter(|x| x.is_object()) {
        lines(
            "NFS (an NFS mount that lasts the lifetime of a pod)",
            &[
                ("Server", s(&x["server"]).into()),
                ("Path", s(&x["path"]).into()),
                ("ReadOnly", b(&x["readOnly"]).to_string()),
            ],
        );
    } else if let Some(x) = v.get("persistentVolumeClaim").filter(|x| x.is_object()) {
        lines(
            "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
            &[
                ("ClaimName", s(&x["claimName"]).into()),
                ("ReadOnly", b(&x["readOnly"]).to_string()),
            ],
        );
    } else if let Some(x) = v.get("ephemeral").filter(|x| x.is_object()) {
        let _ = x;
        lines(
            "EphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)",
            &[],
        );
    } else if let Some(x) = v.get("downwardAPI").filter(|x| x.is_object()) {
        w.push_str("    Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
        for item in list(&x["items"]) {
            if item["fieldRef"].is_object() {
                let _ = writeln!(
                    w,
                    "      {} -> {}",
                    s(&item["fieldRef"]["fieldPath"]),
                    s(&item["path"])
                );
            }
            if item["resourceFieldRef"].is_object() {
                let _ = writeln!(
                    w,
                    "      {} -> {}",
                    s(&item["resourceFieldRef"]["resource"]),
                    s(&item["path"])
                );
            }
        }
    } else if let Some(x) = v.get("projected").filter(|x| x.is_object()) {
        w.push_str(
            "    Type:\tProjected (a volume that contains injected data from multiple sources)\n",
        );
        for source in list(&x["sources"]) {
            // kubectl prints the *bool as %v: <nil> when unset (an
            // address when set, which kapi prints as the value).
            let optional = |r: &Value| match r["optional"].as_bool() {
                Some(v) => v.to_string(),
                None => "<nil>".into(),
            };
            if source["secret"].is_object() {
                let _ = writeln!(
                    w,
                    "    SecretName:\t{}\n    SecretOptionalName:\t{}",
                    s(&source["secret"]["name"]),
                    optional(&source["secret"])
                );
            } else if source["downwardAPI"].is_object() {
                w.push_str("    DownwardAPI:\ttrue\n");
            } else if source["configMap"].is_object() {
                let _ = writeln!(
                    w,
                    "    ConfigMapName:\t{}\n    ConfigMapOptional:\t{}",
                    s(&source["configMap"]["name"]),
                    optional(&source["configMap"])
                );
            } else if source["serviceAccountToken"].is_object() {
                let _ = writeln!(
                    w,
                    "    TokenExpirationSeconds:\t{}",
                    n(&source["serviceAccountToken"]["expirationSeconds"])
                );
            }
        }
    } else if let Some(x) = v.get("csi").filter(|x| x.is_object()) {
        lines(
            "CSI (a Container Storage Interface (CSI) volume source)",
            &[
                ("Driver", s(&x["driver"]).into()),
                ("FSType", s(&x["fsType"]).into()),
                ("ReadOnly", b(&x["readOnly"]).to_string()),
            ],
        );
        let attributes = map(&x["volumeAttributes"]).filter(|a| !a.is_empty());
        let _ = write!(w, "    VolumeAttributes:\t");
        match attributes {
            None => w.push_str("<none>\n"),
            Some(attributes) => {
                for (i, (k, v)) in attributes.iter().enumerate() {
                    if i > 0 {
                        // Two writes at kubectl's level 2: an empty one and a tab.
                        w.push_str("        \t");
                    }
                    let line = format!("{k}={}", s(v));
                    let _ = writeln!(w, "{}", shorten(&line, MAX_ANNOTATION_LEN));
                }
            }
        }
    } else if let Some(x) = v.get("image").filter(|x| x.is_object()) {
        lines(
            "Image (a container image or OCI artifact)",
            &[
                ("Reference", s(&x["reference"]).into()),
                ("PullPolicy", s(&x["pullPolicy"]).into()),
            ],
        );
    } else {
        w.push_str("  <unknown>\n");
    }
}

fn spread(w: &mut String, constraints: &[Value]) {
    if constraints.is_empty() {
        return;
    }
    let constraints = sorted_by(constraints, "topologyKey");
    w.push_str("  Topology Spread Constraints:\t");
    for (i, c) in constraints.iter().enumerate() {
        if i > 0 {
            w.push_str("  \t");
        }
        let _ = write!(
            w,
            "{}:{} when max skew {} is exceeded",
            s(&c["topologyKey"]),
            s(&c["whenUnsatisfiable"]),
            n(&c["maxSkew"])
        );
        if c["labelSelector"].is_object() {
            let _ = write!(w, " for selector {}", selector_text(&c["labelSelector"]));
        }
        w.push('\n');
    }
}

/// A label selector as apimachinery prints it (`a=b,c in (d,e)`), or
/// `<none>` when it selects everything.
pub fn selector_text(selector: &Value) -> String {
    // Labels (string values) and expressions (objects), by key.
    let mut parts: Vec<(&str, &Value)> = map(&selector["matchLabels"])
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    parts.extend(
        list(&selector["matchExpressions"])
            .iter()
            .map(|e| (s(&e["key"]), e)),
    );
    let text: Vec<String> = sorted(parts)
        .into_iter()
        .map(|(key, v)| {
            if !v.is_object() {
                return format!("{key}={}", s(v));
            }
            let values: Vec<&str> = sorted(list(&v["values"]).iter().map(|x| (s(x), x)).collect())
                .into_iter()
                .map(|(x, _)| x)
                .collect();
            let values = values.join(",");
            match s(&v["operator"]) {
                "In" => format!("{key} in ({values})"),
                "NotIn" => format!("{key} notin ({values})"),
                "Exists" => key.to_string(),
                "DoesNotExist" => format!("!{key}"),
                other => format!("{key} {other} ({values})"),
            }
        })
        .collect();
    if text.is_empty() {
        "<none>".into()
    } else {
        text.join(",")
    }
}

fn tolerations(w: &mut String, tolerations: &[Value]) {
    w.push_str("  Tolerations:\t");
    if tolerations.is_empty() {
        w.push_str("<none>\n");
        return;
    }
    let tolerations = sorted_by(tolerations, "key");
    for (i, t) in tolerations.iter().enumerate() {
        if i > 0 {
            w.push('\t');
        }
        let key = s(&t["key"]);
        let value = s(&t["value"]);
        let effect = s(&t["effect"]);
        w.push_str(key);
        if !value.is_empty() {
            let _ = write!(w, "={value}");
        }
        if !effect.is_empty() {
            let _ = write!(w, ":{effect}");
        }
        if t["operator"] == "Exists" && value.is_empty() {
            w.push_str(if !key.is_empty() || !effect.is_empty() {
                " op=Exists"
            } else {
                "op=Exists"
            });
        }
        if let Some(seconds) = t["tolerationSeconds"].as_i64() {
            let _ = write!(w, " for {seconds}s");
        }
        w.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_template_as_kubectl_prints_it() {
        let template = json!({
            "metadata": {"labels": {"app": "web", "pod-template-hash": "7d4b8c6f9"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27.2",
                "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
        });
        assert_eq!(
            describe(&template),
            "Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=7d4b8c6f9\n  Containers:\n   web:\n    Image:\tnginx:1.27.2\n    Port:\t80/TCP\n    Host Port:\t0/TCP\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n"
        );
    }

    #[test]
    fn probes_and_tolerations() {
        let p = json!({"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3});
        assert_eq!(
            probe(&p),
            "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"
        );
        let mut w = String::new();
        tolerations(
            &mut w,
            &[
                json!({"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}),
                json!({"operator": "Exists"}),
            ],
        );
        assert_eq!(
            w,
            "  Tolerations:\top=Exists\n\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
        );
    }

    #[test]
    fn quantities_and_selectors() {
        assert_eq!(quantity("250m"), Some(0.25));
        assert_eq!(quantity("512Mi"), Some(536_870_912.0));
        assert_eq!(quantity("1e3"), Some(1000.0));
        assert_eq!(
            selector_text(
                &json!({"matchLabels": {"b": "1"}, "matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x"]}]})
            ),
            "a in (x,y),b=1"
        );
        assert_eq!(selector_text(&json!({})), "<none>");
    }
}
