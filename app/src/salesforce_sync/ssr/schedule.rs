//! The daily run: at `daily_at` (default 03:00) in the organisation's time zone. Each
//! instance checks every minute; the first to move `sync_settings.last_scheduled_day` to
//! today (a conditional UPDATE the database decides) fires the run, so it fires once per
//! day however many instances share the database. The run itself also takes its lease.
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::csm::ensure_settings;
use super::reader::Retry;
use super::run::{self, Trigger, SOURCE};
use crate::connections::ssr::salesforce::{PROVIDER, STATUS_CONNECTED};
use crate::db::entities::{oauth_connections, sync_settings};
use crate::error::AppError;
use crate::jobs::Job;
use crate::state::AppState;
use crate::time::now_ms;

/// The organisation's time zone: a fixed offset, or an IANA zone (with its DST rules).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    Fixed(i64),
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `UTC`, `+02:00`, `UTC-05:30`, or an IANA name such as `Europe/Berlin`.
    pub fn parse(zone: &str) -> Option<Self> {
        if let Some(minutes) = offset_minutes(zone) {
            return Some(Zone::Fixed(minutes));
        }
        zone.trim().parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// Minutes east of UTC at the instant `utc_ms`.
    pub fn offset_at(self, utc_ms: i64) -> i64 {
        use chrono::{Offset, TimeZone};
        match self {
            Zone::Fixed(minutes) => minutes,
            Zone::Named(tz) => chrono::DateTime::from_timestamp_millis(utc_ms)
                .map(|at| {
                    i64::from(
                        tz.offset_from_utc_datetime(&at.naive_utc())
                            .fix()
                            .local_minus_utc(),
                    ) / 60
                })
                .unwrap_or(0),
        }
    }
}

