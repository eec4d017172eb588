//! The incremental engine: one incident in, its flags out.
//!
//! The three rules keep their own state ([`PersonRule`], [`PlaceRule`],
//! [`CategoryRule`]); the engine checks the incident, slides their windows to its time,
//! has each judge it against what is already there and then adds it, so an incident
//! never counts as its own earlier incident. The lists of earlier incidents are built
//! only for the rules that fired. The batch report drives the rules itself, one thread
//! per rule, on incidents it has put in order.

use super::person::PersonRule;
use super::place::PlaceRule;
use super::surge::CategoryRule;
use super::{Flag, Observation, RepeatFlags, RepeatSettings};
use crate::error::AnalyticsError;

/// Incrementally flags repeats (一人多次, 一地多起, 一类多发) as incidents arrive in
/// time order.
#[derive(Debug, Clone)]
pub struct RepeatEngine {
    settings: RepeatSettings,
    person: PersonRule,
    place: PlaceRule,
    category: CategoryRule,
    /// The time of the latest incident observed.
    latest: Option<i64>,
    /// Incidents observed so far.
    observed: u64,
}

impl RepeatEngine {
    /// An engine with the given settings, once they are checked.
    pub fn new(settings: RepeatSettings) -> Result<Self, AnalyticsError> {
        settings.validate()?;
        Ok(Self {
            settings,
            person: PersonRule::new(settings.min_count),
            place: PlaceRule::new(settings.min_count, settings.radius_m),
            category: CategoryRule::new(settings, true),
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
        check_point(incident, self.observed as usize)?;
        if let Some(latest) = self.latest
            && incident.time < latest
        {
            return Err(AnalyticsError::OutOfOrder {
                id: incident.id,
                time: incident.time,
                latest,
            });
        }
        let cutoff = incident.time.saturating_sub(self.settings.window_seconds);
        self.person.expire_before(cutoff);
        self.place.expire_before(cutoff);

        let flag = |fired: bool, earlier: &dyn Fn() -> Vec<u64>| {
            fired.then(|| Flag { earlier: earlier() })
        };
        let person = self.person.judge(incident).flagged;
        let place = self.place.judge(incident);
        let category = self.category.judge(incident).flagged;
        let flags = RepeatFlags {
            person: flag(person, &|| self.person.earlier(incident)),
            place: flag(place, &|| self.place.earlier(incident)),
            category: flag(category, &|| self.category.earlier(incident)),
        };

        self.person.add(incident, self.observed);
        self.place.add(incident, self.observed);
        self.category.add(incident);
        self.latest = Some(incident.time);
        self.observed += 1;
        Ok(flags)
    }
}

/// Refuses a point that is not finite; `index` is its position for the message.
pub(super) fn check_point(incident: &Observation, index: usize) -> Result<(), AnalyticsError> {
    match incident.point {
        Some((x, y)) if !(x.is_finite() && y.is_finite()) => Err(AnalyticsError::NotFinite {
            column: "point",
            index,
        }),
        _ => Ok(()),
    }
}
