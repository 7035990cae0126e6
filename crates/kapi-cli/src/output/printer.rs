//! `-o` formats and the [`Printer`] that writes objects and list pages in
//! one of them, streaming wherever the format allows.

use std::io::Write;

use kapi::gofmt::sprint;
use kapi::jsonpath::JsonPath;
use kapi::ApiResource;
use serde_json::{json, Map, Value};

use super::decode::Shape;
use super::json::{write_json, JsonListWriter};
use super::table::{TableOptions, TablePrinter};
use super::tabwriter::TabWriter;
use super::yaml::{write_yaml, YamlListWriter};
use crate::error::{Error, Result};

/// The formats `-o` accepts, in kubectl's words.
pub const FORMATS: &str =
    "custom-columns,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml";

/// An output format.
pub enum Format {
    /// The server's Table (`wide`: with the priority columns).
    Table { wide: bool },
    /// `kind.group/name`.
    Name,
    /// JSON, 4-space indent, sorted keys.
    Json,
    /// YAML as kubectl prints it.
    Yaml,
    /// A JSONPath template.
    JsonPath {
        template: JsonPath,
        /// `--allow-missing-template-keys`.
        allow_missing: bool,
        /// `jsonpath-as-json`: one JSON array of all results.
        as_json: bool,
    },
    /// `HEADER:expr,...`.
    CustomColumns(Vec<(String, JsonPath)>),
}

impl Format {
    /// Parses `-o VALUE` (`None`: the table).
    pub fn parse(value: Option<&str>, allow_missing_keys: bool) -> Result<Format> {
        let Some(value) = value else {
            return Ok(Format::Table { wide: false });
        };
        let (name, arg) = match value.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (value, None),
        };
        let need_arg = |what: &str| -> Result<&str> {
            arg.filter(|a| !a.is_empty())
                .ok_or_else(|| Error::msg(format!("{what} format specified but no template given")))
        };
        Ok(match name {
            "" => Format::Table { wide: false },
            "wide" => Format::Table { wide: true },
            "name" => Format::Name,
            "json" => Format::Json,
            "yaml" => Format::Yaml,
            "jsonpath" | "jsonpath-as-json" => {
                let template = JsonPath::parse(need_arg("jsonpath")?)?;
                let as_json = name == "jsonpath-as-json";
                Format::JsonPath {
                    template: template.allow_missing_keys(allow_missing_keys).json_output(as_json),
                    allow_missing: allow_missing_keys,
                    as_json,
                }
            }
            "jsonpath-file" => {
                let file = need_arg("jsonpath-file")?;
                let text = std::fs::read_to_string(file)
                    .map_err(|e| Error::msg(format!("error reading --template {file}: {e}")))?;
                Format::JsonPath {
                    template: JsonPath::parse(&text)?.allow_missing_keys(allow_missing_keys),
                    allow_missing: allow_missing_keys,
                    as_json: false,
                }
            }
            "custom-columns" => Format::CustomColumns(custom_columns(need_arg("custom-columns")?)?),
            _ => {
                return Err(Error::msg(format!(
                    "unable to match a printer suitable for the output format {value:?}, allowed formats are: {FORMATS}"
                )))
            }
        })
    }

    /// True when the server should render a Table (`Accept` header).
    pub fn wants_table(&self) -> bool {
        matches!(self, Format::Table { .. })
    }
}

/// `NAME:.metadata.name,RV:.metadata.resourceVersion`.
fn custom_columns(spec: &str) -> Result<Vec<(String, JsonPath)>> {
    spec.split(',')
        .map(|part| {
            let (header, expr) = part.split_once(':').ok_or_else(|| {
                Error::msg(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                ))
            })?;
            Ok((header.to_string(), JsonPath::parse_relaxed(expr)?))
        })
        .collect()
}

/// A streamed table is written every this many rows, kubectl's page size:
/// rows are aligned per 500, so a page that ignores `limit` prints as the
/// same list in pages of 500 does.
pub const TABLE_FLUSH_ROWS: usize = kapi::DEFAULT_PAGE_SIZE as usize;

