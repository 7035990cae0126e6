//! kubectl's default output: the server-side `Table`, page by page.

use std::io::{self, Write};

use serde_json::Value;

use super::age::age;
use super::tabwriter::TabWriter;

/// What the table shows besides the server's columns.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// `-o wide`: also the columns with a priority above 0.
    pub wide: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `--show-labels`: a LABELS column at the end.
    pub show_labels: bool,
    /// `-A`: a NAMESPACE column first.
    pub namespace_column: bool,
    /// Prefix names with `kind.group/`, as kubectl does when several
    /// types are printed together.
    pub name_prefix: Option<String>,
}

/// Prints `Table` pages as kubectl does: upper-case headers once, then the
/// rows, each page flushed as it arrives.
pub struct TablePrinter {
    options: TableOptions,
    tw: TabWriter,
    columns: Option<Vec<Column>>,
    rows: usize,
    /// The streamed page is a Table (not a plain list).
    streamed_table: bool,
}

#[derive(Clone, Debug)]
struct Column {
    name: String,
    format: String,
    shown: bool,
}

impl TablePrinter {
    /// A printer with `options`.
    pub fn new(options: TableOptions) -> TablePrinter {
        TablePrinter {
            options,
            tw: TabWriter::default(),
            columns: None,
            rows: 0,
            streamed_table: false,
        }
    }

    /// Rows printed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Starts a page of a streamed list from its members before the rows
    /// (`head`, see `kapi::Pager::begin_page`); then [`entry`](Self::entry)
    /// adds each row and [`flush`](Self::flush) writes them.
    pub fn begin(&mut self, head: &Value) {
        self.streamed_table = head["kind"] == "Table";
        if self.streamed_table {
            self.table_page(head);
        } else {
            self.plain_page(&serde_json::json!({"items": []}));
        }
    }

    /// Whether the columns are known (a Table sends them before its rows).
    pub fn has_columns(&self) -> bool {
        self.columns.is_some()
    }

    /// Adds one row of the page [`begin`](Self::begin) started: a Table
    /// row, or a list item when the server sent a plain list.
    pub fn entry(&mut self, entry: &Value) {
        if self.streamed_table {
            self.table_rows(std::slice::from_ref(entry));
        } else {
            self.plain_rows(&[entry]);
        }
    }

    /// The bytes of the cells added and not yet written.
    pub fn buffered_bytes(&self) -> usize {
        self.tw.buffered_bytes()
    }

