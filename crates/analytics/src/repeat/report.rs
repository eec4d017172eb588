//! The rules over history: the flags of every incident, and the report by area and
//! period with the repeat callers, repeat places and surges behind it.
//!
//! Both take the incidents in time order (stable, so incidents at the same second are
//! taken in input order) through the same rules as the incremental engine, which is
//! what makes the batch figures equal to the ones given at intake. The report needs no
//! lists of earlier incidents, only the flags, and runs each rule on a thread of its own.

use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::engine::{RepeatEngine, check_point};
use super::person::PersonRule;
use super::place::PlaceRule;
use super::surge::CategoryRule;
use super::{Observation, RepeatFlags, RepeatSettings, SECONDS_PER_DAY};
use crate::error::{AnalyticsError, check_same_len};
use crate::temporal::{Date, Period};

/// The flags of every incident, as the engine would have given them at intake, in the
/// input order.
pub fn repeat_flags(
    settings: RepeatSettings,
    incidents: &[Observation],
) -> Result<Vec<RepeatFlags>, AnalyticsError> {
    let mut engine = RepeatEngine::new(settings)?;
    for (index, incident) in incidents.iter().enumerate() {
        check_point(incident, index)?;
    }
    let mut flags = vec![RepeatFlags::default(); incidents.len()];
    for index in time_order(incidents) {
        flags[index] = engine.observe(&incidents[index])?;
    }
    Ok(flags)
}

/// The repeat report (重复警情统计) over history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatReport {
    /// One row per group and period with incidents, by group then period.
    pub rows: Vec<RepeatRow>,
    /// Caller keys that reached `min_count` on their own at least once, by key.
    pub callers: Vec<RepeatCaller>,
    /// Places with at least one place-flagged incident, by place.
    pub places: Vec<RepeatPlace>,
    /// Weeks in which a category surged in an area, by area, category and week.
    pub surges: Vec<Surge>,
}

/// Incidents of one group (station, community, grid…) in one period, and how many of
/// them each rule flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatRow {
    /// The group, as given per incident.
    pub group: u32,
    /// First local day of the period.
    pub period_start: Date,
    /// Incidents.
    pub incidents: u64,
    /// Flagged by the person rule (一人多次).
    pub person_flagged: u64,
    /// Flagged by the place rule (一地多起).
    pub place_flagged: u64,
    /// Flagged by the category rule (一类多发).
    pub category_flagged: u64,
    /// Flagged by at least one rule.
    pub any_flagged: u64,
}

/// A caller key: phone and ID numbers are matched only against their own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum CallerKey {
    /// Hashed phone number.
    Phone(u64),
    /// Hashed ID number.
    IdNumber(u64),
}

/// A repeat caller (重复报警人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatCaller {
    /// The key.
    pub key: CallerKey,
    /// Incidents with the key.
    pub calls: u64,
    /// Calls at which the key alone had `min_count` incidents in the window, the call
    /// included. (A person flag can also come from the phone and the ID number
    /// together; such calls are not counted here.)
    pub repeat_calls: u64,
    /// Incidents with the key in the window ending at its last call, that call included.
    pub last_count: u32,
}

/// A place, as the place rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PlaceKey {
    /// A standard address.
    Address(u32),
    /// For incidents without a standard address: the square of side `radius_m` holding
    /// the point, `(floor(x / R), floor(y / R))`. The rule itself looks at the radius
    /// around each point; the square only gathers its results.
    Cell(i64, i64),
}

/// A repeat place (重复警情地点).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatPlace {
    /// The place.
    pub place: PlaceKey,
    /// Incidents at the address, or without address in the square.
    pub incidents: u64,
    /// Of those, flagged by the place rule.
    pub flagged: u64,
}

/// A category surging in an area in one week (类案高发).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Surge {
    /// The area.
    pub area: u32,
    /// The category.
    pub category: u32,
    /// The Monday the local week starts on.
    pub week_start: Date,
    /// Incidents of the category in the area that week.
    pub count: u32,
    /// Their mean over the trailing weeks.
    pub trailing_mean: f64,
    /// Incidents of that week flagged by the category rule.
    pub flagged: u32,
}

