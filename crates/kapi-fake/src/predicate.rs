//! What a list or watch selects: its label and field selectors together.

use serde_json::Value;

use crate::field_selector::FieldSelector;
use crate::label_selector::LabelSelector;

/// The `labelSelector` and `fieldSelector` of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Predicate {
    pub(crate) labels: LabelSelector,
    pub(crate) fields: FieldSelector,
}

impl Predicate {
    /// Parses both selectors (absent ones select everything) and checks the
    /// fields are selectable on the resource; the error is the 400 message.
    pub(crate) fn parse(
        labels: Option<&str>,
        fields: Option<&str>,
        group: &str,
        resource: &str,
    ) -> Result<Self, String> {
        let labels = LabelSelector::parse(labels.unwrap_or_default())?;
        let fields = FieldSelector::parse(fields.unwrap_or_default())?;
        fields.check_fields(group, resource)?;
        Ok(Predicate { labels, fields })
    }

    /// Whether `object` is selected.
    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.labels
            .matches(object["metadata"]["labels"].as_object())
            && self.fields.matches(object)
    }

    /// Whether everything is selected.
    pub(crate) fn is_everything(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}