/// `UTC`, `Z`, `+02:00`, `-0530` → minutes east of UTC.
pub fn offset_minutes(zone: &str) -> Option<i64> {
    let zone = zone.trim();
    if zone.eq_ignore_ascii_case("utc") || zone == "Z" || zone.is_empty() {
        return Some(0);
    }
    let zone = zone
        .strip_prefix("UTC")
        .or_else(|| zone.strip_prefix("utc"))
        .unwrap_or(zone);
    let (sign, rest) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits = rest.replace(':', "");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// `HH:MM` → minutes after midnight.
pub fn minute_of_day(at: &str) -> Option<i64> {
    let (h, m) = at.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// The local day (`YYYY-MM-DD`) of `now` in the zone, when the run is due: once the local
/// time has reached `daily_at`. On the day clocks go forward past `daily_at` (02:30 that
/// does not exist) it fires at the first local minute after; on the day they go back it
/// fires at the first `daily_at` only (one run per local day).
fn due_day(settings: &sync_settings::Model, now: i64) -> Option<String> {
    let zone = Zone::parse(&settings.time_zone).unwrap_or(Zone::Fixed(0));
    let at = minute_of_day(&settings.daily_at).unwrap_or(3 * 60);
    let local = now + zone.offset_at(now) * 60_000;
    let day = crate::time_label::exact_utc(local)[..10].to_owned();
    let minute = local.rem_euclid(86_400_000) / 60_000;
    (minute >= at && settings.last_scheduled_day.as_deref() != Some(day.as_str())).then_some(day)
}

/// Claims the daily runs that are due: answers the organisations this caller must run now.
/// Several instances calling it at once get each organisation once between them.
pub async fn claim_due(state: &AppState, now: i64) -> Result<Vec<i32>, AppError> {
    let db = &state.db;
    let orgs: Vec<i32> = oauth_connections::Entity::find()
        .filter(oauth_connections::Column::Provider.eq(PROVIDER))
        .filter(oauth_connections::Column::Status.eq(STATUS_CONNECTED))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.org_id)
        .collect();
    let mut claimed = Vec::new();
    for org_id in orgs {
        let txn = crate::db::begin_write(db).await?;
        ensure_settings(&txn, org_id, now).await?;
        let settings = sync_settings::Entity::find()
            .filter(sync_settings::Column::OrgId.eq(org_id))
            .filter(sync_settings::Column::Source.eq(SOURCE))
            .one(&txn)
            .await?;
        let Some(day) = settings.as_ref().and_then(|s| due_day(s, now)) else {
            txn.commit().await?;
            continue;
        };
        let won = sync_settings::Entity::update_many()
            .col_expr(
                sync_settings::Column::LastScheduledDay,
                Expr::value(day.clone()),
            )
            .filter(sync_settings::Column::OrgId.eq(org_id))
            .filter(sync_settings::Column::Source.eq(SOURCE))
            .filter(
                Condition::any()
                    .add(sync_settings::Column::LastScheduledDay.is_null())
                    .add(sync_settings::Column::LastScheduledDay.ne(day)),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if won.rows_affected == 1 {
            claimed.push(org_id);
        }
    }
    Ok(claimed)
}

/// Sets the daily time (`HH:MM`) and time zone (`UTC`, a fixed offset such as `+01:00`, or
/// an IANA zone such as `Europe/Berlin`, which follows its daylight saving time).
pub async fn set_daily(
    state: &AppState,
    org_id: i32,
    daily_at: &str,
    time_zone: &str,
) -> Result<(), AppError> {
    if minute_of_day(daily_at).is_none() {
        return Err(AppError::field(
            "daily_at",
            "Give the time as HH:MM on a 24-hour clock, such as 03:00.",
        ));
    }
    if Zone::parse(time_zone).is_none() {
        return Err(AppError::field(
            "time_zone",
            "Give the time zone as UTC, an offset such as +01:00, or a zone name such as Europe/Berlin.",
        ));
    }
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    ensure_settings(&txn, org_id, now).await?;
    sync_settings::Entity::update_many()
        .col_expr(sync_settings::Column::DailyAt, Expr::value(daily_at.trim()))
        .col_expr(
            sync_settings::Column::TimeZone,
            Expr::value(time_zone.trim()),
        )
        .col_expr(sync_settings::Column::UpdatedAt, Expr::value(now))
        .filter(sync_settings::Column::OrgId.eq(org_id))
        .filter(sync_settings::Column::Source.eq(SOURCE))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The minute-by-minute check, as a background job; due runs go on their own tasks.
pub fn job(state: &AppState) -> Job {
    let state = state.clone();
    Job::new(
        "salesforce_daily_runs",
        Duration::from_secs(60),
        move || {
            let state = state.clone();
            async move {
                let due = claim_due(&state, now_ms())
                    .await
                    .map_err(|e| e.to_string())?;
                for org_id in &due {
                    let (state, org_id) = (state.clone(), *org_id);
                    tokio::spawn(async move {
                        match run::run(&state, org_id, SOURCE, Trigger::Schedule, Retry::default())
                            .await
                        {
                            Ok(summary) => {
                                tracing::info!(org_id, summary = %summary.line(), "scheduled Salesforce run")
                            }
                            Err(error) => {
                                tracing::warn!(org_id, %error, "scheduled Salesforce run not started")
                            }
                        }
                    });
                }
                Ok(format!("{} daily Salesforce runs started", due.len()))
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_times_parse() {
        assert_eq!(offset_minutes("UTC"), Some(0));
        assert_eq!(offset_minutes("+02:00"), Some(120));
        assert_eq!(offset_minutes("UTC-05:30"), Some(-330));
        assert_eq!(offset_minutes("Europe/Berlin"), None);
        assert_eq!(minute_of_day("03:00"), Some(180));
        assert_eq!(minute_of_day("24:00"), None);
        assert_eq!(
            Zone::parse("Europe/Berlin"),
            Some(Zone::Named(chrono_tz::Europe::Berlin))
        );
        assert_eq!(Zone::parse("+01:00"), Some(Zone::Fixed(60)));
        assert_eq!(Zone::parse("Mars/Olympus"), None);
    }

    fn ms(at: &str) -> i64 {
        crate::salesforce_sync::ssr::incremental::parse_stamp(at).unwrap()
    }

    fn settings(zone: &str, at: &str, last: Option<&str>) -> sync_settings::Model {
        sync_settings::Model {
            id: 1,
            org_id: 1,
            source: SOURCE.into(),
            csm_field: None,
            csm_field_kind: None,
            daily_at: at.into(),
            time_zone: zone.into(),
            last_scheduled_day: last.map(str::to_owned),
            updated_at: 0,
        }
    }

    #[test]
    fn the_daily_run_follows_daylight_saving_time() {
        let berlin = |last: Option<&str>| settings("Europe/Berlin", "03:00", last);
        // Winter (CET, +01:00): 03:00 in Berlin is 02:00 UTC.
        assert_eq!(due_day(&berlin(None), ms("2027-03-27T01:59:00Z")), None);
        assert_eq!(
            due_day(&berlin(None), ms("2027-03-27T02:00:00Z")).as_deref(),
            Some("2027-03-27")
        );
        // The clocks go forward on 28 March 2027 at 02:00: 03:00 CEST is 01:00 UTC.
        let after = berlin(Some("2027-03-27"));
        assert_eq!(due_day(&after, ms("2027-03-28T00:59:00Z")), None);
        assert_eq!(
            due_day(&after, ms("2027-03-28T01:00:00Z")).as_deref(),
            Some("2027-03-28")
        );
        // Once per local day.
        assert_eq!(
            due_day(&berlin(Some("2027-03-28")), ms("2027-03-28T05:00:00Z")),
            None
        );
        // A time the spring-forward skips (02:30) fires at the first minute after it.
        let skipped = settings("Europe/Berlin", "02:30", Some("2027-03-27"));
        assert_eq!(due_day(&skipped, ms("2027-03-28T00:59:00Z")), None);
        assert_eq!(
            due_day(&skipped, ms("2027-03-28T01:00:00Z")).as_deref(),
            Some("2027-03-28")
        );
        // Back to CET on 31 October 2027: 03:00 is 02:00 UTC again, and 02:30, which
        // happens twice that night, fires at the first.
        let autumn = berlin(Some("2027-10-30"));
        assert_eq!(due_day(&autumn, ms("2027-10-31T01:30:00Z")), None);
        assert_eq!(
            due_day(&autumn, ms("2027-10-31T02:00:00Z")).as_deref(),
            Some("2027-10-31")
        );
        let twice = settings("Europe/Berlin", "02:30", Some("2027-10-30"));
        assert_eq!(
            due_day(&twice, ms("2027-10-31T00:30:00Z")).as_deref(),
            Some("2027-10-31")
        );
        assert_eq!(
            due_day(
                &settings("Europe/Berlin", "02:30", Some("2027-10-31")),
                ms("2027-10-31T01:30:00Z")
            ),
            None
        );
        // A fixed offset never moves.
        let fixed = settings("+01:00", "03:00", Some("2027-03-27"));
        assert_eq!(due_day(&fixed, ms("2027-03-28T01:00:00Z")), None);
        assert!(due_day(&fixed, ms("2027-03-28T02:00:00Z")).is_some());
    }
}
