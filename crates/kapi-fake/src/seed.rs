//! Loading the object files under `fixtures/api/` into the store.
//!
//! A file is an object when its path is an object URL
//! (`.../namespaces/NS/RESOURCE/NAME.json` or `.../RESOURCE/NAME.json`) and
//! it holds an object of that name (not a `Status`). Its bytes are kept, so
//! a GET of the untouched object returns them exactly.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::json;
use crate::request::{parse_target, Target};
use crate::store::{Key, Stored};

/// The objects found under `api_dir`, and their URL paths.
pub(crate) fn load(api_dir: &Path) -> (Vec<(Key, Stored)>, HashSet<String>) {
    let mut files = Vec::new();
    walk(api_dir, &mut files);
    files.sort();
    let mut objects = Vec::new();
    let mut paths = HashSet::new();
    for file in files {
        let Some(relative) = file.strip_prefix(api_dir).ok().and_then(Path::to_str) else {
            continue;
        };
        let Some(url) = object_url(relative) else {
            continue;
        };
        let Target::Resource(target) = parse_target(&url) else {
            continue;
        };
        let (Some(name), None) = (&target.name, &target.subresource) else {
            continue;
        };
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let Ok(object) = serde_json::from_str::<Value>(&text) else {
            panic!("invalid JSON in fixture '{}'", file.display());
        };
        if object["kind"] == "Status" || object["metadata"]["name"].as_str() != Some(name) {
            continue;
        }
        let namespace = match (
            &target.namespace,
            target.resource.as_str(),
            target.group.as_str(),
        ) {
            (_, "namespaces", "") | (None, _, _) => String::new(),
            (Some(ns), _, _) => ns.clone(),
        };
        let key = Key::new(&target.group, &target.resource, &namespace, name);
        let template = json::parse_ordered(text.as_bytes()).ok().map(Arc::new);
        objects.push((
            key,
            Stored {
                object: Arc::new(object),
                raw: Some(Arc::from(text.as_str())),
                template,
                // Set by the caller, who knows the built-in groups.
                custom: false,
            },
        ));
        paths.insert(url);
    }
    (objects, paths)
}

/// `api/v1/nodes/node-1.json` → `/api/v1/nodes/node-1`; `None` for status
/// files (`NAME.403.json`) and discovery documents.
fn object_url(relative: &str) -> Option<String> {
    let stem = relative.strip_suffix(".json")?;
    if stem.ends_with(".discovery-v2") {
        return None;
    }
    if let Some((_, code)) = stem.rsplit_once('.') {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(format!("/{stem}"))
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls() {
        assert_eq!(
            object_url("api/v1/nodes/node-1.json").as_deref(),
            Some("/api/v1/nodes/node-1")
        );
        assert_eq!(
            object_url(
                "apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com.json"
            )
            .as_deref(),
            Some("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
        );
        assert_eq!(
            object_url("api/v1/namespaces/kube-system/secrets/admin.403.json"),
            None
        );
        assert_eq!(object_url("apis.discovery-v2.json"), None);
    }

    #[test]
    fn loads_the_gateway_daemonset_byte_exact() {
        let api = crate::fixtures_dir().join("api");
        let (objects, paths) = load(&api);
        let key = Key::new("apps", "daemonsets", "test", "gateway");
        let (_, gateway) = objects.iter().find(|(k, _)| *k == key).unwrap();
        let file =
            fs::read_to_string(api.join("apis/apps/v1/namespaces/test/daemonsets/gateway.json"))
                .unwrap();
        assert_eq!(gateway.body(), file);
        assert!(paths.contains("/apis/apps/v1/namespaces/test/daemonsets/gateway"));
        assert!(!paths.contains("/version"));
    }
}
