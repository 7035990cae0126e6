//! The fake's authorizer: a small table of rules per service account.
//!
//! Real RBAC only allows; the table also has deny rules (checked first) so
//! that "everything except secrets in kube-system" is one line. Without a
//! matching allow rule a request is forbidden, with the real 403 wording.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One rule of the fake's RBAC table, in the shape of an RBAC `PolicyRule`
/// bound in some namespaces (or cluster-wide).
///
/// `"*"` matches anything in verbs, API groups and resources. Resources name
/// subresources as `pods/log`; `"*"` covers those too. Empty names and
/// namespaces match all; a rule limited to namespaces never matches
/// cluster-scoped requests (as a RoleBinding does not).
///
/// ```
/// use kapi_fake::Rule;
/// let only_get = Rule::allow(&["get"], &["apps", "batch"], &["daemonsets", "jobs"]);
/// let one_cm = Rule::allow(&["get", "update"], &[""], &["configmaps"])
///     .names(&["app-config"])
///     .namespaces(&["test"]);
/// # let _ = (only_get, one_cm);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    allow: bool,
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    names: Vec<String>,
    namespaces: Vec<String>,
}

impl Rule {
    /// Allows `verbs` on `resources` of `api_groups` (`""` is the core group).
    pub fn allow(verbs: &[&str], api_groups: &[&str], resources: &[&str]) -> Self {
        Rule {
            allow: true,
            verbs: owned(verbs),
            api_groups: owned(api_groups),
            resources: owned(resources),
            names: Vec::new(),
            namespaces: Vec::new(),
        }
    }

    /// Forbids `verbs` on `resources` of `api_groups`, whatever allow rules say.
    pub fn deny(verbs: &[&str], api_groups: &[&str], resources: &[&str]) -> Self {
        Rule {
            allow: false,
            ..Rule::allow(verbs, api_groups, resources)
        }
    }

    /// Limits the rule to objects with these names (RBAC `resourceNames`).
    pub fn names(mut self, names: &[&str]) -> Self {
        self.names = owned(names);
        self
    }

    /// Limits the rule to these namespaces (a RoleBinding in each).
    pub fn namespaces(mut self, namespaces: &[&str]) -> Self {
        self.namespaces = owned(namespaces);
        self
    }

    fn matches(&self, request: &Attributes<'_>) -> bool {
        let any = |list: &[String], value: &str| list.iter().any(|x| x == "*" || x == value);
        let resource = match request.subresource {
            Some(sub) => format!("{}/{sub}", request.resource),
            None => request.resource.to_string(),
        };
        any(&self.verbs, request.verb)
            && any(&self.api_groups, request.group)
            && any(&self.resources, &resource)
            && (self.names.is_empty()
                || self.names.iter().any(|n| Some(n.as_str()) == request.name))
            && (self.namespaces.is_empty()
                || (!request.namespace.is_empty()
                    && self.namespaces.iter().any(|ns| ns == request.namespace)))
    }
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// What a request asks to do, as the authorizer sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attributes<'a> {
    pub(crate) verb: &'a str,
    pub(crate) group: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) subresource: Option<&'a str>,
    /// Empty for cluster-scoped requests.
    pub(crate) namespace: &'a str,
    pub(crate) name: Option<&'a str>,
}

/// The rules of each service account (by short name); clones share them.
#[derive(Clone)]
pub(crate) struct Rbac {
    rules: Arc<Mutex<HashMap<String, Vec<Rule>>>>,
}

impl Rbac {
    /// The table with the fixture identity `kapi`'s rules: everything except
    /// secrets in kube-system and deleting nodes.
    pub(crate) fn with_defaults() -> Self {
        let kapi = vec![
            Rule::deny(&["*"], &[""], &["secrets"]).namespaces(&["kube-system"]),
            Rule::deny(&["delete", "deletecollection"], &[""], &["nodes"]),
            Rule::allow(&["*"], &["*"], &["*"]),
        ];
        Rbac {
            rules: Arc::new(Mutex::new(HashMap::from([("kapi".to_string(), kapi)]))),
        }
    }

    /// Replaces `account`'s rules.
    pub(crate) fn set(&self, account: &str, rules: Vec<Rule>) {
        self.lock().insert(account.to_string(), rules);
    }

    /// Whether `account` may do `request`. Every authenticated user may
    /// create self reviews (the `system:basic-user` role).
    pub(crate) fn allows(&self, account: &str, request: &Attributes<'_>) -> bool {
        let basic_user = request.verb == "create"
            && matches!(
                (request.group, request.resource),
                (
                    "authorization.k8s.io",
                    "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
                ) | ("authentication.k8s.io", "selfsubjectreviews")
            );
        if basic_user {
            return true;
        }
        let table = self.lock();
        let Some(rules) = table.get(account) else {
            return false;
        };
        if rules.iter().any(|r| !r.allow && r.matches(request)) {
            return false;
        }
        rules.iter().any(|r| r.allow && r.matches(request))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Rule>>> {
        self.rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs<'a>(verb: &'a str, group: &'a str, resource: &'a str, ns: &'a str) -> Attributes<'a> {
        Attributes {
            verb,
            group,
            resource,
            subresource: None,
            namespace: ns,
            name: None,
        }
    }

    #[test]
    fn kapi_may_do_everything_but_kube_system_secrets_and_deleting_nodes() {
        let rbac = Rbac::with_defaults();
        assert!(rbac.allows("kapi", &attrs("watch", "apps", "daemonsets", "test")));
        assert!(rbac.allows("kapi", &attrs("get", "", "secrets", "test")));
        assert!(!rbac.allows("kapi", &attrs("get", "", "secrets", "kube-system")));
        assert!(!rbac.allows("kapi", &attrs("delete", "", "nodes", "")));
        assert!(rbac.allows("kapi", &attrs("get", "", "nodes", "")));
        assert!(!rbac.allows("nobody", &attrs("get", "", "pods", "test")));
        assert!(rbac.allows(
            "nobody",
            &attrs(
                "create",
                "authorization.k8s.io",
                "selfsubjectaccessreviews",
                ""
            )
        ));
    }

    #[test]
    fn rules_limit_verbs_names_namespaces_and_subresources() {
        let rbac = Rbac::with_defaults();
        rbac.set(
            "restricted",
            vec![
                Rule::allow(&["get"], &["apps", "batch"], &["daemonsets", "jobs"]),
                Rule::allow(&["get"], &[""], &["configmaps"])
                    .names(&["app-config"])
                    .namespaces(&["test"]),
            ],
        );
        assert!(rbac.allows("restricted", &attrs("get", "apps", "daemonsets", "test")));
        assert!(!rbac.allows("restricted", &attrs("list", "apps", "daemonsets", "test")));
        assert!(!rbac.allows("restricted", &attrs("watch", "batch", "jobs", "test")));
        let mut cm = attrs("get", "", "configmaps", "test");
        assert!(!rbac.allows("restricted", &cm));
        cm.name = Some("app-config");
        assert!(rbac.allows("restricted", &cm));
        cm.namespace = "default";
        assert!(!rbac.allows("restricted", &cm));
        let mut status = attrs("get", "apps", "daemonsets", "test");
        status.subresource = Some("status");
        assert!(!rbac.allows("restricted", &status));
    }
}
