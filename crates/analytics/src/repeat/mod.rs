//! Repeat detection at intake (重复警情研判): for each new incident, is it the third
//! call of the same caller this month (一人多次), the third incident at the same place
//! (一地多起), or part of a category surging in an area this week (一类多发)?
//!
//! The rules, exactly (both ends of every window are inclusive; "earlier" means
//! observed before the new incident, so of two incidents at the same second the one
//! observed first is the earlier):
//! - **person** (一人多次): for each caller key of the new incident (the hashed phone
//!   number and the hashed ID number, each matched only against the same kind of key),
//!   the earlier incidents with that key whose time is in `[t − window, t]`; their union
//!   (an incident sharing both keys counts once). Flagged when `union + 1 ≥ min_count`.
//! - **place** (一地多起): when the incident has a standard address, the earlier incidents
//!   with the same address in the window; when it has none but has a point, the earlier
//!   incidents of any kind that have a point within the radius (`dx² + dy² ≤ R²`) in
//!   the window. Flagged when `count + 1 ≥ min_count`. An incident with neither is
//!   never flagged.
//! - **category** (一类多发): `c` is the number of incidents of the same `(area,
//!   category)` in the local calendar week (from Monday) of `t`, so far, this one
//!   included; `S` is their total over the `trailing_weeks` weeks before, weeks without
//!   incidents (and weeks before the first observation) counting 0. Flagged when
//!   `c ≥ min_count` and `c × trailing_weeks > k × S`, i.e. `c > k × mean`. The
//!   `min_count` guard keeps a category with no history from surging at its first
//!   incident, where the mean is 0.
//!
//! Each flag carries the earlier incidents that caused it, in the order they were
//! observed: for the category rule, the earlier incidents of that week.
//!
//! [`RepeatEngine`] does this incrementally, in constant amortised time per incident
//! (apart from the length of the lists it returns), holding only the window's
//! contents; [`repeat_flags`] and [`repeat_report`] run it over history.

mod engine;
mod person;
mod place;
mod report;
mod surge;
mod window;

use serde::Serialize;

use crate::error::AnalyticsError;

pub use engine::RepeatEngine;
pub use report::{
    CallerKey, PlaceKey, RepeatCaller, RepeatPlace, RepeatReport, RepeatRow, Surge, repeat_flags,
    repeat_report,
};

const SECONDS_PER_DAY: i64 = 86_400;

/// The windows and thresholds of the three rules, settings of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RepeatSettings {
    /// How far back the person and place rules look, in seconds (default 30 days).
    pub window_seconds: i64,
    /// Incidents needed for a flag, the new one included (default 3).
    pub min_count: u32,
    /// Radius of the place rule for incidents without a standard address, in metres
    /// (default 50).
    pub radius_m: f64,
    /// A week's count must exceed this multiple of the trailing mean (default 2).
    pub surge_k: f64,
    /// Weeks of the trailing mean (default 8).
    pub trailing_weeks: u32,
    /// Offset of local time from UTC, for calendar weeks (default China Standard Time).
    pub utc_offset_seconds: i32,
}

impl Default for RepeatSettings {
    fn default() -> Self {
        Self {
            window_seconds: 30 * SECONDS_PER_DAY,
            min_count: 3,
            radius_m: 50.0,
            surge_k: 2.0,
            trailing_weeks: 8,
            utc_offset_seconds: 8 * 3600,
        }
    }
}

impl RepeatSettings {
    /// Rejects settings under which the rules mean nothing.
    pub fn validate(&self) -> Result<(), AnalyticsError> {
        let invalid = |name, reason: &str| {
            Err(AnalyticsError::InvalidParameter {
                name,
                reason: reason.to_owned(),
            })
        };
        if self.window_seconds < 0 {
            return invalid("window_seconds", "must not be negative");
        }
        // A count of one would flag every incident.
        if self.min_count < 2 {
            return invalid("min_count", "must be at least 2");
        }
        if !(self.radius_m.is_finite() && self.radius_m > 0.0) {
            return invalid("radius_m", "must be a finite number > 0");
        }
        if !(self.surge_k.is_finite() && self.surge_k > 0.0) {
            return invalid("surge_k", "must be a finite number > 0");
        }
        if self.trailing_weeks == 0 {
            return invalid("trailing_weeks", "must be at least 1");
        }
        if i64::from(self.utc_offset_seconds).abs() >= SECONDS_PER_DAY {
            return invalid("utc_offset_seconds", "must be less than a day");
        }
        Ok(())
    }

    /// The local calendar week of a time: weeks are numbered from the one starting on
    /// Monday 1969-12-29, so that week `w` starts on day `7w − 3`.
    fn week_of(&self, time: i64) -> i64 {
        let day = time
            .saturating_add(i64::from(self.utc_offset_seconds))
            .div_euclid(SECONDS_PER_DAY);
        // 1970-01-01 (day 0) was a Thursday, three days after a Monday.
        (day + 3).div_euclid(7)
    }
}

/// One incident as the rules see it: plain data, no domain types. The caller of the
/// platform hashes the phone and ID numbers and looks up the standard address.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    /// The caller's identifier of the incident, returned in the flags.
    pub id: u64,
    /// Time of the incident, Unix seconds.
    pub time: i64,
    /// Hashed phone number of the caller (报警电话), when known.
    pub phone: Option<u64>,
    /// Hashed ID number of the caller (身份证号), when known.
    pub id_number: Option<u64>,
    /// Standard address (标准地址) the incident was matched to.
    pub address: Option<u32>,
    /// Planar coordinates in metres, when located.
    pub point: Option<(f64, f64)>,
    /// Category (警情类别).
    pub category: u32,
    /// Area at which surges are counted (grid 网格 or community 社区).
    pub area: u32,
}

/// The rules an incident triggered, each with the earlier incidents behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepeatFlags {
    /// 一人多次: the same caller again.
    pub person: Option<Flag>,
    /// 一地多起: the same place again.
    pub place: Option<Flag>,
    /// 一类多发: the category is surging in the area this week.
    pub category: Option<Flag>,
}

impl RepeatFlags {
    /// Whether any rule fired.
    pub fn any(&self) -> bool {
        self.person.is_some() || self.place.is_some() || self.category.is_some()
    }
}

/// One fired rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Ids of the earlier incidents that caused it, in the order they were observed.
    pub earlier: Vec<u64>,
}
