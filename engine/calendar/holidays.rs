//! Holidays that come back every year: the date a [`YearlyDay`] falls on in a year (with the
//! Gregorian computus for Easter), weekend substitutes, and how far a calendar's holidays reach.
//!
//! Pure date arithmetic over the model's [`HolidayRule`]s; reading files and reporting problems
//! is [`super::compile`]'s job.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::model::YearlyDay;
use crate::model::calendar::{HolidayRule, Substitute};

/// How far into the years a calendar's holidays are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coverage {
    /// Through the last day of this year: the last year of a dated holiday, of a holiday file's
    /// dates or of a rule with a `last_year`.
    Until(i32),
    /// Every year: some rule has no `last_year`.
    Always,
}

impl Coverage {
    /// How far the rules reach: every year unless each has a last year.
    pub fn of_rules<'a>(rules: impl IntoIterator<Item = &'a HolidayRule>) -> Option<Coverage> {
        rules
            .into_iter()
            .map(|rule| {
                rule.last_year
                    .as_ref()
                    .map_or(Coverage::Always, |y| Coverage::Until(y.value))
            })
            .max()
    }

    /// How far dated holidays reach: the year of the last.
    pub fn of_dates<'a>(dates: impl IntoIterator<Item = &'a NaiveDate>) -> Option<Coverage> {
        dates.into_iter().map(|d| Coverage::Until(d.year())).max()
    }
}

/// Western Easter Sunday of `year` (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c.div_euclid(4), c.rem_euclid(4));
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    NaiveDate::from_ymd_opt(
        year,
        u32::try_from(n.div_euclid(31)).ok()?,
        u32::try_from(n.rem_euclid(31) + 1).ok()?,
    )
}

/// Days from `from` forward to the next `weekday` (0 when `from` is one).
fn days_until(from: Weekday, weekday: Weekday) -> u64 {
    u64::from((7 + weekday.num_days_from_monday() - from.num_days_from_monday()) % 7)
}

