//! GET of collections and objects: lists with selectors, `limit` and
//! `continue` (the etcd3 storage's paging, consistent at the first page's
//! resourceVersion), Tables, and the generated pods of namespace `big`.
//!
//! Big pages (over [`STREAM_ABOVE`] items) are written in chunks as they
//! are encoded, so listing 50,000 generated pods holds one chunk at a time.

use std::sync::Arc;

use hyper::body::Bytes;
use hyper::Response;
use serde_json::Value;

use crate::api::Api;
use crate::catalog::ResourceInfo;
use crate::continue_token::ContinueToken;
use crate::json::Json;
use crate::many_pods::{self, ManyPods};
use crate::predicate::Predicate;
use crate::request::{ApiRequest, ResourcePath};
use crate::response::{self, Body};
use crate::status::{self, Status};
use crate::store::{resource_version, Compacted, Stored};
use crate::table::{self, Converter, IncludeObject, TableVersion};

/// Pages with more items than this are streamed.
const STREAM_ABOVE: usize = 1_000;

/// One item of a page.
#[derive(Clone)]
enum Item {
    Stored(Stored),
    Generated(ManyPods, usize),
}

impl Item {
    fn value(&self) -> Arc<Value> {
        match self {
            Item::Stored(s) => s.object.clone(),
            Item::Generated(pods, i) => Arc::new(pods.value(*i)),
        }
    }

    /// The whole object (kind and apiVersion included).
    fn encode(&self) -> String {
        match self {
            Item::Stored(s) => s.encode(),
            Item::Generated(pods, i) => pods.encode(*i),
        }
    }

    /// The object as a list item: built-in resources' items have no kind and
    /// apiVersion in the real server's lists; custom resources' do.
    fn encode_as_item(&self, custom: bool) -> String {
        match self {
            Item::Stored(s) if custom => s.encode(),
            Item::Stored(s) => {
                let mut object = (*s.object).clone();
                if let Some(map) = object.as_object_mut() {
                    map.remove("kind");
                    map.remove("apiVersion");
                }
                s.json_of(&object).encode()
            }
            Item::Generated(pods, i) => {
                let text = pods.encode(*i);
                let prefix = r#"{"kind":"Pod","apiVersion":"v1","#;
                format!("{{{}", text.strip_prefix(prefix).unwrap_or(&text[1..]))
            }
        }
    }

    fn template(&self) -> Option<Arc<Json>> {
        match self {
            Item::Stored(s) if !s.custom => s.template.clone(),
            _ => None,
        }
    }
}

/// How the response is written.
struct Format {
    table: Option<(TableVersion, Converter, IncludeObject)>,
    custom: bool,
    now: i64,
}

impl Format {
    fn new(
        api: &Api,
        req: &ApiRequest,
        info: &ResourceInfo,
        crd: Option<&Value>,
    ) -> Result<Self, Status> {
        let table = match table::negotiate(req.header("accept")) {
            Some(version) => {
                let include = IncludeObject::parse(req.param("includeObject"))
                    .map_err(status::bad_request)?;
                let converter = match crd {
                    Some(crd) => Converter::custom(crd, &info.version),
                    None => Converter::builtin(&info.group, &info.resource),
                };
                Some((version, converter, include))
            }
            None => None,
        };
        Ok(Format {
            table,
            custom: crd.is_some(),
            now: api.clock.now(),
        })
    }

    fn row(&self, item: &Item) -> String {
        let Some((_, converter, include)) = &self.table else {
            return item.encode_as_item(self.custom);
        };
        let value = item.value();
        let encoded = match include {
            IncludeObject::Object => item.encode(),
            _ => String::new(),
        };
        converter
            .row(
                &value,
                &encoded,
                item.template().as_deref(),
                *include,
                self.now,
            )
            .encode()
    }
}

