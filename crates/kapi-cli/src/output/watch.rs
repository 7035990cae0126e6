//! `kapi get -w` output: one object per watch event, in the `-o` format,
//! as kubectl's printers write watch events.

use std::io::Write;

use kapi::ApiResource;
use serde_json::{json, Map, Value};

use super::age::age;
use super::json::write_json;
use super::printer::{Format, Printer};
use super::table::{TableOptions, TablePrinter};
use super::yaml::write_yaml;
use crate::error::Result;

/// Prints watched objects, one event at a time.
///
/// - table (default, `-o wide`): rows under one header; objects come as
///   the server's one-row Tables, or, from a server that cannot render
///   tables, as plain objects shown with NAME and AGE.
/// - `-o json`: each object indented; with `--output-watch-events`, the
///   event on one line, `{"type":"ADDED","object":{...}}`, as kubectl's
///   JSON printer writes a `WatchEvent`.
/// - `-o yaml`: documents separated by `---`.
/// - `-o name`: `kind.group/name` (events or not, as kubectl).
/// - `-o jsonpath=...`, `custom-columns=...`: per object; with
///   `--output-watch-events` the template sees `{"type": ..., "object": ...}`.
///
/// With `--output-watch-events`, the table gets an EVENT column first
/// (before NAMESPACE with `-A`), as kubectl's.
pub struct WatchPrinter {
    resource: ApiResource,
    events: bool,
    style: Style,
    printed: usize,
}

enum Style {
    Table {
        table: Box<TablePrinter>,
        /// `-A` with `--output-watch-events`: the NAMESPACE column is added
        /// here, after EVENT, instead of by the table printer.
        namespace: bool,
        /// The last column definitions seen (watch events after the first
        /// carry none).
        columns: Vec<Value>,
        started: bool,
        /// Rows of the initial list not printed yet: aligned together.
        queued: Option<Value>,
    },
    Json,
    Yaml,
    /// `name` is true for `-o name`, which never shows the event.
    PerObject {
        printer: Box<Printer>,
        name: bool,
    },
}

impl WatchPrinter {
    /// A printer for `format`; `events` is `--output-watch-events`.
    pub fn new(
        format: Format,
        resource: ApiResource,
        mut options: TableOptions,
        events: bool,
    ) -> WatchPrinter {
        let style = match format {
            Format::Table { wide } => {
                let namespace = events && options.namespace_column;
                if namespace {
                    options.namespace_column = false;
                }
                options.wide = wide;
                if options.name_prefix.is_some() {
                    options.name_prefix = Some(resource.kind_group());
                }
                Style::Table {
                    table: Box::new(TablePrinter::new(options)),
                    namespace,
                    columns: Vec::new(),
                    started: false,
                    queued: None,
                }
            }
            Format::Json => Style::Json,
            Format::Yaml => Style::Yaml,
            other => Style::PerObject {
                name: matches!(other, Format::Name),
                printer: Box::new(Printer::new(other, true, options)),
            },
        };
        WatchPrinter {
            resource,
            events,
            style,
            printed: 0,
        }
    }

    /// Prints `object` of the list read before the watch. Table rows are
    /// gathered and aligned together, a page ([`kapi::DEFAULT_PAGE_SIZE`]
    /// rows) at a time, as kubectl prints a list before its events; call
    /// [`flush_queued`](Self::flush_queued) when the list is done. Other
    /// formats print at once.
    pub fn queue(&mut self, event: &str, object: &Value, out: &mut dyn Write) -> Result<()> {
        if !matches!(self.style, Style::Table { .. }) {
            return self.print(event, object, out);
        }
        self.printed += 1;
        let page = self.table_row(event, object);
        let full = match &mut self.style {
            Style::Table { queued, .. } => {
                let rows = match queued {
                    None => {
                        *queued = Some(page);
                        1
                    }
                    Some(pending) => {
                        let row = page["rows"][0].clone();
                        match pending.get_mut("rows").and_then(Value::as_array_mut) {
                            Some(rows) => {
                                rows.push(row);
                                rows.len()
                            }
                            None => 0,
                        }
                    }
                };
                rows >= kapi::DEFAULT_PAGE_SIZE as usize
            }
            _ => false,
        };
        if full {
            self.flush_queued(out)?;
        }
        Ok(())
    }

