//! Discovery: which resource types the server serves.
//!
//! Prefer [`Client::resolve`](crate::Client::resolve), which answers built-in
//! types from the compiled-in table and asks the server only for the rest.

use serde::Deserialize;

use crate::resource::{ApiResource, TypeName};
use crate::{Client, Result};

/// client-go's `AcceptV2 + "," + AcceptV1`: aggregated discovery (one
/// request each for `/api` and `/apis`, Kubernetes 1.30+), else legacy.
pub const ACCEPT_AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// Every resource type the server serves, in client-go's priority order:
/// core `v1`, then each group's preferred version in discovery order, then
/// the other versions. Subresources are left out.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    resources: Vec<ApiResource>,
    preferred: usize,
}

impl Discovery {
    /// Fetches discovery: aggregated v2 when the server answers with it
    /// (checked by `Content-Type`), else the legacy per-group documents.
    pub fn fetch(client: &Client) -> Result<Discovery> {
        let mut preferred = Vec::new();
        let mut others = Vec::new();
        let mut legacy_groups = Vec::new();
        for root in ["/api", "/apis"] {
            let response = client
                .get(root)
                .header("Accept", ACCEPT_AGGREGATED)
                .send()?;
            let aggregated = response
                .content_type()
                .is_some_and(|t| t.contains("as=APIGroupDiscoveryList"));
            if aggregated {
                let list: GroupDiscoveryList = response.json()?;
                for group in list.items {
                    add_aggregated_group(group, &mut preferred, &mut others);
                }
            } else if root == "/api" {
                let versions: ApiVersions = response.json()?;
                for version in versions.versions {
                    legacy_groups.push((format!("/api/{version}"), String::new(), version, true));
                }
            } else {
                let groups: ApiGroupList = response.json()?;
                for group in groups.groups {
                    let preferred_version = group.preferred_version.map(|p| p.version);
                    for v in group.versions {
                        let is_preferred =
                            preferred_version.as_deref().is_none_or(|p| p == v.version);
                        legacy_groups.push((
                            format!("/apis/{}", v.group_version),
                            group.name.clone(),
                            v.version,
                            is_preferred,
                        ));
                    }
                }
            }
        }
        for (path, group, version, is_preferred) in legacy_groups {
            let list: ApiResourceList = client.get(&path).json()?;
            let target = if is_preferred {
                &mut preferred
            } else {
                &mut others
            };
            for r in list.resources.into_iter().filter(|r| !r.name.contains('/')) {
                target.push(ApiResource {
                    group: r.group.unwrap_or_else(|| group.clone()),
                    version: r.version.unwrap_or_else(|| version.clone()),
                    plural: r.name,
                    singular: r.singular_name,
                    kind: r.kind,
                    namespaced: r.namespaced,
                    short_names: r.short_names,
                    verbs: r.verbs,
                    categories: r.categories,
                });
            }
        }
        let count = preferred.len();
        preferred.extend(others);
        Ok(Discovery {
            resources: preferred,
            preferred: count,
        })
    }

    /// All resources, in priority order.
    pub fn resources(&self) -> &[ApiResource] {
        &self.resources
    }

    /// The resources of each group's preferred version (what `kubectl
    /// api-resources` lists).
    pub fn preferred(&self) -> &[ApiResource] {
        &self.resources[..self.preferred]
    }

    /// The resource `name` means, by client-go's rules.
    pub fn find(&self, name: &TypeName) -> Option<&ApiResource> {
        name.find(&self.resources)
    }

    /// Whether the server serves `resource` (its group, version and
    /// plural): a type from the compiled-in table ([`crate::builtin`]) may
    /// be missing on a server too old or too new for it.
    pub fn serves(&self, resource: &ApiResource) -> bool {
        self.resources.iter().any(|r| {
            r.group == resource.group
                && r.version == resource.version
                && r.plural == resource.plural
        })
    }
}