    /// Writes the rows added so far, aligned.
    pub fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.tw.flush(out)
    }

    /// Adds one page (a `Table`, or a plain list/object when the server
    /// cannot render tables) and writes it out.
    pub fn page(&mut self, page: &Value, out: &mut dyn Write) -> io::Result<()> {
        if page["kind"] == "Table" {
            self.table_page(page);
        } else {
            self.plain_page(page);
        }
        self.tw.flush(out)
    }

    fn table_page(&mut self, table: &Value) {
        if self.columns.is_none() {
            let defs = table["columnDefinitions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let columns: Vec<Column> = defs
                .iter()
                .map(|c| Column {
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                    format: c["format"].as_str().unwrap_or_default().to_string(),
                    shown: self.options.wide || c["priority"].as_i64().unwrap_or(0) == 0,
                })
                .collect();
            self.columns = Some(columns);
        }
        let rows = table["rows"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.table_rows(rows);
    }

    fn table_rows(&mut self, rows: &[Value]) {
        if rows.is_empty() {
            return;
        }
        self.header();
        let columns = self.columns.clone().unwrap_or_default();
        for row in rows {
            let meta = &row["object"]["metadata"];
            let mut cells = Vec::with_capacity(columns.len() + 2);
            if self.options.namespace_column {
                cells.push(meta["namespace"].as_str().unwrap_or_default().to_string());
            }
            let values = row["cells"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (column, value) in columns.iter().zip(values) {
                if !column.shown {
                    continue;
                }
                let mut text = cell(value);
                if column.format == "name" {
                    if let Some(prefix) = &self.options.name_prefix {
                        text = format!("{prefix}/{text}");
                    }
                }
                cells.push(text);
            }
            if self.options.show_labels {
                cells.push(labels(&meta["labels"]));
            }
            self.tw.row(cells);
            self.rows += 1;
        }
    }

    /// NAME and AGE from object metadata, for servers (or aggregated APIs)
    /// that answer a table request with a plain list or object.
    fn plain_page(&mut self, page: &Value) {
        if self.columns.is_none() {
            self.columns = Some(
                ["Name", "Age"]
                    .iter()
                    .map(|n| Column {
                        name: n.to_string(),
                        format: if *n == "Name" {
                            "name".into()
                        } else {
                            String::new()
                        },
                        shown: true,
                    })
                    .collect(),
            );
        }
        let items: Vec<&Value> = match page["items"].as_array() {
            Some(items) => items.iter().collect(),
            None => vec![page],
        };
        self.plain_rows(&items);
    }

    fn plain_rows(&mut self, items: &[&Value]) {
        if items.is_empty() {
            return;
        }
        self.header();
        for item in items {
            let meta = &item["metadata"];
            let mut cells = Vec::new();
            if self.options.namespace_column {
                cells.push(meta["namespace"].as_str().unwrap_or_default().to_string());
            }
            let name = meta["name"].as_str().unwrap_or_default();
            cells.push(match &self.options.name_prefix {
                Some(prefix) => format!("{prefix}/{name}"),
                None => name.to_string(),
            });
            cells.push(age(meta["creationTimestamp"].as_str().unwrap_or_default()));
            if self.options.show_labels {
                cells.push(labels(&meta["labels"]));
            }
            self.tw.row(cells);
            self.rows += 1;
        }
    }

    fn header(&mut self) {
        if self.rows > 0 || self.options.no_headers {
            return;
        }
        let mut cells = Vec::new();
        if self.options.namespace_column {
            cells.push("NAMESPACE".to_string());
        }
        for column in self.columns.iter().flatten().filter(|c| c.shown) {
            cells.push(column.name.to_uppercase());
        }
        if self.options.show_labels {
            cells.push("LABELS".to_string());
        }
        self.tw.row(cells);
    }
}

/// A cell as kubectl's printer writes it: strings cut at the first line
/// break (with `...`), numbers and bools as Go prints them, null empty.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => match s.find(['\n', '\r', '\u{c}']) {
            Some(i) => format!("{}...", &s[..i]),
            None => s.clone(),
        },
        Value::Number(n) => kapi::jsonpath::format_value(&Value::Number(n.clone())),
        Value::Bool(b) => b.to_string(),
        other => kapi::jsonpath::format_value(other),
    }
}

/// `k=v,k2=v2` in key order, or `<none>`.
pub fn labels(labels: &Value) -> String {
    match labels.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Value {
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Ready", "type": "string", "format": "", "priority": 0},
                {"name": "IP", "type": "string", "format": "", "priority": 1},
                {"name": "Restarts", "type": "integer", "format": "", "priority": 0},
            ],
            "rows": [
                {"cells": ["gateway-1", "1/1", "10.0.0.1", 0], "object": {"metadata": {"name": "gateway-1", "namespace": "test", "labels": {"b": "2", "a": "1"}}}},
                {"cells": ["db-0", "0/1", "<none>", 12], "object": {"metadata": {"name": "db-0", "namespace": "test"}}},
            ]
        })
    }

    fn print(options: TableOptions) -> String {
        let mut p = TablePrinter::new(options);
        let mut out = Vec::new();
        p.page(&table(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn default_columns() {
        assert_eq!(
            print(TableOptions::default()),
            "NAME        READY   RESTARTS\ngateway-1   1/1     0\ndb-0        0/1     12\n"
        );
    }

    #[test]
    fn wide_namespace_labels_and_prefix() {
        let out = print(TableOptions {
            wide: true,
            show_labels: true,
            namespace_column: true,
            name_prefix: Some("pod".into()),
            ..TableOptions::default()
        });
        assert_eq!(
            out,
            "NAMESPACE   NAME            READY   IP         RESTARTS   LABELS\n\
             test        pod/gateway-1   1/1     10.0.0.1   0          a=1,b=2\n\
             test        pod/db-0        0/1     <none>     12         <none>\n"
        );
    }

    #[test]
    fn no_headers() {
        assert_eq!(
            print(TableOptions {
                no_headers: true,
                ..TableOptions::default()
            }),
            "gateway-1   1/1   0\ndb-0        0/1   12\n"
        );
    }

    #[test]
    fn cells_are_cut_at_line_breaks() {
        assert_eq!(cell(&json!("line one\nline two")), "line one...");
        assert_eq!(cell(&json!(1.5)), "1.5");
        assert_eq!(cell(&json!(null)), "");
    }
}