    /// Takes note of `object` without printing it (an object of the initial
    /// state under `--watch-only`, or one unchanged after a relist): the
    /// column definitions of a Table, which only the first event of a
    /// watch carries, so the first row printed later still has a header.
    pub fn skip(&mut self, object: &Value) {
        if let Style::Table { columns, .. } = &mut self.style {
            if let Some(defs) = object["columnDefinitions"]
                .as_array()
                .filter(|d| !d.is_empty())
            {
                columns.clone_from(defs);
            }
        }
    }

    /// Prints the rows [`queue`](Self::queue) gathered.
    pub fn flush_queued(&mut self, out: &mut dyn Write) -> Result<()> {
        if let Style::Table { table, queued, .. } = &mut self.style {
            if let Some(page) = queued.take() {
                table.page(&page, out)?;
            }
        }
        Ok(())
    }

    /// Prints `object` for an event of type `event` (`ADDED`, `MODIFIED`,
    /// `DELETED`), flushing nothing: the caller flushes.
    pub fn print(&mut self, event: &str, object: &Value, out: &mut dyn Write) -> Result<()> {
        self.flush_queued(out)?;
        self.printed += 1;
        if matches!(self.style, Style::Table { .. }) {
            let page = self.table_row(event, object);
            if let Style::Table { table, .. } = &mut self.style {
                table.page(&page, out)?;
            }
            return Ok(());
        }
        match &mut self.style {
            Style::Table { .. } => {}
            Style::Json if self.events => {
                // Event types are plain upper-case words: no escaping needed.
                writeln!(
                    out,
                    r#"{{"type":"{event}","object":{}}}"#,
                    kapi::jsonpath::format_value(object)
                )?;
            }
            Style::Json => write_json(out, object)?,
            Style::Yaml => {
                if self.printed > 1 {
                    out.write_all(b"---\n")?;
                }
                if self.events {
                    write_yaml(out, &json!({"type": event, "object": object}))?;
                } else {
                    write_yaml(out, object)?;
                }
            }
            Style::PerObject { printer, name } => {
                let wrapped;
                let shown = if self.events && !*name {
                    wrapped = json!({"type": event, "object": object});
                    &wrapped
                } else {
                    object
                };
                printer.object(&self.resource, shown.clone(), out)?;
            }
        }
        Ok(())
    }

    /// `object` as a one-row Table ready to print: the server's, or one
    /// made from a plain object, with the EVENT (and NAMESPACE) columns.
    fn table_row(&mut self, event: &str, object: &Value) -> Value {
        let mut page = if object["kind"] == "Table" {
            object.clone()
        } else {
            plain_table(object)
        };
        if let Style::Table {
            namespace,
            columns,
            started,
            ..
        } = &mut self.style
        {
            let defs = page["columnDefinitions"]
                .as_array()
                .filter(|d| !d.is_empty())
                .cloned();
            match defs {
                Some(defs) => *columns = defs,
                // The first row printed, from an event after the one that
                // carried the definitions (see `skip`).
                None if !*started && !columns.is_empty() && page["kind"] == "Table" => {
                    page["columnDefinitions"] = Value::Array(columns.clone());
                }
                None => {}
            }
            if self.events {
                add_event_columns(&mut page, event, *namespace, !*started);
            }
            *started = true;
        }
        page
    }