/// `GET` of one object (or its `status` subresource).
pub(crate) fn get(
    api: &Api,
    req: &ApiRequest,
    info: &ResourceInfo,
    crd: Option<&Value>,
    path: &ResourcePath,
    name: &str,
) -> Response<Body> {
    let format = match Format::new(api, req, info, crd) {
        Ok(format) => format,
        Err(status) => return response::status(&status),
    };
    let key = api.key(info, path, name);
    let stored = api.store().get(&key).cloned();
    let item = match stored {
        Some(stored) => Some(Item::Stored(stored)),
        None => generated(api, info, &key.namespace)
            .and_then(|pods| pods.index(name).map(|i| Item::Generated(pods, i))),
    };
    let Some(item) = item else {
        if let Some((code, body)) = api.statics.find(&req.path) {
            return response::json(code, body);
        }
        return response::status(&status::not_found_status(&info.group, &info.resource, name));
    };
    match &format.table {
        None => match &item {
            Item::Stored(s) => response::json(200, s.body()),
            Item::Generated(..) => response::json(200, item.encode() + "\n"),
        },
        Some((version, converter, _)) => {
            let rv = resource_version(&item.value()).to_string();
            let meta = Json::obj([("resourceVersion", Json::from(rv))]);
            let mut body = table::table_start(*version, meta, converter, true);
            body.push_str(&format.row(&item));
            body.push_str(table::TABLE_END);
            response::with_type(200, version.content_type(), response::full(body))
        }
    }
}

/// `GET` of a collection, in `namespace` or across all of them.
pub(crate) fn list(
    api: &Api,
    req: &ApiRequest,
    info: &ResourceInfo,
    crd: Option<&Value>,
    namespace: Option<&str>,
) -> Response<Body> {
    match page(api, req, info, crd, namespace) {
        Ok(response) => response,
        Err(status) => response::status(&status),
    }
}

