//! What write commands print for each object: kubectl's result line
//! (`configmap/foo created`) or, with `-o`, the object itself.
//!
//! Prefer [`ResultPrinter`] in every write command so that `-o name|json|yaml`
//! and the `(server dry run)` suffix behave the same everywhere.

use std::io::Write;

use kapi::ApiResource;
use serde_json::Value;

use super::json::write_json;
use super::yaml::write_yaml;
use crate::error::{Error, Result};

/// `-o` for write commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    /// `configmap/foo created`.
    Line,
    /// `configmap/foo`.
    Name,
    /// The object as the server returned it, as JSON.
    Json,
    /// The same as YAML; several objects are separated by `---`.
    Yaml,
}

impl ResultFormat {
    /// Parses `-o`; `None` is the result line.
    pub fn parse(value: Option<&str>) -> Result<ResultFormat> {
        Ok(match value {
            None | Some("") => ResultFormat::Line,
            Some("name") => ResultFormat::Name,
            Some("json") => ResultFormat::Json,
            Some("yaml") => ResultFormat::Yaml,
            Some(other) => {
                return Err(Error::msg(format!(
                    "unable to match a printer suitable for the output format {other:?}, allowed formats are: json,name,yaml"
                )))
            }
        })
    }
}

/// Prints one result per object, kubectl's name printer and its JSON and
/// YAML printers.
pub struct ResultPrinter {
    format: ResultFormat,
    /// `" (server dry run)"` or empty.
    suffix: &'static str,
    printed: usize,
}

impl ResultPrinter {
    /// A printer; `dry_run` adds kubectl's ` (server dry run)` to result lines.
    pub fn new(format: ResultFormat, dry_run: bool) -> ResultPrinter {
        ResultPrinter {
            format,
            suffix: if dry_run { " (server dry run)" } else { "" },
            printed: 0,
        }
    }

    /// A printer for `--dry-run=client`: kubectl's ` (dry run)` suffix.
    pub fn client_dry_run(format: ResultFormat) -> ResultPrinter {
        ResultPrinter {
            format,
            suffix: " (dry run)",
            printed: 0,
        }
    }

    /// Prints the result of `operation` (`created`, `patched`, ...) on
    /// `object`, an object of `resource`. As kubectl's name printer, the
    /// kind comes from the object itself when it has one (a `scale`
    /// subresource prints as `scale.autoscaling/web`).
    pub fn print(
        &mut self,
        out: &mut dyn Write,
        resource: &ApiResource,
        object: &Value,
        operation: &str,
    ) -> Result<()> {
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let kind = match (object["apiVersion"].as_str(), object["kind"].as_str()) {
            (Some(api_version), Some(kind)) if !kind.is_empty() => {
                match api_version.split_once('/') {
                    Some((group, _)) => format!("{}.{group}", kind.to_ascii_lowercase()),
                    None => kind.to_ascii_lowercase(),
                }
            }
            _ => resource.kind_group(),
        };
        self.print_as(out, &kind, name, object, operation)
    }

    /// As [`print`](Self::print) for an object read from a manifest (no
    /// resource type resolved): `kind.group` from its own `apiVersion` and
    /// `kind`.
    pub fn print_object(
        &mut self,
        out: &mut dyn Write,
        object: &Value,
        operation: &str,
    ) -> Result<()> {
        let kind = object["kind"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = match object["apiVersion"]
            .as_str()
            .and_then(|v| v.split_once('/'))
        {
            Some((group, _)) => format!("{kind}.{group}"),
            None => kind,
        };
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        self.print_as(out, &kind, name, object, operation)
    }

    /// As [`print`](Self::print), with the `kind.group` prefix and the name
    /// given.
    pub fn print_as(
        &mut self,
        out: &mut dyn Write,
        kind: &str,
        name: &str,
        object: &Value,
        operation: &str,
    ) -> Result<()> {
        let name = super::escape::cell(name);
        match self.format {
            ResultFormat::Line => writeln!(out, "{kind}/{name} {operation}{}", self.suffix)?,
            ResultFormat::Name => writeln!(out, "{kind}/{name}")?,
            ResultFormat::Json => write_json(out, object)?,
            ResultFormat::Yaml => {
                // kubectl's YAML printer separates documents.
                if self.printed > 0 {
                    out.write_all(b"---\n")?;
                }
                write_yaml(out, object)?;
            }
        }
        self.printed += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn printed(format: ResultFormat, dry_run: bool, objects: &[Value]) -> String {
        let mut p = ResultPrinter::new(format, dry_run);
        let mut out = Vec::new();
        let ds = kapi::builtin("ds").unwrap();
        for o in objects {
            p.print(&mut out, &ds, o, "patched").unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn result_lines_name_kind_group_and_operation() {
        let ds = json!({"metadata": {"name": "gateway"}});
        assert_eq!(
            printed(ResultFormat::Line, false, std::slice::from_ref(&ds)),
            "daemonset.apps/gateway patched\n"
        );
        assert_eq!(
            printed(ResultFormat::Line, true, std::slice::from_ref(&ds)),
            "daemonset.apps/gateway patched (server dry run)\n"
        );
        assert_eq!(
            printed(ResultFormat::Name, true, &[ds]),
            "daemonset.apps/gateway\n"
        );
    }

    #[test]
    fn the_kind_comes_from_the_object_when_it_has_one() {
        let scale =
            json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web"}});
        assert_eq!(
            printed(ResultFormat::Line, false, &[scale]),
            "scale.autoscaling/web patched\n"
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        assert_eq!(printed(ResultFormat::Name, false, &[cm]), "configmap/a\n");
    }

    #[test]
    fn yaml_documents_are_separated() {
        let a = json!({"metadata": {"name": "a"}});
        let b = json!({"metadata": {"name": "b"}});
        assert_eq!(
            printed(ResultFormat::Yaml, false, &[a, b]),
            "metadata:\n  name: a\n---\nmetadata:\n  name: b\n"
        );
    }

    #[test]
    fn unknown_formats_list_the_allowed_ones() {
        let err = ResultFormat::parse(Some("wide")).unwrap_err();
        assert!(err.to_string().contains("json,name,yaml"), "{err}");
    }
}
