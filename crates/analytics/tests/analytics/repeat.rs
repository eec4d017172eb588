//! Repeat detection: hand-computed cases for each rule, refusals, and the incremental
//! engine and the report against a recomputation from scratch on random data.

use std::collections::BTreeMap;

use fengqiao_analytics::{
    AnalyticsError, CallerKey, Date, Flag, Observation, Period, PlaceKey, RepeatCaller,
    RepeatEngine, RepeatFlags, RepeatPlace, RepeatReport, RepeatRow, RepeatSettings, Surge,
    repeat_flags, repeat_report,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CST: i32 = 8 * 3600;
const DAY: i64 = 86_400;

/// Unix time of a local (China Standard Time) date and hour.
fn at(year: i32, month: u8, day: u8, hour: i64) -> i64 {
    Date::new(year, month, day).unwrap().days() * DAY + hour * 3600 - i64::from(CST)
}

/// An incident with nothing but its id and time; tests add what they need.
fn incident(id: u64, time: i64) -> Observation {
    Observation {
        id,
        time,
        phone: None,
        id_number: None,
        address: None,
        point: None,
        category: 0,
        area: 0,
    }
}

fn earlier(flag: &Option<Flag>) -> Option<Vec<u64>> {
    flag.as_ref().map(|flag| flag.earlier.clone())
}

/// Feeds the incidents in order to a fresh engine with the default settings.
fn observe_all(incidents: &[Observation]) -> Vec<RepeatFlags> {
    let mut engine = RepeatEngine::new(RepeatSettings::default()).unwrap();
    incidents
        .iter()
        .map(|incident| engine.observe(incident).unwrap())
        .collect()
}

#[test]
fn a_third_call_from_a_phone_within_thirty_days_is_flagged_with_the_first_two() {
    // Arrange: calls at day 0, 10, exactly 30 and 30 days + 1 s.
    let start = at(2026, 3, 1, 9);
    let times = [
        start,
        start + 10 * DAY,
        start + 30 * DAY,
        start + 30 * DAY + 1,
    ];
    let calls: Vec<Observation> = times
        .iter()
        .enumerate()
        .map(|(i, &time)| Observation {
            phone: Some(77),
            ..incident(i as u64 + 1, time)
        })
        .collect();

    // Act
    let flags = observe_all(&calls);

    // Assert: the window's start is inclusive, so day 0 still counts at day 30, and
    // no longer one second later.
    assert_eq!(earlier(&flags[1].person), None);
    assert_eq!(earlier(&flags[2].person), Some(vec![1, 2]));
    assert_eq!(earlier(&flags[3].person), Some(vec![2, 3]));
}

#[test]
fn the_phone_and_the_id_number_together_make_a_repeat_and_an_incident_sharing_both_counts_once() {
    let t = at(2026, 5, 4, 10);
    let calls = [
        Observation {
            phone: Some(1),
            id_number: Some(100),
            ..incident(1, t)
        },
        Observation {
            phone: Some(1),
            ..incident(2, t + 60)
        },
        // Another phone, the same ID number: only incident 1 shares anything.
        Observation {
            phone: Some(2),
            id_number: Some(100),
            ..incident(3, t + 120)
        },
        // The phone is shared with 1 and 2, the ID number with 1 and 3.
        Observation {
            phone: Some(1),
            id_number: Some(100),
            ..incident(4, t + 180)
        },
        // The ID number's value under the phone kind matches nothing.
        Observation {
            phone: Some(100),
            ..incident(5, t + 240)
        },
    ];

    let flags = observe_all(&calls);

    assert_eq!(earlier(&flags[2].person), None);
    assert_eq!(earlier(&flags[3].person), Some(vec![1, 2, 3]));
    assert_eq!(earlier(&flags[4].person), None);
}

#[test]
fn incidents_at_the_same_second_count_the_one_observed_first_as_earlier() {
    let t = at(2026, 7, 1, 0);
    let calls: Vec<Observation> = (1..=3)
        .map(|id| Observation {
            address: Some(5),
            ..incident(id, t)
        })
        .collect();

    let flags = observe_all(&calls);

    assert_eq!(earlier(&flags[1].place), None);
    assert_eq!(earlier(&flags[2].place), Some(vec![1, 2]));
}

#[test]
fn an_address_with_a_third_incident_is_flagged_and_nearby_points_do_not_count_for_it() {
    let t = at(2026, 1, 10, 8);
    let calls = [
        Observation {
            address: Some(9),
            point: Some((0.0, 0.0)),
            ..incident(1, t)
        },
        // Same spot, no address: counts for unmatched incidents only.
        Observation {
            point: Some((0.0, 0.0)),
            ..incident(2, t + DAY)
        },
        Observation {
            address: Some(9),
            point: Some((0.0, 0.0)),
            ..incident(3, t + 2 * DAY)
        },
        Observation {
            address: Some(9),
            ..incident(4, t + 3 * DAY)
        },
    ];

    let flags = observe_all(&calls);

    assert_eq!(earlier(&flags[2].place), None);
    assert_eq!(earlier(&flags[3].place), Some(vec![1, 3]));
    // The unmatched incident 2 had only incident 1 near it.
    assert_eq!(earlier(&flags[1].place), None);
}

#[test]
fn an_unmatched_incident_counts_earlier_points_exactly_at_the_radius_but_not_beyond() {
    let t = at(2026, 2, 1, 12);
    let calls = [
        // 50 m from the last incident: on the limit.
        Observation {
            address: Some(3),
            point: Some((130.0, 140.0)),
            ..incident(1, t)
        },
        // 50.01 m away.
        Observation {
            point: Some((100.0, 50.01 + 100.0)),
            ..incident(2, t + 1)
        },
        Observation {
            point: Some((150.0, 100.0)),
            ..incident(3, t + 2)
        },
        Observation {
            point: Some((100.0, 100.0)),
            ..incident(4, t + 3)
        },
    ];

    let flags = observe_all(&calls);

    // Incident 1 (matched, 30-40-50 from incident 4) and 3 (50 m east) count; 2 does not.
    assert_eq!(earlier(&flags[3].place), Some(vec![1, 3]));
}

#[test]
fn a_category_above_twice_its_trailing_mean_surges_from_the_incident_that_crosses_it() {
    // Arrange: one theft a week for eight weeks (mean 1), then four in the ninth.
    let first_monday = at(2026, 1, 5, 12);
    let mut calls: Vec<Observation> = (0..8)
        .map(|week| Observation {
            category: 4,
            area: 2,
            ..incident(week + 1, first_monday + week as i64 * 7 * DAY)
        })
        .collect();
    let ninth = first_monday + 8 * 7 * DAY;
    for (i, id) in (20..24).enumerate() {
        calls.push(Observation {
            category: 4,
            area: 2,
            ..incident(id, ninth + i as i64 * 3600)
        });
    }
    // Another category in the same area that week is not part of it.
    calls.insert(
        9,
        Observation {
            category: 5,
            area: 2,
            ..incident(99, ninth + 1)
        },
    );

    let flags = observe_all(&calls);

    let surge: Vec<Option<Vec<u64>>> = flags[8..].iter().map(|f| earlier(&f.category)).collect();
    // 1, 2 (not above 2 × 1), 3 > 2: flagged with the week's first two, then 4.
    assert_eq!(
        surge,
        [None, None, None, Some(vec![20, 21]), Some(vec![20, 21, 22])]
    );
}

#[test]
fn a_category_without_history_needs_min_count_incidents_to_surge() {
    let t = at(2026, 6, 3, 9);
    let calls: Vec<Observation> = (1..=3).map(|id| incident(id, t + id as i64)).collect();

    let flags = observe_all(&calls);

    assert_eq!(earlier(&flags[1].category), None);
    assert_eq!(earlier(&flags[2].category), Some(vec![1, 2]));
}

#[test]
fn weeks_turn_at_local_midnight_between_sunday_and_monday() {
    // Sunday 2026-03-08 23:30 and Monday 00:10 in Beijing are both Sunday in UTC.
    let sunday = at(2026, 3, 8, 23) + 1800;
    let monday = at(2026, 3, 9, 0) + 600;
    let calls = [
        incident(1, sunday),
        incident(2, sunday + 60),
        incident(3, monday),
        incident(4, monday + 60),
        incident(5, monday + 120),
    ];

    let flags = observe_all(&calls);

    // Monday starts a week of its own: its third incident is the first to surge, even
    // against a trailing mean of 2 / 8.
    let surged: Vec<bool> = flags.iter().map(|f| f.category.is_some()).collect();
    assert_eq!(surged, [false, false, false, false, true]);
    assert_eq!(earlier(&flags[4].category), Some(vec![3, 4]));
}

#[test]
fn an_incident_earlier_than_the_latest_is_refused_and_the_engine_goes_on_unchanged() {
    let mut engine = RepeatEngine::new(RepeatSettings::default()).unwrap();
    let t = at(2026, 4, 1, 0);
    let call = |id, time| Observation {
        phone: Some(8),
        ..incident(id, time)
    };
    engine.observe(&call(1, t)).unwrap();
    engine.observe(&call(2, t + 10)).unwrap();

    let refused = engine.observe(&call(3, t + 9));

    assert_eq!(
        refused,
        Err(AnalyticsError::OutOfOrder {
            id: 3,
            time: t + 9,
            latest: t + 10
        })
    );
    let next = engine.observe(&call(4, t + 10)).unwrap();
    assert_eq!(earlier(&next.person), Some(vec![1, 2]));
}

#[test]
fn a_point_that_is_not_finite_is_refused_with_its_position_in_the_input() {
    let t = at(2026, 4, 1, 0);
    let calls = [
        incident(1, t + 5),
        Observation {
            point: Some((f64::NAN, 0.0)),
            ..incident(2, t)
        },
    ];

    let refused = repeat_flags(RepeatSettings::default(), &calls);

    assert_eq!(
        refused,
        Err(AnalyticsError::NotFinite {
            column: "point",
            index: 1
        })
    );
}

#[test]
fn nonsense_settings_are_refused_by_name() {
    let base = RepeatSettings::default();
    let cases = [
        (
            RepeatSettings {
                window_seconds: -1,
                ..base
            },
            "window_seconds",
        ),
        (
            RepeatSettings {
                min_count: 1,
                ..base
            },
            "min_count",
        ),
        (
            RepeatSettings {
                radius_m: 0.0,
                ..base
            },
            "radius_m",
        ),
        (
            RepeatSettings {
                radius_m: f64::INFINITY,
                ..base
            },
            "radius_m",
        ),
        (
            RepeatSettings {
                surge_k: 0.0,
                ..base
            },
            "surge_k",
        ),
        (
            RepeatSettings {
                trailing_weeks: 0,
                ..base
            },
            "trailing_weeks",
        ),
        (
            RepeatSettings {
                utc_offset_seconds: 86_400,
                ..base
            },
            "utc_offset_seconds",
        ),
    ];
    assert_eq!(base.validate(), Ok(()));
    for (settings, field) in cases {
        match RepeatEngine::new(settings) {
            Err(AnalyticsError::InvalidParameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{field}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn the_incremental_flags_equal_a_recomputation_from_scratch() {
    let custom = RepeatSettings {
        window_seconds: 3 * DAY,
        min_count: 2,
        radius_m: 30.0,
        surge_k: 1.5,
        trailing_weeks: 3,
        utc_offset_seconds: CST,
    };
    for settings in [RepeatSettings::default(), custom] {
        for seed in 0..6 {
            let incidents = random_incidents(600, seed);
            let expected = recompute_flags(&settings, &incidents);
            let actual = repeat_flags(settings, &incidents).unwrap();
            for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
                assert_eq!(a, e, "seed {seed}, incident {i}: {:?}", incidents[i]);
            }
            // Every rule fires somewhere, so the comparison covers each of them.
            for rule in [
                |f: &RepeatFlags| f.person.is_some(),
                |f: &RepeatFlags| f.place.is_some(),
                |f: &RepeatFlags| f.category.is_some(),
            ] {
                let fired = expected.iter().filter(|f| rule(f)).count();
                assert!(
                    fired > 10 && fired < incidents.len(),
                    "seed {seed}: {fired}"
                );
            }
        }
    }
}

#[test]
fn the_report_equals_the_recomputed_flags_counted_by_group_and_period() {
    let settings = RepeatSettings::default();
    for seed in 10..14 {
        let incidents = random_incidents(500, seed);
        let groups: Vec<u32> = incidents.iter().map(|i| i.area % 2).collect();
        for period in [Period::Week, Period::Month] {
            let expected = recompute_report(&settings, &incidents, &groups, period);
            let actual = repeat_report(settings, &incidents, &groups, period).unwrap();
            assert_eq!(actual, expected, "seed {seed}, {period:?}");
            assert!(!actual.callers.is_empty() && !actual.surges.is_empty());
            assert!(
                actual
                    .places
                    .iter()
                    .any(|p| matches!(p.place, PlaceKey::Cell(..)))
            );
        }
    }
}

/// Incidents from mid-December to February (weeks across the new year), in shuffled
/// order, at whole hours (so many share a second and some are exactly 30 days apart),
/// with few callers, addresses and spots, points on a 10 m lattice (so some are
/// exactly 30 or 50 m apart), and a third without address.
fn random_incidents(n: usize, seed: u64) -> Vec<Observation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = at(2025, 12, 15, 0);
    (0..n)
        .map(|id| {
            let matched = rng.random_bool(0.65);
            Observation {
                id: 1000 + id as u64,
                time: start + rng.random_range(0..70 * 24) * 3600,
                phone: rng.random_bool(0.8).then(|| rng.random_range(0..40)),
                id_number: rng.random_bool(0.4).then(|| rng.random_range(0..40)),
                address: matched.then(|| rng.random_range(0..25)),
                point: (!matched || rng.random_bool(0.5)).then(|| {
                    (
                        f64::from(rng.random_range(0..30)) * 10.0,
                        f64::from(rng.random_range(0..30)) * 10.0,
                    )
                }),
                category: rng.random_range(0..3),
                area: rng.random_range(0..3),
            }
        })
        .collect()
}

/// The rules as written, looking at every earlier incident for each one.
fn recompute_flags(settings: &RepeatSettings, incidents: &[Observation]) -> Vec<RepeatFlags> {
    let mut order: Vec<usize> = (0..incidents.len()).collect();
    order.sort_by_key(|&i| incidents[i].time);
    let week = |time: i64| {
        Period::Week
            .start(Date::of_timestamp(time, settings.utc_offset_seconds))
            .days()
    };
    let min_count = settings.min_count as usize;
    let weeks = i64::from(settings.trailing_weeks);
    let mut flags = vec![RepeatFlags::default(); incidents.len()];
    for (position, &i) in order.iter().enumerate() {
        let new = &incidents[i];
        let before: Vec<&Observation> = order[..position].iter().map(|&j| &incidents[j]).collect();
        let in_window = |old: &&&Observation| new.time - settings.window_seconds <= old.time;
        let same = |a: Option<u64>, b: Option<u64>| a.is_some() && a == b;
        let flag = |earlier: Vec<&&Observation>, fired: bool| {
            fired.then(|| Flag {
                earlier: earlier.iter().map(|o| o.id).collect(),
            })
        };

        let person: Vec<&&Observation> = before
            .iter()
            .filter(in_window)
            .filter(|old| same(old.phone, new.phone) || same(old.id_number, new.id_number))
            .collect();
        let place: Vec<&&Observation> = before
            .iter()
            .filter(in_window)
            .filter(|old| match (new.address, new.point, old.point) {
                (Some(address), _, _) => old.address == Some(address),
                (None, Some((x, y)), Some((ox, oy))) => {
                    (x - ox).powi(2) + (y - oy).powi(2) <= settings.radius_m.powi(2)
                }
                _ => false,
            })
            .collect();
        let same_pair = |old: &Observation| old.area == new.area && old.category == new.category;
        let this_week: Vec<&&Observation> = before
            .iter()
            .filter(|old| same_pair(old) && week(old.time) == week(new.time))
            .collect();
        let trailing = incidents
            .iter()
            .filter(|old| {
                let w = week(old.time);
                same_pair(old) && w < week(new.time) && w >= week(new.time) - 7 * weeks
            })
            .count();
        let count = this_week.len() + 1;
        let surging = count >= min_count
            && (count as f64) * weeks as f64 > settings.surge_k * trailing as f64;

        flags[i] = RepeatFlags {
            person: flag(person.clone(), person.len() + 1 >= min_count),
            place: flag(place.clone(), place.len() + 1 >= min_count),
            category: flag(this_week, surging),
        };
    }
    flags
}

/// The report counted from the recomputed flags.
fn recompute_report(
    settings: &RepeatSettings,
    incidents: &[Observation],
    groups: &[u32],
    period: Period,
) -> RepeatReport {
    let flags = recompute_flags(settings, incidents);
    let mut order: Vec<usize> = (0..incidents.len()).collect();
    order.sort_by_key(|&i| incidents[i].time);
    let local_date = |time| Date::of_timestamp(time, settings.utc_offset_seconds);

    let mut rows: BTreeMap<(u32, Date), RepeatRow> = BTreeMap::new();
    let mut callers: BTreeMap<CallerKey, RepeatCaller> = BTreeMap::new();
    let mut places: BTreeMap<PlaceKey, RepeatPlace> = BTreeMap::new();
    let mut surges: BTreeMap<(u32, u32, Date), Surge> = BTreeMap::new();
    for (position, &i) in order.iter().enumerate() {
        let (new, flag) = (&incidents[i], &flags[i]);
        let start = period.start(local_date(new.time));
        let row = rows.entry((groups[i], start)).or_insert(RepeatRow {
            group: groups[i],
            period_start: start,
            incidents: 0,
            person_flagged: 0,
            place_flagged: 0,
            category_flagged: 0,
            any_flagged: 0,
        });
        row.incidents += 1;
        row.person_flagged += u64::from(flag.person.is_some());
        row.place_flagged += u64::from(flag.place.is_some());
        row.category_flagged += u64::from(flag.category.is_some());
        row.any_flagged += u64::from(flag.any());

        // A key's own count: its incidents in the window up to and including this one.
        let before = || order[..position].iter().map(|&j| &incidents[j]);
        let keys = [
            new.phone.map(|k| {
                let n = before().filter(|o| o.phone == Some(k));
                (
                    CallerKey::Phone(k),
                    n.filter(|o| o.time >= new.time - settings.window_seconds)
                        .count(),
                )
            }),
            new.id_number.map(|k| {
                let n = before().filter(|o| o.id_number == Some(k));
                (
                    CallerKey::IdNumber(k),
                    n.filter(|o| o.time >= new.time - settings.window_seconds)
                        .count(),
                )
            }),
        ];
        for (key, earlier) in keys.into_iter().flatten() {
            let count = earlier as u32 + 1;
            let caller = callers.entry(key).or_insert(RepeatCaller {
                key,
                calls: 0,
                repeat_calls: 0,
                last_count: 0,
            });
            caller.calls += 1;
            caller.repeat_calls += u64::from(count >= settings.min_count);
            caller.last_count = count;
        }

        let place = match (new.address, new.point) {
            (Some(a), _) => Some(PlaceKey::Address(a)),
            (None, Some((x, y))) => Some(PlaceKey::Cell(
                (x / settings.radius_m).floor() as i64,
                (y / settings.radius_m).floor() as i64,
            )),
            (None, None) => None,
        };
        if let Some(place) = place {
            let entry = places.entry(place).or_insert(RepeatPlace {
                place,
                incidents: 0,
                flagged: 0,
            });
            entry.incidents += 1;
            entry.flagged += u64::from(flag.place.is_some());
        }

        if let Some(category) = &flag.category {
            let week_start = Period::Week.start(local_date(new.time));
            let trailing = incidents
                .iter()
                .filter(|o| {
                    let w = Period::Week.start(local_date(o.time)).days();
                    o.area == new.area
                        && o.category == new.category
                        && w < week_start.days()
                        && w >= week_start.days() - 7 * i64::from(settings.trailing_weeks)
                })
                .count();
            let surge = surges
                .entry((new.area, new.category, week_start))
                .or_insert(Surge {
                    area: new.area,
                    category: new.category,
                    week_start,
                    count: 0,
                    trailing_mean: trailing as f64 / f64::from(settings.trailing_weeks),
                    flagged: 0,
                });
            surge.count = category.earlier.len() as u32 + 1;
            surge.flagged += 1;
        }
    }
    RepeatReport {
        rows: rows.into_values().collect(),
        callers: callers
            .into_values()
            .filter(|c| c.repeat_calls > 0)
            .collect(),
        places: places.into_values().filter(|p| p.flagged > 0).collect(),
        surges: surges.into_values().collect(),
    }
}