/// The date `day` falls on in `year`, if it falls in that year (`02-29` and a fifth Monday do
/// not always).
pub fn date_in(day: YearlyDay, year: i32) -> Option<NaiveDate> {
    match day {
        YearlyDay::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
        YearlyDay::Easter(offset) => {
            let sunday = easter(year)?;
            let days = Days::new(u64::from(offset.unsigned_abs()));
            if offset < 0 {
                sunday.checked_sub_days(days)
            } else {
                sunday.checked_add_days(days)
            }
        }
        YearlyDay::Nth {
            nth,
            weekday,
            month,
        } if nth > 0 => {
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let weeks = u64::from(nth.unsigned_abs() - 1) * 7;
            let date =
                first.checked_add_days(Days::new(days_until(first.weekday(), weekday) + weeks))?;
            (date.month() == month).then_some(date)
        }
        YearlyDay::Nth {
            nth,
            weekday,
            month,
        } => {
            let last = NaiveDate::from_ymd_opt(year, month, 1)?
                .checked_add_months(chrono::Months::new(1))?
                .pred_opt()?;
            let back = days_until(weekday, last.weekday());
            let weeks = u64::from(nth.unsigned_abs().saturating_sub(1)) * 7;
            let date = last.checked_sub_days(Days::new(back + weeks))?;
            (date.month() == month).then_some(date)
        }
        YearlyDay::OnOrAfter {
            weekday,
            month,
            day,
        } => {
            let from = NaiveDate::from_ymd_opt(year, month, day)?;
            from.checked_add_days(Days::new(days_until(from.weekday(), weekday)))
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Every holiday of a calendar in `years`: its `dated` holidays, the dates of its `rules` in
/// those years (each within its first and last year), and their weekend substitutes.
///
/// Substitutes are given in date order (rules of the same date in the order written), after
/// every rule's own dates are known: a `next_free_weekday` substitute skips weekends, the dated
/// holidays, every rule date and the substitutes given before it.
pub fn expand<'a>(
    rules: impl IntoIterator<Item = &'a HolidayRule>,
    dated: &BTreeSet<NaiveDate>,
    years: RangeInclusive<i32>,
) -> BTreeSet<NaiveDate> {
    let mut taken = dated.clone();
    let mut weekend: Vec<(NaiveDate, usize, Substitute)> = Vec::new();
    for (index, rule) in rules.into_iter().enumerate() {
        let first = rule.first_year.as_ref().map_or(*years.start(), |y| y.value);
        let last = rule.last_year.as_ref().map_or(*years.end(), |y| y.value);
        let from = first.max(*years.start());
        let to = last.min(*years.end());
        for year in from..=to {
            let Some(date) = date_in(rule.on.value, year) else {
                continue;
            };
            taken.insert(date);
            if let Some(substitute) = rule.substitute.filter(|_| is_weekend(date)) {
                weekend.push((date, index, substitute));
            }
        }
    }
    weekend.sort_by_key(|(date, index, _)| (*date, *index));
    for (date, _, substitute) in weekend {
        let instead = match substitute {
            Substitute::NearestWeekday if date.weekday() == Weekday::Sat => date.pred_opt(),
            Substitute::NearestWeekday => date.succ_opt(),
            Substitute::NextFreeWeekday => std::iter::successors(date.succ_opt(), |d| d.succ_opt())
                .take(366)
                .find(|d| !is_weekend(*d) && !taken.contains(d)),
        };
        taken.extend(instead);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn on(text: &str, year: i32) -> Option<NaiveDate> {
        date_in(text.parse().unwrap(), year)
    }

    #[test]
    fn easter_sundays_of_the_gregorian_computus() {
        // Known dates, including the extremes 22 March (2285) and 25 April (1943, 2038).
        for (year, date) in [
            (1943, "1943-04-25"),
            (2008, "2008-03-23"),
            (2019, "2019-04-21"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2100, "2100-03-28"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter(year), Some(d(date)), "{year}");
        }
    }

    #[test]
    fn yearly_days_fall_on_their_date() {
        assert_eq!(on("12-25", 2027), Some(d("2027-12-25")));
        assert_eq!(on("02-29", 2027), None);
        assert_eq!(on("02-29", 2028), Some(d("2028-02-29")));
        assert_eq!(on("easter-2", 2026), Some(d("2026-04-03")));
        assert_eq!(on("easter+39", 2026), Some(d("2026-05-14")));
        assert_eq!(on("first mon of may", 2026), Some(d("2026-05-04")));
        assert_eq!(on("third mon of jan", 2027), Some(d("2027-01-18")));
        assert_eq!(on("fourth thu of nov", 2026), Some(d("2026-11-26")));
        assert_eq!(on("last mon of may", 2027), Some(d("2027-05-31")));
        assert_eq!(on("last mon of aug", 2026), Some(d("2026-08-31")));
        assert_eq!(on("last fri of dec", 2027), Some(d("2027-12-31")));
        assert_eq!(on("fifth mon of feb", 2027), None);
        assert_eq!(on("fri on or after 06-19", 2026), Some(d("2026-06-19")));
        assert_eq!(on("fri on or after 06-19", 2027), Some(d("2027-06-25")));
        assert_eq!(on("sat on or after 10-31", 2027), Some(d("2027-11-06")));
    }

    fn rule(yaml_on: &str, substitute: Option<Substitute>) -> HolidayRule {
        HolidayRule {
            on: crate::model::Spanned::builtin(yaml_on.parse().unwrap()),
            name: None,
            substitute,
            first_year: None,
            last_year: None,
        }
    }

    fn dates(set: &BTreeSet<NaiveDate>, year: i32) -> Vec<String> {
        set.iter()
            .filter(|d| d.year() == year)
            .map(|d| d.format("%m-%d").to_string())
            .collect()
    }

    #[test]
    fn uk_substitutes_skip_days_that_are_already_holidays() {
        let next = Some(Substitute::NextFreeWeekday);
        let rules = [
            rule("12-25", next),
            rule("12-26", next),
            rule("01-01", next),
        ];
        let set = expand(&rules, &BTreeSet::new(), 2020..=2028);
        // Christmas on a Saturday, Boxing Day on a Sunday: Monday 27 and Tuesday 28.
        assert_eq!(
            dates(&set, 2027),
            ["01-01", "12-25", "12-26", "12-27", "12-28"]
        );
        // Christmas on a Sunday: Boxing Day is Monday 26, Christmas's substitute Tuesday 27.
        assert_eq!(
            dates(&set, 2022),
            ["01-01", "01-03", "12-25", "12-26", "12-27"]
        );
        // Boxing Day on a Saturday: Monday 28.
        assert_eq!(dates(&set, 2026), ["01-01", "12-25", "12-26", "12-28"]);
    }

    #[test]
    fn us_observed_days_are_the_nearest_weekday_even_across_the_new_year() {
        let nearest = Some(Substitute::NearestWeekday);
        let rules = [rule("01-01", nearest), rule("07-04", nearest)];
        let set = expand(&rules, &BTreeSet::new(), 2026..=2028);
        assert!(set.contains(&d("2026-07-03")), "Saturday's on Friday");
        assert!(set.contains(&d("2027-07-05")), "Sunday's on Monday");
        assert!(
            set.contains(&d("2027-12-31")),
            "1 January 2028 is a Saturday"
        );
    }

    #[test]
    fn rules_apply_within_their_years_and_coverage_is_the_furthest_source() {
        let mut juneteenth = rule("06-19", None);
        juneteenth.first_year = Some(crate::model::Spanned::builtin(2021));
        juneteenth.last_year = Some(crate::model::Spanned::builtin(2030));
        let set = expand([&juneteenth], &BTreeSet::new(), 2019..=2032);
        assert_eq!(set.first(), Some(&d("2021-06-19")));
        assert_eq!(set.last(), Some(&d("2030-06-19")));
        assert_eq!(
            Coverage::of_rules([&juneteenth]),
            Some(Coverage::Until(2030))
        );
        let open = rule("12-25", None);
        assert_eq!(
            Coverage::of_rules([&juneteenth, &open]),
            Some(Coverage::Always)
        );
        assert_eq!(Coverage::of_rules([]), None);
        assert_eq!(
            Coverage::of_dates(&[d("2027-12-28"), d("2026-01-01")]),
            Some(Coverage::Until(2027))
        );
    }
}
