//! The duty roster (值班表) and what dispatch reads from it: who is on duty at a moment,
//! and how far an officer is from an incident.
//!
//! A shift is one member of staff's time of one kind (值班, 备勤, 休息) on a date or on a
//! weekday every week, from a local start to a local end in China Standard Time; an end
//! at or before the start runs past midnight into the next day. A dated shift replaces
//! the weekday pattern for the days it touches, so a one-off change (调休, 加班) needs no
//! edit of the standing week.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::org::text_enum;

text_enum! {
    /// What a shift is.
    ShiftKind {
        /// 值班: on duty, goes out to incidents first.
        OnDuty = "on_duty",
        /// 备勤: on standby, called when the duty officers are busy.
        Standby = "standby",
        /// 休息: off.
        Rest = "rest",
    }
}

/// Which days a shift holds on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftDays {
    /// One local date, `YYYY-MM-DD`.
    Date(String),
    /// Every week on this weekday, 1 (Monday) to 7 (Sunday).
    Weekday(u8),
}

/// One shift of one member of staff, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftFields {
    /// The days.
    pub days: ShiftDays,
    /// Local start, `HH:MM`.
    pub start: String,
    /// Local end, `HH:MM`; at or before the start: the next day.
    pub end: String,
    /// What it is.
    pub kind: ShiftKind,
}

fn minutes(field: &'static str, text: &str) -> Result<u16, DomainError> {
    let bad = || DomainError::invalid(field, format!("{text:?} is not a time of day (HH:MM)"));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl ShiftFields {
    /// Checks the date or weekday and both times, naming the field at fault, and writes
    /// the times as `HH:MM`.
    pub fn checked(self) -> Result<Self, DomainError> {
        let days = match self.days {
            ShiftDays::Date(text) => {
                let format = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(text.trim(), &format).map_err(|_| {
                    DomainError::invalid("date", format!("{text:?} is not a date (YYYY-MM-DD)"))
                })?;
                ShiftDays::Date(text.trim().to_owned())
            }
            ShiftDays::Weekday(day) if (1..=7).contains(&day) => ShiftDays::Weekday(day),
            ShiftDays::Weekday(day) => {
                return Err(DomainError::invalid(
                    "weekday",
                    format!("{day} is not a weekday (1 Monday … 7 Sunday)"),
                ));
            }
        };
        let start = minutes("start", &self.start)?;
        let end = minutes("end", &self.end)?;
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        Ok(Self {
            days,
            start: hhmm(start),
            end: hhmm(end),
            kind: self.kind,
        })
    }

    /// Whether the shift holds on a local date (`weekday` 1 = Monday).
    fn holds_on(&self, date: &str, weekday: u8) -> bool {
        match &self.days {
            ShiftDays::Date(d) => d == date,
            ShiftDays::Weekday(w) => *w == weekday,
        }
    }

    fn span(&self) -> (u16, u16) {
        let start = minutes("start", &self.start).unwrap_or(0);
        let end = minutes("end", &self.end).unwrap_or(0);
        (start, end)
    }
}

/// What the roster says of one member of staff at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyNow {
    /// A shift of this kind covers the moment.
    Shift(ShiftKind),
    /// They have shifts, and none covers the moment: off duty.
    Off,
    /// They have no shift at all: the station keeps no roster for them.
    Unrostered,
}

impl DutyNow {
    /// The stable code used in the dispatch reasons (`duty:on_duty` …).
    pub fn code(self) -> &'static str {
        match self {
            Self::Shift(kind) => kind.as_str(),
            Self::Off => "off",
            Self::Unrostered => "none",
        }
    }

    /// Whether the officer can be sent now: not resting and not outside their shifts.
    pub fn available(self) -> bool {
        !matches!(self, Self::Off | Self::Shift(ShiftKind::Rest))
    }
}

