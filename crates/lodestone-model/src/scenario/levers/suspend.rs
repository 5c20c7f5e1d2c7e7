//! `suspend`: another event (by id) is out of force for a while and reinstated after.

use super::{Check, Lever};
use crate::diag::{codes, did_you_mean};
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Suspend another event (by id) for a while; it is reinstated after `end`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Suspend {
    /// Id of the suspended event.
    pub event: String,
    /// First month of the suspension.
    pub start: Month,
    /// Last month of the suspension (inclusive); permanent if absent.
    #[serde(default)]
    pub end: Option<Month>,
}

impl Lever for Suspend {
    fn check(&self, cx: &mut Check<'_>) {
        let event = &self.event;
        if !cx.ids.events.iter().any(|x| x == event) {
            let kind = cx
                .sc
                .events
                .iter()
                .find(|x| x.event.label() == Some(event.as_str()))
                .map(|x| x.event.kind());
            let hint = match kind {
                Some(k) => Some(format!(
                    "`{event}` is {} `{k}` event, which cannot be suspended",
                    if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    }
                )),
                None => did_you_mean(event, cx.ids.events.iter().map(String::as_str))
                    .or(Some("give the suspended event an `id`".into())),
            };
            let msg = format!("no event with id `{event}` to suspend");
            cx.push(codes::UNKNOWN_ID, Some("event"), msg, hint);
        }
        cx.dates(self.start, self.end);
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