/// The report by group and period: `groups[i]` is the group of incident `i` (the
/// station, community or grid the caller chose to count by); periods are local
/// calendar periods. The lists cover all the incidents given.
pub fn repeat_report(
    settings: RepeatSettings,
    incidents: &[Observation],
    groups: &[u32],
    period: Period,
) -> Result<RepeatReport, AnalyticsError> {
    check_same_len(&[("incidents", incidents.len()), ("groups", groups.len())])?;
    settings.validate()?;
    for (index, incident) in incidents.iter().enumerate() {
        check_point(incident, index)?;
    }
    let order = time_order(incidents);
    // One copy in time order, read by every rule from start to end.
    let sorted: Vec<Observation> = order.iter().map(|&index| incidents[index]).collect();
    // The rules share nothing, so each runs on a thread of its own.
    let ((person, callers), ((place, places), (category, surges))) = rayon::join(
        || person_pass(&settings, &sorted),
        || {
            rayon::join(
                || place_pass(&settings, &sorted),
                || category_pass(&settings, &sorted),
            )
        },
    );

    let mut rows: FxHashMap<(u32, Date), RepeatRow> = FxHashMap::default();
    // Incidents come in time order, so the day (and its period) rarely changes.
    let mut period_of_day = (i64::MIN, Date::from_days(0));
    for (k, incident) in sorted.iter().enumerate() {
        let day =
            (incident.time + i64::from(settings.utc_offset_seconds)).div_euclid(SECONDS_PER_DAY);
        if day != period_of_day.0 {
            period_of_day = (day, period.start(Date::from_days(day)));
        }
        let group = groups[order[k]];
        let row = rows
            .entry((group, period_of_day.1))
            .or_insert_with(|| RepeatRow {
                group,
                period_start: period_of_day.1,
                incidents: 0,
                person_flagged: 0,
                place_flagged: 0,
                category_flagged: 0,
                any_flagged: 0,
            });
        row.incidents += 1;
        row.person_flagged += u64::from(person[k]);
        row.place_flagged += u64::from(place[k]);
        row.category_flagged += u64::from(category[k]);
        row.any_flagged += u64::from(person[k] || place[k] || category[k]);
    }

    Ok(RepeatReport {
        rows: sorted_values(rows),
        callers: sorted_values(callers),
        places: sorted_values(places),
        surges: sorted_values(surges),
    })
}

fn cutoff(settings: &RepeatSettings, time: i64) -> i64 {
    time.saturating_sub(settings.window_seconds)
}

/// The person flags in time order, and the repeat callers.
fn person_pass(
    settings: &RepeatSettings,
    sorted: &[Observation],
) -> (Vec<bool>, FxHashMap<CallerKey, RepeatCaller>) {
    let min_count = settings.min_count;
    let mut rule = PersonRule::new(min_count);
    let mut flags = Vec::with_capacity(sorted.len());
    // Only keys that reach the count are kept: most callers call once, and a map of
    // all of them would not stay in cache.
    let mut callers: FxHashMap<CallerKey, RepeatCaller> = FxHashMap::default();
    for (seq, incident) in sorted.iter().enumerate() {
        rule.expire_before(cutoff(settings, incident.time));
        let outcome = rule.judge(incident);
        rule.add(incident, seq as u64);
        flags.push(outcome.flagged);
        let keys = [
            (incident.phone.map(CallerKey::Phone), outcome.phone_count),
            (
                incident.id_number.map(CallerKey::IdNumber),
                outcome.id_number_count,
            ),
        ];
        for (key, count) in keys {
            let Some(key) = key else { continue };
            if let Some(caller) = callers.get_mut(&key) {
                caller.repeat_calls += u64::from(count >= min_count);
                caller.last_count = count;
            } else if count >= min_count {
                callers.insert(
                    key,
                    RepeatCaller {
                        key,
                        calls: 0,
                        repeat_calls: 1,
                        last_count: count,
                    },
                );
            }
        }
    }
    // Their calls, now that they are known.
    for incident in sorted {
        let keys = [
            incident.phone.map(CallerKey::Phone),
            incident.id_number.map(CallerKey::IdNumber),
        ];
        for key in keys.into_iter().flatten() {
            if let Some(caller) = callers.get_mut(&key) {
                caller.calls += 1;
            }
        }
    }
    (flags, callers)
}

