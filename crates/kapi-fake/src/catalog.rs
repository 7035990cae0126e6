//! The resources the fake serves: the built-in ones of a 1.33 server, read
//! from `fixtures/api/{api,apis}.discovery-v2.json`, plus one entry per
//! CustomResourceDefinition in the store.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::json::{self, Json};

/// One served resource of one group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceInfo {
    /// Empty for the core group.
    pub(crate) group: String,
    pub(crate) version: String,
    /// The plural, as in URLs.
    pub(crate) resource: String,
    pub(crate) kind: String,
    pub(crate) singular: String,
    pub(crate) namespaced: bool,
    pub(crate) verbs: Vec<String>,
    pub(crate) short_names: Vec<String>,
    pub(crate) categories: Vec<String>,
    pub(crate) subresources: Vec<SubresourceInfo>,
}

/// A subresource such as `status`, `scale` or `log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubresourceInfo {
    pub(crate) name: String,
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    pub(crate) verbs: Vec<String>,
}

impl ResourceInfo {
    /// `apps/v1`, or `v1`.
    pub(crate) fn api_version(&self) -> String {
        crate::request::group_version(&self.group, &self.version)
    }

    pub(crate) fn subresource(&self, name: &str) -> Option<&SubresourceInfo> {
        self.subresources.iter().find(|s| s.name == name)
    }

    pub(crate) fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
}

/// The built-in discovery documents and the resources in them.
pub(crate) struct Catalog {
    /// `/api` in aggregated form (one group, the core group).
    core: Json,
    /// `/apis` in aggregated form, built-in groups only.
    groups: Json,
    resources: Vec<ResourceInfo>,
}

impl Catalog {
    /// Reads the two aggregated documents from `api_dir`. Panics on a broken
    /// fixture: a test-support failure.
    pub(crate) fn load(api_dir: &Path) -> Self {
        let read = |name: &str| -> (Json, Value) {
            let path = api_dir.join(name);
            let text = fs::read(&path)
                .unwrap_or_else(|err| panic!("failed to read '{}': {err}", path.display()));
            let ordered = json::parse_ordered(&text)
                .unwrap_or_else(|err| panic!("invalid JSON in '{}': {err}", path.display()));
            let value = serde_json::from_slice(&text).expect("parsed once already");
            (ordered, value)
        };
        let (core, core_value) = read("api.discovery-v2.json");
        let (groups, groups_value) = read("apis.discovery-v2.json");
        let mut resources = resources_of(&core_value);
        resources.extend(resources_of(&groups_value));
        Catalog {
            core,
            groups,
            resources,
        }
    }

    /// Stops serving the built-in `api_version` (`policy/v1`, `v1`): its
    /// resources and its entry in the aggregated documents go.
    pub(crate) fn remove_api(&mut self, api_version: &str) {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        self.resources
            .retain(|r| !(r.group == group && r.version == version));
        let doc = if group.is_empty() {
            &mut self.core
        } else {
            &mut self.groups
        };
        let Json::Obj(fields) = doc else { return };
        for (key, value) in fields.iter_mut() {
            let (true, Json::Arr(groups)) = (key == "items", value) else {
                continue;
            };
            for entry in groups.iter_mut() {
                let name = entry
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                if name != group {
                    continue;
                }
                if let Json::Obj(entry_fields) = entry {
                    for (k, v) in entry_fields.iter_mut() {
                        if let (true, Json::Arr(versions)) = (k == "versions", v) {
                            versions.retain(|v| {
                                v.get("version").and_then(Json::as_str) != Some(version)
                            });
                        }
                    }
                }
            }
            // A group without versions is not served at all.
            groups.retain(
                |entry| !matches!(entry.get("versions"), Some(Json::Arr(v)) if v.is_empty()),
            );
        }
    }

    /// The built-in resources, in discovery order.
    pub(crate) fn builtins(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// The built-in resource `resource` of `group/version`.
    pub(crate) fn builtin(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
    }

    /// The aggregated `/api` document.
    pub(crate) fn aggregated_core(&self) -> &Json {
        &self.core
    }

    /// The aggregated `/apis` document with `extra` groups (CRDs) appended.
    pub(crate) fn aggregated_groups(&self, extra: Vec<Json>) -> Json {
        let mut doc = self.groups.clone();
        if let Json::Obj(fields) = &mut doc {
            for (key, value) in fields.iter_mut() {
                if let (true, Json::Arr(items)) = (key == "items", value) {
                    items.extend(extra);
                    break;
                }
            }
        }
        doc
    }

    /// Built-in group names with their versions, preferred first, in
    /// discovery order (the core group excluded).
    pub(crate) fn group_versions(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for r in self.resources.iter().filter(|r| !r.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, versions)) if !versions.contains(&r.version) => {
                    versions.push(r.version.clone())
                }
                Some(_) => {}
                None => out.push((r.group.clone(), vec![r.version.clone()])),
            }
        }
        out
    }
}

