//! Vietnam time, in one place: Asia/Ho_Chi_Minh is UTC+7 all year (no
//! daylight saving). Times are stored in UTC; people read and type them in
//! Vietnam time.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime};

/// Seconds east of UTC.
const OFFSET_SECONDS: i32 = 7 * 3600;

/// UTC+7, checked when the program is compiled.
const VN: FixedOffset = match FixedOffset::east_opt(OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

pub fn vn_offset() -> FixedOffset {
    VN
}

/// A stored UTC time in Asia/Ho_Chi_Minh.
pub fn to_vn(t: NaiveDateTime) -> DateTime<FixedOffset> {
    t.and_utc().with_timezone(&vn_offset())
}

/// The wall-clock time in Vietnam of a stored UTC time.
pub fn local(t: NaiveDateTime) -> NaiveDateTime {
    t + Duration::seconds(OFFSET_SECONDS as i64)
}

/// The UTC time of a wall-clock time typed in Vietnam.
pub fn from_local(t: NaiveDateTime) -> NaiveDateTime {
    t - Duration::seconds(OFFSET_SECONDS as i64)
}

/// The date in Vietnam at the UTC time `now` (from the injected clock).
pub fn today(now: NaiveDateTime) -> NaiveDate {
    local(now).date()
}

/// "14:30 29/11/2026": how pages show a time.
pub fn fmt_vn(t: NaiveDateTime) -> String {
    to_vn(t).format("%H:%M %d/%m/%Y").to_string()
}

/// "29/11/2026 14:30": a time in a table, date first.
pub fn fmt_date_time(t: NaiveDateTime) -> String {
    local(t).format("%d/%m/%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_vietnam_time_are_seven_hours_apart_all_year() {
        let utc = NaiveDate::from_ymd_opt(2026, 6, 30)
            .and_then(|d| d.and_hms_opt(18, 30, 0))
            .expect("date");
        assert_eq!(
            today(utc),
            NaiveDate::from_ymd_opt(2026, 7, 1).expect("date")
        );
        assert_eq!(from_local(local(utc)), utc);
        assert_eq!(fmt_vn(utc), "01:30 01/07/2026");
        assert_eq!(fmt_date_time(utc), "01/07/2026 01:30");
        assert_eq!(to_vn(utc).offset().local_minus_utc(), 7 * 3600);
    }
}