fn add_aggregated_group(
    group: GroupDiscovery,
    preferred: &mut Vec<ApiResource>,
    others: &mut Vec<ApiResource>,
) {
    for (i, version) in group.versions.into_iter().enumerate() {
        // A stale group version failed to answer the server's aggregator:
        // client-go treats it as failed, so it is skipped here.
        if version.freshness.as_deref() == Some("Stale") {
            continue;
        }
        let target = if i == 0 {
            &mut *preferred
        } else {
            &mut *others
        };
        for r in version.resources {
            let kind = r.response_kind.map(|k| k.kind).unwrap_or_default();
            target.push(ApiResource {
                group: group.metadata.name.clone(),
                version: version.version.clone(),
                singular: if r.singular_resource.is_empty() {
                    kind.to_ascii_lowercase()
                } else {
                    r.singular_resource
                },
                plural: r.resource,
                kind,
                namespaced: r.scope == "Namespaced",
                short_names: r.short_names,
                verbs: r.verbs,
                categories: r.categories,
            });
        }
    }
}

// apidiscovery.k8s.io/v2 APIGroupDiscoveryList.
#[derive(Deserialize)]
struct GroupDiscoveryList {
    #[serde(default)]
    items: Vec<GroupDiscovery>,
}

#[derive(Deserialize)]
struct GroupDiscovery {
    #[serde(default)]
    metadata: Name,
    #[serde(default)]
    versions: Vec<VersionDiscovery>,
}

#[derive(Deserialize, Default)]
struct Name {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct VersionDiscovery {
    version: String,
    #[serde(default)]
    freshness: Option<String>,
    #[serde(default)]
    resources: Vec<ResourceDiscovery>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceDiscovery {
    resource: String,
    #[serde(default)]
    response_kind: Option<Kind>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    singular_resource: String,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    short_names: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
}

// The aggregated discovery document spells some fields as the legacy one
// does: the two wire formats are decoded by two structs on purpose.
#[derive(Deserialize)]
struct Kind {
    #[serde(default)]
    kind: String,
}

// Legacy discovery: APIVersions, APIGroupList, APIResourceList.
#[derive(Deserialize)]
struct ApiVersions {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct ApiGroupList {
    #[serde(default)]
    groups: Vec<ApiGroup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiGroup {
    name: String,
    #[serde(default)]
    versions: Vec<GroupVersion>,
    #[serde(default)]
    preferred_version: Option<GroupVersion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupVersion {
    group_version: String,
    version: String,
}

#[derive(Deserialize)]
struct ApiResourceList {
    #[serde(default)]
    resources: Vec<LegacyResource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyResource {
    name: String,
    #[serde(default)]
    singular_name: String,
    #[serde(default)]
    namespaced: bool,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    short_names: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_order_puts_preferred_versions_first_and_skips_stale() {
        let list: GroupDiscoveryList = serde_json::from_str(
            r#"{"items":[
              {"metadata":{"name":"autoscaling"},"versions":[
                {"version":"v2","resources":[{"resource":"horizontalpodautoscalers","responseKind":{"group":"autoscaling","version":"v2","kind":"HorizontalPodAutoscaler"},"scope":"Namespaced","singularResource":"horizontalpodautoscaler","shortNames":["hpa"],"verbs":["get"]}],"freshness":"Current"},
                {"version":"v1","resources":[{"resource":"horizontalpodautoscalers","responseKind":{"group":"autoscaling","version":"v1","kind":"HorizontalPodAutoscaler"},"scope":"Namespaced","singularResource":"horizontalpodautoscaler","shortNames":["hpa"]}],"freshness":"Current"}]},
              {"metadata":{"name":"metrics.k8s.io"},"versions":[
                {"version":"v1beta1","resources":[{"resource":"pods","responseKind":{"kind":"PodMetrics"},"scope":"Namespaced"}],"freshness":"Stale"}]}
            ]}"#,
        )
        .unwrap();
        let (mut preferred, mut others) = (Vec::new(), Vec::new());
        for g in list.items {
            add_aggregated_group(g, &mut preferred, &mut others);
        }
        assert_eq!(preferred.len(), 1);
        assert_eq!(preferred[0].version, "v2");
        assert_eq!(others[0].version, "v1");
        preferred.extend(others);
        let d = Discovery {
            resources: preferred,
            preferred: 1,
        };
        assert_eq!(d.find(&TypeName::parse("hpa")).unwrap().version, "v2");
        assert_eq!(
            d.find(&TypeName::parse("hpa.v1.autoscaling"))
                .unwrap()
                .version,
            "v1"
        );
        assert_eq!(
            d.find(&TypeName::parse("horizontalpodautoscalers.autoscal"))
                .unwrap()
                .version,
            "v2"
        );
    }
}