/// A streamed table is also written once its buffered cells reach this many
/// bytes (rows of huge cells).
pub const TABLE_FLUSH_BYTES: usize = 1 << 20;

/// Writes objects and list pages in one format. Lists stream one item at a
/// time ([`begin_page`](Self::begin_page), [`page_item`](Self::page_item),
/// [`end_page`](Self::end_page)): names, JSON/YAML items and the streaming
/// JSONPath forms are written as each item arrives; table and custom-columns
/// rows are buffered as cells of at most [`TABLE_FLUSH_ROWS`] rows or
/// [`TABLE_FLUSH_BYTES`] (and written at the end of each page), so memory
/// holds at most one item plus those cells.
pub struct Printer {
    format: Format,
    /// One object was asked for by name: print it, not a `List`.
    single: bool,
    table_options: TableOptions,
    table: Option<(String, TablePrinter)>,
    json_list: Option<JsonListWriter>,
    yaml_list: Option<YamlListWriter>,
    columns: Option<TabWriter>,
    /// Custom-columns rows queued in `columns` since its last flush.
    columns_queued: usize,
    jsonpath: JsonPathState,
    count: usize,
    /// Table rows written when the current table was last flushed.
    flushed_rows: usize,
    show_managed_fields: bool,
}

/// How `-o jsonpath` handles several objects: kubectl runs the template
/// once over a `List` of all of them. The two common forms,
/// `{range .items[*]}...{end}` and `{.items[*]...}`, give the same output run
/// item by item, so they stream; any other template needs the whole list.
enum JsonPathState {
    Idle,
    PerItem(JsonPath),
    ItemsAction { template: JsonPath, wrote: bool },
    Buffer(Vec<Value>),
}

impl Printer {
    /// A printer for `format`; `single` when exactly one named object is printed.
    pub fn new(format: Format, single: bool, table_options: TableOptions) -> Printer {
        let jsonpath = match &format {
            Format::JsonPath { as_json: true, .. } if !single => JsonPathState::Buffer(Vec::new()),
            Format::JsonPath {
                template,
                allow_missing,
                ..
            } if !single => streaming_form(template, *allow_missing),
            _ => JsonPathState::Idle,
        };
        Printer {
            format,
            single,
            table_options,
            table: None,
            json_list: None,
            yaml_list: None,
            columns: None,
            columns_queued: 0,
            jsonpath,
            count: 0,
            flushed_rows: 0,
            show_managed_fields: false,
        }
    }

    /// Keeps `metadata.managedFields` in JSON and YAML output. kubectl
    /// leaves them out unless `--show-managed-fields` is given.
    pub fn show_managed_fields(mut self, show: bool) -> Printer {
        self.show_managed_fields = show;
        self
    }

    /// What of each list item the format prints, for decoding only that
    /// (see [`super::decode`]).
    pub fn shape(&self) -> Shape {
        match self.format {
            Format::Name => Shape::Name,
            Format::Json | Format::Yaml if !self.show_managed_fields => Shape::WithoutManagedFields,
            Format::Table { .. } => Shape::Row,
            _ => Shape::Full,
        }
    }

    /// Objects (or table rows) printed so far.
    pub fn count(&self) -> usize {
        self.count + self.table.as_ref().map_or(0, |(_, t)| t.rows())
    }

    /// Prints a whole list page (`List` or `Table`) of `resource`, through
    /// the streaming path `get` uses.
    #[cfg(test)]
    pub fn page(
        &mut self,
        resource: &ApiResource,
        mut page: Value,
        out: &mut dyn Write,
    ) -> Result<()> {
        let key = if page.get("rows").is_some() {
            "rows"
        } else {
            "items"
        };
        let entries = match page.as_object_mut().and_then(|p| p.remove(key)) {
            Some(Value::Array(entries)) => entries,
            _ => Vec::new(),
        };
        self.begin_page(resource, &page, out)?;
        for entry in entries {
            self.page_item(resource, entry, out)?;
        }
        self.end_page(out)
    }

