//! Sign-in throttling, shared by every instance through the database.
//!
//! Three counters, so attackers slow down without anyone being able to lock a user out:
//! - account + client address: the attacker's own attempts; backs off hard (30 s doubling
//!   up to 15 min), and only affects that address;
//! - account from anywhere: slows distributed guessing but is capped at 60 s, so the real
//!   user is never locked out for long;
//! - client address across accounts: stops credential stuffing from one address.
//!
//! The keys use the typed email whether or not an account has it, so throttling answers
//! the same for unknown emails as for real ones.
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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

/// One counter to reserve an attempt on, with the policy that governs it.
pub struct Limit {
    pub key: String,
    pub policy: Policy,
}

impl Limit {
    pub fn new(key: String, policy: Policy) -> Self {
        Self { key, policy }
    }
}

/// Counts an attempt against every limit before the work it guards (a password hash, a
/// code check, a reset mail) is done, so parallel attempts cannot all slip in between a
/// read of the counters and their update. Each limit is taken with one conditional
/// `INSERT … ON CONFLICT DO UPDATE … WHERE blocked_until <= now` on SQLite and
/// PostgreSQL alike: the database serialises the increments, none is lost, and an attempt
/// that finds a limit waiting is refused without counting. When one limit refuses, the
/// ones already taken are released again and the caller gets `Throttled`.
///
/// A reserved attempt counts as a failure; the caller releases it on success
/// (`release`, or `clear` for a counter that success resets).
pub async fn reserve(
    db: &impl ConnectionTrait,
    limits: &[Limit],
    now: i64,
) -> Result<(), AppError> {
    for (taken, limit) in limits.iter().enumerate() {
        if !reserve_one(db, limit, now).await? {
            for earlier in &limits[..taken] {
                release(db, earlier).await?;
            }
            let wait_ms = Throttle::find_by_id(limit.key.clone())
                .one(db)
                .await?
                .map(|row| row.blocked_until - now)
                .unwrap_or(0);
            let wait_ms = std::cmp::max(wait_ms, 1);
            return Err(AppError::Throttled(((wait_ms + 999) / 1000) as u64));
        }
    }
    Ok(())
}

fn column(name: sign_in_throttle::Column) -> Expr {
    Expr::col((Throttle, name))
}

/// The conditional upsert behind `reserve`; true when the attempt was counted.
async fn reserve_one(db: &impl ConnectionTrait, limit: &Limit, now: i64) -> Result<bool, AppError> {
    use sea_orm::sea_query::ExprTrait;
    use sign_in_throttle::Column::{BlockedUntil, Failures, Key, WindowStartedAt};
    let window_over = Expr::val(now).sub(column(WindowStartedAt)).gt(WINDOW_MS);
    let failures: Expr = Expr::case(window_over.clone(), 1)
        .finally(column(Failures).add(1))
        .into();
    let insert = Query::insert()
        .into_table(Throttle)
        .columns([Key, Failures, WindowStartedAt, BlockedUntil])
        .values_panic([
            limit.key.clone().into(),
            1.into(),
            now.into(),
            blocked_until(limit.policy, Expr::val(1), now),
        ])
        .on_conflict(
            OnConflict::column(Key)
                .values([
                    (Failures, failures.clone()),
                    (
                        WindowStartedAt,
                        Expr::case(window_over, now)
                            .finally(column(WindowStartedAt))
                            .into(),
                    ),
                    (BlockedUntil, blocked_until(limit.policy, failures, now)),
                ])
                .action_and_where(column(BlockedUntil).lte(now))
                .to_owned(),
        )
        .to_owned();
    Ok(db.execute(&insert).await?.rows_affected() == 1)
}

/// `blocked_until` after `failures` failures, as an expression: the waits of `wait_after`
/// spelled out as a `CASE` ladder, since SQLite and PostgreSQL share no `power`/`least`.
fn blocked_until(policy: Policy, failures: Expr, now: i64) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    let mut ladder = Expr::case(failures.clone().lt(policy.threshold), 0);
    let mut count = policy.threshold;
    while let Some(wait) = wait_after(policy, count).filter(|wait| *wait < policy.max_wait_ms) {
        ladder = ladder.case(failures.clone().eq(count), now + wait);
        count += 1;
    }
    ladder.finally(now + policy.max_wait_ms).into()
}

/// Gives back one reserved attempt (the attempt succeeded); lifts the wait when the
/// counter drops below the threshold again.
pub async fn release(db: &impl ConnectionTrait, limit: &Limit) -> Result<(), AppError> {
    use sea_orm::sea_query::ExprTrait;
    use sign_in_throttle::Column::{BlockedUntil, Failures, Key};
    Throttle::update_many()
        .col_expr(Failures, column(Failures).sub(1))
        .col_expr(
            BlockedUntil,
            Expr::case(column(Failures).sub(1).lt(limit.policy.threshold), 0)
                .finally(column(BlockedUntil))
                .into(),
        )
        .filter(Key.eq(limit.key.as_str()))
        .filter(Failures.gt(0))
        .exec(db)
        .await?;
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
