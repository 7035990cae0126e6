//! What an object's status says beyond the condition waited for: a Job or
//! Pod that has finished (its status will not change again, so a condition
//! not met now never will be), the reasons it shows (`--for=reason=`,
//! `--fail-on=reason=`), and states that may recover but are worth showing
//! while waiting (`CrashLoopBackOff`, `ImagePullBackOff`, ...).

use kapi::ApiResource;
use serde_json::Value;

/// Container states that are normal on the way to running.
const BENIGN_WAITING: &[&str] = &["ContainerCreating", "PodInitializing"];

/// Server messages are cut to this many characters in progress lines.
const MESSAGE_CHARS: usize = 120;

/// Why `object` can no longer change towards a condition: a Job with
/// `Complete` or `Failed` true, a Pod in phase `Succeeded` or `Failed`.
/// `None` for anything else.
pub fn finished(resource: &ApiResource, object: &Value) -> Option<String> {
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("batch", "jobs") => job_finished(object),
        ("", "pods") => pod_finished(object),
        _ => None,
    }
}

fn job_finished(job: &Value) -> Option<String> {
    let conditions = job["status"]["conditions"].as_array()?;
    for wanted in ["Failed", "Complete"] {
        let found = conditions
            .iter()
            .find(|c| c["type"] == wanted && c["status"].as_str().is_some_and(is_true));
        if let Some(condition) = found {
            let verb = if wanted == "Failed" {
                "has failed"
            } else {
                "is complete"
            };
            return Some(format!("the Job {verb}{}", reason_of(condition)));
        }
    }
    None
}

fn pod_finished(pod: &Value) -> Option<String> {
    let status = &pod["status"];
    let phase = status["phase"].as_str()?;
    if phase != "Succeeded" && phase != "Failed" {
        return None;
    }
    let mut text = format!("the Pod has phase {phase}{}", reason_of(status));
    let exits: Vec<String> = containers(status)
        .filter_map(|(name, c)| {
            let t = &c["state"]["terminated"];
            let code = t["exitCode"].as_i64()?;
            if code == 0 && phase == "Succeeded" {
                return None;
            }
            let reason = t["reason"].as_str().filter(|r| !r.is_empty());
            Some(match reason {
                Some(r) => format!("container {name} exited with code {code} ({r})"),
                None => format!("container {name} exited with code {code}"),
            })
        })
        .collect();
    if !exits.is_empty() {
        text.push_str(": ");
        text.push_str(&exits.join(", "));
    }
    Some(text)
}

/// ` (Reason: message)`, ` (Reason)` or nothing.
fn reason_of(status: &Value) -> String {
    let reason = status["reason"].as_str().filter(|r| !r.is_empty());
    let message = status["message"]
        .as_str()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    match (reason, message) {
        (Some(r), Some(m)) => format!(" ({r}: {})", cut(m)),
        (Some(r), None) => format!(" ({r})"),
        (None, Some(m)) => format!(" ({})", cut(m)),
        (None, None) => String::new(),
    }
}

/// Every reason the object shows, with where: a Pod's `status.reason`
/// (`Evicted`), each container's current waiting or terminated reason
/// (`CrashLoopBackOff`, `OOMKilled`), and the reason of each status
/// condition (`BackoffLimitExceeded`, `ProgressDeadlineExceeded`).
pub fn reasons(object: &Value) -> Vec<(String, String)> {
    let status = &object["status"];
    let mut out = Vec::new();
    if let Some(r) = status["reason"].as_str().filter(|r| !r.is_empty()) {
        out.push(("status".to_string(), r.to_string()));
    }
    for (name, c) in containers(status) {
        for state in ["waiting", "terminated"] {
            if let Some(r) = c["state"][state]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                out.push((format!("container {name}"), r.to_string()));
            }
        }
    }
    for condition in status["conditions"].as_array().into_iter().flatten() {
        let (Some(kind), Some(r)) = (
            condition["type"].as_str(),
            condition["reason"].as_str().filter(|r| !r.is_empty()),
        ) else {
            continue;
        };
        let state = condition["status"].as_str().unwrap_or_default();
        out.push((format!("condition {kind}={state}"), r.to_string()));
    }
    out
}

/// States that may recover by themselves but say why a Pod is not there
/// yet: a container waiting for any reason but the usual start-up ones
/// (`CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`,
/// `CreateContainerConfigError`, ...), and a Pod the scheduler cannot place.
pub fn troubles(object: &Value) -> Vec<String> {
    let status = &object["status"];
    let mut out = Vec::new();
    for condition in status["conditions"].as_array().into_iter().flatten() {
        if condition["type"] == "PodScheduled"
            && condition["status"] == "False"
            && condition["reason"] == "Unschedulable"
        {
            out.push(format!("Unschedulable{}", message_of(condition)));
        }
    }
    for (name, c) in containers(status) {
        let waiting = &c["state"]["waiting"];
        let Some(reason) = waiting["reason"].as_str().filter(|r| !r.is_empty()) else {
            continue;
        };
        if BENIGN_WAITING.contains(&reason) {
            continue;
        }
        let mut text = format!("container {name} is in {reason}");
        if reason == "CrashLoopBackOff" {
            let restarts = c["restartCount"].as_i64().unwrap_or(0);
            let last = &c["lastState"]["terminated"];
            let exit = match (last["exitCode"].as_i64(), last["reason"].as_str()) {
                (Some(code), Some(r)) if !r.is_empty() => format!(", last exit code {code}: {r}"),
                (Some(code), _) => format!(", last exit code {code}"),
                _ => String::new(),
            };
            let plural = if restarts == 1 { "" } else { "s" };
            text.push_str(&format!(" ({restarts} restart{plural}{exit})"));
        } else {
            text.push_str(&message_of(waiting));
        }
        out.push(text);
    }
    out
}

