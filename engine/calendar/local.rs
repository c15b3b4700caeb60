//! Local wall-clock time to UTC instants: this module owns the one place where a local
//! date and a number of seconds after local midnight become seconds since the Unix epoch,
//! including the disambiguation rules for daylight-saving gaps and overlaps.

use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{GapInfo, Tz};

/// Seconds in a civil (non-DST) day, and the `24:00` value of a closing time.
pub(super) const DAY_SECONDS: u32 = 86_400;

/// The UTC instant of `secs` seconds after local midnight of `date` in `tz`.
///
/// `secs == 86_400` means `24:00`, i.e. the next local midnight. A local time that does not
/// exist (a spring-forward gap) is read with the UTC offset in force just before the gap, so it
/// moves forward by the length of the gap; a local time that occurs twice (fall back) means its
/// first occurrence. Returns `None` only when the date arithmetic leaves chrono's range.
pub(super) fn local_to_utc(tz: Tz, date: NaiveDate, secs: u32) -> Option<i64> {
    let (date, secs) = if secs >= DAY_SECONDS {
        (date.succ_opt()?, secs - DAY_SECONDS)
    } else {
        (date, secs)
    };
    let naive = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?);
    naive_local_to_utc(tz, &naive)
}

/// [`local_to_utc`] for a full local date-time.
fn naive_local_to_utc(tz: Tz, naive: &NaiveDateTime) -> Option<i64> {
    match tz.from_local_datetime(naive) {
        LocalResult::Single(dt) => Some(dt.timestamp()),
        LocalResult::Ambiguous(first, _) => Some(first.timestamp()),
        LocalResult::None => {
            let before = match GapInfo::new(naive, &tz).and_then(|gap| gap.begin) {
                Some((_, offset)) => offset.fix().local_minus_utc(),
                // No recorded transition before the gap: fall back to the offset in force a
                // day earlier, which is the pre-gap offset for every real zone.
                None => {
                    let probe = naive.checked_sub_signed(TimeDelta::days(1))?;
                    tz.offset_from_utc_datetime(&probe).fix().local_minus_utc()
                }
            };
            Some(naive.and_utc().timestamp() - i64::from(before))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn london_spring_gap_moves_forward() {
        let tz = chrono_tz::Europe::London;
        // 2026-03-29: 01:00 GMT -> 02:00 BST. 01:30 does not exist: read as 01:30 GMT.
        let t = local_to_utc(tz, d(2026, 3, 29), 5_400).unwrap();
        assert_eq!(t, 1_774_747_800); // 2026-03-29T01:30:00Z
        // 02:00 exists (BST) = 01:00Z.
        assert_eq!(
            local_to_utc(tz, d(2026, 3, 29), 7_200).unwrap(),
            1_774_746_000
        );
    }

    #[test]
    fn london_fall_back_first_occurrence() {
        let tz = chrono_tz::Europe::London;
        // 2026-10-25: 02:00 BST -> 01:00 GMT; 01:30 occurs twice, first is BST = 00:30Z.
        assert_eq!(
            local_to_utc(tz, d(2026, 10, 25), 5_400).unwrap(),
            1_792_888_200
        );
    }

    #[test]
    fn twenty_four_hundred_is_next_midnight() {
        let tz = chrono_tz::UTC;
        assert_eq!(
            local_to_utc(tz, d(1970, 1, 1), DAY_SECONDS),
            local_to_utc(tz, d(1970, 1, 2), 0)
        );
        assert_eq!(local_to_utc(tz, d(1970, 1, 2), 0), Some(86_400));
    }
}
