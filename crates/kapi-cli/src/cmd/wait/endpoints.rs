//! `--for=endpoints[=N]`: a Service has at least N ready endpoints, as its
//! EndpointSlices (`discovery.k8s.io/v1`) say, watched with the label the
//! EndpointSlice controller puts on them, `kubernetes.io/service-name`.
//!
//! A ready endpoint is one whose `conditions.ready` is not false (the API:
//! an unknown state is to be read as ready); the same Pod in two slices
//! (IPv4 and IPv6, or moving between slices) counts once.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::tracker::{Outcome, Track};

/// The label an EndpointSlice names its Service with.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// (namespace, EndpointSlice name).
type Key = (String, String);

/// What one EndpointSlice holds.
#[derive(Debug, Default, Clone)]
struct Slice {
    /// The Service it belongs to.
    service: String,
    /// Each endpoint's identity (its target, else its addresses), and
    /// whether it is ready.
    endpoints: Vec<(String, bool)>,
}

/// The ready endpoints of one Service, or of every Service a label
/// selector matches (each must have enough).
#[derive(Debug)]
pub struct EndpointsTracker {
    /// The named Service (`None`: every Service whose slices match).
    service: Option<String>,
    /// The group's `-l` for the selector form, for messages.
    selector: Option<String>,
    /// N.
    min: u64,
    slices: BTreeMap<Key, Slice>,
    staged: Option<BTreeMap<Key, Slice>>,
    complete: bool,
}

impl EndpointsTracker {
    /// A tracker for the Service `service` (or, `None`, for the Services
    /// whose slices match `selector`) wanting `min` ready endpoints each.
    pub fn new(service: Option<String>, selector: Option<String>, min: u64) -> EndpointsTracker {
        EndpointsTracker {
            service,
            selector,
            min,
            slices: BTreeMap::new(),
            staged: None,
            complete: false,
        }
    }

    /// The label selector to list and watch the slices with.
    pub fn label_selector(service: Option<&str>, selector: Option<&str>) -> Option<String> {
        match (service, selector) {
            (Some(name), _) => Some(format!("{SERVICE_NAME_LABEL}={name}")),
            (None, Some(s)) if !s.is_empty() => Some(s.to_string()),
            (None, _) => None,
        }
    }

    /// Ready and not-ready endpoint counts per Service that has a slice
    /// (by namespace and name: `-A` may see two of the same name), in
    /// order.
    fn counts(&self) -> BTreeMap<(&str, &str), (u64, u64)> {
        // (ready, not ready) endpoint identities.
        type Ids<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>);
        let mut seen: BTreeMap<(&str, &str), Ids<'_>> = BTreeMap::new();
        for ((namespace, _), slice) in &self.slices {
            let entry = seen
                .entry((namespace.as_str(), slice.service.as_str()))
                .or_default();
            for (id, ready) in &slice.endpoints {
                if *ready {
                    entry.0.insert(id);
                } else {
                    entry.1.insert(id);
                }
            }
        }
        seen.into_iter()
            .map(|(service, (ready, not_ready))| {
                let not_ready = not_ready.difference(&ready).count() as u64;
                (service, (ready.len() as u64, not_ready))
            })
            .collect()
    }

    /// `2 ready endpoints (1 not ready), want 3`.
    fn observed(&self, counts: Option<(u64, u64)>) -> String {
        let want = format!("want {}", self.min);
        let Some((ready, not_ready)) = counts else {
            return format!("no EndpointSlices yet, {want} ready");
        };
        let plural = if ready == 1 { "" } else { "s" };
        let mut text = format!("{ready} ready endpoint{plural}");
        if not_ready > 0 {
            text.push_str(&format!(" ({not_ready} not ready)"));
        }
        format!("{text}, {want}")
    }

    fn head(&self) -> String {
        match (&self.service, &self.selector) {
            (Some(name), _) => format!("waiting for service/{name}"),
            (None, Some(s)) if !s.is_empty() => format!("waiting for services ({s})"),
            (None, _) => "waiting for all services".to_string(),
        }
    }
}

impl Track for EndpointsTracker {
    fn begin(&mut self) {
        self.staged = Some(BTreeMap::new());
    }