/// `: message`, cut, or nothing.
fn message_of(status: &Value) -> String {
    match status["message"]
        .as_str()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(m) => format!(": {}", cut(m)),
        None => String::new(),
    }
}

/// The statuses of init, app and ephemeral containers, with their names.
fn containers(status: &Value) -> impl Iterator<Item = (&str, &Value)> {
    [
        "initContainerStatuses",
        "containerStatuses",
        "ephemeralContainerStatuses",
    ]
    .into_iter()
    .flat_map(move |key| status[key].as_array().into_iter().flatten())
    .map(|c| (c["name"].as_str().unwrap_or("?"), c))
}

fn is_true(status: &str) -> bool {
    status.eq_ignore_ascii_case("true")
}

/// At most [`MESSAGE_CHARS`] characters, on one line.
fn cut(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MESSAGE_CHARS {
        return one_line;
    }
    let mut s: String = one_line.chars().take(MESSAGE_CHARS - 3).collect();
    s.push_str("...");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> ApiResource {
        kapi::builtin("pods").unwrap()
    }

    fn jobs() -> ApiResource {
        kapi::builtin("jobs").unwrap()
    }

    #[test]
    fn a_job_with_failed_or_complete_true_has_finished() {
        let failed = json!({"status": {"conditions": [
            {"type": "FailureTarget", "status": "True"},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit"},
        ]}});
        assert_eq!(
            finished(&jobs(), &failed).unwrap(),
            "the Job has failed (BackoffLimitExceeded: Job has reached the specified backoff limit)"
        );
        let complete = json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(finished(&jobs(), &complete).unwrap(), "the Job is complete");
        let running = json!({"status": {"active": 1}});
        assert_eq!(finished(&jobs(), &running), None);
        assert_eq!(finished(&pods(), &failed), None, "only a Job's conditions");
    }

    #[test]
    fn a_pod_in_a_terminal_phase_has_finished() {
        let failed = json!({"status": {"phase": "Failed", "containerStatuses": [
            {"name": "app", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}},
        ]}});
        assert_eq!(
            finished(&pods(), &failed).unwrap(),
            "the Pod has phase Failed: container app exited with code 1 (Error)"
        );
        let evicted = json!({"status": {"phase": "Failed", "reason": "Evicted",
            "message": "The node was low on resource: memory."}});
        assert_eq!(
            finished(&pods(), &evicted).unwrap(),
            "the Pod has phase Failed (Evicted: The node was low on resource: memory.)"
        );
        let done = json!({"status": {"phase": "Succeeded"}});
        assert_eq!(
            finished(&pods(), &done).unwrap(),
            "the Pod has phase Succeeded"
        );
        assert_eq!(
            finished(&pods(), &json!({"status": {"phase": "Running"}})),
            None
        );
    }

    #[test]
    fn troubles_show_recoverable_states_with_what_helps() {
        let pod = json!({"status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "restartCount": 3,
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}},
            {"name": "sidecar", "state": {"waiting": {"reason": "ImagePullBackOff",
             "message": "Back-off pulling image \"registry.example.com/sidecar:9\""}}},
            {"name": "fine", "state": {"waiting": {"reason": "ContainerCreating"}}},
        ], "initContainerStatuses": [
            {"name": "init", "state": {"waiting": {"reason": "CreateContainerConfigError",
             "message": "secret \"db\" not found"}}},
        ]}});
        assert_eq!(
            troubles(&pod),
            [
                "container init is in CreateContainerConfigError: secret \"db\" not found",
                "container app is in CrashLoopBackOff (3 restarts, last exit code 1: Error)",
                "container sidecar is in ImagePullBackOff: Back-off pulling image \"registry.example.com/sidecar:9\"",
            ]
        );
        let pending = json!({"status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "message": "0/3 nodes are available: 3 Insufficient cpu."},
        ]}});
        assert_eq!(
            troubles(&pending),
            ["Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."]
        );
    }

    #[test]
    fn reasons_come_from_the_pod_its_containers_and_conditions() {
        let pod = json!({"status": {"reason": "Evicted", "containerStatuses": [
            {"name": "app", "state": {"terminated": {"reason": "OOMKilled"}}},
        ], "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed"}]}});
        assert_eq!(
            reasons(&pod),
            [
                ("status".to_string(), "Evicted".to_string()),
                ("container app".to_string(), "OOMKilled".to_string()),
                ("condition Ready=False".to_string(), "PodFailed".to_string()),
            ]
        );
    }

    #[test]
    fn long_messages_are_cut_to_one_line() {
        let long = "word ".repeat(100);
        let text = cut(&long);
        assert_eq!(text.chars().count(), MESSAGE_CHARS);
        assert!(text.ends_with("..."));
        assert_eq!(cut("a\n  b"), "a b");
    }
}
