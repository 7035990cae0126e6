//! The built-in resources of a Kubernetes 1.30+ server, compiled in so the
//! common types resolve without a discovery request.
//!
//! The table follows what `kubectl api-resources` prints for a 1.33 server
//! (preferred versions only); CRDs and aggregated APIs go through discovery.

use crate::resource::ApiResource;

/// One row: group, version, plural, singular, kind, namespaced, short names.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // Core group first: it wins every tie, as in client-go's RESTMapper.
    ("", "v1", "bindings", "binding", "Binding", true, &[]),
    ("", "v1", "componentstatuses", "componentstatus", "ComponentStatus", false, &["cs"]),
    ("", "v1", "configmaps", "configmap", "ConfigMap", true, &["cm"]),
    ("", "v1", "endpoints", "endpoints", "Endpoints", true, &["ep"]),
    ("", "v1", "events", "event", "Event", true, &["ev"]),
    ("", "v1", "limitranges", "limitrange", "LimitRange", true, &["limits"]),
    ("", "v1", "namespaces", "namespace", "Namespace", false, &["ns"]),
    ("", "v1", "nodes", "node", "Node", false, &["no"]),
    ("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, &["pvc"]),
    ("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, &["pv"]),
    ("", "v1", "pods", "pod", "Pod", true, &["po"]),
    ("", "v1", "podtemplates", "podtemplate", "PodTemplate", true, &[]),
    ("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, &["rc"]),
    ("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, &["quota"]),
    ("", "v1", "secrets", "secret", "Secret", true, &[]),
    ("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, &["sa"]),
    ("", "v1", "services", "service", "Service", true, &["svc"]),
    ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, &[]),
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "validatingadmissionpolicy", "ValidatingAdmissionPolicy", false, &[]),
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", "ValidatingAdmissionPolicyBinding", false, &[]),
    ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, &[]),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, &["crd", "crds"]),
    ("apiregistration.k8s.io", "v1", "apiservices", "apiservice", "APIService", false, &[]),
    ("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, &[]),
    ("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, &["ds"]),
    ("apps", "v1", "deployments", "deployment", "Deployment", true, &["deploy"]),
    ("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, &["rs"]),
    ("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, &["sts"]),
    ("authentication.k8s.io", "v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, &[]),
    ("authentication.k8s.io", "v1", "tokenreviews", "tokenreview", "TokenReview", false, &[]),
    ("authorization.k8s.io", "v1", "localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", true, &[]),
    ("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, &[]),
    ("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false, &[]),
    ("authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, &[]),
    ("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, &["hpa"]),
    ("batch", "v1", "cronjobs", "cronjob", "CronJob", true, &["cj"]),
    ("batch", "v1", "jobs", "job", "Job", true, &[]),
    ("certificates.k8s.io", "v1", "certificatesigningrequests", "certificatesigningrequest", "CertificateSigningRequest", false, &["csr"]),
    ("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, &[]),
    ("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, &[]),
    ("events.k8s.io", "v1", "events", "event", "Event", true, &["ev"]),
    ("flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "flowschema", "FlowSchema", false, &[]),
    ("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", "prioritylevelconfiguration", "PriorityLevelConfiguration", false, &[]),
    ("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false, &[]),
    ("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, &["ing"]),
    ("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, &["netpol"]),
    ("node.k8s.io", "v1", "runtimeclasses", "runtimeclass", "RuntimeClass", false, &[]),
    ("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, &["pdb"]),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, &[]),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, &[]),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, &[]),
    ("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, &[]),
    ("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, &["pc"]),
    ("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", false, &[]),
    ("storage.k8s.io", "v1", "csinodes", "csinode", "CSINode", false, &[]),
    ("storage.k8s.io", "v1", "csistoragecapacities", "csistoragecapacity", "CSIStorageCapacity", true, &[]),
    ("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, &["sc"]),
    ("storage.k8s.io", "v1", "volumeattachments", "volumeattachment", "VolumeAttachment", false, &[]),
];

/// Every built-in resource, core group first.
pub fn all() -> impl Iterator<Item = ApiResource> {
    TABLE.iter().map(
        |&(group, version, plural, singular, kind, namespaced, short)| ApiResource {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            singular: singular.into(),
            kind: kind.into(),
            namespaced,
            short_names: short.iter().map(|s| s.to_string()).collect(),
            verbs: Vec::new(),
            categories: Vec::new(),
        },
    )
}
