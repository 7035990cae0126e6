//! Lists: [`ListParams`] and the [`Pager`] that walks `limit`/`continue`
//! pages, holding one item at a time.

use std::io::BufReader;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::list_reader::ListReader;
pub use crate::list_reader::MAX_ITEM_BYTES;
use crate::{Client, Error, Response, Result};

/// client-go's and kubectl's page size.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// What to list: selectors, page size, and where to read from.
///
/// Built from `Default` with the builder methods (new fields may be added,
/// so it cannot be written as a struct literal outside kapi):
///
/// ```
/// let params = kapi::ListParams::default().labels("app=gateway").limit(100);
/// assert_eq!(params.label_selector.as_deref(), Some("app=gateway"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
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

/// Walks a list page by page, and each page item by item: the response
/// body is read as a stream and each item (or Table row) is decoded and
/// handed out before the next is read, so memory is bounded by the largest
/// item (at most [`MAX_ITEM_BYTES`]) plus a constant, however long the list
/// and however large a page the server sends (one that ignores `limit`).
///
/// [`begin_page`](Self::begin_page) and [`next_item`](Self::next_item) are
/// the streaming interface; [`items`](Self::items) iterates over all items
/// of all pages; [`next_page`](Self::next_page) collects a whole page.
///
/// When a `continue` token has expired (`410 Expired`), client-go falls back
/// to one full list. The pager first starts a new paged list and skips what
/// it already returned: the server lists in key order (namespace, then
/// name), so everything up to the last key returned is skipped. Objects
/// created behind that key meanwhile are missed, as they would be by a
/// list that had already passed them. If the new list's token expires too,
/// the pager does what client-go does, one full list (without `limit`), so
/// it always ends. A server that answers with the continue token it was
/// sent would never end: the pager stops with
/// [`Error::ListNotAdvancing`].
pub struct Pager {
    client: Client,
    path: Result<String>,
    params: ListParams,
    /// The token to send with the next request.
    continue_token: Option<String>,
    /// The token the current page was asked with.
    sent_token: Option<String>,
    done: bool,
    last_key: Option<(String, String)>,
    skip_until_past: Option<(String, String)>,
    resource_version: Option<String>,
    restarts: u32,
    /// The page being read.
    page: Option<Box<ListReader<BufReader<Response>>>>,
    /// Whether the entry last read from `page` was handed out (not skipped).
    last_returned: bool,
    /// The members of the last page read to its end, and its array's name.
    finished: (Map<String, Value>, Option<String>),
}

impl Pager {
    pub(crate) fn new(client: Client, path: Result<String>, params: ListParams) -> Pager {
        Pager {
            client,
            path,
            params,
            continue_token: None,
            sent_token: None,
            done: false,
            last_key: None,
            skip_until_past: None,
            resource_version: None,
            restarts: 0,
            page: None,
            last_returned: false,
            finished: (Map::new(), None),
        }
    }

    /// Requests the next page and reads it up to its items. Returns the
    /// page's members that came before them (`kind`, `apiVersion`,
    /// `metadata`, a Table's `columnDefinitions`) as a JSON object, without
    /// `items` or `rows`; `None` after the last page. Then
    /// [`next_item`](Self::next_item) hands out the page's items.
    ///
    /// Members a server sends after the items (in any order) are read when
    /// the page ends. If the current page was not read to its end, the rest
    /// of it is read and dropped first.
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let mut pager = client.api(client.resolve("pods")?).list(kapi::ListParams::default());
    /// while let Some(_head) = pager.begin_page()? {
    ///     while let Some(pod) = pager.next_item::<serde_json::Value>()? {
    ///         println!("{}", pod["metadata"]["name"]);
    ///     }
    /// }
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn begin_page(&mut self) -> Result<Option<Value>> {
        if self.page.is_some() {
            self.drain_page()?;
        }
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
        let response = match req.send() {
            Ok(response) => response,
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
                return self.begin_page();
            }
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        let (request, server) = response.origin();
        let body = BufReader::with_capacity(READ_BUFFER, response);
        let mut page = Box::new(ListReader::new(body, request, server));
        self.sent_token = self.continue_token.take();
        self.last_returned = false;
        if let Err(e) = page.open() {
            self.done = true;
            return Err(e);
        }
        let head = page.members().clone();
        if head.contains_key("metadata") {
            // Known before the items: stop a list that does not advance
            // before handing out its repeated items.
            if let Err(e) = self.take_metadata(&head) {
                self.done = true;
                return Err(e);
            }
        }
        self.page = Some(page);
        Ok(Some(Value::Object(head)))
    }

