//! Recognising a Kubernetes object URL path (as opposed to a collection or a
//! non-API path), for the generic `NotFound` answer.

/// The parts of an object path that a `NotFound` Status names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectPath<'a> {
    /// The API group; empty for the core group (`/api/v1`).
    pub(crate) group: &'a str,
    /// The resource's plural name, e.g. `daemonsets`.
    pub(crate) resource: &'a str,
    /// The object's name.
    pub(crate) name: &'a str,
}

impl<'a> ObjectPath<'a> {
    /// Parses the namespaced and cluster-scoped object forms, with an
    /// optional subresource:
    ///
    /// - `/api/v1/namespaces/NS/RESOURCE/NAME[/SUB]`
    /// - `/apis/GROUP/VERSION/namespaces/NS/RESOURCE/NAME[/SUB]`
    /// - `/api/v1/RESOURCE/NAME[/SUB]` and `/apis/GROUP/VERSION/RESOURCE/NAME[/SUB]`
    ///
    /// `namespaces/NS/RESOURCE` is a collection, not the namespace object,
    /// except for the namespace's own `status` and `finalize` subresources.
    pub(crate) fn parse(path: &'a str) -> Option<Self> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        let (group, rest) = match segments.as_slice() {
            ["api", _version, rest @ ..] => ("", rest),
            ["apis", group, _version, rest @ ..] => (*group, rest),
            _ => return None,
        };
        let (resource, name) = match rest {
            ["namespaces", _, resource, name] | ["namespaces", _, resource, name, _] => {
                (*resource, *name)
            }
            ["namespaces", name] | ["namespaces", name, "status" | "finalize"] => {
                ("namespaces", *name)
            }
            [resource, name] | [resource, name, _] if *resource != "namespaces" => {
                (*resource, *name)
            }
            _ => return None,
        };
        Some(ObjectPath {
            group,
            resource,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(path: &str) -> Option<(&str, &str, &str)> {
        ObjectPath::parse(path).map(|o| (o.group, o.resource, o.name))
    }

    #[test]
    fn namespaced_objects() {
        assert_eq!(
            parsed("/apis/apps/v1/namespaces/test/daemonsets/gateway"),
            Some(("apps", "daemonsets", "gateway"))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/test/pods/web"),
            Some(("", "pods", "web"))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/test/pods/web/log"),
            Some(("", "pods", "web"))
        );
    }

    #[test]
    fn cluster_scoped_objects() {
        assert_eq!(parsed("/api/v1/nodes/n1"), Some(("", "nodes", "n1")));
        assert_eq!(
            parsed("/apis/rbac.authorization.k8s.io/v1/clusterroles/admin"),
            Some(("rbac.authorization.k8s.io", "clusterroles", "admin"))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/test"),
            Some(("", "namespaces", "test"))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/test/status"),
            Some(("", "namespaces", "test"))
        );
    }

    #[test]
    fn collections_and_other_paths_are_not_objects() {
        for path in [
            "/api/v1/namespaces/test/pods",
            "/api/v1/pods",
            "/apis/apps/v1",
            "/api",
            "/version",
            "/healthz",
            "/",
            "/api/v1/namespaces/test/pods/web/log/extra",
            "/api/v1/namespaces//pods/web",
            "relative/path",
        ] {
            assert_eq!(parsed(path), None, "{path}");
        }
    }
}
