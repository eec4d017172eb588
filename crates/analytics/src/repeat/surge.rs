//! The category rule (一类多发): weekly counts per `(area, category)` against their
//! trailing mean.
//!
//! Each pair keeps a ring of `trailing_weeks + 1` weekly counts (this week and the
//! weeks before it) and, when the engine returns lists, the ids of this week's
//! incidents. A pair whose last incident is more than `trailing_weeks` weeks old has
//! nothing left to say and is dropped when the week turns: a pair survives at most
//! `trailing_weeks + 1` such sweeps after its last incident, so the sweeps cost a
//! constant per incident, amortised.

use rustc_hash::FxHashMap;

use super::{Observation, RepeatSettings};

#[derive(Debug, Clone)]
struct Pair {
    /// The latest week with an incident of the pair.
    week: i64,
    /// Count of week `w` at `w mod ring length`, for the weeks up to `week`.
    counts: Vec<u32>,
    /// Ids of the incidents of `week`, in the order observed (only when kept).
    ids: Vec<u64>,
}

/// What the rule saw for one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WeekCount {
    /// Incidents of the pair this week so far, the new one included.
    pub count: u32,
    /// Incidents of the pair in the trailing weeks.
    pub trailing: u32,
}

/// What the rule found for one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CategoryOutcome {
    pub flagged: bool,
    /// The local week, numbered as in [`RepeatSettings::week_of`].
    pub week: i64,
    pub counts: WeekCount,
}

#[derive(Debug, Clone)]
pub(super) struct CategoryRule {
    settings: RepeatSettings,
    counter: SurgeCounter,
}

impl CategoryRule {
    pub fn new(settings: RepeatSettings, keep_ids: bool) -> Self {
        Self {
            settings,
            counter: SurgeCounter::new(settings.trailing_weeks, keep_ids),
        }
    }

    /// Counts the incident in its week and judges it. Incidents come in time order.
    pub fn judge(&mut self, incident: &Observation) -> CategoryOutcome {
        let week = self.settings.week_of(incident.time);
        let counts = self.counter.count(incident.area, incident.category, week);
        // `c > k × S / weeks` multiplied out, so that no division rounds.
        let flagged = counts.count >= self.settings.min_count
            && f64::from(counts.count) * f64::from(self.settings.trailing_weeks)
                > self.settings.surge_k * f64::from(counts.trailing);
        CategoryOutcome {
            flagged,
            week,
            counts,
        }
    }

    /// The earlier incidents of the incident's week, area and category, in the order
    /// observed (when the rule keeps them).
    pub fn earlier(&self, incident: &Observation) -> Vec<u64> {
        self.counter
            .week_ids(incident.area, incident.category)
            .to_vec()
    }

    /// Records the incident's id for the lists of the later ones.
    pub fn add(&mut self, incident: &Observation) {
        self.counter
            .record(incident.area, incident.category, incident.id);
    }
}

#[derive(Debug, Clone)]
struct SurgeCounter {
    trailing_weeks: u32,
    keep_ids: bool,
    pairs: FxHashMap<(u32, u32), Pair>,
    /// The week of the latest incident observed.
    week: i64,
}

impl SurgeCounter {
    pub fn new(trailing_weeks: u32, keep_ids: bool) -> Self {
        Self {
            trailing_weeks,
            keep_ids,
            pairs: FxHashMap::default(),
            week: i64::MIN,
        }
    }

    /// Counts one incident of `(area, category)` in `week`, which is never before the
    /// previous incident's week, and returns the counts the rule compares.
    pub fn count(&mut self, area: u32, category: u32, week: i64) -> WeekCount {
        let trailing_weeks = i64::from(self.trailing_weeks);
        if week > self.week {
            self.week = week;
            self.pairs
                .retain(|_, pair| pair.week >= week - trailing_weeks);
        }
        let ring = self.trailing_weeks as usize + 1;
        let slot = |w: i64| w.rem_euclid(ring as i64) as usize;
        let pair = self.pairs.entry((area, category)).or_insert_with(|| Pair {
            week,
            counts: vec![0; ring],
            ids: Vec::new(),
        });
        if week > pair.week {
            // Weeks between the pair's last and this one had no incidents.
            let gap = (week - pair.week).min(ring as i64);
            for w in week - gap + 1..=week {
                pair.counts[slot(w)] = 0;
            }
            pair.week = week;
            pair.ids.clear();
        }
        pair.counts[slot(week)] += 1;
        let total: u32 = pair.counts.iter().sum();
        let count = pair.counts[slot(week)];
        WeekCount {
            count,
            trailing: total - count,
        }
    }

    /// The ids of this week's incidents of the pair that were counted (all earlier than
    /// the one just counted, if it has not been recorded yet).
    pub fn week_ids(&self, area: u32, category: u32) -> &[u64] {
        self.pairs
            .get(&(area, category))
            .map_or(&[], |pair| pair.ids.as_slice())
    }

    /// Records the id of the incident just counted, for the next ones' lists.
    pub fn record(&mut self, area: u32, category: u32, id: u64) {
        if self.keep_ids
            && let Some(pair) = self.pairs.get_mut(&(area, category))
        {
            pair.ids.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailing_count_forgets_weeks_that_left_the_ring() {
        let mut counter = SurgeCounter::new(2, false);
        counter.count(1, 1, 10);
        counter.count(1, 1, 11);
        counter.count(1, 1, 11);
        // Weeks 11 (2) and 12 (0) trail week 13; week 10 has left.
        assert_eq!(
            counter.count(1, 1, 13),
            WeekCount {
                count: 1,
                trailing: 2
            }
        );
        // Twenty weeks later nothing trails, and the pair had been dropped meanwhile.
        counter.count(2, 2, 30);
        assert_eq!(counter.pairs.len(), 1);
        assert_eq!(
            counter.count(1, 1, 33),
            WeekCount {
                count: 1,
                trailing: 0
            }
        );
    }
}
