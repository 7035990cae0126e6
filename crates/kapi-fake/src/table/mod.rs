//! `meta.k8s.io/v1` Tables: server-side printing for `kubectl get`.
//!
//! Asked for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
//! Built-in resources use their 1.33 printer ([`columns`], [`rows`]), custom
//! resources their CRD's printer columns ([`crd`]), anything else the
//! default convertor (Name, Created At). Each row carries `object` as
//! `includeObject` says: `Metadata` (default, a `PartialObjectMetadata`),
//! `Object` (the whole object) or `None`.

pub(crate) mod columns;
pub(crate) mod crd;
pub(crate) mod rows;

use serde_json::{json, Value};

use crate::json::Json;
use columns::Column;

/// What a row's `object` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    /// The `includeObject` query parameter; the error is the 400 message.
    pub(crate) fn parse(param: Option<&str>) -> Result<Self, String> {
        match param.unwrap_or_default() {
            "" | "Metadata" => Ok(IncludeObject::Metadata),
            "None" => Ok(IncludeObject::None),
            "Object" => Ok(IncludeObject::Object),
            other => Err(format!(
                "includeObject: Unsupported value: \"{other}\": supported values: \"None\", \"Metadata\", \"Object\""
            )),
        }
    }
}

/// The Table version a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableVersion {
    V1,
    V1beta1,
}

impl TableVersion {
    /// The response `Content-Type`.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            TableVersion::V1 => "application/json;as=Table;v=v1;g=meta.k8s.io",
            TableVersion::V1beta1 => "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            TableVersion::V1 => "meta.k8s.io/v1",
            TableVersion::V1beta1 => "meta.k8s.io/v1beta1",
        }
    }
}

/// The first acceptable media type of an `Accept` header, if it is a Table.
pub(crate) fn negotiate(accept: Option<&str>) -> Option<TableVersion> {
    for range in accept.unwrap_or_default().split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        if !matches!(media, "application/json" | "application/*" | "*/*") {
            continue;
        }
        let (mut as_kind, mut version, mut group) = ("", "", "");
        for param in parts {
            match param.split_once('=') {
                Some(("as", v)) => as_kind = v,
                Some(("v", v)) => version = v,
                Some(("g", v)) => group = v,
                _ => {}
            }
        }
        match (as_kind, group, version) {
            ("", _, _) => return None,
            ("Table", "meta.k8s.io", "v1") => return Some(TableVersion::V1),
            ("Table", "meta.k8s.io", "v1beta1") => return Some(TableVersion::V1beta1),
            _ => continue,
        }
    }
    None
}

/// How a resource's rows are computed.
#[derive(Debug, Clone)]
pub(crate) enum Converter {
    /// A built-in printer.
    Printer {
        group: String,
        resource: String,
        columns: Vec<Column>,
    },
    /// A custom resource's printer columns.
    Custom {
        columns: Vec<Column>,
        printer: Vec<crd::PrinterColumn>,
    },
    /// Name and Created At.
    Default,
}

impl Converter {
    /// The converter of a built-in resource.
    pub(crate) fn builtin(group: &str, resource: &str) -> Self {
        match columns::printer(group, resource) {
            Some(columns) => Converter::Printer {
                group: group.into(),
                resource: resource.into(),
                columns,
            },
            None => Converter::Default,
        }
    }

    /// The converter of a custom resource defined by `crd`, in `version`.
    pub(crate) fn custom(crd: &Value, version: &str) -> Self {
        let (columns, printer) = crd::printer_columns(crd, version);
        Converter::Custom { columns, printer }
    }

    fn columns(&self) -> Vec<Column> {
        match self {
            Converter::Printer { columns, .. } | Converter::Custom { columns, .. } => {
                columns.clone()
            }
            Converter::Default => columns::default_columns(),
        }
    }

