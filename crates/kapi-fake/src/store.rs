//! The in-memory object store: objects by (group, resource, namespace,
//! name), a global resourceVersion counter, the event history (for watches
//! from an old resourceVersion and for consistent paginated lists) and the
//! open watches the events go to.
//!
//! Versions of a resource share storage, as in the real server (without
//! conversion: an object keeps the `apiVersion` it was written with).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use crate::json::Json;
use crate::predicate::Predicate;

/// How many events the history keeps before compacting on its own, as
/// etcd's periodic compaction would.
const HISTORY_LIMIT: usize = 10_000;

/// Where an object lives. The derived order is the list order: by
/// namespace, then name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    pub(crate) group: String,
    pub(crate) resource: String,
    /// Empty for cluster-scoped objects.
    pub(crate) namespace: String,
    pub(crate) name: String,
}

impl Key {
    pub(crate) fn new(group: &str, resource: &str, namespace: &str, name: &str) -> Self {
        Key {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// A stored object and how to write it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) object: Arc<Value>,
    /// The fixture file's bytes (trailing newline included), kept only while
    /// the object is unchanged, so a GET returns them byte for byte.
    pub(crate) raw: Option<Arc<str>>,
    /// The key order of the object's original text.
    pub(crate) template: Option<Arc<Json>>,
    /// A custom resource: written as a Go map, keys sorted at every level.
    pub(crate) custom: bool,
}

impl Stored {
    /// A new object's entry, ordered like `template`.
    pub(crate) fn new(object: Value, template: Option<Arc<Json>>, custom: bool) -> Self {
        Stored {
            object: Arc::new(object),
            raw: None,
            template,
            custom,
        }
    }

    /// The object as ordered JSON.
    pub(crate) fn json(&self) -> Json {
        self.json_of(&self.object)
    }

    /// `object` (a variant of this one) ordered as this one is.
    pub(crate) fn json_of(&self, object: &Value) -> Json {
        if self.custom {
            Json::sorted(object)
        } else {
            Json::object(object, self.template.as_deref())
        }
    }

    /// The compact JSON encoding, without a trailing newline.
    pub(crate) fn encode(&self) -> String {
        match &self.raw {
            Some(raw) => raw.trim_end().to_string(),
            None => self.json().encode(),
        }
    }

    /// The response body of a GET: the raw bytes, or the encoding plus a
    /// newline (kube-apiserver's JSON serializer ends with one).
    pub(crate) fn body(&self) -> String {
        match &self.raw {
            Some(raw) => raw.to_string(),
            None => self.encode() + "\n",
        }
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Added,
    Modified,
    Deleted,
}

impl EventKind {
    /// The watch event type.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One change, as the history keeps it.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) rv: u64,
    pub(crate) kind: EventKind,
    pub(crate) key: Key,
    /// The state after the change (for a deletion, the last state with the
    /// deletion's resourceVersion).
    pub(crate) object: Arc<Value>,
    /// The state before; `None` for an addition.
    pub(crate) previous: Option<Arc<Value>>,
    pub(crate) template: Option<Arc<Json>>,
    pub(crate) custom: bool,
}

impl Event {
    /// The event's object with its key order.
    pub(crate) fn stored(&self) -> Stored {
        Stored {
            object: self.object.clone(),
            raw: None,
            template: self.template.clone(),
            custom: self.custom,
        }
    }
}

/// What a watch stream is sent.
#[derive(Debug)]
pub(crate) enum WatchMsg {
    /// An event, already filtered for this watcher (its type may differ from
    /// the stored event's: an object leaving a selector is DELETED for it).
    Event {
        kind: EventKind,
        /// The object, with its key order.
        object: Stored,
    },
    /// A BOOKMARK at this resourceVersion.
    Bookmark(u64),
    /// End the stream abruptly; `mid_line` first writes half an event.
    Cut { mid_line: bool },
}

/// An open watch.
pub(crate) struct Watcher {
    pub(crate) group: String,
    pub(crate) resource: String,
    /// `None` watches all namespaces.
    pub(crate) namespace: Option<String>,
    pub(crate) predicate: Predicate,
    pub(crate) bookmarks: bool,
    pub(crate) tx: UnboundedSender<WatchMsg>,
}

impl Watcher {
    fn covers(&self, key: &Key) -> bool {
        key.group == self.group
            && key.resource == self.resource
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == key.namespace)
    }

    /// The event this watcher sees for `event`, if any.
    fn view(&self, event: &Event) -> Option<EventKind> {
        let now = self.predicate.matches(&event.object);
        let before = event
            .previous
            .as_ref()
            .is_some_and(|p| self.predicate.matches(p));
        match (event.kind, before, now) {
            (EventKind::Added, _, true) => Some(EventKind::Added),
            (EventKind::Deleted, _, true) => Some(EventKind::Deleted),
            (EventKind::Modified, true, true) => Some(EventKind::Modified),
            (EventKind::Modified, false, true) => Some(EventKind::Added),
            (EventKind::Modified, true, false) => Some(EventKind::Deleted),
            _ => None,
        }
    }
}

/// The resourceVersion asked for is older than the history: the real
/// server's 410 Expired. Holds the oldest resourceVersion still available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compacted(pub(crate) u64);

/// All objects, the history and the watchers.
#[derive(Default)]
pub(crate) struct Store {
    objects: BTreeMap<Key, Stored>,
    rv: u64,
    /// Events with resourceVersion above `compacted`, oldest first.
    history: VecDeque<Arc<Event>>,
    compacted: u64,
    watchers: Vec<Watcher>,
    uids: u64,
}

impl Store {
    /// Adds a fixture object as it is (no event); the counter moves up to
    /// its resourceVersion.
    pub(crate) fn seed(&mut self, key: Key, stored: Stored) {
        let rv = resource_version(&stored.object);
        self.rv = self.rv.max(rv);
        self.compacted = 0;
        self.objects.insert(key, stored);
    }

    /// The current resourceVersion.
    pub(crate) fn rv(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch or list can start from.
    pub(crate) fn compacted(&self) -> u64 {
        self.compacted
    }

    pub(crate) fn get(&self, key: &Key) -> Option<&Stored> {
        self.objects.get(key)
    }

    /// The objects of `group`/`resource` (in `namespace` if given), in key
    /// order, as they were at resourceVersion `at` (now when `None`).
    pub(crate) fn list(
        &self,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
        at: Option<u64>,
    ) -> Result<Vec<(Key, Stored)>, Compacted> {
        let in_scope = |key: &Key| {
            key.group == group
                && key.resource == resource
                && namespace.is_none_or(|ns| ns == key.namespace)
        };
        let start = Key::new(group, resource, namespace.unwrap_or_default(), "");
        let mut items: BTreeMap<Key, Stored> = self
            .objects
            .range(start..)
            .take_while(|(k, _)| k.group == group && k.resource == resource)
            .filter(|(k, _)| in_scope(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let Some(at) = at.filter(|at| *at < self.rv) else {
            return Ok(items.into_iter().collect());
        };
        if at < self.compacted {
            return Err(Compacted(self.compacted));
        }
        // Undo the changes made after `at`: the state before each key's
        // first later event is its state at `at`.
        let mut seen: HashMap<&Key, ()> = HashMap::new();
        for event in self
            .history
            .iter()
            .filter(|e| e.rv > at && in_scope(&e.key))
        {
            if seen.insert(&event.key, ()).is_some() {
                continue;
            }
            match &event.previous {
                Some(previous) => {
                    items.insert(
                        event.key.clone(),
                        Stored {
                            object: previous.clone(),
                            raw: None,
                            template: event.template.clone(),
                            custom: event.custom,
                        },
                    );
                }
                None => {
                    items.remove(&event.key);
                }
            }
        }
        Ok(items.into_iter().collect())
    }

    /// Creates or replaces the object at `key`: sets its resourceVersion to
    /// the next one and records an ADDED or MODIFIED event.
    pub(crate) fn write(
        &mut self,
        key: Key,
        mut object: Value,
        template: Option<Arc<Json>>,
        custom: bool,
    ) -> Stored {
        self.rv += 1;
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let stored = Stored::new(object, template, custom);
        let previous = self.objects.insert(key.clone(), stored.clone());
        let kind = if previous.is_some() {
            EventKind::Modified
        } else {
            EventKind::Added
        };
        self.record(Event {
            rv: self.rv,
            kind,
            key,
            object: stored.object.clone(),
            previous: previous.map(|p| p.object),
            template: stored.template.clone(),
            custom,
        });
        stored
    }

    /// Removes the object at `key`, recording a DELETED event whose object
    /// carries the deletion's resourceVersion.
    pub(crate) fn remove(&mut self, key: &Key) -> Option<Stored> {
        let old = self.objects.remove(key)?;
        self.rv += 1;
        let mut last = (*old.object).clone();
        if let Some(meta) = last.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let last = Stored::new(last, old.template.clone(), old.custom);
        self.record(Event {
            rv: self.rv,
            kind: EventKind::Deleted,
            key: key.clone(),
            object: last.object.clone(),
            previous: Some(old.object),
            template: old.template,
            custom: old.custom,
        });
        Some(last)
    }

    /// Forgets the history up to `rv`: watches and continue tokens from an
    /// older resourceVersion get 410 Expired from now on.
    pub(crate) fn compact(&mut self, rv: u64) {
        let rv = rv.min(self.rv);
        while self.history.front().is_some_and(|e| e.rv <= rv) {
            self.history.pop_front();
        }
        self.compacted = self.compacted.max(rv);
    }

    /// The events of `group`/`resource` after `rv`, for a watch starting
    /// there.
    pub(crate) fn events_since(
        &self,
        rv: u64,
        watcher_scope: &Watcher,
    ) -> Result<Vec<Arc<Event>>, Compacted> {
        if rv < self.compacted {
            return Err(Compacted(self.compacted));
        }
        Ok(self
            .history
            .iter()
            .filter(|e| e.rv > rv && watcher_scope.covers(&e.key))
            .cloned()
            .collect())
    }

    /// The events a watcher starting with `events` would see, filtered and
    /// retyped for it.
    pub(crate) fn view_for(watcher: &Watcher, events: &[Arc<Event>]) -> Vec<WatchMsg> {
        events
            .iter()
            .filter_map(|e| {
                watcher.view(e).map(|kind| WatchMsg::Event {
                    kind,
                    object: e.stored(),
                })
            })
            .collect()
    }

    /// Registers an open watch; later events go to it.
    pub(crate) fn add_watcher(&mut self, watcher: Watcher) {
        self.watchers.push(watcher);
    }

    /// Sends a BOOKMARK at the current resourceVersion to the watches that
    /// asked for bookmarks.
    pub(crate) fn send_bookmarks(&mut self) {
        let rv = self.rv;
        self.watchers
            .retain(|w| !w.bookmarks || w.tx.send(WatchMsg::Bookmark(rv)).is_ok());
    }

    /// Cuts every open watch stream; they are forgotten.
    pub(crate) fn drop_watchers(&mut self, mid_line: bool) {
        for watcher in self.watchers.drain(..) {
            let _ = watcher.tx.send(WatchMsg::Cut { mid_line });
        }
    }

    /// How many watch streams are open.
    pub(crate) fn watcher_count(&mut self) -> usize {
        self.watchers.retain(|w| !w.tx.is_closed());
        self.watchers.len()
    }

    /// A new, deterministic UID.
    pub(crate) fn next_uid(&mut self) -> String {
        self.uids += 1;
        format!("6b1f0a3c-0000-4000-8000-{:012x}", self.uids)
    }

    /// Every key of `group`/`resource`, for callers that walk the store.
    pub(crate) fn keys(&self, group: &str, resource: &str) -> Vec<Key> {
        self.objects
            .keys()
            .filter(|k| k.group == group && k.resource == resource)
            .cloned()
            .collect()
    }

    fn record(&mut self, event: Event) {
        let event = Arc::new(event);
        self.watchers.retain(|w| {
            if !w.covers(&event.key) {
                return !w.tx.is_closed();
            }
            match w.view(&event) {
                Some(kind) => {
                    w.tx.send(WatchMsg::Event {
                        kind,
                        object: event.stored(),
                    })
                    .is_ok()
                }
                None => !w.tx.is_closed(),
            }
        });
        self.history.push_back(event);
        if self.history.len() > HISTORY_LIMIT {
            if let Some(oldest) = self.history.pop_front() {
                self.compacted = oldest.rv;
            }
        }
    }
}

/// An object's `metadata.resourceVersion` as a number (0 when absent).
pub(crate) fn resource_version(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tokio::sync::mpsc;

    fn cm(name: &str, value: &str) -> Value {
        json!({"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "test", "resourceVersion": "10"},
            "data": {"k": value}})
    }

    fn key(name: &str) -> Key {
        Key::new("", "configmaps", "test", name)
    }

    fn names(items: &[(Key, Stored)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, s)| {
                (
                    k.name.clone(),
                    s.object["data"]["k"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn writes_bump_the_resource_version_and_lists_see_the_past() {
        let mut store = Store::default();
        store.seed(key("a"), Stored::new(cm("a", "1"), None, false));
        assert_eq!(store.rv(), 10);
        let written = store.write(key("b"), cm("b", "1"), None, false);
        assert_eq!(written.object["metadata"]["resourceVersion"], "11");
        store.write(key("a"), cm("a", "2"), None, false);
        store.remove(&key("b"));
        assert_eq!(store.rv(), 13);

        let now = store.list("", "configmaps", Some("test"), None).unwrap();
        assert_eq!(names(&now), [("a".into(), "2".into())]);
        let at_11 = store.list("", "configmaps", None, Some(11)).unwrap();
        assert_eq!(
            names(&at_11),
            [("a".into(), "1".into()), ("b".into(), "1".into())]
        );
        let at_10 = store.list("", "configmaps", None, Some(10)).unwrap();
        assert_eq!(names(&at_10), [("a".into(), "1".into())]);

        store.compact(12);
        assert_eq!(
            store.list("", "configmaps", None, Some(11)).unwrap_err(),
            Compacted(12)
        );
        assert!(store.list("", "configmaps", None, Some(12)).is_ok());
    }

    #[test]
    fn watchers_see_events_through_their_selector() {
        let mut store = Store::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        store.add_watcher(Watcher {
            group: String::new(),
            resource: "configmaps".into(),
            namespace: Some("test".into()),
            predicate: Predicate::parse(None, Some("metadata.name=a"), "", "configmaps").unwrap(),
            bookmarks: true,
            tx,
        });
        store.write(key("b"), cm("b", "1"), None, false);
        store.write(key("a"), cm("a", "1"), None, false);
        store.write(key("a"), cm("a", "2"), None, false);
        store.send_bookmarks();
        store.remove(&key("a"));
        store.drop_watchers(false);
        let mut seen = Vec::new();
        while let Ok(msg) = rx.try_recv() {
            seen.push(match msg {
                WatchMsg::Event { kind, object } => {
                    format!(
                        "{} {}",
                        kind.as_str(),
                        object.object["metadata"]["resourceVersion"]
                    )
                }
                WatchMsg::Bookmark(rv) => format!("BOOKMARK {rv}"),
                WatchMsg::Cut { .. } => "CUT".into(),
            });
        }
        assert_eq!(
            seen,
            [
                "ADDED \"2\"",
                "MODIFIED \"3\"",
                "BOOKMARK 3",
                "DELETED \"4\"",
                "CUT"
            ]
        );
    }
}
