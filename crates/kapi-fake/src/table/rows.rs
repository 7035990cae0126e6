//! Row cells as the 1.33 printers compute them (`printPod`, `printNode`, …),
//! with the wide columns the server always includes.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::clock::{age, human_duration, parse_rfc3339};
use crate::json::Json;

/// A row's cells and, for finished pods, its conditions.
pub(crate) struct Cells {
    pub(crate) cells: Vec<Json>,
    pub(crate) conditions: Option<Json>,
}

impl Cells {
    fn plain(cells: Vec<Json>) -> Self {
        Cells {
            cells,
            conditions: None,
        }
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn s(v: &str) -> Json {
    Json::from(v)
}

fn n(v: i64) -> Json {
    Json::from(v)
}

fn creation_age(obj: &Value, now: i64) -> Json {
    Json::from(age(obj["metadata"]["creationTimestamp"].as_str(), now))
}

/// The cells of the printer for `group`/`resource`; `None` when it has none.
pub(crate) fn printer_cells(group: &str, resource: &str, obj: &Value, now: i64) -> Option<Cells> {
    let name = s(text(&obj["metadata"]["name"]));
    let spec = &obj["spec"];
    let status = &obj["status"];
    Some(match (group, resource) {
        ("", "pods") => pod(obj, now),
        ("apps", "daemonsets") => {
            let (names, images) = containers(&spec["template"]["spec"]["containers"]);
            Cells::plain(vec![
                name,
                n(int(&status["desiredNumberScheduled"])),
                n(int(&status["currentNumberScheduled"])),
                n(int(&status["numberReady"])),
                n(int(&status["updatedNumberScheduled"])),
                n(int(&status["numberAvailable"])),
                s(&format_labels(
                    spec["template"]["spec"]["nodeSelector"].as_object(),
                )),
                creation_age(obj, now),
                s(&names),
                s(&images),
                s(&format_label_selector(&spec["selector"])),
            ])
        }
        ("apps", "deployments") => {
            let (names, images) = containers(&spec["template"]["spec"]["containers"]);
            Cells::plain(vec![
                name,
                s(&format!(
                    "{}/{}",
                    int(&status["readyReplicas"]),
                    spec["replicas"].as_i64().unwrap_or(1)
                )),
                n(int(&status["updatedReplicas"])),
                n(int(&status["availableReplicas"])),
                creation_age(obj, now),
                s(&names),
                s(&images),
                s(&selector_string(&spec["selector"])),
            ])
        }
        ("apps", "replicasets") => {
            let (names, images) = containers(&spec["template"]["spec"]["containers"]);
            Cells::plain(vec![
                name,
                n(spec["replicas"].as_i64().unwrap_or(1)),
                n(int(&status["replicas"])),
                n(int(&status["readyReplicas"])),
                creation_age(obj, now),
                s(&names),
                s(&images),
                s(&format_label_selector(&spec["selector"])),
            ])
        }
        ("apps", "statefulsets") => {
            let (names, images) = containers(&spec["template"]["spec"]["containers"]);
            Cells::plain(vec![
                name,
                s(&format!(
                    "{}/{}",
                    int(&status["readyReplicas"]),
                    spec["replicas"].as_i64().unwrap_or(1)
                )),
                creation_age(obj, now),
                s(&names),
                s(&images),
            ])
        }
        ("batch", "jobs") => job(obj, now),
        ("batch", "cronjobs") => {
            let template = &spec["jobTemplate"]["spec"];
            let (names, images) = containers(&template["template"]["spec"]["containers"]);
            let last = match status["lastScheduleTime"].as_str() {
                Some(t) => age(Some(t), now),
                None => "<none>".into(),
            };
            let suspend = match spec["suspend"].as_bool() {
                Some(true) => "True",
                Some(false) => "False",
                None => "<unset>",
            };
            Cells::plain(vec![
                name,
                s(text(&spec["schedule"])),
                s(spec["timeZone"].as_str().unwrap_or("<none>")),
                s(suspend),
                n(status["active"].as_array().map_or(0, |a| a.len() as i64)),
                s(&last),
                creation_age(obj, now),
                s(&names),
                s(&images),
                s(&format_label_selector(&template["selector"])),
            ])
        }
        ("", "services") => service(obj, now),
        ("", "configmaps") => Cells::plain(vec![
            name,
            n(count(&obj["data"]) + count(&obj["binaryData"])),
            creation_age(obj, now),
        ]),
        ("", "secrets") => Cells::plain(vec![
            name,
            s(text(&obj["type"])),
            n(count(&obj["data"])),
            creation_age(obj, now),
        ]),
        ("", "serviceaccounts") => Cells::plain(vec![
            name,
            n(obj["secrets"].as_array().map_or(0, |a| a.len() as i64)),
            creation_age(obj, now),
        ]),
        ("", "namespaces") => Cells::plain(vec![
            name,
            s(text(&status["phase"])),
            creation_age(obj, now),
        ]),
        ("", "nodes") => node(obj, now),
        _ => return None,
    })
}

/// The default convertor's cells: the name and the creation time as RFC 3339.
pub(crate) fn default_cells(obj: &Value) -> Cells {
    let created = obj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_rfc3339)
        .map_or_else(
            || "0001-01-01T00:00:00Z".to_string(),
            crate::clock::format_rfc3339,
        );
    Cells::plain(vec![s(text(&obj["metadata"]["name"])), s(&created)])
}

fn count(v: &Value) -> i64 {
    v.as_object().map_or(0, |m| m.len() as i64)
}

/// `layoutContainerCells`: names and images joined with commas.
fn containers(list: &Value) -> (String, String) {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    let names: Vec<&str> = items.iter().map(|c| text(&c["name"])).collect();
    let images: Vec<&str> = items.iter().map(|c| text(&c["image"])).collect();
    (names.join(","), images.join(","))
}

/// `labels.FormatLabels`: sorted `k=v` joined with commas, or `<none>`.
fn format_labels(labels: Option<&Map<String, Value>>) -> String {
    match labels {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={}", text(v)))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".into(),
    }
}

/// `metav1.FormatLabelSelector`: the selector's string, `<none>` when empty.
fn format_label_selector(selector: &Value) -> String {
    match selector_string(selector) {
        s if s.is_empty() => "<none>".into(),
        s => s,
    }
}

/// `LabelSelectorAsSelector(...).String()`: requirements sorted by key.
fn selector_string(selector: &Value) -> String {
    let mut requirements: Vec<(String, String)> = Vec::new();
    for (key, value) in selector["matchLabels"].as_object().into_iter().flatten() {
        requirements.push((key.clone(), format!("{key}={}", text(value))));
    }
    for expr in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = text(&expr["key"]);
        let values: BTreeSet<&str> = expr["values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let values = values.into_iter().collect::<Vec<_>>().join(",");
        let requirement = match text(&expr["operator"]) {
            "In" => format!("{key} in ({values})"),
            "NotIn" => format!("{key} notin ({values})"),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<error>".into(),
        };
        requirements.push((key.to_string(), requirement));
    }
    requirements.sort_by(|a, b| a.0.cmp(&b.0));
    requirements
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(",")
}

fn has_condition(conditions: &Value, kind: &str) -> bool {
    conditions
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == kind)
        .is_some_and(|c| c["status"] == "True")
}

