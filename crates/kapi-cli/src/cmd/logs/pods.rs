//! Which pods and containers `kapi logs` reads, as kubectl picks them
//! (`polymorphichelpers.LogsForObject`): a pod as named; for a controller
//! or a Service, the pods its selector matches, sorted by kubectl's
//! `podutils.ByLogging` (the best one to read first), waiting up to
//! `--pod-running-timeout` for one to exist; in each pod, the container
//! asked for, else the `kubectl.kubernetes.io/default-container`
//! annotation's, else the first.

use std::cmp::Ordering;
use std::time::{Duration, Instant};

use kapi::{ApiResource, Client, WatchEvent, WatchParams};
use serde_json::Value;

use crate::error::{Error, Result};

/// kubectl's annotation naming the container `logs` and `exec` default to.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// The pods of `arg` (`NAME` of a pod, or `TYPE/NAME`) in `namespace`: the
/// pod itself; for anything with a pod selector, the best matching pod (or
/// all of them, best first, with `all_pods`), saying on stderr which one
/// was taken of several.
pub fn for_resource(
    client: &Client,
    namespace: &str,
    arg: &str,
    timeout: Duration,
    all_pods: bool,
) -> Result<Vec<Value>> {
    let (type_name, name) = match arg.split_once('/') {
        None => ("pods", arg),
        Some((t, n)) if !t.is_empty() && !n.is_empty() && !n.contains('/') => (t, n),
        Some(_) => {
            return Err(Error::msg(format!(
                "arguments in resource/name form must have a single resource and name, got {arg:?}"
            )))
        }
    };
    let resource = client.resolve(type_name)?;
    let object: Value = client
        .api(resource.clone())
        .namespace(namespace)
        .get(name)
        .map_err(|e| match e.status() {
            // kubectl's logs adds the namespace to the builder's NotFound.
            Some(status) if e.is_not_found() => Error::msg(format!(
                "error from server (NotFound): {} in namespace {namespace:?}",
                status.message
            )),
            _ => Error::from(e),
        })?;
    if is_pod(&resource) {
        return Ok(vec![object]);
    }
    let selector = selector_of(&resource, &object)?;
    let ns = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or(namespace);
    let mut pods = list_or_wait(client, ns, &selector, timeout)?;
    pods.sort_by(by_logging);
    if pods.len() > 1 && !all_pods {
        eprintln!(
            "Found {} pods, using pod/{}",
            pods.len(),
            pods[0]["metadata"]["name"].as_str().unwrap_or_default()
        );
        pods.truncate(1);
    }
    Ok(pods)
}

/// The pods `-l SELECTOR` matches, in the list's order ("No resources
/// found" on stderr when there are none).
pub fn for_selector(client: &Client, namespace: &str, selector: &str) -> Result<Vec<Value>> {
    let (pods, _) = list(client, namespace, selector)?;
    if pods.is_empty() {
        eprintln!("No resources found in {namespace} namespace.");
    }
    Ok(pods)
}

fn is_pod(resource: &ApiResource) -> bool {
    resource.group.is_empty() && resource.plural == "pods"
}

/// kubectl's `SelectorsForObject`: the label selector of the pods an
/// object runs, as a selector string.
fn selector_of(resource: &ApiResource, object: &Value) -> Result<String> {
    let kind = resource.kind.as_str();
    let spec = &object["spec"];
    let selector = match (resource.group.as_str(), kind) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job")
        | ("extensions", "Deployment" | "ReplicaSet" | "DaemonSet") => {
            label_selector(&spec["selector"])?
        }
        ("", "ReplicationController") => map_selector(&spec["selector"]),
        ("", "Service") => {
            let selector = map_selector(&spec["selector"]);
            if selector.is_empty() {
                return Err(Error::msg(format!(
                    "cannot get the logs from *v1.Service: invalid service '{}': Service is defined without a selector",
                    object["metadata"]["name"].as_str().unwrap_or_default()
                )));
            }
            selector
        }
        _ => {
            // Go's type name, as kubectl's message has it.
            let go_type = if kapi::builtin_kind(&resource.api_version(), kind).is_some() {
                format!("*{}.{kind}", resource.version)
            } else {
                "*unstructured.Unstructured".to_string()
            };
            return Err(Error::msg(format!(
                "cannot get the logs from {go_type}: selector for {go_type} not implemented"
            )));
        }
    };
    Ok(selector)
}

/// A `map[string]string` selector (`k=v,...`, keys sorted).
fn map_selector(selector: &Value) -> String {
    let Some(map) = selector.as_object() else {
        return String::new();
    };
    let mut pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    pairs.join(",")
}

/// A `metav1.LabelSelector` as `LabelSelectorAsSelector(...).String()`
/// writes it: requirements sorted by key, values sorted.
fn label_selector(selector: &Value) -> Result<String> {
    let mut requirements: Vec<(String, String)> = Vec::new();
    if let Some(labels) = selector["matchLabels"].as_object() {
        for (k, v) in labels {
            requirements.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())));
        }
    }
    for expr in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = expr["key"].as_str().unwrap_or_default();
        let mut values: Vec<&str> = expr["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let text = match expr["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            other => {
                return Err(Error::msg(format!(
                    "invalid label selector: {other:?} is not a valid label selector operator"
                )))
            }
        };
        requirements.push((key.to_string(), text));
    }
    requirements.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(requirements
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(","))
}

