//! Resource types: what `deploy`, `pods` or `widgets.v1.example.com`
//! means, and the URL paths they live at.

use std::fmt;

use crate::{Error, Result};

/// A resource type the server serves: group, version, plural name, kind
/// and scope, as discovery describes it.
///
/// ```
/// let ds = kapi::builtin("ds").unwrap();
/// assert_eq!(ds.api_version(), "apps/v1");
/// assert_eq!(ds.object_path(Some("test"), "gateway").unwrap(),
///            "/apis/apps/v1/namespaces/test/daemonsets/gateway");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiResource {
    /// API group, `""` for the core group.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Plural resource name used in URLs, e.g. `daemonsets`.
    pub plural: String,
    /// Singular name, e.g. `daemonset`.
    pub singular: String,
    /// Kind, e.g. `DaemonSet`.
    pub kind: String,
    /// True when objects live in a namespace.
    pub namespaced: bool,
    /// Short names, e.g. `ds`.
    pub short_names: Vec<String>,
    /// Verbs the server supports (empty when unknown, as for the built-in table).
    pub verbs: Vec<String>,
    /// Categories, e.g. `all`.
    pub categories: Vec<String>,
}

impl ApiResource {
    /// A resource from its parts; singular and short names empty.
    pub fn new(
        group: &str,
        version: &str,
        plural: &str,
        kind: &str,
        namespaced: bool,
    ) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.into(),
            namespaced,
            short_names: Vec::new(),
            verbs: Vec::new(),
            categories: Vec::new(),
        }
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `daemonsets.apps`, or `pods` for the core group, as the server names
    /// resources in messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `daemonset.apps`, or `pod`: the prefix of kubectl's `-o name`.
    pub fn kind_group(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }

    /// True when the server lists `verb` for this resource (or the verbs
    /// are unknown).
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.is_empty() || self.verbs.iter().any(|v| v == verb)
    }

    /// The collection path: `/apis/apps/v1/namespaces/NS/daemonsets`, or
    /// across all namespaces (or cluster-scoped) with `None`.
    pub fn collection_path(&self, namespace: Option<&str>) -> Result<String> {
        let prefix = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => {
                check_segment("namespace", ns)?;
                Ok(format!(
                    "{prefix}/namespaces/{}/{}",
                    encode_segment(ns),
                    self.plural
                ))
            }
            _ => Ok(format!("{prefix}/{}", self.plural)),
        }
    }

    /// The path of one object. The name is checked first: one that would
    /// escape its path segment (`/`, `..`) is rejected before any request;
    /// other characters a path cannot hold (non-ASCII, spaces, `?`, `#`)
    /// are percent-encoded, as client-go does, so the server answers for
    /// that name (usually `NotFound`: names are DNS subdomains).
    pub fn object_path(&self, namespace: Option<&str>, name: &str) -> Result<String> {
        check_segment("name", name)?;
        if self.namespaced && namespace.is_none() {
            return Err(Error::InvalidRequest(format!(
                "a namespace is needed for {} {name:?}",
                self.group_resource()
            )));
        }
        Ok(format!(
            "{}/{}",
            self.collection_path(namespace)?,
            encode_segment(name)
        ))
    }
}

impl fmt::Display for ApiResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.group_resource())
    }
}

/// Checks a name or namespace as apimachinery's `IsValidPathSegmentName`
/// does: not empty, not `.` or `..`, no `/` or `%`; and no control
/// characters, which no object name can hold.
pub fn check_segment(what: &str, value: &str) -> Result<()> {
    let problem = if value.is_empty() {
        Some("may not be empty")
    } else if value == "." || value == ".." {
        Some("may not be '.' or '..'")
    } else if value.contains('/') {
        Some("may not contain '/'")
    } else if value.contains('%') {
        Some("may not contain '%'")
    } else if value.chars().any(char::is_control) {
        Some("may not contain control characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::InvalidRequest(format!(
            "invalid resource {what} {value:?}: {p}"
        ))),
        None => Ok(()),
    }
}