    /// The `columnDefinitions` array.
    pub(crate) fn column_definitions(&self) -> Json {
        Json::arr(self.columns().into_iter().map(|c| {
            Json::obj([
                ("name", Json::from(c.name)),
                ("type", Json::from(c.kind)),
                ("format", Json::from(c.format)),
                ("description", Json::from(c.description)),
                ("priority", Json::from(c.priority)),
            ])
        }))
    }

    /// One row for `object`; `encoded` is the object's JSON (for
    /// `includeObject=Object`), `template` its key order.
    pub(crate) fn row(
        &self,
        object: &Value,
        encoded: &str,
        template: Option<&Json>,
        include: IncludeObject,
        now: i64,
    ) -> Json {
        let cells = match self {
            Converter::Printer {
                group, resource, ..
            } => rows::printer_cells(group, resource, object, now),
            Converter::Custom { printer, .. } => Some(rows::Cells {
                cells: crd::cells(object, printer, now),
                conditions: None,
            }),
            Converter::Default => None,
        }
        .unwrap_or_else(|| rows::default_cells(object));
        let mut fields = vec![("cells", Json::Arr(cells.cells))];
        if let Some(conditions) = cells.conditions {
            fields.push(("conditions", conditions));
        }
        let object_json = match include {
            IncludeObject::None => Json::Null,
            IncludeObject::Object => Json::Raw(encoded.to_string()),
            IncludeObject::Metadata => {
                let partial = json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"],
                });
                Json::object(&partial, template)
            }
        };
        fields.push(("object", object_json));
        Json::obj(fields)
    }
}

/// The Table's envelope up to the rows array's opening bracket; rows follow,
/// comma-separated, then [`TABLE_END`]. Without `headers` the column
/// definitions are `null` (watch events after the first).
pub(crate) fn table_start(
    version: TableVersion,
    list_meta: Json,
    converter: &Converter,
    headers: bool,
) -> String {
    let columns = if headers {
        converter.column_definitions()
    } else {
        Json::Null
    };
    let head = Json::obj([
        ("kind", Json::from("Table")),
        ("apiVersion", Json::from(version.api_version())),
        ("metadata", list_meta),
        ("columnDefinitions", columns),
        ("rows", Json::Raw("[".into())),
    ])
    .encode();
    // The Raw "[" closes nothing: drop the final "}".
    head[..head.len() - 1].to_string()
}

/// What closes a Table started with [`table_start`].
pub(crate) const TABLE_END: &str = "]}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_kubectls_accept_header() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(kubectl)), Some(TableVersion::V1));
        assert_eq!(
            negotiate(Some("application/json;as=Table;v=v1beta1;g=meta.k8s.io")),
            Some(TableVersion::V1beta1)
        );
        assert_eq!(negotiate(Some("application/json")), None);
        assert_eq!(negotiate(None), None);
        assert_eq!(
            negotiate(Some(
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
            )),
            None
        );
    }

    #[test]
    fn rows_carry_partial_metadata_by_default() {
        let converter = Converter::builtin("", "configmaps");
        let cm = serde_json::json!({"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "a", "namespace": "test", "creationTimestamp": "2025-12-31T23:00:00Z"},
            "data": {"x": "1"}});
        let row = converter
            .row(&cm, "{}", None, IncludeObject::Metadata, 1_767_225_600)
            .encode();
        assert_eq!(
            row,
            r#"{"cells":["a",1,"60m"],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"a","namespace":"test","creationTimestamp":"2025-12-31T23:00:00Z"}}}"#
        );
        let none = converter
            .row(&cm, "{}", None, IncludeObject::None, 0)
            .encode();
        assert!(none.ends_with(r#","object":null}"#), "{none}");
        let start = table_start(
            TableVersion::V1,
            Json::obj([("resourceVersion", Json::from("5"))]),
            &converter,
            true,
        );
        assert!(start.starts_with(r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"5"},"columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"Name must be unique"#));
        assert!(start.ends_with(r#""rows":["#));
    }
}