/// China Standard Time, the roster's clock.
pub fn china_offset() -> time::UtcOffset {
    time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

/// The local date `YYYY-MM-DD` and weekday (1 = Monday) of a date.
fn day_key(date: time::Date) -> (String, u8) {
    (
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        date.weekday().number_from_monday(),
    )
}

/// What one person's shifts say of a moment (in China Standard Time). A shift that
/// started the day before and runs past midnight covers the early hours; on a day with
/// a dated shift only the dated shifts count.
pub fn duty_at(shifts: &[ShiftFields], at: crate::Timestamp) -> DutyNow {
    if shifts.is_empty() {
        return DutyNow::Unrostered;
    }
    let local = at.datetime().to_offset(china_offset());
    let minute = u16::from(local.hour()) * 60 + u16::from(local.minute());
    let today = day_key(local.date());
    let yesterday = local.date().previous_day().map(day_key);
    // The shifts of a day: its dated ones if any, else its weekday's.
    let of_day = |(date, weekday): &(String, u8)| -> Vec<&ShiftFields> {
        let dated: Vec<&ShiftFields> = shifts
            .iter()
            .filter(|s| matches!(&s.days, ShiftDays::Date(d) if d == date))
            .collect();
        if dated.is_empty() {
            shifts
                .iter()
                .filter(|s| s.holds_on(date, *weekday))
                .collect()
        } else {
            dated
        }
    };
    let mut covering: Vec<ShiftKind> = of_day(&today)
        .into_iter()
        .filter(|s| {
            let (start, end) = s.span();
            if end > start {
                (start..end).contains(&minute)
            } else {
                minute >= start
            }
        })
        .map(|s| s.kind)
        .collect();
    if let Some(day) = &yesterday {
        covering.extend(
            of_day(day)
                .into_iter()
                .filter(|s| {
                    let (start, end) = s.span();
                    end <= start && minute < end
                })
                .map(|s| s.kind),
        );
    }
    // Where shifts overlap, the most available one counts (值班 over 备勤 over 休息).
    covering
        .into_iter()
        .min()
        .map_or(DutyNow::Off, DutyNow::Shift)
}

/// The distance in metres between two WGS-84 points (longitude, latitude), by the
/// haversine formula on a sphere of the mean earth radius: within a few metres of the
/// ellipsoid at a station's scale.
pub fn distance_metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (lng1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lng2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

/// The dispatch points for a distance: 20 on the spot, one fewer per full 250 m, none
/// from 5 km. Nearer never scores less.
pub fn distance_points(metres: f64) -> i64 {
    // Truncation is the rule: every started 250 m costs nothing, every full one a point.
    #[allow(clippy::cast_possible_truncation)]
    let steps = (metres.max(0.0) / 250.0).floor().min(20.0) as i64;
    20 - steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(days: ShiftDays, start: &str, end: &str, kind: ShiftKind) -> ShiftFields {
        ShiftFields {
            days,
            start: start.into(),
            end: end.into(),
            kind,
        }
        .checked()
        .unwrap()
    }

    fn at(text: &str) -> crate::Timestamp {
        crate::Timestamp::parse(text).unwrap()
    }

    #[test]
    fn a_weekday_shift_covers_its_hours_in_china_standard_time() {
        // 2026-12-02 is a Wednesday (3).
        let shifts = [shift(
            ShiftDays::Weekday(3),
            "08:00",
            "20:00",
            ShiftKind::OnDuty,
        )];
        // 01:00Z is 09:00 in Beijing.
        assert_eq!(
            duty_at(&shifts, at("2026-12-02T01:00:00.000000Z")),
            DutyNow::Shift(ShiftKind::OnDuty)
        );
        // 13:00Z is 21:00 in Beijing: after the shift.
        assert_eq!(
            duty_at(&shifts, at("2026-12-02T13:00:00.000000Z")),
            DutyNow::Off
        );
        assert_eq!(
            duty_at(&[], at("2026-12-02T01:00:00.000000Z")),
            DutyNow::Unrostered
        );
    }

    #[test]
    fn a_night_shift_runs_past_midnight_and_a_dated_shift_replaces_the_week() {
        let shifts = [
            shift(ShiftDays::Weekday(3), "20:00", "08:00", ShiftKind::OnDuty),
            shift(
                ShiftDays::Date("2026-12-09".into()),
                "00:00",
                "24:00",
                ShiftKind::Rest,
            ),
        ];
        // Thursday 03:00 Beijing (Wednesday 19:00Z): still Wednesday's night shift.
        assert_eq!(
            duty_at(&shifts, at("2026-12-02T19:00:00.000000Z")),
            DutyNow::Shift(ShiftKind::OnDuty)
        );
        // The next Wednesday is a dated rest day: the pattern does not hold.
        assert_eq!(
            duty_at(&shifts, at("2026-12-09T13:00:00.000000Z")),
            DutyNow::Shift(ShiftKind::Rest)
        );
        assert!(!DutyNow::Shift(ShiftKind::Rest).available());
    }

    #[test]
    fn bad_times_and_days_name_their_field() {
        let bad = ShiftFields {
            days: ShiftDays::Weekday(8),
            start: "08:00".into(),
            end: "20:00".into(),
            kind: ShiftKind::OnDuty,
        };
        assert!(
            bad.checked()
                .unwrap_err()
                .to_string()
                .starts_with("weekday")
        );
        let bad = ShiftFields {
            days: ShiftDays::Date("2026-02-30".into()),
            start: "08:00".into(),
            end: "20:00".into(),
            kind: ShiftKind::OnDuty,
        };
        assert!(bad.checked().unwrap_err().to_string().starts_with("date"));
        let bad = ShiftFields {
            days: ShiftDays::Weekday(1),
            start: "8点".into(),
            end: "20:00".into(),
            kind: ShiftKind::OnDuty,
        };
        assert!(bad.checked().unwrap_err().to_string().starts_with("start"));
    }

    #[test]
    fn distance_is_in_metres_and_nearer_scores_more() {
        // 0.01° of latitude is about 1,112 m.
        let d = distance_metres((120.0, 29.0), (120.0, 29.01));
        assert!((d - 1112.0).abs() < 2.0, "{d}");
        assert_eq!(distance_points(0.0), 20);
        assert_eq!(distance_points(d), 16);
        assert_eq!(distance_points(5_000.0), 0);
        assert_eq!(distance_points(50_000.0), 0);
        assert!(distance_points(300.0) > distance_points(1_200.0));
    }
}