/// The resources of an `APIGroupDiscoveryList`.
fn resources_of(doc: &Value) -> Vec<ResourceInfo> {
    let mut out = Vec::new();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    for group in doc["items"].as_array().into_iter().flatten() {
        let group_name = text(&group["metadata"], "name");
        for version in group["versions"].as_array().into_iter().flatten() {
            let version_name = text(version, "version");
            for r in version["resources"].as_array().into_iter().flatten() {
                let subresources = r["subresources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| SubresourceInfo {
                        name: text(s, "subresource"),
                        group: text(&s["responseKind"], "group"),
                        version: text(&s["responseKind"], "version"),
                        kind: text(&s["responseKind"], "kind"),
                        verbs: strings(&s["verbs"]),
                    })
                    .collect();
                out.push(ResourceInfo {
                    group: group_name.clone(),
                    version: version_name.clone(),
                    resource: text(r, "resource"),
                    kind: text(&r["responseKind"], "kind"),
                    singular: text(r, "singularResource"),
                    namespaced: r["scope"] == "Namespaced",
                    verbs: strings(&r["verbs"]),
                    short_names: strings(&r["shortNames"]),
                    categories: strings(&r["categories"]),
                    subresources,
                });
            }
        }
    }
    out
}

/// The verbs of every custom resource.
const CR_VERBS: [&str; 8] = [
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];

/// The served versions of a CRD object, highest priority first (as kube
/// sorts them: GA before beta before alpha, newer first).
pub(crate) fn crd_versions(crd: &Value) -> Vec<String> {
    let mut versions: Vec<String> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(false))
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    versions
}