    /// The next item (or Table row) of the page [`begin_page`] started,
    /// decoded as `T`; `None` at the end of the page (call `begin_page`
    /// for the next one). An item that does not decode as `T` is an error
    /// for that item only; a read error ends the list.
    ///
    /// [`begin_page`]: Self::begin_page
    pub fn next_item<T: DeserializeOwned>(&mut self) -> Result<Option<T>> {
        loop {
            let Some(page) = self.page.as_mut() else {
                return Ok(None);
            };
            match page.advance() {
                Ok(true) => {}
                Ok(false) => {
                    self.end_page()?;
                    return Ok(None);
                }
                Err(e) => {
                    self.page = None;
                    self.done = true;
                    return Err(e);
                }
            }
            if let Some(past) = &self.skip_until_past {
                let key = page.decode::<Value>(page.last_entry()).ok();
                if key.as_ref().and_then(key_of).is_none_or(|k| k <= *past) {
                    continue;
                }
            }
            self.last_returned = true;
            return page.decode(page.last_entry()).map(Some);
        }
    }

    /// The next page as JSON: a `List` (or a `Table`, when the `Accept`
    /// header asks for one). `None` after the last page.
    ///
    /// This holds the whole page in memory; [`begin_page`](Self::begin_page)
    /// with [`next_item`](Self::next_item), or [`items`](Self::items), hold
    /// one item at a time.
    pub fn next_page(&mut self) -> Result<Option<Value>> {
        let Some(_) = self.begin_page()? else {
            return Ok(None);
        };
        let mut entries = Vec::new();
        while let Some(entry) = self.next_item::<Value>()? {
            entries.push(entry);
        }
        let (mut members, array_key) = std::mem::take(&mut self.finished);
        if let Some(key) = array_key {
            members.insert(key, Value::Array(entries));
        }
        Ok(Some(Value::Object(members)))
    }

    /// The `resourceVersion` of the last page read: where a watch that
    /// follows this list should start.
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// The items of every page, one at a time, typed as `T`.
    pub fn items<T: DeserializeOwned>(self) -> Items<T> {
        Items {
            pager: self,
            in_page: false,
            failed: false,
            _item: PhantomData,
        }
    }

    /// Reads the rest of the current page (dropping its items) to learn
    /// its continue token.
    fn drain_page(&mut self) -> Result<()> {
        while let Some(page) = self.page.as_mut() {
            match page.advance() {
                Ok(true) => self.last_returned = true,
                Ok(false) => return self.end_page(),
                Err(e) => {
                    self.page = None;
                    self.done = true;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The page was read to its end: where the next one starts.
    fn end_page(&mut self) -> Result<()> {
        let Some(page) = self.page.take() else {
            return Ok(());
        };
        if self.last_returned {
            // The buffer still holds the page's last item: its key is where
            // a restarted list resumes.
            let last = page.decode::<Value>(page.last_entry()).ok();
            if let Some(key) = last.as_ref().and_then(key_of) {
                self.last_key = Some(key);
            }
        }
        let page = *page;
        let members = page.members().clone();
        let result = self.take_metadata(&members);
        self.finished = (members, page.array_key().map(str::to_string));
        self.done = result.is_err() || self.continue_token.is_none();
        result
    }

    /// Takes the resourceVersion and continue token from a page's metadata.
    fn take_metadata(&mut self, members: &Map<String, Value>) -> Result<()> {
        let meta = members.get("metadata").unwrap_or(&Value::Null);
        self.resource_version = meta["resourceVersion"].as_str().map(str::to_string);
        self.continue_token = meta["continue"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if self.continue_token.is_some() && self.continue_token == self.sent_token {
            self.continue_token = None;
            return Err(Error::ListNotAdvancing {
                path: self.path.as_ref().cloned().unwrap_or_default(),
            });
        }
        Ok(())
    }
}

/// The read buffer of a list response.
const READ_BUFFER: usize = 64 * 1024;

/// (namespace, name) of a list item or a Table row's object.
fn key_of(entry: &Value) -> Option<(String, String)> {
    let meta = entry.get("object").unwrap_or(entry).get("metadata")?;
    Some((
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str()?.to_string(),
    ))
}

/// Iterator over the items of a [`Pager`], one decoded at a time.
pub struct Items<T> {
    pager: Pager,
    in_page: bool,
    failed: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T> Items<T> {
    /// The pager underneath (for its `resource_version`).
    pub fn pager(&self) -> &Pager {
        &self.pager
    }
}

impl<T: DeserializeOwned> Iterator for Items<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if self.failed {
                return None;
            }
            if self.in_page {
                match self.pager.next_item::<T>() {
                    Ok(Some(item)) => return Some(Ok(item)),
                    Ok(None) => self.in_page = false,
                    Err(e) => {
                        // A decode error is this item's; a read error ends.
                        self.failed = self.pager.page.is_none();
                        return Some(Err(e));
                    }
                }
            }
            match self.pager.begin_page() {
                Ok(Some(_)) => self.in_page = true,
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