/// `segment` with every byte but RFC 3986's unreserved and sub-delims
/// (and `:`, `@`, as in `system:node:x`) percent-encoded, as Go's
/// `url.PathEscape` leaves a path segment. [`check_segment`] has already
/// refused `/` and `%`.
fn encode_segment(segment: &str) -> std::borrow::Cow<'_, str> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
    if segment.bytes().all(keep) {
        return std::borrow::Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len() * 3);
    for b in segment.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A resource type as a user types it: `po`, `pods`, `Pod`,
/// `deployments.apps`, `deployments.v1.apps`, `widgets.example.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeName {
    /// The name part, lowercased.
    pub name: String,
    /// The version, when given as `name.version.group`.
    pub version: Option<String>,
    /// The group (or a prefix of it), when given.
    pub group: Option<String>,
}

impl TypeName {
    /// Splits `name[.version][.group]` as kubectl's `ParseResourceArg` does.
    pub fn parse(text: &str) -> TypeName {
        let text = text.trim();
        let Some((name, rest)) = text.split_once('.') else {
            return TypeName {
                name: text.to_ascii_lowercase(),
                version: None,
                group: None,
            };
        };
        let (version, group) = match rest.split_once('.') {
            Some((v, g)) if is_version(v) => (Some(v.to_string()), Some(g.to_string())),
            _ => (None, Some(rest.to_string())),
        };
        TypeName {
            name: name.to_ascii_lowercase(),
            version,
            group: group.map(|g| g.to_ascii_lowercase()),
        }
    }

    fn fits(&self, r: &ApiResource) -> bool {
        let group_ok = match &self.group {
            None => true,
            Some(g) => r.group == *g || r.group.starts_with(g.as_str()),
        };
        group_ok && self.version.as_ref().is_none_or(|v| r.version == *v)
    }

    /// The first resource this name means, in priority order: an exact
    /// plural, singular or kind wins over a short name anywhere, as in
    /// client-go's shortcut expander.
    pub fn find<'a, I>(&self, resources: I) -> Option<&'a ApiResource>
    where
        I: IntoIterator<Item = &'a ApiResource>,
        I::IntoIter: Clone,
    {
        let resources = resources.into_iter();
        resources
            .clone()
            .filter(|r| self.fits(r))
            .find(|r| {
                r.plural == self.name
                    || r.singular == self.name
                    || r.kind.eq_ignore_ascii_case(&self.name)
            })
            .or_else(|| {
                resources
                    .filter(|r| self.fits(r))
                    .find(|r| r.short_names.contains(&self.name))
            })
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(v) = &self.version {
            write!(f, ".{v}")?;
        }
        if let Some(g) = &self.group {
            write!(f, ".{g}")?;
        }
        Ok(())
    }
}

