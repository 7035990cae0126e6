//! The generated namespace `big`: `n` realistic pods made from their index
//! when a page needs them, never stored, so 50,000 of them cost nothing
//! until listed.
//!
//! Pod `i` is `pod-00042` (zero-padded to at least five digits, so name
//! order is index order), labels `app=big`, `shard=<i % 10>` and a
//! `pod-template-hash`; it runs on `node-1` or `node-2` (even or odd `i`),
//! is `Running` with one ready container and `i % 3` restarts, and is about
//! 3.5 KB of JSON: a real pod as a list returns it, with the managedFields of
//! its two writers (kube-controller-manager created it, the kubelet writes
//! its status). The pods are read-only and sit at resourceVersion 100.

use serde_json::{json, Map, Value};

/// The namespace of the generated pods.
pub(crate) const NAMESPACE: &str = "big";

/// `n` generated pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ManyPods {
    count: usize,
}

impl ManyPods {
    pub(crate) fn new(count: usize) -> Self {
        ManyPods { count }
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    fn width(&self) -> usize {
        self.count.saturating_sub(1).to_string().len().max(5)
    }

    /// Pod `i`'s name.
    pub(crate) fn name(&self, i: usize) -> String {
        format!("pod-{i:0width$}", width = self.width())
    }

    /// The index of the pod called `name`.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        let digits = name.strip_prefix("pod-")?;
        if digits.len() != self.width() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: usize = digits.parse().ok()?;
        (i < self.count).then_some(i)
    }

