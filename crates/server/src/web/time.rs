//! Times on the admin page: microseconds UTC shown as ISO-8601 (`2024-11-19T07:06:40Z`)
//! and the search form's time fields read back (UTC, to the second), by the civil-date
//! arithmetic of Howard Hinnant's `days_from_civil`, with no time zone database.

/// Why a time field could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a UTC time like 2024-11-19, 2024-11-19T07:06 or 2024-11-19T07:06:40Z")]
pub struct BadTime;

const US_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2024-11-19T07:06:40Z` (whole seconds, rounded down).
pub fn iso_utc(time_us: i64) -> String {
    let secs = time_us.div_euclid(US_PER_SEC);
    let days = secs.div_euclid(SECS_PER_DAY);
    let of_day = secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3_600,
        of_day / 60 % 60,
        of_day % 60
    )
}

fn number(text: &str, len: usize, range: std::ops::RangeInclusive<i64>) -> Result<i64, BadTime> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadTime);
    }
    let value: i64 = text.parse().map_err(|_| BadTime)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(BadTime)
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A UTC time typed into the search form, in microseconds: `YYYY-MM-DD`, then
/// optionally `THH:MM` or `THH:MM:SS` (a space may stand for the `T`), then optionally
/// `Z`. Years 1970 to 9999.
pub fn parse_utc(text: &str) -> Result<i64, BadTime> {
    let text = text.trim();
    let text = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut date_parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (
        date_parts.next(),
        date_parts.next(),
        date_parts.next(),
        date_parts.next(),
    ) else {
        return Err(BadTime);
    };
    let year = number(y, 4, 1970..=9999)?;
    let month = number(m, 2, 1..=12)?;
    let day = number(d, 2, 1..=days_in_month(year, month))?;
    let of_day = match time {
        None => 0,
        Some(time) => {
            let parts: Vec<&str> = time.split(':').collect();
            let (h, min, s) = match parts.as_slice() {
                [h, min] => (*h, *min, "00"),
                [h, min, s] => (*h, *min, *s),
                _ => return Err(BadTime),
            };
            number(h, 2, 0..=23)? * 3_600 + number(min, 2, 0..=59)? * 60 + number(s, 2, 0..=59)?
        }
    };
    Ok((days_from_civil(year, month, day) * SECS_PER_DAY + of_day) * US_PER_SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_iso_utc() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_732_000_000_000_000, "2024-11-19T07:06:40Z"),
            (1_732_000_000_999_999, "2024-11-19T07:06:40Z"),
            (951_782_400_000_000, "2000-02-29T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (253_402_300_799_000_000, "9999-12-31T23:59:59Z"),
        ];
        for (time_us, shown) in cases {
            assert_eq!(iso_utc(time_us), shown, "{time_us}");
        }
        // Extremes do not panic.
        let _ = iso_utc(i64::MAX);
        let _ = iso_utc(i64::MIN);
    }

    #[test]
    fn typed_times_read_back() -> Result<(), BadTime> {
        assert_eq!(parse_utc("2024-11-19T07:06:40Z")?, 1_732_000_000_000_000);
        assert_eq!(parse_utc(" 2024-11-19 07:06:40 ")?, 1_732_000_000_000_000);
        assert_eq!(parse_utc("2024-11-19T07:06")?, 1_731_999_960_000_000);
        assert_eq!(parse_utc("2024-11-19")?, 1_731_974_400_000_000);
        assert_eq!(parse_utc("2000-02-29")?, 951_782_400_000_000);
        for day in 0..800_i64 {
            let time_us = (day * 997 + 11) * SECS_PER_DAY * US_PER_SEC + 3_723_000_000;
            assert_eq!(parse_utc(&iso_utc(time_us))?, time_us, "round trip");
        }
        Ok(())
    }

    #[test]
    fn bad_times_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2024-11-19T07",
            "2024-11-19T07:06:40:00",
            "2024-13-01",
            "2023-02-29",
            "2024-04-31",
            "2024-11-19T24:00",
            "2024-11-19T07:60",
            "1969-12-31",
            "24-11-19",
            "2024-1-19",
            "2024-11-19T+7:06",
            "２０２４-11-19",
        ] {
            assert_eq!(parse_utc(bad), Err(BadTime), "{bad:?}");
        }
    }
}
