//! The incremental engine: one incident in, its flags out.
//!
//! Each rule is a window over the incidents of the last `window_seconds`
//! ([`KeyedWindow`]): phones, ID numbers, addresses, and the cells of a spatial hash
//! for the radius rule, plus the weekly counts of [`SurgeCounter`]. An incident is
//! first judged against what is already there, then added, so it never counts as its
//! own earlier incident.
//!
//! Deciding a flag is cheaper than listing its incidents: a key's count is kept, and
//! the walks along links stop as soon as `min_count − 1` earlier incidents are found.
//! The lists are built only for rules that fired, and only when the engine returns
//! lists (the batch report does not).

use std::iter::Peekable;

use super::surge::{SurgeCounter, WeekCount};
use super::window::{KeyedWindow, Walk};
use super::{Flag, Observation, RepeatFlags, RepeatSettings};
use crate::error::AnalyticsError;

/// Cells of the spatial hash are a little wider than the radius, so that rounding in
/// `x / side` can never put two points within the radius two cells apart (it would
/// take coordinates beyond about 10⁸ radii); the distance test itself is exact.
const CELL_MARGIN: f64 = 1.0 + 1e-6;

/// Incrementally flags repeats (一人多次, 一地多起, 一类多发) as incidents arrive in
/// time order.
#[derive(Debug, Clone)]
pub struct RepeatEngine {
    settings: RepeatSettings,
    phones: KeyedWindow<u64, ()>,
    id_numbers: KeyedWindow<u64, ()>,
    addresses: KeyedWindow<u32, ()>,
    /// Incidents with a point, by cell of the spatial hash.
    points: KeyedWindow<(i64, i64), (f64, f64)>,
    cell_side: f64,
    surge: SurgeCounter,
    /// The time of the latest incident observed.
    latest: Option<i64>,
    /// Incidents observed so far.
    observed: u64,
}

/// What the rules found for one incident, without lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Outcome {
    pub person: bool,
    pub place: bool,
    pub category: bool,
    /// Incidents with the caller's phone in the window, this one included (0 without).
    pub phone_count: u32,
    /// Likewise for the ID number.
    pub id_number_count: u32,
    /// Week number and counts of the surge rule.
    pub week: i64,
    pub week_count: WeekCount,
}

impl RepeatEngine {
    /// An engine that returns the lists of earlier incidents.
    pub fn new(settings: RepeatSettings) -> Result<Self, AnalyticsError> {
        Self::with_lists(settings, true)
    }

    pub(super) fn with_lists(
        settings: RepeatSettings,
        keep_lists: bool,
    ) -> Result<Self, AnalyticsError> {
        settings.validate()?;
        Ok(Self {
            settings,
            phones: KeyedWindow::new(),
            id_numbers: KeyedWindow::new(),
            addresses: KeyedWindow::new(),
            points: KeyedWindow::new(),
            cell_side: settings.radius_m * CELL_MARGIN,
            surge: SurgeCounter::new(settings.trailing_weeks, keep_lists),
            latest: None,
            observed: 0,
        })
    }

    /// The settings the engine runs with.
    pub fn settings(&self) -> &RepeatSettings {
        &self.settings
    }

    /// Judges a new incident against the earlier ones and adds it. Incidents must come
    /// in non-decreasing time; an earlier time than the latest is an error (and the
    /// engine is left as it was), as is a point that is not finite.
    pub fn observe(&mut self, incident: &Observation) -> Result<RepeatFlags, AnalyticsError> {
        let outcome = self.judge(incident)?;
        let flags = RepeatFlags {
            person: outcome.person.then(|| self.person_list(incident)),
            place: outcome.place.then(|| self.place_list(incident)),
            category: outcome.category.then(|| Flag {
                earlier: self
                    .surge
                    .week_ids(incident.area, incident.category)
                    .to_vec(),
            }),
        };
        self.add(incident);
        Ok(flags)
    }

    /// Like [`observe`](Self::observe), without the lists.
    pub(super) fn observe_outcome(
        &mut self,
        incident: &Observation,
    ) -> Result<Outcome, AnalyticsError> {
        let outcome = self.judge(incident)?;
        self.add(incident);
        Ok(outcome)
    }

