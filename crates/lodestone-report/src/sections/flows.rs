//! The flows section: Sankey diagrams of rare earth content from mine to end use.

use super::common::panel_years;
use crate::ctx::Ctx;
use crate::format::{amount, esc};
use crate::html::{Charts, section, tabs};
use std::fmt::Write;

/// Sankey diagrams of content flows in the panel years; `p` prefixes the ids.
pub(super) fn flows_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}flows");
    let title = "Flows: mine → separation → metal → magnet → end use";
    let years = panel_years(c);
    let unit = if c.d.has_content { "t RE content" } else { "t" };
    let name = |k: &str| c.name(k);
    let mut panels = Vec::new();
    for y in &years {
        let Some(fl) = c.d.flows.get(y) else { continue };
        if fl.links.is_empty() {
            continue;
        }
        let t = format!("Flows of rare earth content, {}", c.year_label(y));
        let svg = crate::sankey::sankey(
            &t,
            &format!(
                "Width = tonnes of rare earth content ({unit}) moving between stages by country; end use by consuming country"
            ),
            fl,
            &name,
            unit,
        );
        let mut cap = String::new();
        if fl.recycled > 0.5 {
            let _ = write!(
                cap,
                "{} t of content recycled from scrap back into earlier stages is not drawn. ",
                amount(fl.recycled)
            );
        }
        panels.push((
            y.clone(),
            charts.figure(&format!("{p}flows-{y}"), &t, svg, &esc(&cap)),
        ));
    }
    if panels.is_empty() {
        // no data for this dataset: the section is hidden, and left out of the contents (#19)
        return String::new();
    }
    let mut inner = tabs(&panels);
    inner.push_str("<p class=\"note\">Traced from the run: every plant's input and every demand is attributed to the stage and country that last processed it, by proportional mixing at each market (through intermediate products such as mixed carbonate and through trade). Widths are element mass from the dataset's compositions, so a magnet counts for its rare earth content only. Countries below 1.5% of a column are merged into Other. Flows into and out of stocks within the year are not drawn; surplus is material producers could not sell (mostly La and Ce).</p>");
    section(&id, title, &inner)
}