/// The resource a CRD object defines, in `version`.
pub(crate) fn crd_resource(crd: &Value, version: &str) -> Option<ResourceInfo> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let entry = spec["versions"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == version && v["served"].as_bool().unwrap_or(false))?;
    let group = text(&spec["group"]);
    let kind = text(&names["kind"]);
    let mut subresources = Vec::new();
    if entry["subresources"].get("scale").is_some() {
        subresources.push(SubresourceInfo {
            name: "scale".into(),
            group: "autoscaling".into(),
            version: "v1".into(),
            kind: "Scale".into(),
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
    }
    if entry["subresources"].get("status").is_some() {
        subresources.push(SubresourceInfo {
            name: "status".into(),
            group: group.clone(),
            version: version.to_string(),
            kind: kind.clone(),
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
    }
    let plural = text(&names["plural"]);
    let singular = match text(&names["singular"]) {
        s if s.is_empty() => kind.to_lowercase(),
        s => s,
    };
    Some(ResourceInfo {
        group,
        version: version.to_string(),
        resource: plural,
        kind,
        singular,
        namespaced: spec["scope"] == "Namespaced",
        verbs: CR_VERBS.iter().map(|v| v.to_string()).collect(),
        short_names: strings(&names["shortNames"]),
        categories: strings(&names["categories"]),
        subresources,
    })
}

/// kube's version priority: `v2` > `v1` > `v2beta1` > `v1beta2` > `v1alpha1`
/// > anything else.
fn version_priority(version: &str) -> (u8, u32, u32) {
    let Some(rest) = version.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(major) = digits.parse::<u32>() else {
        return (0, 0, 0);
    };
    let tail = &rest[digits.len()..];
    let minor = |prefix: &str| {
        tail.strip_prefix(prefix)
            .and_then(|n| n.parse::<u32>().ok())
    };
    if tail.is_empty() {
        (3, major, 0)
    } else if let Some(n) = minor("beta") {
        (2, major, n)
    } else if let Some(n) = minor("alpha") {
        (1, major, n)
    } else {
        (0, 0, 0)
    }
}

/// The aggregated discovery entry of a CRD-defined group: one
/// `APIGroupDiscovery` per group, its versions in priority order.
pub(crate) fn crd_group_discovery(group: &str, resources: &[ResourceInfo]) -> Json {
    let mut versions: Vec<&str> = Vec::new();
    for r in resources {
        if !versions.contains(&r.version.as_str()) {
            versions.push(&r.version);
        }
    }
    versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    let version_docs = versions.into_iter().map(|version| {
        let mut in_version: Vec<&ResourceInfo> =
            resources.iter().filter(|r| r.version == version).collect();
        in_version.sort_by(|a, b| a.resource.cmp(&b.resource));
        Json::obj([
            ("version", Json::from(version)),
            (
                "resources",
                Json::arr(in_version.into_iter().map(aggregated_resource)),
            ),
            ("freshness", Json::from("Current")),
        ])
    });
    Json::obj([
        (
            "metadata",
            Json::obj([
                ("name", Json::from(group)),
                ("creationTimestamp", Json::Null),
            ]),
        ),
        ("versions", Json::arr(version_docs)),
    ])
}

/// One `APIResourceDiscovery`.
fn aggregated_resource(r: &ResourceInfo) -> Json {
    let strings = |v: &[String]| Json::arr(v.iter().map(|s| Json::from(s.as_str())));
    let kind = |group: &str, version: &str, kind: &str| {
        Json::obj([
            ("group", Json::from(group)),
            ("version", Json::from(version)),
            ("kind", Json::from(kind)),
        ])
    };
    let mut fields = vec![
        ("resource", Json::from(r.resource.as_str())),
        ("responseKind", kind(&r.group, &r.version, &r.kind)),
        (
            "scope",
            Json::from(if r.namespaced {
                "Namespaced"
            } else {
                "Cluster"
            }),
        ),
        ("singularResource", Json::from(r.singular.as_str())),
        ("verbs", strings(&r.verbs)),
    ];
    if !r.short_names.is_empty() {
        fields.push(("shortNames", strings(&r.short_names)));
    }
    if !r.categories.is_empty() {
        fields.push(("categories", strings(&r.categories)));
    }
    if !r.subresources.is_empty() {
        let subs = r.subresources.iter().map(|s| {
            Json::obj([
                ("subresource", Json::from(s.name.as_str())),
                ("responseKind", kind(&s.group, &s.version, &s.kind)),
                ("verbs", strings(&s.verbs)),
            ])
        });
        fields.push(("subresources", Json::arr(subs)));
    }
    Json::obj(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::load(&crate::fixtures_dir().join("api"))
    }

    #[test]
    fn loads_builtin_resources() {
        let catalog = catalog();
        let pods = catalog.builtin("", "v1", "pods").unwrap();
        assert_eq!(pods.kind, "Pod");
        assert!(pods.namespaced);
        assert_eq!(pods.short_names, ["po"]);
        assert_eq!(pods.categories, ["all"]);
        assert!(pods.subresource("log").is_some());
        let scale = catalog
            .builtin("apps", "v1", "deployments")
            .unwrap()
            .subresource("scale")
            .unwrap();
        assert_eq!(
            (scale.group.as_str(), scale.kind.as_str()),
            ("autoscaling", "Scale")
        );
        assert!(!catalog.builtin("", "v1", "nodes").unwrap().namespaced);
        assert_eq!(
            catalog
                .builtin("apps", "v1", "daemonsets")
                .unwrap()
                .short_names,
            ["ds"]
        );
        let groups = catalog.group_versions();
        assert_eq!(groups[0].0, "apiregistration.k8s.io");
        let autoscaling = groups.iter().find(|(g, _)| g == "autoscaling").unwrap();
        assert_eq!(autoscaling.1, ["v2", "v1"]);
    }

    #[test]
    fn crd_resources_and_versions() {
        let crd = json!({"spec": {
            "group": "example.com",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"]},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1beta1", "served": true, "storage": false},
                {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}},
                {"name": "v1alpha1", "served": false, "storage": false}
            ]
        }});
        assert_eq!(crd_versions(&crd), ["v1", "v1beta1"]);
        let widgets = crd_resource(&crd, "v1").unwrap();
        assert_eq!(widgets.kind, "Widget");
        assert_eq!(widgets.short_names, ["wg"]);
        assert_eq!(widgets.subresources[0].name, "status");
        assert!(crd_resource(&crd, "v1alpha1").is_none());
        let doc = crd_group_discovery("example.com", &[widgets]).encode();
        assert!(doc.starts_with(r#"{"metadata":{"name":"example.com","creationTimestamp":null},"versions":[{"version":"v1","resources":[{"resource":"widgets","responseKind":{"group":"example.com","version":"v1","kind":"Widget"},"scope":"Namespaced","singularResource":"widget","verbs":["delete","deletecollection","get","list","patch","create","update","watch"],"shortNames":["wg"]"#), "{doc}");
    }
}
