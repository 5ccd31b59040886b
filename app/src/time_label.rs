//! Times for people: "3 days ago" with the exact UTC time beside it. Computed on the server
//! and sent as text, so the server-rendered page and the hydrated one always agree.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLabel {
    /// "just now", "5 minutes ago", "in 6 days".
    pub relative: String,
    /// "2026-11-22 10:15 UTC".
    pub exact: String,
}

impl TimeLabel {
    pub fn new(at_ms: i64, now_ms: i64) -> Self {
        Self {
            relative: relative(at_ms, now_ms),
            exact: exact_utc(at_ms),
        }
    }
}

fn relative(at_ms: i64, now_ms: i64) -> String {
    let seconds = (now_ms - at_ms) / 1000;
    let (future, seconds) = (seconds < 0, seconds.abs());
    let (amount, unit) = match seconds {
        0..=44 => return "just now".to_owned(),
        45..=3599 => ((seconds + 30) / 60, "minute"),
        3600..=86_399 => ((seconds + 1800) / 3600, "hour"),
        86_400..=2_591_999 => ((seconds + 43_200) / 86_400, "day"),
        2_592_000..=31_535_999 => ((seconds + 1_296_000) / 2_592_000, "month"),
        _ => ((seconds + 15_768_000) / 31_536_000, "year"),
    };
    let amount = amount.max(1);
    let plural = if amount == 1 { "" } else { "s" };
    if future {
        format!("in {amount} {unit}{plural}")
    } else {
        format!("{amount} {unit}{plural} ago")
    }
}

/// Epoch milliseconds as a UTC date and minute (proleptic Gregorian calendar).
pub fn exact_utc(at_ms: i64) -> String {
    let seconds = at_ms.div_euclid(1000);
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Civil-from-days (H. Hinnant), valid for any day count in range.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        (rest % 3600) / 60
    )
}

/// Midnight UTC of a `YYYY-MM-DD` date, as epoch milliseconds (days-from-civil, H. Hinnant).
pub fn date_start_ms(date: &str) -> Option<i64> {
    let (y, rest) = date.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_exact_dates() {
        assert_eq!(exact_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(exact_utc(1_795_342_500_000), "2026-11-22 10:15 UTC");
        assert_eq!(exact_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(date_start_ms("2000-02-29"), Some(951_782_400_000));
        assert_eq!(date_start_ms("1970-01-01"), Some(0));
        assert_eq!(
            exact_utc(date_start_ms("2026-11-22").unwrap()),
            "2026-11-22 00:00 UTC"
        );
        assert_eq!(date_start_ms("2026-13-01"), None);
    }

    #[test]
    fn test_relative_phrases() {
        let now = 1_795_342_500_000;
        assert_eq!(relative(now - 10_000, now), "just now");
        assert_eq!(relative(now - 60_000, now), "1 minute ago");
        assert_eq!(relative(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(relative(now + 7 * 86_400_000, now), "in 7 days");
        assert_eq!(relative(now - 400 * 86_400_000, now), "1 year ago");
    }
}