    /// Prints one object of `resource` (a `Table` for the table format).
    pub fn object(
        &mut self,
        resource: &ApiResource,
        object: Value,
        out: &mut dyn Write,
    ) -> Result<()> {
        if let Format::Table { .. } = self.format {
            return self.table_page(resource, &object, out);
        }
        self.item(resource, object, out)
    }

    /// Starts a page of a streamed list of `resource`: `head` holds the
    /// page's members before its items (see `kapi::Pager::begin_page`);
    /// then [`page_item`](Self::page_item) prints each item and
    /// [`end_page`](Self::end_page) ends the page.
    pub fn begin_page(
        &mut self,
        resource: &ApiResource,
        head: &Value,
        out: &mut dyn Write,
    ) -> Result<()> {
        if let Format::Table { .. } = self.format {
            self.table_for(resource, out)?.begin(head);
        }
        Ok(())
    }

    /// Prints one item (or Table row) of the page [`begin_page`](Self::begin_page) started.
    pub fn page_item(
        &mut self,
        resource: &ApiResource,
        mut item: Value,
        out: &mut dyn Write,
    ) -> Result<()> {
        if let Format::Table { .. } = self.format {
            let flushed = self.flushed_rows;
            let table = self.table_for(resource, out)?;
            if !table.has_columns() {
                return Err(Error::msg(
                    "the server's Table sent rows before its columnDefinitions; kapi prints rows as they arrive and needs the columns first",
                ));
            }
            table.entry(&item);
            if table.rows() - flushed >= TABLE_FLUSH_ROWS
                || table.buffered_bytes() >= TABLE_FLUSH_BYTES
            {
                table.flush(out)?;
                self.flushed_rows = table.rows();
            }
            return Ok(());
        }
        if let Some(obj) = item.as_object_mut() {
            // List items come without kind and apiVersion; kubectl's
            // output has them.
            obj.entry("apiVersion")
                .or_insert_with(|| json!(resource.api_version()));
            obj.entry("kind").or_insert_with(|| json!(resource.kind));
        }
        self.item(resource, item, out)
    }

    /// Ends a streamed page: writes the table (or custom-columns) rows it
    /// left buffered.
    pub fn end_page(&mut self, out: &mut dyn Write) -> Result<()> {
        if let Some((_, table)) = &mut self.table {
            table.flush(out)?;
            self.flushed_rows = table.rows();
        }
        self.flush_columns(out)
    }

    fn flush_columns(&mut self, out: &mut dyn Write) -> Result<()> {
        if let Some(tw) = &mut self.columns {
            tw.flush(out)?;
            self.columns_queued = 0;
        }
        Ok(())
    }

    fn table_page(
        &mut self,
        resource: &ApiResource,
        page: &Value,
        out: &mut dyn Write,
    ) -> Result<()> {
        self.table_for(resource, out)?.page(page, out)?;
        Ok(())
    }

    /// The table of `resource`, started (after a blank line) when the
    /// previous rows were of another type.
    fn table_for(
        &mut self,
        resource: &ApiResource,
        out: &mut dyn Write,
    ) -> Result<&mut TablePrinter> {
        let key = resource.group_resource();
        if self.table.as_ref().is_some_and(|(k, _)| *k != key) {
            if let Some((_, previous)) = self.table.take() {
                self.count += previous.rows();
                if previous.rows() > 0 {
                    // kubectl separates the tables of different types.
                    out.write_all(b"\n")?;
                }
            }
        }
        let (table_options, format) = (&self.table_options, &self.format);
        let flushed_rows = &mut self.flushed_rows;
        let (_, table) = self.table.get_or_insert_with(|| {
            let mut options = table_options.clone();
            if let Format::Table { wide } = format {
                options.wide = *wide;
            }
            if options.name_prefix.is_some() {
                options.name_prefix = Some(resource.kind_group());
            }
            *flushed_rows = 0;
            (key, TablePrinter::new(options))
        });
        Ok(table)
    }