    /// Checks the incident, slides the windows to its time and decides the flags. The
    /// surge counter counts the incident here; the windows get it in `add`.
    fn judge(&mut self, incident: &Observation) -> Result<Outcome, AnalyticsError> {
        if let Some((x, y)) = incident.point
            && !(x.is_finite() && y.is_finite())
        {
            return Err(AnalyticsError::NotFinite {
                column: "point",
                index: self.observed as usize,
            });
        }
        let time = incident.time;
        if let Some(latest) = self.latest
            && time < latest
        {
            return Err(AnalyticsError::OutOfOrder {
                id: incident.id,
                time,
                latest,
            });
        }
        let cutoff = time.saturating_sub(self.settings.window_seconds);
        self.phones.expire_before(cutoff);
        self.id_numbers.expire_before(cutoff);
        self.addresses.expire_before(cutoff);
        self.points.expire_before(cutoff);

        let needed = self.settings.min_count as usize - 1;
        let phone_earlier = incident.phone.map_or(0, |key| self.phones.count(&key));
        let id_number_earlier = incident
            .id_number
            .map_or(0, |key| self.id_numbers.count(&key));
        let person = phone_earlier as usize >= needed
            || id_number_earlier as usize >= needed
            || (incident.phone.is_some()
                && incident.id_number.is_some()
                && self.person_union(incident).take(needed).count() >= needed);
        let place = match (incident.address, incident.point) {
            (Some(address), _) => self.addresses.count(&address) as usize >= needed,
            (None, Some(point)) => self.near(point).take(needed).count() >= needed,
            (None, None) => false,
        };

        let week = self.settings.week_of(time);
        let week_count = self.surge.count(incident.area, incident.category, week);
        // `c > k × S / weeks` multiplied out, so that no division rounds.
        let category = week_count.count >= self.settings.min_count
            && f64::from(week_count.count) * f64::from(self.settings.trailing_weeks)
                > self.settings.surge_k * f64::from(week_count.trailing);

        Ok(Outcome {
            person,
            place,
            category,
            phone_count: incident.phone.map_or(0, |_| phone_earlier + 1),
            id_number_count: incident.id_number.map_or(0, |_| id_number_earlier + 1),
            week,
            week_count,
        })
    }

    fn add(&mut self, incident: &Observation) {
        let (time, seq, id) = (incident.time, self.observed, incident.id);
        if let Some(key) = incident.phone {
            self.phones.push(key, time, seq, id, ());
        }
        if let Some(key) = incident.id_number {
            self.id_numbers.push(key, time, seq, id, ());
        }
        if let Some(address) = incident.address {
            self.addresses.push(address, time, seq, id, ());
        }
        if let Some(point) = incident.point {
            self.points.push(self.cell_of(point), time, seq, id, point);
        }
        self.surge.record(incident.area, incident.category, id);
        self.latest = Some(time);
        self.observed += 1;
    }

    /// The earlier incidents sharing the phone or the ID number, newest first.
    fn person_union(&self, incident: &Observation) -> Union<'_> {
        Union {
            a: walk(&self.phones, incident.phone).peekable(),
            b: walk(&self.id_numbers, incident.id_number).peekable(),
        }
    }

    fn person_list(&self, incident: &Observation) -> Flag {
        let mut earlier: Vec<u64> = self.person_union(incident).map(|(_, id)| id).collect();
        earlier.reverse();
        Flag { earlier }
    }

    fn place_list(&self, incident: &Observation) -> Flag {
        let mut earlier: Vec<u64> = match (incident.address, incident.point) {
            (Some(address), _) => self
                .addresses
                .newest_first(&address)
                .map(|e| e.id)
                .collect(),
            (None, Some(point)) => {
                // Nine cells are walked one after the other: put the hits back in order.
                let mut hits: Vec<(u64, u64)> = self.near(point).collect();
                hits.sort_unstable_by_key(|&(seq, _)| std::cmp::Reverse(seq));
                hits.into_iter().map(|(_, id)| id).collect()
            }
            (None, None) => Vec::new(),
        };
        earlier.reverse();
        Flag { earlier }
    }

    fn cell_of(&self, (x, y): (f64, f64)) -> (i64, i64) {
        (
            (x / self.cell_side).floor() as i64,
            (y / self.cell_side).floor() as i64,
        )
    }

    /// `(seq, id)` of the earlier incidents within the radius of a point, cell by cell.
    fn near(&self, point: (f64, f64)) -> impl Iterator<Item = (u64, u64)> + '_ {
        let (cx, cy) = self.cell_of(point);
        let radius_squared = self.settings.radius_m * self.settings.radius_m;
        (-1..=1)
            .flat_map(move |dx| (-1..=1).map(move |dy| (cx.wrapping_add(dx), cy.wrapping_add(dy))))
            .flat_map(move |cell| self.points.newest_first(&cell))
            .filter(move |entry| {
                let (dx, dy) = (entry.payload.0 - point.0, entry.payload.1 - point.1);
                dx * dx + dy * dy <= radius_squared
            })
            .map(|entry| (entry.seq, entry.id))
    }
}

fn walk(window: &KeyedWindow<u64, ()>, key: Option<u64>) -> Walk<'_, u64, ()> {
    match key {
        Some(key) => window.newest_first(&key),
        None => window.empty(),
    }
}

/// Two walks newest first, merged by arrival, an incident on both counted once.
struct Union<'w> {
    a: Peekable<Walk<'w, u64, ()>>,
    b: Peekable<Walk<'w, u64, ()>>,
}

impl Iterator for Union<'_> {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) if a.seq == b.seq => {
                self.b.next();
                self.a.next()
            }
            (Some(a), Some(b)) if a.seq < b.seq => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }?;
        Some((entry.seq, entry.id))
    }
}