    fn apply(&mut self, object: &Value) -> Result<(), String> {
        let (key, slice) = read_slice(object);
        if slice.service.is_empty() {
            // Not a Service's slice (a selector or --all matched it).
            return Ok(());
        }
        match &mut self.staged {
            Some(staged) => staged.insert(key, slice),
            None => self.slices.insert(key, slice),
        };
        Ok(())
    }

    fn commit(&mut self) {
        if let Some(staged) = self.staged.take() {
            self.slices = staged;
        }
        self.complete = true;
    }

    fn remove(&mut self, object: &Value) {
        let (key, _) = read_slice(object);
        self.slices.remove(&key);
    }

    fn outcome(&mut self) -> Outcome {
        let head = self.head();
        if !self.complete || self.staged.is_some() {
            return Outcome::Waiting(head);
        }
        let counts = self.counts();
        if let Some(name) = &self.service {
            let mine = own(&counts, name);
            return match mine {
                Some((ready, _)) if ready >= self.min => {
                    Outcome::Met(vec![format!("service/{name} condition met")])
                }
                _ => Outcome::Waiting(format!("{head}: {}", self.observed(mine))),
            };
        }
        if counts.is_empty() {
            return Outcome::Waiting(format!("{head}: no matching EndpointSlices"));
        }
        let total = counts.len();
        let unmet: Vec<(&str, (u64, u64))> = counts
            .iter()
            .filter(|(_, (ready, _))| *ready < self.min)
            .map(|((_, s), c)| (*s, *c))
            .collect();
        match unmet.first() {
            None => Outcome::Met(
                counts
                    .keys()
                    .map(|(_, s)| format!("service/{s} condition met"))
                    .collect(),
            ),
            Some((service, c)) => Outcome::Waiting(format!(
                "{head}: {} of {total} met; service/{service}: {}",
                total - unmet.len(),
                self.observed(Some(*c))
            )),
        }
    }

    fn timeout_message(&self, checked_once: bool) -> String {
        let head = if checked_once {
            "condition not met for"
        } else {
            "timed out waiting for the condition on"
        };
        let counts = self.counts();
        match &self.service {
            Some(name) => format!(
                "{head} services/{name}: {}",
                self.observed(own(&counts, name))
            ),
            None if counts.is_empty() => {
                format!("{head} services: no matching EndpointSlices found")
            }
            None => {
                let unmet: Vec<String> = counts
                    .iter()
                    .filter(|(_, (ready, _))| *ready < self.min)
                    .map(|((_, s), c)| format!("services/{s} ({})", self.observed(Some(*c))))
                    .collect();
                format!("{head} {}", unmet.join(", "))
            }
        }
    }
}

/// The counts of the named Service (its slices are all in one namespace).
fn own(counts: &BTreeMap<(&str, &str), (u64, u64)>, name: &str) -> Option<(u64, u64)> {
    counts
        .iter()
        .find(|((_, service), _)| *service == name)
        .map(|(_, c)| *c)
}

