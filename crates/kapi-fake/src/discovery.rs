//! Discovery: `/api`, `/apis` (aggregated v2 when asked for, else the legacy
//! `APIVersions` and `APIGroupList`), `/apis/GROUP` (`APIGroup`) and
//! `/api/v1`, `/apis/GROUP/VERSION` (`APIResourceList`).

use hyper::Response;

use crate::catalog::{self, ResourceInfo};
use crate::json::Json;
use crate::request::group_version;
use crate::response::{self, Body};

/// The `Content-Type` of aggregated discovery v2.
pub(crate) const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// What discovery needs to know about the server.
pub(crate) struct DiscoveryContext<'a> {
    pub(crate) catalog: &'a catalog::Catalog,
    /// Resources of the CRDs in the store.
    pub(crate) crds: Vec<ResourceInfo>,
    /// Ignore the aggregated Accept (a server before 1.30).
    pub(crate) legacy_only: bool,
    /// `host:port` for `serverAddressByClientCIDRs`.
    pub(crate) address: String,
}

/// Whether an `Accept` header asks for aggregated discovery v2.
pub(crate) fn wants_aggregated(accept: Option<&str>) -> bool {
    accept.unwrap_or_default().split(',').any(|range| {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        matches!(params.first(), Some(&"application/json"))
            && params.contains(&"g=apidiscovery.k8s.io")
            && params.contains(&"v=v2")
            && params.contains(&"as=APIGroupDiscoveryList")
    })
}

impl DiscoveryContext<'_> {
    /// `GET /api`.
    pub(crate) fn core_versions(&self, accept: Option<&str>) -> Response<Body> {
        if !self.legacy_only && wants_aggregated(accept) {
            let body = self.catalog.aggregated_core().encode() + "\n";
            return response::with_type(200, AGGREGATED_V2, response::full(body));
        }
        let doc = Json::obj([
            ("kind", Json::from("APIVersions")),
            ("versions", Json::arr([Json::from("v1")])),
            (
                "serverAddressByClientCIDRs",
                Json::arr([Json::obj([
                    ("clientCIDR", Json::from("0.0.0.0/0")),
                    ("serverAddress", Json::from(self.address.as_str())),
                ])]),
            ),
        ]);
        response::json(200, doc.encode() + "\n")
    }

    /// `GET /apis`.
    pub(crate) fn groups(&self, accept: Option<&str>) -> Response<Body> {
        let crd_groups = self.crd_groups();
        if !self.legacy_only && wants_aggregated(accept) {
            let extra = crd_groups
                .iter()
                .map(|(group, resources)| catalog::crd_group_discovery(group, resources))
                .collect();
            let body = self.catalog.aggregated_groups(extra).encode() + "\n";
            return response::with_type(200, AGGREGATED_V2, response::full(body));
        }
        let mut groups: Vec<(String, Vec<String>)> = self.catalog.group_versions();
        for (group, resources) in &crd_groups {
            groups.push((group.clone(), versions_of(resources)));
        }
        let doc = Json::obj([
            ("kind", Json::from("APIGroupList")),
            ("apiVersion", Json::from("v1")),
            (
                "groups",
                Json::arr(groups.iter().map(|(g, v)| group_json(g, v, false))),
            ),
        ]);
        response::json(200, doc.encode() + "\n")
    }

    /// `GET /apis/GROUP`.
    pub(crate) fn group(&self, group: &str) -> Response<Body> {
        let versions = match self
            .catalog
            .group_versions()
            .into_iter()
            .find(|(g, _)| g == group)
        {
            Some((_, versions)) => versions,
            None => match self.crd_groups().into_iter().find(|(g, _)| g == group) {
                Some((_, resources)) => versions_of(&resources),
                None => return response::page_not_found(),
            },
        };
        response::json(200, group_json(group, &versions, true).encode() + "\n")
    }

    /// `GET /api/v1` or `GET /apis/GROUP/VERSION`.
    pub(crate) fn resources(&self, group: &str, version: &str) -> Response<Body> {
        let mut resources: Vec<&ResourceInfo> = self
            .catalog
            .builtins()
            .iter()
            .chain(self.crds.iter())
            .filter(|r| r.group == group && r.version == version)
            .collect();
        if resources.is_empty() {
            return response::page_not_found();
        }
        resources.sort_by(|a, b| a.resource.cmp(&b.resource));
        let mut entries = Vec::new();
        for r in resources {
            entries.push(resource_json(r));
            for sub in &r.subresources {
                let mut fields = vec![
                    ("name", Json::from(format!("{}/{}", r.resource, sub.name))),
                    ("singularName", Json::from("")),
                    ("namespaced", Json::Bool(r.namespaced)),
                ];
                if sub.group != r.group || sub.version != r.version {
                    fields.push(("group", Json::from(sub.group.as_str())));
                    fields.push(("version", Json::from(sub.version.as_str())));
                }
                fields.push(("kind", Json::from(sub.kind.as_str())));
                fields.push(("verbs", strings(&sub.verbs)));
                entries.push(Json::obj(fields));
            }
        }
        let mut doc = vec![("kind", Json::from("APIResourceList"))];
        // The core group's list has no apiVersion (a quirk of the real server).
        if !group.is_empty() {
            doc.push(("apiVersion", Json::from("v1")));
        }
        doc.push(("groupVersion", Json::from(group_version(group, version))));
        doc.push(("resources", Json::Arr(entries)));
        response::json(200, Json::obj(doc).encode() + "\n")
    }

    /// The CRD-defined groups and their resources, sorted by group.
    fn crd_groups(&self) -> Vec<(String, Vec<ResourceInfo>)> {
        let mut groups: Vec<(String, Vec<ResourceInfo>)> = Vec::new();
        for r in &self.crds {
            match groups.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, list)) => list.push(r.clone()),
                None => groups.push((r.group.clone(), vec![r.clone()])),
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        groups
    }
}

