//! `kapi get -w`: the current objects, then every change as the server
//! reports it, each printed and flushed as it arrives.
//!
//! kubectl lists, then watches from the list's `resourceVersion`, and ends
//! when the server closes the watch (or on `410 Gone`). kapi gets the
//! same objects and events through [`kapi::Watcher`]: one streaming watch
//! (`sendInitialEvents`, as client-go 1.35's informers start) whose initial
//! events are printed as the list would be, else (a server that refuses it, or
//! `KUBE_FEATURE_WatchListClient=false`) kubectl's list and watch. It
//! resumes a closed or dropped watch from the last `resourceVersion` and
//! gets the state again after `410 Gone`; after that, only what changed
//! meanwhile is printed (objects gone meanwhile as `DELETED` rows with what
//! is known of them). The command ends on an error, on Ctrl-C, or after
//! `--request-timeout`.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use kapi::watcher::Event;
use kapi::{ApiResource, Client, ListParams};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::output;
use crate::output::printer::Format;
use crate::output::table::TableOptions;
use crate::output::watch::WatchPrinter;

/// What `get -w` was asked for.
pub(in crate::cmd) struct Watch<'a> {
    /// The one resource type, and at most one name.
    pub resource: &'a ApiResource,
    pub name: Option<&'a str>,
    pub all_namespaces: bool,
    /// Selectors, page size and `Accept`, as for the list.
    pub params: ListParams,
    /// `--watch-only`: do not print the objects listed first.
    pub watch_only: bool,
    /// `--output-watch-events`.
    pub events: bool,
}

/// (namespace, name).
type Key = (String, String);

pub(in crate::cmd) fn run(
    client: &Client,
    watch: Watch<'_>,
    format: Format,
    options: TableOptions,
) -> Result<ExitCode> {
    let mut api = client.api(watch.resource.clone());
    if watch.all_namespaces {
        api = api.all_namespaces();
    }
    let mut params = watch.params;
    if let Some(name) = watch.name {
        params.field_selector = Some(format!("metadata.name={name}"));
    }
    let mut watcher = api.watcher::<Value>(params);
    if let Some(limit) = client.config().request_timeout() {
        watcher = watcher.until(Instant::now() + limit);
    }
    let mut printer = WatchPrinter::new(format, watch.resource.clone(), options, watch.events);
    let mut out = output::stdout();
    // What was printed last for each object: after a relist, only changes
    // are printed.
    let mut known: HashMap<Key, String> = HashMap::new();
    let mut relisted: Option<HashSet<Key>> = None;
    let mut listed = false;
    for event in watcher {
        match event? {
            // A relist, or a start over after a first state that failed
            // part way (objects already shown): print changes.
            Event::Init if listed || !known.is_empty() => relisted = Some(HashSet::new()),
            Event::InitApply(object) => {
                let (key, rv) = identity(&object);
                let shown = if relisted.is_none() {
                    (!watch.watch_only).then_some("ADDED")
                } else {
                    match known.get(&key) {
                        None => Some("ADDED"),
                        Some(old) if *old != rv => Some("MODIFIED"),
                        Some(_) => None,
                    }
                };
                match shown {
                    Some(event) => printer.queue(event, &object, &mut out)?,
                    None => printer.skip(&object),
                }
                if let Some(seen) = &mut relisted {
                    seen.insert(key.clone());
                }
                known.insert(key, rv);
            }
            Event::InitDone => {
                if !listed && known.is_empty() {
                    if let Some(name) = watch.name {
                        // kubectl gets a named object first: report its
                        // NotFound the same way (unless it appeared since).
                        api.get::<Value>(name).map_err(Error::from)?;
                    }
                }
                printer.flush_queued(&mut out)?;
                if let Some(seen) = relisted.take() {
                    let mut gone: Vec<Key> = known
                        .keys()
                        .filter(|k| !seen.contains(*k))
                        .cloned()
                        .collect();
                    gone.sort();
                    for key in gone {
                        printer.print_gone(&key.0, &key.1, &mut out)?;
                        known.remove(&key);
                    }
                }
                listed = true;
                out.flush()?;
            }
            Event::Added(object) => {
                let (key, rv) = identity(&object);
                printer.print("ADDED", &object, &mut out)?;
                known.insert(key, rv);
                out.flush()?;
            }
            Event::Modified(object) => {
                let (key, rv) = identity(&object);
                printer.print("MODIFIED", &object, &mut out)?;
                known.insert(key, rv);
                out.flush()?;
            }
            Event::Deleted(object) => {
                let (key, _) = identity(&object);
                printer.print("DELETED", &object, &mut out)?;
                known.remove(&key);
                out.flush()?;
            }
            // The first list's Init; events kapi may add later.
            _ => {}
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// (namespace, name) and resourceVersion of an object or one-row Table.
fn identity(object: &Value) -> (Key, String) {
    let object = if object["kind"] == "Table" {
        &object["rows"][0]["object"]
    } else {
        object
    };
    let meta = &object["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        (text(&meta["namespace"]), text(&meta["name"])),
        text(&meta["resourceVersion"]),
    )
}
