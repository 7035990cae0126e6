//! The RBAC rule a wait needs, printed after a `403 Forbidden` so that it
//! can be pasted into the `rules:` of a Role (or ClusterRole).

use kapi::ApiResource;

/// What one wait reads, for its rule.
pub struct Access<'a> {
    /// The type listed, watched and got.
    pub resource: &'a ApiResource,
    /// The object, when the wait is name-scoped (`fieldSelector=
    /// metadata.name=NAME`, which RBAC authorizes with `resourceNames`).
    pub name: Option<&'a str>,
    /// The namespace, `None` across all namespaces or for a cluster-scoped
    /// type.
    pub namespace: Option<&'a str>,
}

/// The lines after the server's 403 message: where the rule goes and the
/// rule itself, in the block style of a Role's `rules:`.
///
/// ```text
/// kapi wait needs this rule in a Role in namespace "test", bound to system:serviceaccount:test:kapi:
///   - apiGroups: ["batch"]
///     resources: ["jobs"]
///     resourceNames: ["migrate"]
///     verbs: ["get", "list", "watch"]
/// ```
pub fn hint(access: &Access<'_>, forbidden_message: &str) -> String {
    let role = match access.namespace {
        Some(ns) if access.resource.namespaced => format!("a Role in namespace {ns:?}"),
        _ => "a ClusterRole".to_string(),
    };
    let binding = match user_of(forbidden_message) {
        Some(user) => format!(", bound to {user}"),
        None => String::new(),
    };
    let mut text = format!(
        "kapi wait needs this rule in {role}{binding}:\n  - apiGroups: [{:?}]\n    resources: [{:?}]\n",
        access.resource.group, access.resource.plural
    );
    if let Some(name) = access.name {
        text.push_str(&format!("    resourceNames: [{name:?}]\n"));
    }
    text.push_str("    verbs: [\"get\", \"list\", \"watch\"]");
    text
}

/// The user a 403 names: `User "system:serviceaccount:test:kapi" cannot ...`.
fn user_of(message: &str) -> Option<&str> {
    let rest = &message[message.find("User \"")? + 6..];
    let user = &rest[..rest.find('"')?];
    (!user.is_empty()).then_some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_scoped_wait_gets_resource_names_in_a_role() {
        let jobs = kapi::builtin("jobs").unwrap();
        let access = Access {
            resource: &jobs,
            name: Some("migrate"),
            namespace: Some("test"),
        };
        let message = r#"jobs.batch "migrate" is forbidden: User "system:serviceaccount:test:kapi" cannot list resource "jobs" in API group "batch" in the namespace "test""#;
        assert_eq!(
            hint(&access, message),
            "kapi wait needs this rule in a Role in namespace \"test\", bound to system:serviceaccount:test:kapi:\n  - apiGroups: [\"batch\"]\n    resources: [\"jobs\"]\n    resourceNames: [\"migrate\"]\n    verbs: [\"get\", \"list\", \"watch\"]"
        );
    }

    #[test]
    fn cluster_wide_waits_need_a_cluster_role() {
        let pods = kapi::builtin("pods").unwrap();
        let access = Access {
            resource: &pods,
            name: None,
            namespace: None,
        };
        assert_eq!(
            hint(&access, "forbidden"),
            "kapi wait needs this rule in a ClusterRole:\n  - apiGroups: [\"\"]\n    resources: [\"pods\"]\n    verbs: [\"get\", \"list\", \"watch\"]"
        );
        let nodes = kapi::builtin("nodes").unwrap();
        let access = Access {
            resource: &nodes,
            name: Some("node-1"),
            namespace: Some("test"),
        };
        assert!(hint(&access, "").starts_with("kapi wait needs this rule in a ClusterRole:"));
    }
}
