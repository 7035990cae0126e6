//! WatchList (KEP-3157, "streaming lists"): how a [`Watcher`](crate::Watcher)
//! gets the current state from one watch request instead of a list, and
//! when it lists after all.
//!
//! The request is a watch with `sendInitialEvents=true`,
//! `resourceVersionMatch=NotOlderThan` and `allowWatchBookmarks=true`: the
//! server sends every current object as an `ADDED` event, then a
//! `BOOKMARK` annotated `k8s.io/initial-events-end: "true"` whose
//! `resourceVersion` is that of the state just sent, then the changes, on
//! the same stream. A server that cannot (a 1.33 server with default
//! settings, one before 1.27, many aggregated API servers) refuses it, with
//! 422 `Invalid` ("sendInitialEvents is forbidden for watch unless the
//! WatchList feature gate is enabled") or 400. client-go's reflector tries
//! it first and falls back to a list on any error (`reflector.go`,
//! "Falling back to regular list"); so does the `Watcher`, and it
//! remembers: one refusal and it lists from then on.
//!
//! Only the decisions live here; the state machine is the `Watcher`'s.

use serde_json::Value;

use crate::watch::{WatchEvent, WatchParams};
use crate::Error;

/// The environment variable that turns the streaming start off (`false`,
/// `0`, `f`, …) or on, as client-go reads its `WatchListClient` feature
/// gate (`KUBE_FEATURE_<name>`, parsed with Go's `strconv.ParseBool`; any
/// other value is ignored).
pub const WATCH_LIST_ENV: &str = "KUBE_FEATURE_WatchListClient";

/// Whether a new `Watcher` starts with a streaming watch: on, unless
/// [`WATCH_LIST_ENV`] says otherwise (client-go 1.35 defaults it on too).
pub(crate) fn enabled() -> bool {
    enabled_by(std::env::var(WATCH_LIST_ENV).ok().as_deref())
}

/// [`enabled`] for the variable's value (`None`: unset).
fn enabled_by(value: Option<&str>) -> bool {
    value.and_then(parse_go_bool).unwrap_or(true)
}

/// Go's `strconv.ParseBool`: exactly these spellings, nothing else.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The streaming watch that replaces a list: `base` (selectors, timeout,
/// `Accept`) from `resource_version` (`None`: the latest state, a
/// consistent read, as client-go's first attempt) with the initial events.
pub(crate) fn params(base: WatchParams, resource_version: Option<String>) -> WatchParams {
    WatchParams {
        resource_version,
        send_initial_events: true,
        bookmarks: true,
        ..base
    }
}

/// What one event of a streaming watch means before the initial-events-end
/// bookmark.
#[derive(Debug, PartialEq)]
pub(crate) enum Initial {
    /// An object of the current state (`ADDED`; `MODIFIED` is taken the
    /// same way, though a server sends none before the bookmark).
    Apply(Value),
    /// An object gone before the state was complete.
    Deleted(Value),
    /// The end of the initial events: the state is complete at this
    /// `resourceVersion`, and the stream goes on with changes.
    Done(String),
    /// Another bookmark: nothing to hand on.
    Bookmark(String),
}

/// Classifies `event`, received before the initial-events-end bookmark.
///
/// The objects' own `resourceVersion`s are not positions in the stream
/// (they are each object's last change, in no order): only the bookmark
/// says where the state is, so only it moves the watcher's position.
pub(crate) fn initial(event: WatchEvent<Value>) -> Initial {
    match event {
        WatchEvent::Added(o) | WatchEvent::Modified(o) => Initial::Apply(o),
        WatchEvent::Deleted(o) => Initial::Deleted(o),
        WatchEvent::Bookmark(b) if b.is_initial_events_end() => Initial::Done(b.resource_version),
        WatchEvent::Bookmark(b) => Initial::Bookmark(b.resource_version),
    }
}

/// The `-v=4` line when the streaming start is given up: client-go's
/// words (klog's structured form), with the reason.
pub(crate) fn fallback_note(resource: &str, reason: &str) -> String {
    format!(
        "\"Data couldn't be fetched in watchlist mode. Falling back to regular list. \
         This is expected if watchlist is not supported or disabled in kube-apiserver.\" \
         resource={resource:?} err={reason:?}"
    )
}

/// Why the streaming start failed, for [`fallback_note`].
pub(crate) fn reason(error: Option<&Error>) -> String {
    match error {
        Some(e) => e.to_string(),
        None => "the watch ended before the initial-events-end bookmark".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bookmark;
    use serde_json::json;

    #[test]
    fn the_variable_is_read_as_client_go_reads_it() {
        assert!(enabled_by(None));
        for off in ["false", "0", "f", "F", "FALSE", "False"] {
            assert!(!enabled_by(Some(off)), "{off}");
        }
        for on in ["true", "1", "t", "T", "TRUE", "True"] {
            assert!(enabled_by(Some(on)), "{on}");
        }
        // Anything else is ignored (client-go logs it): the default holds.
        for other in ["", "no", "off", "fALSE", " false", "false "] {
            assert!(enabled_by(Some(other)), "{other:?}");
        }
    }

    #[test]
    fn the_stream_asks_for_initial_events_and_bookmarks() {
        let base = WatchParams::default()
            .fields("metadata.name=gateway")
            .bookmarks(false)
            .timeout(60);
        let p = params(base, None);
        assert!(p.send_initial_events && p.bookmarks);
        assert_eq!(p.resource_version, None);
        assert_eq!(p.field_selector.as_deref(), Some("metadata.name=gateway"));
        assert_eq!(p.timeout_seconds, Some(60));
        let p = params(WatchParams::default().at("7"), Some("0".into()));
        assert_eq!(p.resource_version.as_deref(), Some("0"));
    }

    fn bookmark(rv: &str, end: bool) -> WatchEvent<Value> {
        let mut meta = json!({"resourceVersion": rv});
        if end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let b: Bookmark = serde_json::from_value(json!({"metadata": meta})).unwrap();
        WatchEvent::Bookmark(b)
    }

    #[test]
    fn initial_events_apply_until_the_annotated_bookmark() {
        let pod = json!({"metadata": {"name": "a", "resourceVersion": "3"}});
        assert_eq!(
            initial(WatchEvent::Added(pod.clone())),
            Initial::Apply(pod.clone())
        );
        assert_eq!(
            initial(WatchEvent::Modified(pod.clone())),
            Initial::Apply(pod.clone())
        );
        assert_eq!(
            initial(WatchEvent::Deleted(pod.clone())),
            Initial::Deleted(pod)
        );
        assert_eq!(initial(bookmark("9", false)), Initial::Bookmark("9".into()));
        assert_eq!(initial(bookmark("10", true)), Initial::Done("10".into()));
    }

    #[test]
    fn the_note_says_what_client_go_says() {
        let note = fallback_note("daemonsets.apps", "Error from server (Invalid): x");
        assert!(
            note.starts_with(
                "\"Data couldn't be fetched in watchlist mode. Falling back to regular list."
            ),
            "{note}"
        );
        assert!(
            note.ends_with("resource=\"daemonsets.apps\" err=\"Error from server (Invalid): x\"")
        );
        assert!(reason(None).contains("initial-events-end"));
    }
}
