//! The day's incident serials (`J20261202-0042`), assigned from a counter in memory
//! instead of counting the day's incidents at every intake.
//!
//! The counter of a day starts from the store's count of that day's numbers. The number
//! is unique in the database, so another server on the same PostgreSQL (or a count that
//! was stale) shows up as a clash; intake then asks again with `clash`, which re-reads
//! the store and moves past both the count and what was handed out here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{App, AppError};

/// Last serial handed out per day, shared by clones of the app.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedSerials(Arc<Mutex<HashMap<String, i64>>>);

impl App {
    /// The next serial of `day` (`20261202`).
    pub(crate) async fn next_serial(&self, day: &str, clash: bool) -> Result<i64, AppError> {
        if !clash
            && let Some(last) = self
                .serials
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_mut(day)
        {
            *last += 1;
            return Ok(*last);
        }
        let stored = self
            .store
            .incident_numbers_with(&format!("J{day}-"))
            .await?;
        let mut days = self.serials.0.lock().unwrap_or_else(|p| p.into_inner());
        // Imports reach back over many days; keep the map small.
        if days.len() >= 64 && !days.contains_key(day) {
            days.clear();
        }
        let last = days.entry(day.to_owned()).or_insert(0);
        *last = (*last).max(stored) + 1;
        Ok(*last)
    }

    /// Forgets a day's counter after a failed intake, so its serial is handed out again
    /// (the next intake counts the day afresh).
    pub(crate) fn forget_serial(&self, day: &str) {
        self.serials
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(day);
    }
}