    /// Prints the deletion of an object known only by namespace and name:
    /// one that went while the watch was away and a relist no longer
    /// lists.
    pub fn print_gone(&mut self, namespace: &str, name: &str, out: &mut dyn Write) -> Result<()> {
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(name));
        if !namespace.is_empty() {
            metadata.insert("namespace".into(), json!(namespace));
        }
        let stub = match &self.style {
            Style::Table { columns, .. } if !columns.is_empty() => {
                let cells: Vec<Value> = columns
                    .iter()
                    .map(|c| {
                        if c["format"] == "name" {
                            json!(name)
                        } else {
                            json!("<unknown>")
                        }
                    })
                    .collect();
                json!({
                    "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
                    "columnDefinitions": [],
                    "rows": [{"cells": cells, "object": {"metadata": metadata}}],
                })
            }
            _ => json!({
                "apiVersion": self.resource.api_version(),
                "kind": self.resource.kind,
                "metadata": metadata,
            }),
        };
        self.print("DELETED", &stub, out)
    }
}

/// A plain object as a one-row Table with NAME and AGE, as kubectl shows
/// objects that came without a server-side table.
fn plain_table(object: &Value) -> Value {
    let meta = &object["metadata"];
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0},
        ],
        "rows": [{
            "cells": [
                meta["name"].as_str().unwrap_or_default(),
                age(meta["creationTimestamp"].as_str().unwrap_or_default()),
            ],
            "object": {"metadata": meta},
        }],
    })
}