/// The place flags in time order, and the places with a flag.
fn place_pass(
    settings: &RepeatSettings,
    sorted: &[Observation],
) -> (Vec<bool>, FxHashMap<PlaceKey, RepeatPlace>) {
    let mut rule = PlaceRule::new(settings.min_count, settings.radius_m);
    let mut flags = Vec::with_capacity(sorted.len());
    let mut places: FxHashMap<PlaceKey, RepeatPlace> = FxHashMap::default();
    for (seq, incident) in sorted.iter().enumerate() {
        rule.expire_before(cutoff(settings, incident.time));
        let flagged = rule.judge(incident);
        rule.add(incident, seq as u64);
        flags.push(flagged);
        if flagged && let Some(place) = place_key(settings, incident) {
            places
                .entry(place)
                .or_insert(RepeatPlace {
                    place,
                    incidents: 0,
                    flagged: 0,
                })
                .flagged += 1;
        }
    }
    for incident in sorted {
        if let Some(place) = place_key(settings, incident)
            && let Some(entry) = places.get_mut(&place)
        {
            entry.incidents += 1;
        }
    }
    (flags, places)
}

fn place_key(settings: &RepeatSettings, incident: &Observation) -> Option<PlaceKey> {
    match (incident.address, incident.point) {
        (Some(address), _) => Some(PlaceKey::Address(address)),
        (None, Some((x, y))) => Some(PlaceKey::Cell(
            (x / settings.radius_m).floor() as i64,
            (y / settings.radius_m).floor() as i64,
        )),
        (None, None) => None,
    }
}

/// Area, category and week number.
type SurgeKey = (u32, u32, i64);

/// The category flags in time order, and the surging weeks.
fn category_pass(
    settings: &RepeatSettings,
    sorted: &[Observation],
) -> (Vec<bool>, FxHashMap<SurgeKey, Surge>) {
    let mut rule = CategoryRule::new(*settings, false);
    let mut flags = Vec::with_capacity(sorted.len());
    let mut surges: FxHashMap<SurgeKey, Surge> = FxHashMap::default();
    for incident in sorted {
        let outcome = rule.judge(incident);
        flags.push(outcome.flagged);
        if outcome.flagged {
            // Once a week surges, every later incident of it does too (its count only
            // grows against the same mean), so the last one flagged holds the week's count.
            let surge = surges
                .entry((incident.area, incident.category, outcome.week))
                .or_insert(Surge {
                    area: incident.area,
                    category: incident.category,
                    week_start: Date::from_days(outcome.week * 7 - 3),
                    count: 0,
                    trailing_mean: f64::from(outcome.counts.trailing)
                        / f64::from(settings.trailing_weeks),
                    flagged: 0,
                });
            surge.count = outcome.counts.count;
            surge.flagged += 1;
        }
    }
    (flags, surges)
}

/// Indices of the incidents in time order, ties in input order.
fn time_order(incidents: &[Observation]) -> Vec<usize> {
    // Sorting the keys themselves rather than indices into the incidents keeps the sort
    // in cache; the pairs are distinct, so an unstable sort gives the stable order.
    let mut keyed: Vec<(i64, usize)> = incidents
        .iter()
        .enumerate()
        .map(|(index, incident)| (incident.time, index))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, index)| index).collect()
}

fn sorted_values<K: Ord + Hash, V>(map: FxHashMap<K, V>) -> Vec<V> {
    let mut entries: Vec<(K, V)> = map.into_iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().map(|(_, value)| value).collect()
}