/// The pods in `namespace` matching `selector` (one list, as kubectl's
/// `GetPodList`), and the list's resourceVersion.
fn list(client: &Client, namespace: &str, selector: &str) -> Result<(Vec<Value>, String)> {
    let pods = kapi::builtin("pods").ok_or_else(|| Error::msg("no pods type"))?;
    let path = pods.collection_path(Some(namespace))?;
    let mut list: Value = client.get(&path).query("labelSelector", selector).json()?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let items = match list["items"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    Ok((items, rv))
}

/// The matching pods, or, when there are none yet, the first one a watch
/// sees within `timeout` (kubectl's "timed out waiting for the condition").
fn list_or_wait(
    client: &Client,
    namespace: &str,
    selector: &str,
    timeout: Duration,
) -> Result<Vec<Value>> {
    let (pods, rv) = list(client, namespace, selector)?;
    if !pods.is_empty() {
        return Ok(pods);
    }
    let timed_out = || Error::msg("timed out waiting for the condition");
    let deadline = Instant::now() + timeout;
    let client = client.clone().with_deadline(deadline);
    // Whatever cut the watch short once the time is up (the deadline, or a
    // read it ended), kubectl's answer is the timeout.
    let late = |e: &kapi::Error| e.is_deadline_exceeded() || Instant::now() >= deadline;
    let api = client
        .api(kapi::builtin("pods").ok_or_else(timed_out)?)
        .namespace(namespace);
    let params = WatchParams::default()
        .labels(selector)
        .at(&rv)
        .timeout(timeout.as_secs().max(1) as u32);
    let events = match api.watch::<Value>(&params) {
        Ok(events) => events,
        Err(e) if late(&e) => return Err(timed_out()),
        Err(e) => return Err(e.into()),
    };
    for event in events {
        match event {
            Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => return Ok(vec![pod]),
            Ok(_) => {}
            Err(e) if late(&e) => return Err(timed_out()),
            Err(e) => return Err(e.into()),
        }
    }
    Err(timed_out())
}

/// The containers to read in `pod`: all of them (init, regular,
/// ephemeral), or the one asked for, else the default one, saying on
/// stderr which was defaulted when there was a choice (unless `quiet`).
pub fn containers(pod: &Value, asked: Option<&str>, all: bool, quiet: bool) -> Result<Vec<String>> {
    let names = |kind: &str| -> Vec<String> {
        pod["spec"][kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect()
    };
    let (init, regular, ephemeral) = (
        names("initContainers"),
        names("containers"),
        names("ephemeralContainers"),
    );
    if all {
        return Ok([init, regular, ephemeral].concat());
    }
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let all_names = || {
        let mut list = regular.clone();
        list.extend(ephemeral.iter().map(|e| format!("{e} (ephem)")));
        list.extend(init.iter().map(|i| format!("{i} (init)")));
        list.join(", ")
    };
    let exists = |c: &str| {
        [&init, &regular, &ephemeral]
            .iter()
            .any(|l| l.iter().any(|n| n == c))
    };
    let mut container = asked.filter(|c| !c.is_empty()).map(str::to_string);
    if container.is_none() {
        if let Some(default) = pod["metadata"]["annotations"][DEFAULT_CONTAINER]
            .as_str()
            .filter(|c| !c.is_empty())
        {
            if exists(default) {
                container = Some(default.to_string());
            } else {
                eprintln!("Default container name {default:?} not found in pod {pod_name}");
            }
        }
    }
    let container = match container {
        Some(c) => c,
        None => {
            let first = regular
                .first()
                .ok_or_else(|| Error::msg(format!("pod {pod_name} does not have any containers")))?
                .clone();
            if !quiet && (regular.len() > 1 || !init.is_empty() || !ephemeral.is_empty()) {
                eprintln!("Defaulted container {first:?} out of: {}", all_names());
            }
            first
        }
    };
    if !exists(&container) {
        return Err(Error::msg(format!(
            "container {container} is not valid for pod {pod_name} out of: {}",
            all_names()
        )));
    }
    Ok(vec![container])
}

/// kubectl's `podutils.ByLogging`: assigned before unassigned, Running
/// before Unknown before Pending, ready before not, ready longer before
/// ready shorter, more restarts before fewer, older before newer.
fn by_logging(a: &Value, b: &Value) -> Ordering {
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn less(a: &Value, b: &Value) -> bool {
    let node = |p: &Value| {
        p["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (na, nb) = (node(a), node(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return !na.is_empty();
    }
    // Phases outside the map (Succeeded, Failed) rank as Running, as
    // Go's zero value does.
    let phase = |p: &Value| match p["status"]["phase"].as_str() {
        Some("Unknown") => 1,
        Some("Pending") => 2,
        _ => 0,
    };
    if phase(a) != phase(b) {
        return phase(a) < phase(b);
    }
    let (ra, rb) = (ready_since(a), ready_since(b));
    if ra.is_some() != rb.is_some() {
        return ra.is_some();
    }
    if let (Some(ta), Some(tb)) = (ra, rb) {
        if ta != tb {
            return after_or_zero(tb, ta);
        }
    }
    let (ca, cb) = (restarts(a), restarts(b));
    if ca != cb {
        return ca > cb;
    }
    let created = |p: &Value| time(&p["metadata"]["creationTimestamp"]);
    let (ta, tb) = (created(a), created(b));
    if ta != tb {
        return after_or_zero(tb, ta);
    }
    false
}

/// Go's `afterOrZero`: a zero time counts as after any other.
fn after_or_zero(t1: Option<i64>, t2: Option<i64>) -> bool {
    match (t1, t2) {
        (None, _) | (_, None) => t1.is_none(),
        (Some(a), Some(b)) => a > b,
    }
}

fn time(value: &Value) -> Option<i64> {
    value.as_str().and_then(kapi::gofmt::parse_rfc3339)
}

/// `Some(lastTransitionTime)` (`None` inside for a zero time) when the
/// pod's Ready condition is True.
fn ready_since(pod: &Value) -> Option<Option<i64>> {
    let ready = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")?;
    (ready["status"] == "True").then(|| time(&ready["lastTransitionTime"]))
}

/// The highest restart count of the regular containers, then of the
/// sidecars (init containers with `restartPolicy: Always`).
fn restarts(pod: &Value) -> (u64, u64) {
    let max = |statuses: &Value, keep: &dyn Fn(&str) -> bool| {
        statuses
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| keep(s["name"].as_str().unwrap_or_default()))
            .filter_map(|s| s["restartCount"].as_u64())
            .max()
            .unwrap_or(0)
    };
    let sidecars: Vec<&str> = pod["spec"]["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["restartPolicy"] == "Always")
        .filter_map(|c| c["name"].as_str())
        .collect();
    (
        max(&pod["status"]["containerStatuses"], &|_| true),
        max(&pod["status"]["initContainerStatuses"], &|n| {
            sidecars.contains(&n)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_as_kubectl_writes_them() {
        let sel = json!({
            "matchLabels": {"tier": "web", "app": "gw"},
            "matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["b", "a"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "owner", "operator": "Exists"}
            ]
        });
        assert_eq!(
            label_selector(&sel).unwrap(),
            "app=gw,!canary,env notin (dev),owner,tier=web,zone in (a,b)"
        );
        assert_eq!(map_selector(&json!({"b": "2", "a": "1"})), "a=1,b=2");
        let cm = kapi::builtin("cm").unwrap();
        assert_eq!(
            selector_of(&cm, &json!({})).unwrap_err().to_string(),
            "error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented"
        );
    }

    fn pod(name: &str, node: &str, phase: &str, ready: Option<&str>, restarts: u64) -> Value {
        let mut conditions = vec![];
        if let Some(since) = ready {
            conditions
                .push(json!({"type": "Ready", "status": "True", "lastTransitionTime": since}));
        }
        json!({
            "metadata": {"name": name, "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"nodeName": node, "containers": [{"name": "c"}]},
            "status": {"phase": phase, "conditions": conditions,
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}
        })
    }

    #[test]
    fn the_best_pod_to_read_comes_first() {
        let mut pods = [
            pod("unassigned", "", "Pending", None, 0),
            pod("pending", "n", "Pending", None, 0),
            pod("not-ready", "n", "Running", None, 0),
            pod("ready-new", "n", "Running", Some("2025-12-31T00:00:00Z"), 0),
            pod("ready-old", "n", "Running", Some("2025-01-01T00:00:00Z"), 0),
            pod(
                "ready-old-restarted",
                "n",
                "Running",
                Some("2025-01-01T00:00:00Z"),
                3,
            ),
        ];
        pods.sort_by(by_logging);
        let names: Vec<&str> = pods
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "ready-old-restarted",
                "ready-old",
                "ready-new",
                "not-ready",
                "pending",
                "unassigned"
            ]
        );
    }

    #[test]
    fn containers_default_as_kubectl() {
        let pod = json!({
            "metadata": {"name": "db-0"},
            "spec": {"initContainers": [{"name": "init"}],
                     "containers": [{"name": "postgres"}, {"name": "metrics"}]}
        });
        assert_eq!(containers(&pod, None, false, true).unwrap(), ["postgres"]);
        assert_eq!(
            containers(&pod, Some("init"), false, true).unwrap(),
            ["init"]
        );
        assert_eq!(
            containers(&pod, None, true, true).unwrap(),
            ["init", "postgres", "metrics"]
        );
        assert_eq!(
            containers(&pod, Some("nope"), false, true).unwrap_err().to_string(),
            "error: container nope is not valid for pod db-0 out of: postgres, metrics, init (init)"
        );
        let annotated = json!({
            "metadata": {"name": "p", "annotations": {DEFAULT_CONTAINER: "metrics"}},
            "spec": {"containers": [{"name": "postgres"}, {"name": "metrics"}]}
        });
        assert_eq!(
            containers(&annotated, None, false, false).unwrap(),
            ["metrics"]
        );
    }
}