/// Puts EVENT (and NAMESPACE) in front of a one-row table's cells, and of
/// its column definitions when it carries them.
fn add_event_columns(page: &mut Value, event: &str, namespace: bool, first: bool) {
    let column = |name: &str| json!({"name": name, "type": "string", "format": "", "priority": 0});
    let mut front_defs = vec![column("Event")];
    if namespace {
        front_defs.push(column("Namespace"));
    }
    if let Some(defs) = page
        .get_mut("columnDefinitions")
        .and_then(Value::as_array_mut)
    {
        if first || !defs.is_empty() {
            defs.splice(0..0, front_defs);
        }
    }
    if let Some(rows) = page.get_mut("rows").and_then(Value::as_array_mut) {
        for row in rows {
            let ns = row["object"]["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut front = vec![json!(event)];
            if namespace {
                front.push(json!(ns));
            }
            if let Some(cells) = row.get_mut("cells").and_then(Value::as_array_mut) {
                cells.splice(0..0, front);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds() -> ApiResource {
        kapi::builtin("ds").unwrap()
    }

    fn table_event(name: &str, ready: i64, with_columns: bool) -> Value {
        let columns = if with_columns {
            json!([
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Ready", "type": "integer", "format": "", "priority": 0},
                {"name": "Node Selector", "type": "string", "format": "", "priority": 1},
            ])
        } else {
            json!([])
        };
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
            "columnDefinitions": columns,
            "rows": [{"cells": [name, ready, "<none>"], "object": {"metadata": {"name": name, "namespace": "test"}}}],
        })
    }

    fn run(format: &str, events: bool, options: TableOptions, objects: &[(&str, Value)]) -> String {
        let format = Format::parse(Some(format).filter(|f| !f.is_empty()), true)
            .ok()
            .unwrap();
        let mut p = WatchPrinter::new(format, ds(), options, events);
        let mut out = Vec::new();
        for (event, object) in objects {
            p.print(event, object, &mut out).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_rows_share_one_header() {
        let out = run(
            "",
            false,
            TableOptions::default(),
            &[
                ("ADDED", table_event("gateway", 19, true)),
                ("MODIFIED", table_event("gateway", 20, false)),
            ],
        );
        assert_eq!(out, "NAME      READY\ngateway   19\ngateway   20\n");
    }

    #[test]
    fn watch_events_add_an_event_column_before_the_namespace() {
        let options = TableOptions {
            namespace_column: true,
            ..TableOptions::default()
        };
        let out = run(
            "",
            true,
            options,
            &[
                ("ADDED", table_event("gateway", 19, true)),
                ("MODIFIED", table_event("gateway", 20, false)),
            ],
        );
        // Each event is flushed on its own, so a wider cell widens its
        // column from then on (kubectl's tabwriter does the same).
        assert_eq!(
            out,
            "EVENT   NAMESPACE   NAME      READY\n\
             ADDED   test        gateway   19\n\
             MODIFIED   test        gateway   20\n"
        );
    }

    #[test]
    fn rows_not_printed_still_give_the_header_to_the_first_that_is() {
        // `--watch-only` on one stream: the initial event (with the column
        // definitions) is not shown, the next one (without) is.
        let format = Format::parse(None, true).ok().unwrap();
        let mut p = WatchPrinter::new(format, ds(), TableOptions::default(), true);
        let mut out = Vec::new();
        p.skip(&table_event("gateway", 19, true));
        p.print("MODIFIED", &table_event("gateway", 20, false), &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "EVENT      NAME      READY\nMODIFIED   gateway   20\n"
        );
    }

    #[test]
    fn listed_rows_are_aligned_together_then_events_follow() {
        let format = Format::parse(None, true).ok().unwrap();
        let mut p = WatchPrinter::new(format, ds(), TableOptions::default(), false);
        let mut out = Vec::new();
        p.queue("ADDED", &table_event("a", 1, true), &mut out)
            .unwrap();
        p.queue(
            "ADDED",
            &table_event("a-much-longer-name", 2, true),
            &mut out,
        )
        .unwrap();
        assert!(out.is_empty(), "nothing before the list is complete");
        p.flush_queued(&mut out).unwrap();
        p.print("MODIFIED", &table_event("a", 3, false), &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME                 READY\n\
             a                    1\n\
             a-much-longer-name   2\n\
             a                    3\n"
        );
    }

    #[test]
    fn plain_objects_print_name_and_age() {
        let out = run(
            "",
            false,
            TableOptions::default(),
            &[(
                "ADDED",
                json!({"metadata": {"name": "gateway", "creationTimestamp": "bad"}}),
            )],
        );
        assert_eq!(out, "NAME      AGE\ngateway   <unknown>\n");
    }

    #[test]
    fn json_events_are_one_compact_line_type_first() {
        let out = run(
            "json",
            true,
            TableOptions::default(),
            &[(
                "ADDED",
                json!({"metadata": {"name": "a"}, "kind": "DaemonSet"}),
            )],
        );
        assert_eq!(
            out,
            "{\"type\":\"ADDED\",\"object\":{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"a\"}}}\n"
        );
    }

    #[test]
    fn yaml_documents_are_separated() {
        let a = json!({"metadata": {"name": "a"}});
        let out = run(
            "yaml",
            false,
            TableOptions::default(),
            &[("ADDED", a.clone()), ("MODIFIED", a)],
        );
        assert_eq!(out, "metadata:\n  name: a\n---\nmetadata:\n  name: a\n");
    }

    #[test]
    fn names_and_jsonpath_per_object() {
        let a = json!({"metadata": {"name": "a"}, "status": {"numberReady": 3}});
        assert_eq!(
            run(
                "name",
                true,
                TableOptions::default(),
                &[("ADDED", a.clone())]
            ),
            "daemonset.apps/a\n"
        );
        assert_eq!(
            run(
                "jsonpath={.type} {.object.status.numberReady}{\"\\n\"}",
                true,
                TableOptions::default(),
                &[("MODIFIED", a.clone())]
            ),
            "MODIFIED 3\n"
        );
        assert_eq!(
            run(
                "jsonpath={.status.numberReady}{\"\\n\"}",
                false,
                TableOptions::default(),
                &[("MODIFIED", a)]
            ),
            "3\n"
        );
    }

    #[test]
    fn an_object_gone_while_away_prints_as_deleted() {
        let format = Format::parse(None, true).ok().unwrap();
        let mut p = WatchPrinter::new(format, ds(), TableOptions::default(), true);
        let mut out = Vec::new();
        p.print("ADDED", &table_event("gateway", 19, true), &mut out)
            .unwrap();
        p.print_gone("test", "gateway", &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "EVENT   NAME      READY\nADDED   gateway   19\nDELETED   gateway   <unknown>\n"
        );
    }
}
