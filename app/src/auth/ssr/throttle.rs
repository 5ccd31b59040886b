//! Sign-in throttling, shared by every instance through the database.
//!
//! Three counters, so attackers slow down without anyone being able to lock a user out:
//! - account + client address: the attacker's own attempts; backs off hard (30 s doubling
//!   up to 15 min), and only affects that address;
//! - account from anywhere: slows distributed guessing but is capped at 60 s, so the real
//!   user is never locked out for long;
//! - client address across accounts: stops credential stuffing from one address.
//! The keys use the typed email whether or not an account has it, so throttling answers
//! the same for unknown emails as for real ones.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::entities::sign_in_throttle::{self, Entity as Throttle};
use crate::error::AppError;
use crate::time::MINUTE_MS;

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Failures allowed inside the window before waiting is required.
    pub threshold: i32,
    pub first_wait_ms: i64,
    pub max_wait_ms: i64,
}

pub const ACCOUNT_FROM_ADDRESS: Policy = Policy {
    threshold: 5,
    first_wait_ms: 30_000,
    max_wait_ms: 15 * MINUTE_MS,
};
pub const ACCOUNT: Policy = Policy {
    threshold: 10,
    first_wait_ms: 5_000,
    max_wait_ms: 60_000,
};
pub const ADDRESS: Policy = Policy {
    threshold: 30,
    first_wait_ms: 60_000,
    max_wait_ms: 15 * MINUTE_MS,
};
pub const SECOND_FACTOR: Policy = Policy {
    threshold: 5,
    first_wait_ms: 30_000,
    max_wait_ms: 5 * MINUTE_MS,
};

/// Failures older than this are forgotten (unless a wait is still running).
pub const WINDOW_MS: i64 = 15 * MINUTE_MS;

/// How long to wait after the `failures`-th failure, if at all.
pub fn wait_after(policy: Policy, failures: i32) -> Option<i64> {
    if failures < policy.threshold {
        return None;
    }
    let doublings = (failures - policy.threshold).min(20) as u32;
    Some(
        policy
            .first_wait_ms
            .saturating_mul(1 << doublings)
            .min(policy.max_wait_ms),
    )
}

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}
pub fn account_from_address_key(email: &str, address: &str) -> String {
    format!("account-address:{email}|{address}")
}
pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// What the throttle table says about a set of keys, read in one query.
pub struct Standing {
    /// Seconds until every key allows another attempt (None: go ahead).
    pub blocked_for: Option<u64>,
    /// Keys that have a row (recent failures), so success only clears what exists.
    pub recorded: Vec<String>,
}

pub async fn standing(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: i64,
) -> Result<Standing, AppError> {
    let rows = Throttle::find()
        .filter(sign_in_throttle::Column::Key.is_in(keys.iter().cloned()))
        .all(db)
        .await?;
    let longest = rows
        .iter()
        .map(|row| row.blocked_until - now)
        .max()
        .unwrap_or(0);
    Ok(Standing {
        blocked_for: (longest > 0).then(|| ((longest + 999) / 1000) as u64),
        recorded: rows.into_iter().map(|row| row.key).collect(),
    })
}

/// Seconds until every given key allows another attempt (None: go ahead).
pub async fn blocked_for(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: i64,
) -> Result<Option<u64>, AppError> {
    Ok(standing(db, keys, now).await?.blocked_for)
}

pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    policy: Policy,
    now: i64,
) -> Result<(), AppError> {
    Throttle::insert(sign_in_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        blocked_until: Set(0),
    })
    .on_conflict(
        OnConflict::column(sign_in_throttle::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let Some(row) = Throttle::find_by_id(key.to_owned()).one(db).await? else {
        return Ok(());
    };
    let expired = now - row.window_started_at > WINDOW_MS && row.blocked_until <= now;
    let (failures, window_started_at) = if expired {
        (1, now)
    } else {
        (row.failures + 1, row.window_started_at)
    };
    let blocked_until = wait_after(policy, failures)
        .map(|wait| now + wait)
        .unwrap_or(0);
    let mut active: sign_in_throttle::ActiveModel = row.into();
    active.failures = Set(failures);
    active.window_started_at = Set(window_started_at);
    active.blocked_until = Set(blocked_until);
    active.update(db).await?;
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), AppError> {
    Throttle::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_waits_start_at_threshold_double_and_are_capped() {
        assert_eq!(wait_after(ACCOUNT_FROM_ADDRESS, 4), None);
        assert_eq!(wait_after(ACCOUNT_FROM_ADDRESS, 5), Some(30_000));
        assert_eq!(wait_after(ACCOUNT_FROM_ADDRESS, 6), Some(60_000));
        assert_eq!(wait_after(ACCOUNT_FROM_ADDRESS, 60), Some(15 * MINUTE_MS));
    }

    #[test]
    fn test_nobody_can_lock_an_account_for_more_than_a_minute() {
        for failures in 0..10_000 {
            assert!(wait_after(ACCOUNT, failures).unwrap_or(0) <= 60_000);
        }
    }
}