    fn item(&mut self, resource: &ApiResource, mut item: Value, out: &mut dyn Write) -> Result<()> {
        self.count += 1;
        if matches!(self.format, Format::Json | Format::Yaml) && !self.show_managed_fields {
            if let Some(meta) = item.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
        }
        match &self.format {
            // Table pages and objects go to `table_page` before this.
            Format::Table { .. } => {}
            Format::Name => {
                let name = item["metadata"]["name"].as_str().unwrap_or_default();
                writeln!(
                    out,
                    "{}/{}",
                    resource.kind_group(),
                    super::escape::cell(name)
                )?;
            }
            Format::Json if self.single => write_json(out, &item)?,
            Format::Yaml if self.single => write_yaml(out, &item)?,
            Format::Json => {
                if self.json_list.is_none() {
                    self.json_list = Some(JsonListWriter::begin(out)?);
                }
                if let Some(list) = &mut self.json_list {
                    list.item(out, &item)?;
                }
            }
            Format::Yaml => {
                if self.yaml_list.is_none() {
                    self.yaml_list = Some(YamlListWriter::begin(out)?);
                }
                if let Some(list) = &mut self.yaml_list {
                    list.item(out, &item)?;
                }
            }
            Format::JsonPath { template, .. } => match &mut self.jsonpath {
                JsonPathState::Idle => template.execute(&item, out)?,
                JsonPathState::PerItem(body) => body.execute(&item, out)?,
                JsonPathState::ItemsAction { template, wrote } => {
                    let text = template.render(&item)?;
                    if !text.is_empty() {
                        if *wrote {
                            out.write_all(b" ")?;
                        }
                        out.write_all(text.as_bytes())?;
                        *wrote = true;
                    }
                }
                JsonPathState::Buffer(items) => items.push(item),
            },
            Format::CustomColumns(columns) => {
                let tw = self.columns.get_or_insert_with(|| {
                    let mut tw = TabWriter::default();
                    if !self.table_options.no_headers {
                        tw.row(columns.iter().map(|(h, _)| h.clone()).collect());
                    }
                    tw
                });
                let mut cells = Vec::with_capacity(columns.len());
                for (_, expr) in columns {
                    let results = expr.find_results(&item)?;
                    // kubectl writes each result with Go's fmt.Sprint (`%v`):
                    // `map[app:mysql]`, `[sh -c]`, `<nil>`.
                    let values: Vec<String> = results.iter().flatten().map(|v| sprint(v)).collect();
                    cells.push(if values.is_empty() {
                        "<none>".to_string()
                    } else {
                        values.join(",")
                    });
                }
                tw.row(cells);
                self.columns_queued += 1;
                // kubectl aligns the whole list; rows are kept (as cells) up
                // to the server-side table's bounds. One object (`get NAME`,
                // watch events) is written at once.
                if self.single
                    || self.columns_queued >= TABLE_FLUSH_ROWS
                    || tw.buffered_bytes() >= TABLE_FLUSH_BYTES
                {
                    tw.flush(out)?;
                    self.columns_queued = 0;
                }
            }
        }
        Ok(())
    }

    /// Ends the output (closes a `List`, runs a buffered template) and
    /// returns how many objects were printed.
    pub fn finish(mut self, out: &mut dyn Write) -> Result<usize> {
        self.flush_columns(out)?;
        if let Some(list) = self.json_list.take() {
            list.finish(out)?;
        } else if matches!(self.format, Format::Json) && !self.single {
            JsonListWriter::begin(out)?.finish(out)?;
        }
        if let Some(list) = self.yaml_list.take() {
            list.finish(out)?;
        } else if matches!(self.format, Format::Yaml) && !self.single {
            YamlListWriter::begin(out)?.finish(out)?;
        }
        if let (Format::JsonPath { template, .. }, JsonPathState::Buffer(items)) =
            (&self.format, &mut self.jsonpath)
        {
            let list = list_of(std::mem::take(items));
            template.execute(&list, out)?;
        }
        Ok(self.count())
    }
}