/// `printPod`.
fn pod(obj: &Value, now: i64) -> Cells {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let mut restarts = 0i64;
    let mut restartable_init_restarts = 0i64;
    let mut total = spec["containers"].as_array().map_or(0, Vec::len);
    let mut ready = 0usize;
    let mut last_restart: Option<i64> = None;
    let mut last_restartable_init: Option<i64> = None;
    let phase = text(&status["phase"]);
    let mut reason = match text(&status["reason"]) {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    let conditions = &status["conditions"];
    for c in conditions.as_array().into_iter().flatten() {
        if c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated" {
            reason = "SchedulingGated".into();
        }
    }
    let row_conditions = match phase {
        "Succeeded" => Some(("Succeeded", "The pod has completed successfully.")),
        "Failed" => Some(("Failed", "The pod failed.")),
        _ => None,
    }
    .map(|(r, m)| {
        Json::arr([Json::obj([
            ("type", s("Completed")),
            ("status", s("True")),
            ("reason", s(r)),
            ("message", s(m)),
        ])])
    });
    let init_specs = spec["initContainers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let restartable = |name: &str| {
        init_specs
            .iter()
            .any(|c| c["name"] == name && c["restartPolicy"] == "Always")
    };
    total += init_specs
        .iter()
        .filter(|c| c["restartPolicy"] == "Always")
        .count();
    let finished = |c: &Value| {
        c["lastState"]["terminated"]["finishedAt"]
            .as_str()
            .and_then(parse_rfc3339)
    };
    let later = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let mut initializing = false;
    let init_statuses = status["initContainerStatuses"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += int(&c["restartCount"]);
        last_restart = later(last_restart, finished(c));
        let name = text(&c["name"]);
        if restartable(name) {
            restartable_init_restarts += int(&c["restartCount"]);
            last_restartable_init = later(last_restartable_init, finished(c));
        }
        let terminated = &c["state"]["terminated"];
        let waiting = &c["state"]["waiting"];
        if terminated.is_object() && int(&terminated["exitCode"]) == 0 {
            continue;
        }
        if restartable(name) && c["started"].as_bool() == Some(true) {
            if c["ready"].as_bool() == Some(true) {
                ready += 1;
            }
            continue;
        }
        if terminated.is_object() {
            reason = match text(&terminated["reason"]) {
                "" if int(&terminated["signal"]) != 0 => {
                    format!("Init:Signal:{}", int(&terminated["signal"]))
                }
                "" => format!("Init:ExitCode:{}", int(&terminated["exitCode"])),
                r => format!("Init:{r}"),
            };
        } else if waiting.is_object()
            && !text(&waiting["reason"]).is_empty()
            && text(&waiting["reason"]) != "PodInitializing"
        {
            reason = format!("Init:{}", text(&waiting["reason"]));
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }
    if !initializing || has_condition(conditions, "Initialized") {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init;
        let mut has_running = false;
        let statuses = status["containerStatuses"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for c in statuses.iter().rev() {
            restarts += int(&c["restartCount"]);
            last_restart = later(last_restart, finished(c));
            let waiting = &c["state"]["waiting"];
            let terminated = &c["state"]["terminated"];
            if waiting.is_object() && !text(&waiting["reason"]).is_empty() {
                reason = text(&waiting["reason"]).to_string();
            } else if terminated.is_object() && !text(&terminated["reason"]).is_empty() {
                reason = text(&terminated["reason"]).to_string();
            } else if terminated.is_object() {
                reason = if int(&terminated["signal"]) != 0 {
                    format!("Signal:{}", int(&terminated["signal"]))
                } else {
                    format!("ExitCode:{}", int(&terminated["exitCode"]))
                };
            } else if c["ready"].as_bool() == Some(true) && c["state"]["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_condition(conditions, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let deleting = obj["metadata"]["deletionTimestamp"].is_string();
    if deleting && text(&status["reason"]) == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && !matches!(phase, "Succeeded" | "Failed") {
        reason = "Terminating".into();
    }
    let restarts_text = match last_restart {
        Some(at) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - at)),
        _ => restarts.to_string(),
    };
    let or_none = |v: &str| {
        if v.is_empty() {
            "<none>".to_string()
        } else {
            v.to_string()
        }
    };
    let pod_ip = or_none(text(&status["podIPs"][0]["ip"]));
    let gates = spec["readinessGates"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_count = gates
            .iter()
            .filter(|g| {
                conditions
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| c["type"] == g["conditionType"])
                    .is_some_and(|c| c["status"] == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };
    Cells {
        cells: vec![
            s(text(&obj["metadata"]["name"])),
            s(&format!("{ready}/{total}")),
            s(&reason),
            s(&restarts_text),
            creation_age(obj, now),
            s(&pod_ip),
            s(&or_none(text(&spec["nodeName"]))),
            s(&or_none(text(&status["nominatedNodeName"]))),
            s(&readiness_gates),
        ],
        conditions: row_conditions,
    }
}

/// `printJob`.
fn job(obj: &Value, now: i64) -> Cells {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let succeeded = int(&status["succeeded"]);
    let completions = match spec["completions"].as_i64() {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec["parallelism"].as_i64().unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = status["startTime"].as_str().and_then(parse_rfc3339);
    let end = status["completionTime"].as_str().and_then(parse_rfc3339);
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now - start),
        (Some(start), Some(end)) => human_duration(end - start),
    };
    let conditions = &status["conditions"];
    let state = if has_condition(conditions, "Complete") {
        "Complete"
    } else if has_condition(conditions, "Failed") {
        "Failed"
    } else if obj["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else if has_condition(conditions, "Suspended") {
        "Suspended"
    } else if has_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = containers(&spec["template"]["spec"]["containers"]);
    Cells::plain(vec![
        s(text(&obj["metadata"]["name"])),
        s(state),
        s(&completions),
        s(&duration),
        creation_age(obj, now),
        s(&names),
        s(&images),
        s(&format_label_selector(&spec["selector"])),
    ])
}

/// `printService`.
fn service(obj: &Value, now: i64) -> Cells {
    let spec = &obj["spec"];
    let kind = text(&spec["type"]);
    let cluster_ip = spec["clusterIPs"][0]
        .as_str()
        .or_else(|| spec["clusterIP"].as_str().filter(|ip| !ip.is_empty()))
        .unwrap_or("<none>");
    let external: Vec<&str> = spec["externalIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    let external_ip = match kind {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            let lb: BTreeSet<&str> = obj["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| {
                    i["ip"]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .unwrap_or(text(&i["hostname"]))
                })
                .filter(|s| !s.is_empty())
                .collect();
            let mut all: Vec<&str> = lb.into_iter().collect();
            all.extend(external);
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => text(&spec["externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| match int(&p["nodePort"]) {
            0 => format!("{}/{}", int(&p["port"]), text(&p["protocol"])),
            node_port => format!("{}:{node_port}/{}", int(&p["port"]), text(&p["protocol"])),
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    Cells::plain(vec![
        s(text(&obj["metadata"]["name"])),
        s(kind),
        s(cluster_ip),
        s(&external_ip),
        s(&ports),
        creation_age(obj, now),
        s(&format_labels(spec["selector"].as_object())),
    ])
}

/// `printNode`.
fn node(obj: &Value, now: i64) -> Cells {
    let status = &obj["status"];
    let mut state: Vec<String> = match status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .rfind(|c| c["type"] == "Ready")
    {
        Some(c) if c["status"] == "True" => vec!["Ready".into()],
        Some(_) => vec!["NotReady".into()],
        None => vec!["Unknown".into()],
    };
    if obj["spec"]["unschedulable"].as_bool() == Some(true) {
        state.push("SchedulingDisabled".into());
    }
    let mut roles = BTreeSet::new();
    for (key, value) in obj["metadata"]["labels"].as_object().into_iter().flatten() {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if key == "kubernetes.io/role" && !text(value).is_empty() {
            roles.insert(text(value).to_string());
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let address = |kind: &str| {
        status["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == kind)
            .map_or("<none>", |a| text(&a["address"]))
            .to_string()
    };
    let info = &status["nodeInfo"];
    let or_unknown = |v: &str| {
        if v.is_empty() {
            "<unknown>".to_string()
        } else {
            v.to_string()
        }
    };
    Cells::plain(vec![
        s(text(&obj["metadata"]["name"])),
        s(&state.join(",")),
        s(&roles),
        creation_age(obj, now),
        s(text(&info["kubeletVersion"])),
        s(&address("InternalIP")),
        s(&address("ExternalIP")),
        s(&or_unknown(text(&info["osImage"]))),
        s(&or_unknown(text(&info["kernelVersion"]))),
        s(&or_unknown(text(&info["containerRuntimeVersion"]))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn cells(group: &str, resource: &str, obj: Value) -> Vec<String> {
        printer_cells(group, resource, &obj, NOW)
            .unwrap()
            .cells
            .iter()
            .map(Json::encode)
            .collect()
    }

    #[test]
    fn pod_with_restarts_and_a_waiting_container() {
        let pod = json!({
            "metadata": {"name": "p", "creationTimestamp": "2025-12-29T21:00:00Z"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}],
                "containerStatuses": [
                    {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
                     "lastState": {"terminated": {"finishedAt": "2025-12-31T19:00:00Z"}}},
                    {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                ]}
        });
        assert_eq!(
            cells("", "pods", pod),
            [
                r#""p""#,
                r#""1/2""#,
                r#""CrashLoopBackOff""#,
                r#""2 (5h ago)""#,
                r#""2d3h""#,
                r#""10.0.0.1""#,
                r#""node-1""#,
                r#""\u003cnone\u003e""#,
                r#""\u003cnone\u003e""#
            ]
        );
    }

    #[test]
    fn completed_pod_has_row_conditions() {
        let pod = json!({"metadata": {"name": "done"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
        let row = printer_cells("", "pods", &pod, NOW).unwrap();
        assert_eq!(row.cells[2].encode(), r#""Completed""#);
        assert_eq!(row.cells[4].encode(), r#""\u003cunknown\u003e""#);
        assert_eq!(
            row.conditions.unwrap().encode(),
            r#"[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}]"#
        );
    }

    #[test]
    fn deployment_job_and_selectors() {
        let deploy = json!({"metadata": {"name": "web", "creationTimestamp": "2025-12-31T23:54:30Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]},
                "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}, {"name": "side", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        assert_eq!(
            cells("apps", "deployments", deploy),
            [
                r#""web""#,
                r#""2/3""#,
                "3",
                "2",
                r#""5m30s""#,
                r#""web,side""#,
                r#""nginx:1,busybox""#,
                r#""app=web,tier in (a,b)""#
            ]
        );
        let job = json!({"metadata": {"name": "migrate"}, "spec": {"completions": 1, "selector": {}},
            "status": {"startTime": "2025-12-31T23:58:00Z", "active": 1}});
        assert_eq!(
            cells("batch", "jobs", job)[1..4],
            [r#""Running""#, r#""0/1""#, r#""2m""#]
        );
    }
}
