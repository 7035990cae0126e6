//! Tables of custom resources: the CRD's `additionalPrinterColumns` (or the
//! default `Age` column), evaluated as apiextensions' `tableconvertor` does.
//!
//! Column JSONPaths support what printer columns use in practice: `.a.b`,
//! `['a.b']`, `[N]` and `[?(@.key=="value")]`.

use serde_json::Value;

use super::columns::{Column, AGE_DESC, NAME_DESC};
use crate::clock::{age, parse_rfc3339};
use crate::json::Json;

/// One printer column of a CRD version.
#[derive(Debug, Clone)]
pub(crate) struct PrinterColumn {
    pub(crate) column: Column,
    json_path: String,
}

/// The columns of `version` of a CRD object (Name first, as the convertor
/// adds it).
pub(crate) fn printer_columns(crd: &Value, version: &str) -> (Vec<Column>, Vec<PrinterColumn>) {
    let entry = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["name"] == version);
    let declared = entry
        .and_then(|v| v["additionalPrinterColumns"].as_array())
        .filter(|c| !c.is_empty());
    let columns: Vec<PrinterColumn> = match declared {
        Some(list) => list
            .iter()
            .map(|c| {
                let json_path = c["jsonPath"].as_str().unwrap_or_default().to_string();
                let description = match c["description"].as_str() {
                    Some(d) if !d.is_empty() => d.to_string(),
                    _ => format!(
                        "Custom resource definition column (in JSONPath format): {json_path}"
                    ),
                };
                PrinterColumn {
                    column: Column {
                        name: c["name"].as_str().unwrap_or_default().into(),
                        kind: c["type"].as_str().unwrap_or_default().into(),
                        format: c["format"].as_str().unwrap_or_default().into(),
                        description,
                        priority: c["priority"].as_i64().unwrap_or(0),
                    },
                    json_path,
                }
            })
            .collect(),
        None => vec![PrinterColumn {
            column: Column {
                name: "Age".into(),
                kind: "date".into(),
                format: String::new(),
                description: AGE_DESC.into(),
                priority: 0,
            },
            json_path: ".metadata.creationTimestamp".into(),
        }],
    };
    let mut definitions = vec![Column {
        name: "Name".into(),
        kind: "string".into(),
        format: "name".into(),
        description: NAME_DESC.into(),
        priority: 0,
    }];
    definitions.extend(columns.iter().map(|c| c.column.clone()));
    (definitions, columns)
}

/// A custom resource's cells for `columns`.
pub(crate) fn cells(obj: &Value, columns: &[PrinterColumn], now: i64) -> Vec<Json> {
    let mut cells = vec![Json::from(
        obj["metadata"]["name"].as_str().unwrap_or_default(),
    )];
    for c in columns {
        let value = find(obj, &c.json_path);
        cells.push(match value {
            None | Some(Value::Null) => Json::Null,
            Some(value) => cell(&c.column.kind, value, now),
        });
    }
    cells
}

/// `cellForJSONValue`, with "string" printed as the JSONPath printer does.
fn cell(kind: &str, value: &Value, now: i64) -> Json {
    match (kind, value) {
        ("string", Value::String(s)) => Json::from(s.as_str()),
        ("string", other) => Json::from(other.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Json::Null, Json::from),
        ("number", Value::Number(n)) => {
            serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0)).map_or(Json::Null, Json::Num)
        }
        ("boolean", Value::Bool(b)) => Json::Bool(*b),
        ("date", Value::String(s)) => match parse_rfc3339(s) {
            Some(_) => Json::from(age(Some(s), now)),
            None => Json::from("<invalid>"),
        },
        _ => Json::Null,
    }
}

/// Evaluates a simple JSONPath; `None` when nothing matches.
fn find<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim();
    let path = path
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path);
    let mut current = obj;
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            if !key.is_empty() {
                current = current.get(key)?;
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = &after[..end];
            rest = &after[end + 1..];
            if let Some(filter) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (key, want) = filter.split_once("==")?;
                let want = want.trim().trim_matches(|c| c == '"' || c == '\'');
                current = current
                    .as_array()?
                    .iter()
                    .find(|item| item.get(key.trim()).and_then(Value::as_str) == Some(want))?;
            } else if let Ok(index) = inner.parse::<usize>() {
                current = current.get(index)?;
            } else {
                let key = inner.trim_matches(|c| c == '"' || c == '\'');
                current = current.get(key)?;
            }
        } else {
            return None;
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_columns_like_the_tableconvertor() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "additionalPrinterColumns": [
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
            {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "priority": 1},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
        ]}]}});
        let (definitions, columns) = printer_columns(&crd, "v1");
        let names: Vec<&str> = definitions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Name", "Size", "Ready", "Age"]);
        assert_eq!(
            definitions[1].description,
            "Custom resource definition column (in JSONPath format): .spec.size"
        );
        assert_eq!(definitions[2].priority, 1);
        let widget = json!({"metadata": {"name": "small", "creationTimestamp": "2025-12-31T12:00:00Z"},
            "spec": {"size": 3}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let row: Vec<String> = cells(&widget, &columns, 1_767_225_600)
            .iter()
            .map(Json::encode)
            .collect();
        assert_eq!(row, [r#""small""#, "3", r#""True""#, r#""12h""#]);
        let bare = json!({"metadata": {"name": "x"}});
        let row: Vec<String> = cells(&bare, &columns, 0).iter().map(Json::encode).collect();
        assert_eq!(row, [r#""x""#, "null", "null", "null"]);
    }

    #[test]
    fn default_column_is_age() {
        let (definitions, columns) = printer_columns(&json!({}), "v1");
        assert_eq!(definitions.len(), 2);
        assert_eq!(
            (definitions[1].name.as_str(), definitions[1].kind.as_str()),
            ("Age", "date")
        );
        let obj = json!({"metadata": {"name": "w", "creationTimestamp": "2025-12-31T23:59:00Z"}});
        assert_eq!(cells(&obj, &columns, 1_767_225_600)[1].encode(), r#""60s""#);
    }
}
