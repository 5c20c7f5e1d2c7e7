//! The scenario section: each scenario's files, horizon and events.

use super::common::source_ref;
use crate::ScenarioInfo;
use crate::format::esc;
use crate::html::{section, table};
use std::fmt::Write;

/// Each scenario's files, horizon and events.
pub(super) fn scenario_section(infos: &[&ScenarioInfo]) -> String {
    let mut inner = String::new();
    for info in infos {
        let _ = write!(
            inner,
            "<h3>{}</h3><p>{}<br><span class=\"note\">Horizon {} · files: {}</span></p>",
            esc(&info.name),
            esc(&info.description),
            esc(&info.horizon),
            esc(&info.files.join(" → "))
        );
        if info.events.is_empty() {
            inner.push_str(
                "<p class=\"note\">No events: the dataset as reported, with no new policy.</p>",
            );
            continue;
        }
        let rows: Vec<Vec<String>> = info
            .events
            .iter()
            .map(|e| {
                vec![
                    format!("<span class=\"kind\">{}</span>", esc(&e.kind)),
                    esc(&e.details),
                    e.source.as_deref().map_or(String::new(), source_ref),
                    esc(e.note.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        inner.push_str(&table(&["Event", "Fields", "Source", "Note"], &rows, &[]));
    }
    section("scenario", "The scenario", &inner)
}