/// The `List` kubectl hands to templates for several objects.
fn list_of(items: Vec<Value>) -> Value {
    let mut list = Map::new();
    list.insert("apiVersion".into(), json!("v1"));
    list.insert("items".into(), Value::Array(items));
    list.insert("kind".into(), json!("List"));
    list.insert("metadata".into(), json!({"resourceVersion": ""}));
    Value::Object(list)
}

/// Recognises the templates that give the same output run item by item.
fn streaming_form(template: &JsonPath, allow_missing: bool) -> JsonPathState {
    let text = template.template();
    if text.contains('$') {
        return JsonPathState::Buffer(Vec::new());
    }
    if let Some(body) = text
        .strip_prefix("{range .items[*]}")
        .and_then(|t| t.strip_suffix("{end}"))
    {
        if body.matches("{range").count() == body.matches("{end}").count() {
            if let Ok(body) = JsonPath::parse(body) {
                return JsonPathState::PerItem(body.allow_missing_keys(allow_missing));
            }
        }
    }
    if let Some(rest) = text
        .strip_prefix("{.items[*]")
        .and_then(|t| t.strip_suffix('}'))
    {
        if !rest.contains(['{', '}']) {
            if let Ok(per_item) = JsonPath::parse(&format!("{{@{rest}}}")) {
                return JsonPathState::ItemsAction {
                    template: per_item.allow_missing_keys(allow_missing),
                    wrote: false,
                };
            }
        }
    }
    JsonPathState::Buffer(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods() -> ApiResource {
        kapi::builtin("pods").unwrap()
    }

    fn page(names: &[&str]) -> Value {
        json!({"items": names.iter().map(|n| json!({"metadata": {"name": n}})).collect::<Vec<_>>()})
    }

    fn run(format: &str, pages: &[&[&str]]) -> String {
        let mut p = Printer::new(
            Format::parse(Some(format), true).unwrap(),
            false,
            TableOptions::default(),
        );
        let mut out = Vec::new();
        for names in pages {
            p.page(&pods(), page(names), &mut out).unwrap();
        }
        p.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A Table page of rows (name, data), as the server sends it.
    fn table_page(rows: &[(String, String)]) -> Value {
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Data", "type": "string", "format": "", "priority": 0},
            ],
            "rows": rows.iter().map(|(n, d)| json!({"cells": [n, d], "object": {"metadata": {"name": n}}})).collect::<Vec<_>>(),
        })
    }

    fn run_table(pages: &[&[(String, String)]]) -> String {
        let mut p = Printer::new(
            Format::Table { wide: false },
            false,
            TableOptions::default(),
        );
        let mut out = Vec::new();
        for rows in pages {
            p.page(&pods(), table_page(rows), &mut out).unwrap();
        }
        p.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_table_page_is_aligned_per_500_rows_as_pages_of_500_are() {
        // Names get wider every 100 rows: where a flush falls shows.
        let rows: Vec<(String, String)> = (0..1_234)
            .map(|i| ("n".repeat(1 + i / 100), i.to_string()))
            .collect();
        let one_page = run_table(&[&rows]);
        let paged = run_table(&[&rows[..500], &rows[500..1_000], &rows[1_000..]]);
        assert_eq!(one_page, paged);
        let lines: Vec<&str> = one_page.lines().collect();
        // Rows 0-499 are aligned to the widest of them (5 chars), not to
        // the widest of the list (13).
        assert_eq!(lines[1], format!("n{}0", " ".repeat(7)));
        assert_eq!(lines[501], format!("nnnnnn{}500", " ".repeat(7)));
    }

    #[test]
    fn a_table_is_flushed_once_its_cells_reach_a_mebibyte() {
        let big = "d".repeat(300 * 1024);
        let mut rows: Vec<(String, String)> = (0..4).map(|_| ("a".into(), big.clone())).collect();
        rows.push(("b".repeat(10), "x".into()));
        let out = run_table(&[&rows]);
        let lines: Vec<&str> = out.lines().collect();
        // The first four rows (1.2 MiB) were written before the wide name.
        assert!(lines[1].starts_with("a      d"), "{:.20}", lines[1]);
        assert_eq!(lines[5], "bbbbbbbbbb   x");
    }

    #[test]
    fn names_stream_across_pages() {
        assert_eq!(run("name", &[&["a", "b"], &["c"]]), "pod/a\npod/b\npod/c\n");
    }

    #[test]
    fn jsonpath_range_streams_with_the_same_output_as_one_list() {
        let t = r#"jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}"#;
        assert_eq!(run(t, &[&["a", "b"], &["c"]]), "a\nb\nc\n");
        let t = "jsonpath={.items[*].metadata.name}";
        assert_eq!(run(t, &[&["a", "b"], &["c"]]), "a b c");
    }

    #[test]
    fn other_jsonpath_templates_see_the_whole_list() {
        assert_eq!(
            run(
                "jsonpath={.items[2].metadata.name} {.kind}",
                &[&["a", "b"], &["c"]]
            ),
            "c List"
        );
    }

    #[test]
    fn custom_columns_print_none_for_missing() {
        assert_eq!(
            run(
                "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName",
                &[&["a"], &["bb"]]
            ),
            "NAME   NODE\na      <none>\nbb     <none>\n"
        );
    }

    #[test]
    fn custom_columns_align_the_whole_page_as_kubectl_does() {
        // A wider name after the first row widens the column above it too.
        assert_eq!(
            run(
                "custom-columns=NAME:.metadata.name,K:.kind",
                &[&["a", "a-much-longer-name"]]
            ),
            "NAME                 K\na                    Pod\na-much-longer-name   Pod\n"
        );
    }

    #[test]
    fn custom_columns_are_aligned_per_500_rows_as_pages_of_500_are() {
        let names: Vec<String> = (0..1_234).map(|i| "n".repeat(1 + i / 100)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let format = "custom-columns=NAME:.metadata.name,X:.x";
        let one_page = run(format, &[&names]);
        let paged = run(
            format,
            &[&names[..500], &names[500..1_000], &names[1_000..]],
        );
        assert_eq!(one_page, paged);
        // The first 500 rows are aligned to the widest of them (5 n's), not
        // to later ones.
        assert!(
            one_page.starts_with("NAME    X\nn       <none>\n"),
            "{one_page}"
        );
    }

    #[test]
    fn custom_columns_print_maps_and_lists_as_go_v() {
        let mut p = Printer::new(
            Format::parse(
                Some("custom-columns=L:.metadata.labels,C:.spec.command"),
                true,
            )
            .unwrap(),
            true,
            TableOptions::default(),
        );
        let mut out = Vec::new();
        let pod = json!({"metadata": {"labels": {"app": "mysql", "app.kubernetes.io/name": "mysql"}},
            "spec": {"command": ["sh", "-c", "echo hi && sleep 3600"]}});
        p.object(&pods(), pod, &mut out).unwrap();
        p.finish(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "L                                             C\n\
map[app:mysql app.kubernetes.io/name:mysql]   [sh -c echo hi && sleep 3600]\n"
        );
    }

    #[test]
    fn unknown_format_lists_the_valid_ones() {
        let err = Format::parse(Some("toml"), true).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!("error: unable to match a printer suitable for the output format \"toml\", allowed formats are: {FORMATS}")
        );
    }

    #[test]
    fn empty_lists_are_still_valid_json() {
        let out = run("json", &[]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["kind"], "List");
        assert_eq!(v["items"], json!([]));
    }
}