fn page(
    api: &Api,
    req: &ApiRequest,
    info: &ResourceInfo,
    crd: Option<&Value>,
    namespace: Option<&str>,
) -> Result<Response<Body>, Status> {
    crate::watch_list::validate_list(req)?;
    let predicate = Predicate::parse(
        req.param("labelSelector"),
        req.param("fieldSelector"),
        &info.group,
        &info.resource,
    )
    .map_err(status::bad_request)?;
    let limit = match req.param("limit").unwrap_or_default() {
        "" => 0,
        text => text.parse::<i64>().map_err(|_| {
            status::bad_request(format!(
                "strconv.ParseInt: parsing {}: invalid syntax",
                status::go_quote(text)
            ))
        })?,
    }
    .max(0) as usize;
    let limit = if api.ignore_limit { 0 } else { limit };
    let format = Format::new(api, req, info, crd)?;
    // Keys are relative to the list's prefix, as etcd's are.
    let relative = |ns: &str, name: &str| {
        if namespace.is_some() || ns.is_empty() {
            name.to_string()
        } else {
            format!("{ns}/{name}")
        }
    };

    let (after, at) = match req.param("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            if !matches!(req.param("resourceVersion").unwrap_or_default(), "" | "0") {
                return Err(status::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            let token = ContinueToken::decode(token).map_err(status::bad_request)?;
            if api.continue_token_expired() {
                return Err(status::continue_expired(ContinueToken::encode(
                    -1,
                    &token.after,
                )));
            }
            let at = u64::try_from(token.rv).ok();
            (Some(token.after), at)
        }
        None => {
            let exact = req.param("resourceVersionMatch") == Some("Exact");
            let at = match req.param("resourceVersion").unwrap_or_default() {
                rv if exact => Some(rv.parse::<u64>().map_err(|_| {
                    status::bad_request(format!(
                        "resourceVersion: Invalid value: {}: must be a valid resource version",
                        status::go_quote(rv)
                    ))
                })?),
                _ => None,
            };
            (None, at)
        }
    };

    let (stored, list_rv) = {
        let store = api.store();
        let listed = store.list(&info.group, &info.resource, namespace, at);
        let list_rv = at.unwrap_or(store.rv());
        match listed {
            Ok(items) => (items, list_rv),
            Err(Compacted(_)) => {
                let status = match &after {
                    Some(after) => status::continue_expired(ContinueToken::encode(-1, after)),
                    None => Status::failure(
                        410,
                        "Expired",
                        format!(
                            "too old resource version: {} ({})",
                            at.unwrap_or(0),
                            store.compacted()
                        ),
                    ),
                };
                return Err(status);
            }
        }
    };
    let mut stored: Vec<(String, Stored)> = stored
        .into_iter()
        .map(|(key, s)| (relative(&key.namespace, &key.name), s))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    let pods = match namespace {
        Some(ns) => generated(api, info, ns),
        None => generated(api, info, many_pods::NAMESPACE),
    };
    let generated_key = |pods: &ManyPods, i: usize| relative(many_pods::NAMESPACE, &pods.name(i));

    // Where the page starts.
    let mut i = match &after {
        Some(after) => stored.partition_point(|(k, _)| k <= after),
        None => 0,
    };
    let mut j = match (&after, &pods) {
        (None, _) | (_, None) => 0,
        (Some(after), Some(pods)) => match namespace {
            Some(_) => pods.first_after(after),
            None => match after.strip_prefix("big/") {
                Some(name) => pods.first_after(name),
                None if after.as_str() < "big/" => 0,
                None => pods.count(),
            },
        },
    };
    let generated_count = pods.map_or(0, |p| p.count());

    let mut items: Vec<Item> = Vec::new();
    let mut last_key = String::new();
    let mut has_more = false;
    loop {
        let next_stored = stored.get(i).map(|(k, _)| k.as_str());
        let next_generated = pods
            .filter(|_| j < generated_count)
            .map(|p| generated_key(&p, j));
        let take_stored = match (next_stored, &next_generated) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(s), Some(g)) => s < g.as_str(),
        };
        if limit > 0 && items.len() >= limit {
            has_more = true;
            break;
        }
        if take_stored {
            let (key, s) = &stored[i];
            i += 1;
            last_key.clone_from(key);
            if predicate.is_everything() || predicate.matches(&s.object) {
                items.push(Item::Stored(s.clone()));
            }
        } else {
            let pods = pods.expect("a generated key implies generated pods");
            last_key = next_generated.expect("checked above");
            if predicate.is_everything() || predicate.matches(&pods.selectable(j)) {
                items.push(Item::Generated(pods, j));
            }
            j += 1;
        }
    }

    let mut meta = vec![("resourceVersion", Json::from(list_rv.to_string()))];
    if has_more {
        let token = match req.param("continue").filter(|c| !c.is_empty()) {
            Some(sent) if api.stuck_continue => sent.to_string(),
            _ => ContinueToken::encode(list_rv as i64, &last_key),
        };
        meta.push(("continue", Json::from(token)));
        if predicate.is_everything() {
            let remaining = (stored.len() - i) + (generated_count - j);
            meta.push(("remainingItemCount", Json::from(remaining)));
        }
    }
    let meta = Json::obj(meta);

    let (start, content_type) = match &format.table {
        Some((version, converter, _)) => (
            table::table_start(*version, meta, converter, true),
            version.content_type(),
        ),
        None => {
            let head = Json::obj([
                ("kind", Json::from(format!("{}List", info.kind))),
                ("apiVersion", Json::from(info.api_version())),
                ("metadata", meta),
                ("items", Json::Raw("[".into())),
            ])
            .encode();
            (head[..head.len() - 1].to_string(), "application/json")
        }
    };
    let end = match &format.table {
        Some(_) => table::TABLE_END,
        None => "]}\n",
    };
    if items.len() <= STREAM_ABOVE {
        let mut body = start;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(&format.row(item));
        }
        body.push_str(end);
        return Ok(response::with_type(200, content_type, response::full(body)));
    }
    let (tx, body) = response::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut chunk = start;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                chunk.push(',');
            }
            chunk.push_str(&format.row(item));
            if chunk.len() >= 64 * 1024 {
                let full = std::mem::take(&mut chunk);
                if tx.blocking_send(Ok(Bytes::from(full))).is_err() {
                    return;
                }
            }
        }
        chunk.push_str(end);
        let _ = tx.blocking_send(Ok(Bytes::from(chunk)));
    });
    Ok(response::with_type(200, content_type, body))
}

/// The generated pods, when `info` is core pods and `namespace` is `big`.
fn generated(api: &Api, info: &ResourceInfo, namespace: &str) -> Option<ManyPods> {
    (info.group.is_empty()
        && info.resource == "pods"
        && namespace == many_pods::NAMESPACE
        && api.many_pods.count() > 0)
        .then_some(api.many_pods)
}