fn versions_of(resources: &[ResourceInfo]) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    for r in resources {
        if !versions.contains(&r.version) {
            versions.push(r.version.clone());
        }
    }
    versions
}

fn strings(items: &[String]) -> Json {
    Json::arr(items.iter().map(|s| Json::from(s.as_str())))
}

/// One legacy `APIResource`.
fn resource_json(r: &ResourceInfo) -> Json {
    let mut fields = vec![
        ("name", Json::from(r.resource.as_str())),
        ("singularName", Json::from(r.singular.as_str())),
        ("namespaced", Json::Bool(r.namespaced)),
        ("kind", Json::from(r.kind.as_str())),
        ("verbs", strings(&r.verbs)),
    ];
    if !r.short_names.is_empty() {
        fields.push(("shortNames", strings(&r.short_names)));
    }
    if !r.categories.is_empty() {
        fields.push(("categories", strings(&r.categories)));
    }
    Json::obj(fields)
}

/// An `APIGroup` (with kind and apiVersion when served on its own).
fn group_json(group: &str, versions: &[String], standalone: bool) -> Json {
    let version = |v: &str| {
        Json::obj([
            ("groupVersion", Json::from(group_version(group, v))),
            ("version", Json::from(v)),
        ])
    };
    let mut fields = Vec::new();
    if standalone {
        fields.push(("kind", Json::from("APIGroup")));
        fields.push(("apiVersion", Json::from("v1")));
    }
    fields.push(("name", Json::from(group)));
    fields.push(("versions", Json::arr(versions.iter().map(|v| version(v)))));
    if let Some(preferred) = versions.first() {
        fields.push(("preferredVersion", version(preferred)));
    }
    Json::obj(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_aggregated_accept() {
        let client_go =
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert!(wants_aggregated(Some(client_go)));
        assert!(!wants_aggregated(Some("application/json")));
        assert!(!wants_aggregated(Some(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
        )));
        assert!(!wants_aggregated(None));
    }
}