/// `v1`, `v2beta1`, `v1alpha3`.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|p| {
            tail.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The built-in resource `name` means (`ds`, `pods`, `Deployment`,
/// `jobs.batch`), resolved from the table compiled into the crate.
pub fn builtin(name: &str) -> Option<ApiResource> {
    let table: Vec<ApiResource> = crate::builtin::all().collect();
    TypeName::parse(name).find(&table).cloned()
}

/// The built-in resource serving `kind` in `api_version` (`apps/v1`,
/// `Deployment`), from the compiled-in table.
///
/// ```
/// assert_eq!(kapi::builtin_kind("v1", "ConfigMap").unwrap().plural, "configmaps");
/// assert!(kapi::builtin_kind("apps/v1beta1", "Deployment").is_none());
/// ```
pub fn builtin_kind(api_version: &str, kind: &str) -> Option<ApiResource> {
    let (group, version) = split_api_version(api_version);
    crate::builtin::all().find(|r| r.group == group && r.version == version && r.kind == kind)
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_plurals_singulars_and_kinds_resolve() {
        for (input, group_resource) in [
            ("po", "pods"),
            ("pod", "pods"),
            ("pods", "pods"),
            ("Pod", "pods"),
            ("svc", "services"),
            ("cm", "configmaps"),
            ("secret", "secrets"),
            ("sa", "serviceaccounts"),
            ("ns", "namespaces"),
            ("no", "nodes"),
            ("ds", "daemonsets.apps"),
            ("deploy", "deployments.apps"),
            ("rs", "replicasets.apps"),
            ("sts", "statefulsets.apps"),
            ("job", "jobs.batch"),
            ("cj", "cronjobs.batch"),
            ("ing", "ingresses.networking.k8s.io"),
            ("netpol", "networkpolicies.networking.k8s.io"),
            ("pvc", "persistentvolumeclaims"),
            ("pv", "persistentvolumes"),
            ("ep", "endpoints"),
            ("ev", "events"),
            ("lease", "leases.coordination.k8s.io"),
            ("crd", "customresourcedefinitions.apiextensions.k8s.io"),
            ("DaemonSet", "daemonsets.apps"),
            ("deployments.apps", "deployments.apps"),
            ("deployments.v1.apps", "deployments.apps"),
            ("events.events.k8s.io", "events.events.k8s.io"),
            ("hpa", "horizontalpodautoscalers.autoscaling"),
        ] {
            let r = builtin(input).unwrap_or_else(|| panic!("{input} did not resolve"));
            assert_eq!(r.group_resource(), group_resource, "{input}");
        }
    }

    #[test]
    fn unknown_or_wrong_version_does_not_resolve_from_the_table() {
        assert!(builtin("foo").is_none());
        assert!(builtin("widgets.example.com").is_none());
        assert!(builtin("deployments.v1beta1.apps").is_none());
    }

    #[test]
    fn type_names_split_like_kubectl() {
        assert_eq!(
            TypeName::parse("deployments.v1.apps"),
            TypeName {
                name: "deployments".into(),
                version: Some("v1".into()),
                group: Some("apps".into())
            }
        );
        assert_eq!(
            TypeName::parse("widgets.example.com"),
            TypeName {
                name: "widgets".into(),
                version: None,
                group: Some("example.com".into())
            }
        );
        assert_eq!(
            TypeName::parse("hpa.v2beta2.autoscaling")
                .version
                .as_deref(),
            Some("v2beta2")
        );
        assert_eq!(
            TypeName::parse("certs.vault.io").group.as_deref(),
            Some("vault.io")
        );
    }

    #[test]
    fn paths() {
        let pods = builtin("po").unwrap();
        assert_eq!(
            pods.collection_path(Some("test")).unwrap(),
            "/api/v1/namespaces/test/pods"
        );
        assert_eq!(pods.collection_path(None).unwrap(), "/api/v1/pods");
        let nodes = builtin("no").unwrap();
        assert_eq!(
            nodes.object_path(Some("ignored"), "n1").unwrap(),
            "/api/v1/nodes/n1"
        );
        assert_eq!(builtin("ds").unwrap().kind_group(), "daemonset.apps");
        assert_eq!(pods.kind_group(), "pod");
    }

    #[test]
    fn names_that_escape_the_path_are_rejected() {
        let pods = builtin("po").unwrap();
        for bad in ["a/b", "..", ".", "", "x%2F", "a\nb", "\u{1b}[1m"] {
            let err = pods.object_path(Some("test"), bad).unwrap_err();
            assert!(matches!(err, Error::InvalidRequest(_)), "{bad:?}");
        }
        assert!(pods.collection_path(Some("../kube-system")).is_err());
    }

    #[test]
    fn names_a_path_cannot_hold_are_percent_encoded_as_client_go_does() {
        let pods = builtin("po").unwrap();
        for (name, path) in [
            ("héllo", "h%C3%A9llo"),
            ("a b", "a%20b"),
            ("a?b#c", "a%3Fb%23c"),
            ("system:node:x", "system:node:x"),
        ] {
            assert_eq!(
                pods.object_path(Some("test"), name).unwrap(),
                format!("/api/v1/namespaces/test/pods/{path}")
            );
        }
    }
}