/// An EndpointSlice's key, Service and endpoints.
fn read_slice(object: &Value) -> (Key, Slice) {
    let meta = &object["metadata"];
    let key = (
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str().unwrap_or_default().to_string(),
    );
    let service = meta["labels"][SERVICE_NAME_LABEL]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let endpoints = object["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let target = &e["targetRef"];
            let id = match (target["kind"].as_str(), target["name"].as_str()) {
                (Some(kind), Some(name)) => format!(
                    "{kind}/{}/{name}",
                    target["namespace"].as_str().unwrap_or_default()
                ),
                _ => {
                    let addresses: Vec<&str> = e["addresses"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    addresses.join(",")
                }
            };
            // "nil should be interpreted as true" (discovery.k8s.io/v1).
            let ready = e["conditions"]["ready"].as_bool() != Some(false);
            (id, ready)
        })
        .collect();
    (key, Slice { service, endpoints })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slice(name: &str, service: &str, endpoints: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "test",
            "labels": {SERVICE_NAME_LABEL: service}},
            "addressType": "IPv4", "endpoints": endpoints})
    }

    fn endpoint(ip: &str, pod: &str, ready: Option<bool>) -> Value {
        let mut e = json!({"addresses": [ip],
            "targetRef": {"kind": "Pod", "namespace": "test", "name": pod}});
        if let Some(r) = ready {
            e["conditions"] = json!({"ready": r});
        }
        e
    }

    fn listed(tracker: &mut EndpointsTracker, objects: &[Value]) {
        tracker.begin();
        for o in objects {
            tracker.apply(o).unwrap();
        }
        tracker.commit();
    }

    #[test]
    fn a_service_is_ready_with_enough_ready_endpoints() {
        let mut t = EndpointsTracker::new(Some("db".into()), None, 2);
        listed(&mut t, &[]);
        assert_eq!(
            t.outcome(),
            Outcome::Waiting("waiting for service/db: no EndpointSlices yet, want 2 ready".into())
        );
        let a = slice(
            "db-abc",
            "db",
            json!([
                endpoint("10.0.0.1", "db-0", Some(true)),
                endpoint("10.0.0.2", "db-1", Some(false))
            ]),
        );
        t.apply(&a).unwrap();
        assert_eq!(
            t.outcome(),
            Outcome::Waiting(
                "waiting for service/db: 1 ready endpoint (1 not ready), want 2".into()
            )
        );
        assert_eq!(
            t.timeout_message(false),
            "timed out waiting for the condition on services/db: 1 ready endpoint (1 not ready), want 2"
        );
        // Ready unknown (absent) counts as ready.
        let a = slice(
            "db-abc",
            "db",
            json!([
                endpoint("10.0.0.1", "db-0", Some(true)),
                endpoint("10.0.0.2", "db-1", None)
            ]),
        );
        t.apply(&a).unwrap();
        assert_eq!(
            t.outcome(),
            Outcome::Met(vec!["service/db condition met".into()])
        );
    }

    #[test]
    fn the_same_pod_in_two_slices_counts_once() {
        let mut t = EndpointsTracker::new(Some("db".into()), None, 2);
        let v4 = slice(
            "db-v4",
            "db",
            json!([endpoint("10.0.0.1", "db-0", Some(true))]),
        );
        let v6 = slice(
            "db-v6",
            "db",
            json!([endpoint("fd00::1", "db-0", Some(true))]),
        );
        listed(&mut t, &[v4, v6]);
        assert!(matches!(t.outcome(), Outcome::Waiting(_)));
        let mut t = EndpointsTracker::new(Some("db".into()), None, 1);
        listed(&mut t, &[]);
        let v4 = slice(
            "db-v4",
            "db",
            json!([endpoint("10.0.0.1", "db-0", Some(true))]),
        );
        t.apply(&v4).unwrap();
        assert!(matches!(t.outcome(), Outcome::Met(_)));
        t.remove(&v4);
        assert!(matches!(t.outcome(), Outcome::Waiting(_)));
    }

    #[test]
    fn services_of_the_same_name_in_two_namespaces_count_apart() {
        let mut t = EndpointsTracker::new(None, None, 1);
        let mut other = slice("web-2", "web", json!([]));
        other["metadata"]["namespace"] = json!("prod");
        listed(
            &mut t,
            &[
                slice(
                    "web-1",
                    "web",
                    json!([endpoint("10.0.0.1", "web-0", Some(true))]),
                ),
                other,
            ],
        );
        assert_eq!(
            t.outcome(),
            Outcome::Waiting(
                "waiting for all services: 1 of 2 met; service/web: 0 ready endpoints, want 1"
                    .into()
            )
        );
    }

    #[test]
    fn with_a_selector_every_service_needs_enough() {
        let mut t = EndpointsTracker::new(None, Some("app=web".into()), 1);
        listed(&mut t, &[]);
        assert_eq!(
            t.outcome(),
            Outcome::Waiting("waiting for services (app=web): no matching EndpointSlices".into())
        );
        t.apply(&slice(
            "a-1",
            "a",
            json!([endpoint("10.0.0.1", "a-0", Some(true))]),
        ))
        .unwrap();
        t.apply(&slice("b-1", "b", json!([]))).unwrap();
        assert_eq!(
            t.outcome(),
            Outcome::Waiting(
                "waiting for services (app=web): 1 of 2 met; service/b: 0 ready endpoints, want 1"
                    .into()
            )
        );
        t.apply(&slice("b-1", "b", json!([{"addresses": ["10.0.0.9"]}])))
            .unwrap();
        assert_eq!(
            t.outcome(),
            Outcome::Met(vec![
                "service/a condition met".into(),
                "service/b condition met".into()
            ])
        );
    }
}