    /// The first index whose name sorts after `name` (for continue tokens
    /// and merging with stored objects).
    pub(crate) fn first_after(&self, name: &str) -> usize {
        // Names sort as their indexes do; a binary search on names is exact
        // even for strings that are not pod names.
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.name(mid).as_str() <= name {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The fields selectors look at, without building the whole pod.
    pub(crate) fn selectable(&self, i: usize) -> Value {
        json!({
            "metadata": {"name": self.name(i), "namespace": NAMESPACE, "labels": labels(i)},
            "spec": {"nodeName": node(i), "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "serviceAccountName": "default", "hostNetwork": false},
            "status": {"phase": "Running", "podIP": pod_ip(i), "podIPs": [{"ip": pod_ip(i)}]}
        })
    }

    /// Pod `i` as the server writes it (compact, Go field order).
    pub(crate) fn encode(&self, i: usize) -> String {
        self.encode_at(i, RESOURCE_VERSION)
    }

    /// Event `k` of [`Builder::watch_events`](crate::Builder::watch_events):
    /// a `MODIFIED` of pod `k % n` at resourceVersion `rv`, one line.
    #[cfg(test)]
    pub(crate) fn modified_event(&self, k: usize, rv: u64) -> String {
        let (before, after) = self.modified_event_parts(k % self.count.max(1));
        format!("{before}{rv}{after}")
    }

    /// The `MODIFIED` event line of pod `i` as the text before and after
    /// its resourceVersion, so that a stream of them costs a copy each.
    pub(crate) fn modified_event_parts(&self, i: usize) -> (String, String) {
        // No pod's text holds these digits but where the resourceVersion goes.
        const MARK: u64 = 987_654_321_987_654_321;
        let line = format!(
            "{{\"type\":\"MODIFIED\",\"object\":{}}}\n",
            self.encode_at(i, MARK)
        );
        let mark = MARK.to_string();
        let at = line.find(&mark).unwrap_or(line.len());
        let after = line.get(at + mark.len()..).unwrap_or_default().to_string();
        (line[..at].to_string(), after)
    }

    /// Pod `i` at resourceVersion `rv`.
    fn encode_at(&self, i: usize, rv: u64) -> String {
        let name = self.name(i);
        let uid = format!("b16b0000-0000-4000-8000-{i:012x}");
        let created = crate::clock::format_rfc3339(CREATED_BASE + (i % 86_400) as i64);
        let node = node(i);
        let ip = pod_ip(i);
        let host_ip = if i & 1 == 0 {
            "172.18.0.2"
        } else {
            "172.18.0.3"
        };
        let restarts = i % 3;
        let shard = i % 10;
        format!(
            concat!(
                r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{name}","generateName":"big-5d8c9f7b4-","namespace":"big","uid":"{uid}","resourceVersion":"{rv}","creationTimestamp":"{created}","#,
                r#""labels":{{"app":"big","pod-template-hash":"5d8c9f7b4","shard":"{shard}"}},"#,
                r#""ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"big-5d8c9f7b4","uid":"b16b0000-0000-4000-8000-ffffffffffff","controller":true,"blockOwnerDeletion":true}}],"#,
                r#""managedFields":[{{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"{created}","fieldsType":"FieldsV1","fieldsV1":{{"#,
                r#""f:metadata":{{"f:generateName":{{}},"f:labels":{{".":{{}},"f:app":{{}},"f:pod-template-hash":{{}},"f:shard":{{}}}},"#,
                r#""f:ownerReferences":{{".":{{}},"k:{{\"uid\":\"b16b0000-0000-4000-8000-ffffffffffff\"}}":{{}}}}}},"#,
                r#""f:spec":{{"f:containers":{{"k:{{\"name\":\"app\"}}":{{".":{{}},"f:image":{{}},"f:imagePullPolicy":{{}},"f:name":{{}},"#,
                r#""f:ports":{{".":{{}},"k:{{\"containerPort\":8080,\"protocol\":\"TCP\"}}":{{".":{{}},"f:containerPort":{{}},"f:name":{{}},"f:protocol":{{}}}}}},"#,
                r#""f:resources":{{".":{{}},"f:limits":{{".":{{}},"f:memory":{{}}}},"f:requests":{{".":{{}},"f:cpu":{{}},"f:memory":{{}}}}}},"#,
                r#""f:terminationMessagePath":{{}},"f:terminationMessagePolicy":{{}}}}}},"f:dnsPolicy":{{}},"f:restartPolicy":{{}},"#,
                r#""f:schedulerName":{{}},"f:securityContext":{{}},"f:terminationGracePeriodSeconds":{{}}}}}}}},"#,
                r#"{{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"{created}","fieldsType":"FieldsV1","fieldsV1":{{"f:status":{{"#,
                r#""f:conditions":{{"k:{{\"type\":\"ContainersReady\"}}":{{".":{{}},"f:lastProbeTime":{{}},"f:lastTransitionTime":{{}},"f:status":{{}},"f:type":{{}}}},"#,
                r#""k:{{\"type\":\"Initialized\"}}":{{".":{{}},"f:lastProbeTime":{{}},"f:lastTransitionTime":{{}},"f:status":{{}},"f:type":{{}}}},"#,
                r#""k:{{\"type\":\"Ready\"}}":{{".":{{}},"f:lastProbeTime":{{}},"f:lastTransitionTime":{{}},"f:status":{{}},"f:type":{{}}}}}},"#,
                r#""f:containerStatuses":{{}},"f:hostIP":{{}},"f:phase":{{}},"f:podIP":{{}},"#,
                r#""f:podIPs":{{".":{{}},"k:{{\"ip\":\"{ip}\"}}":{{".":{{}},"f:ip":{{}}}}}},"f:startTime":{{}}}}}},"subresource":"status"}}]}},"#,
                r#""spec":{{"containers":[{{"name":"app","image":"registry.example.com/big:2.0.1","ports":[{{"name":"http","containerPort":8080,"protocol":"TCP"}}],"#,
                r#""resources":{{"limits":{{"memory":"64Mi"}},"requests":{{"cpu":"10m","memory":"32Mi"}}}},"#,
                r#""terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}}],"#,
                r#""restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","#,
                r#""nodeName":"{node}","securityContext":{{}},"schedulerName":"default-scheduler","priority":0}},"#,
                r#""status":{{"phase":"Running","conditions":[{{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"{created}"}},"#,
                r#"{{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"{created}"}},{{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"{created}"}},"#,
                r#"{{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"{created}"}}],"#,
                r#""hostIP":"{host_ip}","podIP":"{ip}","podIPs":[{{"ip":"{ip}"}}],"startTime":"{created}","#,
                r#""containerStatuses":[{{"name":"app","state":{{"running":{{"startedAt":"{created}"}}}},"lastState":{{}},"ready":true,"restartCount":{restarts},"#,
                r#""image":"registry.example.com/big:2.0.1","imageID":"registry.example.com/big@sha256:4f2c9e8d1b7a6f5e3c2d1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6","#,
                r#""containerID":"containerd://{cid:064x}","started":true}}],"qosClass":"Burstable"}}}}"#
            ),
            name = name,
            uid = uid,
            rv = rv,
            created = created,
            shard = shard,
            node = node,
            ip = ip,
            host_ip = host_ip,
            restarts = restarts,
            cid = i as u128 * 0x9e37_79b9_7f4a_7c15,
        )
    }

    /// Pod `i` as a value (for tables and `includeObject`).
    pub(crate) fn value(&self, i: usize) -> Value {
        // Invariant: `encode` writes valid JSON (tested below).
        serde_json::from_str(&self.encode(i)).expect("generated pods are valid JSON")
    }
}

/// The resourceVersion of every generated pod.
const RESOURCE_VERSION: u64 = 100;

/// 2025-12-01T00:00:00Z: pod `i` was created `i % 86400` seconds later.
const CREATED_BASE: i64 = 1_764_547_200;

fn labels(i: usize) -> Map<String, Value> {
    let mut labels = Map::new();
    labels.insert("app".into(), "big".into());
    labels.insert("pod-template-hash".into(), "5d8c9f7b4".into());
    labels.insert("shard".into(), (i % 10).to_string().into());
    labels
}

fn node(i: usize) -> &'static str {
    if i & 1 == 0 {
        "node-1"
    } else {
        "node-2"
    }
}

fn pod_ip(i: usize) -> String {
    format!(
        "10.{}.{}.{}",
        100 + i / 62_500,
        (i / 250) % 250,
        i % 250 + 2
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_like_indexes() {
        let pods = ManyPods::new(50_000);
        assert_eq!(pods.name(7), "pod-00007");
        assert_eq!(pods.index("pod-00007"), Some(7));
        assert_eq!(pods.index("pod-50000"), None);
        assert_eq!(pods.index("pod-7"), None);
        assert_eq!(pods.first_after(""), 0);
        assert_eq!(pods.first_after("pod-00007"), 8);
        assert_eq!(pods.first_after("pod-00007x"), 8);
        assert_eq!(pods.first_after("zzz"), 50_000);
        assert_eq!(ManyPods::new(200_000).name(3), "pod-000003");
    }

    #[test]
    fn modified_events_cycle_through_the_pods_at_their_resource_version() {
        let pods = ManyPods::new(3);
        let event: Value = serde_json::from_str(&pods.modified_event(4, 123)).unwrap();
        assert_eq!(event["type"], "MODIFIED");
        assert_eq!(event["object"]["metadata"]["name"], "pod-00001");
        assert_eq!(event["object"]["metadata"]["resourceVersion"], "123");
        assert!(pods.modified_event(0, 1).ends_with("}\n"));
    }

    #[test]
    fn pods_are_valid_json_of_realistic_size() {
        let pods = ManyPods::new(5_000);
        for i in [0, 1, 4_999] {
            let text = pods.encode(i);
            let value: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["metadata"]["name"], pods.name(i));
            assert!((3_000..3_800).contains(&text.len()), "{}", text.len());
            assert!(text.contains(r#""resourceVersion":"100""#));
            let selectable = pods.selectable(i);
            assert_eq!(
                selectable["metadata"]["labels"],
                value["metadata"]["labels"]
            );
            assert_eq!(selectable["status"]["podIP"], value["status"]["podIP"]);
            assert_eq!(selectable["spec"]["nodeName"], value["spec"]["nodeName"]);
        }
    }
}
