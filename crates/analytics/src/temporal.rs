//! Time figures: the hour-of-day × weekday matrix (时段分布), counts per period (趋势)
//! and year-on-year change (同比) by any grouping — category, area, or a pair of both.
//!
//! Times are Unix seconds (UTC) and a fixed offset to local time, e.g. `8 × 3600` for
//! China Standard Time; calendar arithmetic is done here (proleptic Gregorian), so the
//! crate needs no time library.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{AnalyticsError, check_same_len};

const SECONDS_PER_DAY: i64 = 86_400;

/// Counts by local hour of day (rows 0–23) and weekday (columns, Monday = 0 … Sunday = 6).
pub fn hour_weekday_matrix(timestamps: &[i64], utc_offset_seconds: i32) -> [[u64; 7]; 24] {
    let mut matrix = [[0u64; 7]; 24];
    for &ts in timestamps {
        let local = ts.saturating_add(i64::from(utc_offset_seconds));
        let day = local.div_euclid(SECONDS_PER_DAY);
        let hour = local.rem_euclid(SECONDS_PER_DAY) / 3600;
        // 1970-01-01 was a Thursday, weekday 3 when Monday is 0.
        let weekday = (day + 3).rem_euclid(7);
        matrix[hour as usize][weekday as usize] += 1;
    }
    matrix
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    /// Year (proleptic Gregorian).
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// Checks the day against the month's length.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, AnalyticsError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(AnalyticsError::InvalidParameter {
                name: "date",
                reason: format!("{year:04}-{month:02}-{day:02} is not a calendar date"),
            });
        }
        Ok(Self { year, month, day })
    }

    /// The date of a day number (days since 1970-01-01).
    pub fn from_days(days: i64) -> Self {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The local date of a Unix time.
    pub fn of_timestamp(timestamp: i64, utc_offset_seconds: i32) -> Self {
        Self::from_days(
            timestamp
                .saturating_add(i64::from(utc_offset_seconds))
                .div_euclid(SECONDS_PER_DAY),
        )
    }

    /// The same day a year earlier; 29 February becomes 28 February.
    pub fn year_before(self) -> Self {
        let year = self.year - 1;
        Self {
            year,
            month: self.month,
            day: self.day.min(days_in_month(year, self.month)),
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// The length of a period in a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    /// Calendar days.
    Day,
    /// Weeks from Monday.
    Week,
    /// Calendar months.
    Month,
    /// Quarters (January, April, July, October).
    Quarter,
    /// Calendar years.
    Year,
}

impl Period {
    /// The first day of the period holding `date`.
    pub fn start(self, date: Date) -> Date {
        match self {
            Period::Day => date,
            Period::Week => {
                let days = date.days();
                Date::from_days(days - (days + 3).rem_euclid(7))
            }
            Period::Month => Date { day: 1, ..date },
            Period::Quarter => Date {
                month: (date.month - 1) / 3 * 3 + 1,
                day: 1,
                ..date
            },
            Period::Year => Date {
                month: 1,
                day: 1,
                ..date
            },
        }
    }

    /// The first day of the next period, from the first day of one.
    pub fn next(self, start: Date) -> Date {
        let add_months = |months: u32| {
            let index = start.month as u32 - 1 + months;
            Date {
                year: start.year + (index / 12) as i32,
                month: (index % 12 + 1) as u8,
                day: 1,
            }
        };
        match self {
            Period::Day => Date::from_days(start.days() + 1),
            Period::Week => Date::from_days(start.days() + 7),
            Period::Month => add_months(1),
            Period::Quarter => add_months(3),
            Period::Year => add_months(12),
        }
    }
}

/// Counts per period for each group, over the same run of consecutive periods (zeros
/// included), ready for a chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend<G: Ord> {
    /// First day of each period, from the earliest event's to the latest's.
    pub periods: Vec<Date>,
    /// For each group, one count per period.
    pub series: BTreeMap<G, Vec<u64>>,
}

/// Counts per period by group; `groups[i]` is the group of event `i`.
pub fn trend<G: Ord + Clone>(
    timestamps: &[i64],
    groups: &[G],
    period: Period,
    utc_offset_seconds: i32,
) -> Result<Trend<G>, AnalyticsError> {
    check_same_len(&[("timestamps", timestamps.len()), ("groups", groups.len())])?;
    let starts: Vec<Date> = timestamps
        .iter()
        .map(|&ts| period.start(Date::of_timestamp(ts, utc_offset_seconds)))
        .collect();
    let (Some(&first), Some(&last)) = (starts.iter().min(), starts.iter().max()) else {
        return Ok(Trend {
            periods: Vec::new(),
            series: BTreeMap::new(),
        });
    };
    let mut periods = vec![first];
    while let Some(&current) = periods.last()
        && current < last
    {
        periods.push(period.next(current));
    }
    let slot: BTreeMap<Date, usize> = periods.iter().enumerate().map(|(i, &d)| (d, i)).collect();
    let mut series: BTreeMap<G, Vec<u64>> = BTreeMap::new();
    for (start, group) in starts.iter().zip(groups) {
        series
            .entry(group.clone())
            .or_insert_with(|| vec![0; periods.len()])[slot[start]] += 1;
    }
    Ok(Trend { periods, series })
}

/// One group's count in a window and in the same window a year earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearOnYear<G> {
    /// The group.
    pub group: G,
    /// Events in the window.
    pub current: u64,
    /// Events in the same window a year earlier.
    pub previous: u64,
    /// `current − previous`.
    pub change: i64,
    /// `(current − previous) / previous`; `None` when there were none a year earlier.
    pub change_ratio: Option<f64>,
}

/// Year-on-year change (同比) by group for the local dates `from ≤ date < to`, against
/// `from.year_before() ≤ date < to.year_before()`. Groups seen in either window are
/// listed, in order.
pub fn year_on_year<G: Ord + Clone>(
    timestamps: &[i64],
    groups: &[G],
    from: Date,
    to: Date,
    utc_offset_seconds: i32,
) -> Result<Vec<YearOnYear<G>>, AnalyticsError> {
    check_same_len(&[("timestamps", timestamps.len()), ("groups", groups.len())])?;
    if to < from {
        return Err(AnalyticsError::InvalidParameter {
            name: "to",
            reason: format!("the window ends ({to}) before it starts ({from})"),
        });
    }
    let (previous_from, previous_to) = (from.year_before(), to.year_before());
    let mut counts: BTreeMap<G, (u64, u64)> = BTreeMap::new();
    for (&ts, group) in timestamps.iter().zip(groups) {
        let date = Date::of_timestamp(ts, utc_offset_seconds);
        if from <= date && date < to {
            counts.entry(group.clone()).or_default().0 += 1;
        } else if previous_from <= date && date < previous_to {
            counts.entry(group.clone()).or_default().1 += 1;
        }
    }
    Ok(counts
        .into_iter()
        .map(|(group, (current, previous))| YearOnYear {
            group,
            current,
            previous,
            change: current as i64 - previous as i64,
            change_ratio: (previous > 0)
                .then(|| (current as f64 - previous as f64) / previous as f64),
        })
        .collect())
}
