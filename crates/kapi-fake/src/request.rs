//! An API request as the fake's handlers see it, and the URL path grammar of
//! kube-apiserver (`RequestInfoFactory`).

use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::Method;

use crate::identity::Identity;

/// A request that no `respond()` answer or mounted mock took.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    /// The path as sent (not percent-decoded).
    pub(crate) path: String,
    /// Percent-decoded query parameters, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// Who sent it (the bearer token already checked).
    pub(crate) user: Identity,
}

impl ApiRequest {
    /// The first value of the query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `watch=1` or `watch=true` (Go's `strconv.ParseBool` spellings).
    pub(crate) fn is_watch(&self) -> bool {
        self.param("watch").is_some_and(parse_bool)
    }
}

/// Go's `strconv.ParseBool` truths.
pub(crate) fn parse_bool(s: &str) -> bool {
    matches!(s, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// What a URL path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/GROUP`.
    Group(String),
    /// `/api/v1` or `/apis/GROUP/VERSION`.
    Resources { group: String, version: String },
    /// A collection or an object, with an optional subresource.
    Resource(ResourcePath),
    /// Anything else (`/version`, `/healthz`, typos).
    Other,
}

/// The parts of a resource URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    /// Empty for the core group.
    pub(crate) group: String,
    pub(crate) version: String,
    /// `Some` for `/namespaces/NS/...` paths (and for the namespace object
    /// itself, as the real `RequestInfo` does).
    pub(crate) namespace: Option<String>,
    /// The plural resource name.
    pub(crate) resource: String,
    pub(crate) name: Option<String>,
    pub(crate) subresource: Option<String>,
}

/// `daemonsets.apps`, or `pods` in the core group.
pub(crate) fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// `apps/v1`, or `v1` in the core group.
pub(crate) fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Parses a URL path (without the query).
pub(crate) fn parse_target(path: &str) -> Target {
    let Some(rest) = path.strip_prefix('/') else {
        return Target::Other;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Target::Other;
    }
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (group, version, parts) = match s.as_slice() {
        ["api"] => return Target::CoreVersions,
        ["apis"] => return Target::Groups,
        ["apis", group] => return Target::Group(group.to_string()),
        ["api", version] => {
            return Target::Resources {
                group: String::new(),
                version: version.to_string(),
            }
        }
        ["apis", group, version] => {
            return Target::Resources {
                group: group.to_string(),
                version: version.to_string(),
            }
        }
        ["api", version, parts @ ..] => ("", *version, parts),
        ["apis", group, version, parts @ ..] => (*group, *version, parts),
        _ => return Target::Other,
    };
    let (namespace, parts) = match parts {
        ["namespaces", ns, rest @ ..]
            if !rest.is_empty() && !matches!(rest[0], "status" | "finalize") =>
        {
            (Some(ns.to_string()), rest)
        }
        ["namespaces", ns, ..] => (Some(ns.to_string()), parts),
        _ => (None, parts),
    };
    let (resource, name, subresource) = match parts {
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(*name), None),
        [resource, name, sub] => (*resource, Some(*name), Some(*sub)),
        _ => return Target::Other,
    };
    Target::Resource(ResourcePath {
        group: group.to_string(),
        version: version.to_string(),
        namespace,
        resource: resource.to_string(),
        name: name.map(str::to_string),
        subresource: subresource.map(str::to_string),
    })
}

fn percent_decode(segment: &str) -> String {
    crate::recorded::percent_decode_path(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourcePath {
        match parse_target(path) {
            Target::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(parse_target("/api"), Target::CoreVersions);
        assert_eq!(parse_target("/apis/"), Target::Groups);
        assert_eq!(parse_target("/apis/apps"), Target::Group("apps".into()));
        assert_eq!(
            parse_target("/apis/apps/v1"),
            Target::Resources {
                group: "apps".into(),
                version: "v1".into()
            }
        );
        assert_eq!(
            parse_target("/api/v1"),
            Target::Resources {
                group: "".into(),
                version: "v1".into()
            }
        );
    }

    #[test]
    fn namespaced_and_cluster_paths() {
        let r = resource("/apis/apps/v1/namespaces/test/daemonsets/gateway/status");
        assert_eq!(r.group, "apps");
        assert_eq!(r.namespace.as_deref(), Some("test"));
        assert_eq!(r.resource, "daemonsets");
        assert_eq!(r.name.as_deref(), Some("gateway"));
        assert_eq!(r.subresource.as_deref(), Some("status"));

        let list = resource("/api/v1/pods");
        assert_eq!((list.namespace, list.name), (None, None));
        let ns = resource("/api/v1/namespaces/test");
        assert_eq!(ns.resource, "namespaces");
        assert_eq!(ns.name.as_deref(), Some("test"));
        let ns_status = resource("/api/v1/namespaces/test/status");
        assert_eq!(ns_status.subresource.as_deref(), Some("status"));
        let node = resource("/api/v1/nodes/node-1");
        assert_eq!((node.resource.as_str(), node.namespace), ("nodes", None));
    }

    #[test]
    fn other_paths() {
        for path in [
            "/version",
            "/",
            "/api/v1/namespaces/test/pods/a/log/extra",
            "/api/v1/namespaces//pods",
            "relative",
        ] {
            assert_eq!(parse_target(path), Target::Other, "{path}");
        }
    }
}
