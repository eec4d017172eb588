//! The hour × weekday matrix, trends and year-on-year change.

use fengqiao_analytics::{Date, Period, hour_weekday_matrix, trend, year_on_year};

const CST: i32 = 8 * 3600;

fn at(year: i32, month: u8, day: u8, hour: i64) -> i64 {
    Date::new(year, month, day).unwrap().days() * 86_400 + hour * 3600 - i64::from(CST)
}

#[test]
fn events_land_in_their_local_hour_and_weekday() {
    // 2026-11-23 is a Monday; 23:30 local on Sunday 2026-11-22 is 15:30 UTC.
    let stamps = [
        at(2026, 11, 23, 9),
        at(2026, 11, 23, 9),
        at(2026, 11, 22, 23) + 1800,
        at(1969, 12, 31, 0),
    ];
    let matrix = hour_weekday_matrix(&stamps, CST);
    assert_eq!(matrix[9][0], 2);
    assert_eq!(matrix[23][6], 1);
    // 1969-12-31 was a Wednesday.
    assert_eq!(matrix[0][2], 1);
    assert_eq!(matrix.iter().flatten().sum::<u64>(), 4);
}

#[test]
fn dates_round_trip_through_day_numbers() {
    for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_932_896] {
        assert_eq!(Date::from_days(days).days(), days);
    }
    assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
    assert_eq!(
        Date::new(2024, 2, 29).unwrap().year_before().to_string(),
        "2023-02-28"
    );
    assert!(Date::new(2025, 2, 29).is_err());
}

#[test]
fn monthly_trends_fill_empty_months_with_zero() {
    let stamps = [
        at(2026, 1, 31, 23),
        at(2026, 1, 5, 0),
        at(2026, 4, 1, 0),
        at(2026, 2, 1, 0),
    ];
    let groups = ["theft", "theft", "theft", "dispute"];
    let result = trend(&stamps, &groups, Period::Month, CST).unwrap();
    let months: Vec<String> = result.periods.iter().map(ToString::to_string).collect();
    assert_eq!(
        months,
        ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    );
    assert_eq!(result.series["theft"], vec![2, 0, 0, 1]);
    assert_eq!(result.series["dispute"], vec![0, 1, 0, 0]);
}

#[test]
fn weeks_start_on_monday() {
    let sunday = Date::new(2026, 11, 29).unwrap();
    assert_eq!(Period::Week.start(sunday), Date::new(2026, 11, 23).unwrap());
    assert_eq!(
        Period::Quarter.start(sunday),
        Date::new(2026, 10, 1).unwrap()
    );
}

#[test]
fn year_on_year_compares_the_same_window_a_year_earlier_by_group() {
    let stamps = [
        at(2026, 3, 1, 10),
        at(2026, 3, 15, 10),
        at(2026, 3, 20, 10),
        at(2025, 3, 2, 10),
        at(2025, 3, 31, 23), // outside: the window ends before 1 April … and 31 March is inside
        at(2025, 4, 1, 1),
        at(2026, 3, 5, 10),
    ];
    let groups = [
        ("theft", "east"),
        ("theft", "east"),
        ("theft", "east"),
        ("theft", "east"),
        ("theft", "east"),
        ("theft", "east"),
        ("dispute", "west"),
    ];
    let from = Date::new(2026, 3, 1).unwrap();
    let to = Date::new(2026, 4, 1).unwrap();
    let rows = year_on_year(&stamps, &groups, from, to, CST).unwrap();
    assert_eq!(rows.len(), 2);
    let theft = rows.iter().find(|r| r.group == ("theft", "east")).unwrap();
    assert_eq!((theft.current, theft.previous, theft.change), (3, 2, 1));
    assert_eq!(theft.change_ratio, Some(0.5));
    let dispute = rows
        .iter()
        .find(|r| r.group == ("dispute", "west"))
        .unwrap();
    assert_eq!(
        (dispute.current, dispute.previous, dispute.change_ratio),
        (1, 0, None)
    );
}
