//! Lists: [`ListParams`] and the [`Pager`] that walks `limit`/`continue`
//! pages, holding one page at a time.

use std::collections::VecDeque;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Client, Error, Result};

/// client-go's and kubectl's page size.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// What to list: selectors, page size, and where to read from.
#[derive(Clone, Debug)]
pub struct ListParams {
    /// `labelSelector`, e.g. `app=gateway,tier!=db`.
    pub label_selector: Option<String>,
    /// `fieldSelector`, e.g. `status.phase=Running`.
    pub field_selector: Option<String>,
    /// Page size; 0 lists everything in one response.
    pub limit: u32,
    /// `resourceVersion`: `"0"` reads from the API server's watch cache
    /// (cheap, possibly slightly stale), as the classic curl recipe does.
    pub resource_version: Option<String>,
    /// An `Accept` header, e.g. for a server-side `Table`.
    pub accept: Option<String>,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            label_selector: None,
            field_selector: None,
            limit: DEFAULT_PAGE_SIZE,
            resource_version: None,
            accept: None,
        }
    }
}

impl ListParams {
    /// Sets the label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_string());
        self
    }

    /// Sets the field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_string());
        self
    }

    /// Sets the page size (0: no paging).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Sets `resourceVersion` (`"0"`: from the watch cache).
    pub fn resource_version(mut self, rv: &str) -> Self {
        self.resource_version = Some(rv.to_string());
        self
    }

    /// Sets the `Accept` header (e.g. kubectl's Table media types).
    pub fn accept(mut self, accept: &str) -> Self {
        self.accept = Some(accept.to_string());
        self
    }
}

/// Walks a list page by page. Only the current page is held, so memory
/// stays flat however long the list is.
///
/// When a `continue` token has expired (`410 Expired`), client-go falls back
/// to one full list. The pager first starts a new paged list and skips what
/// it already returned: the server lists in key order (namespace, then
/// name), so everything up to the last key returned is skipped. Objects
/// created behind that key meanwhile are missed, as they would be by a
/// list that had already passed them. If the new list's token expires too,
/// the pager does what client-go does, one full list (without `limit`), so
/// it always ends.
pub struct Pager<'c> {
    client: &'c Client,
    path: Result<String>,
    params: ListParams,
    continue_token: Option<String>,
    done: bool,
    last_key: Option<(String, String)>,
    skip_until_past: Option<(String, String)>,
    resource_version: Option<String>,
    restarts: u32,
}

impl<'c> Pager<'c> {
    pub(crate) fn new(client: &'c Client, path: Result<String>, params: ListParams) -> Pager<'c> {
        Pager {
            client,
            path,
            params,
            continue_token: None,
            done: false,
            last_key: None,
            skip_until_past: None,
            resource_version: None,
            restarts: 0,
        }
    }

    /// The next page as JSON: a `List` (or a `Table`, when the `Accept`
    /// header asks for one). `None` after the last page.
    pub fn next_page(&mut self) -> Result<Option<Value>> {
        if self.done {
            return Ok(None);
        }
        let path = match &self.path {
            Ok(p) => p.clone(),
            Err(e) => {
                self.done = true;
                return Err(Error::InvalidRequest(e.to_string()));
            }
        };
        let mut req = self.client.get(&path);
        if let Some(s) = &self.params.label_selector {
            req = req.query("labelSelector", s);
        }
        if let Some(s) = &self.params.field_selector {
            req = req.query("fieldSelector", s);
        }
        if self.params.limit > 0 {
            req = req.query("limit", &self.params.limit.to_string());
        }
        match &self.continue_token {
            Some(token) => req = req.query("continue", token),
            None => {
                if let Some(rv) = &self.params.resource_version {
                    req = req.query("resourceVersion", rv);
                }
            }
        }
        if let Some(accept) = &self.params.accept {
            req = req.header("Accept", accept);
        }
        let mut page: Value = match req.json() {
            Ok(page) => page,
            Err(e) if e.is_gone() && self.continue_token.is_some() => {
                // The continue token expired: start over, skipping what was
                // already returned; the second time, without paging.
                self.restarts += 1;
                if self.restarts > 1 {
                    self.params.limit = 0;
                }
                self.continue_token = None;
                self.params.resource_version = None;
                self.skip_until_past = self.last_key.clone();
                return self.next_page();
            }
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        let meta = &page["metadata"];
        self.resource_version = meta["resourceVersion"].as_str().map(str::to_string);
        self.continue_token = meta["continue"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        self.done = self.continue_token.is_none();
        let rows_key = if page.get("rows").is_some() {
            "rows"
        } else {
            "items"
        };
        if let Some(entries) = page.get_mut(rows_key).and_then(Value::as_array_mut) {
            if let Some(past) = &self.skip_until_past {
                entries.retain(|e| key_of(e).is_some_and(|k| k > *past));
            }
            if let Some(last) = entries.last().and_then(key_of) {
                self.last_key = Some(last);
            }
        }
        Ok(Some(page))
    }

    /// The `resourceVersion` of the last page read: where a watch that
    /// follows this list should start.
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// The items of every page, one at a time, typed as `T`.
    pub fn items<T: DeserializeOwned>(self) -> Items<'c, T> {
        Items {
            pager: self,
            page: VecDeque::new(),
            failed: false,
            _item: PhantomData,
        }
    }
}

/// (namespace, name) of a list item or a Table row's object.
fn key_of(entry: &Value) -> Option<(String, String)> {
    let meta = entry.get("object").unwrap_or(entry).get("metadata")?;
    Some((
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str()?.to_string(),
    ))
}

/// Iterator over the items of a [`Pager`].
pub struct Items<'c, T> {
    pager: Pager<'c>,
    page: VecDeque<Value>,
    failed: bool,
    _item: PhantomData<fn() -> T>,
}

impl<'c, T> Items<'c, T> {
    /// The pager underneath (for its `resource_version`).
    pub fn pager(&self) -> &Pager<'c> {
        &self.pager
    }
}

impl<T: DeserializeOwned> Iterator for Items<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if self.failed {
                return None;
            }
            if let Some(item) = self.page.pop_front() {
                return Some(
                    serde_json::from_value(item).map_err(|source| Error::Decode {
                        request: "a list item".into(),
                        source,
                    }),
                );
            }
            match self.pager.next_page() {
                Ok(Some(mut page)) => {
                    if let Some(Value::Array(items)) = page.get_mut("items").map(Value::take) {
                        self.page = items.into();
                    }
                }
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
