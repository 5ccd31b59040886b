use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::entities::job_leases::{self, Entity as JobLeases};
use crate::error::AppError;

/// Tries to take the lease for a due job. True means this holder must run it now.
pub async fn try_acquire(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    interval_ms: i64,
    lease_ms: i64,
    now: i64,
) -> Result<bool, AppError> {
    JobLeases::insert(job_leases::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(String::new()),
        lease_until: Set(0),
        last_run_at: Set(0),
    })
    .on_conflict(
        OnConflict::column(job_leases::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let won = JobLeases::update_many()
        .col_expr(job_leases::Column::Holder, Expr::value(holder))
        .col_expr(job_leases::Column::LeaseUntil, Expr::value(now + lease_ms))
        .filter(job_leases::Column::Name.eq(name))
        .filter(job_leases::Column::LeaseUntil.lt(now))
        .filter(job_leases::Column::LastRunAt.lte(now - interval_ms))
        .exec(db)
        .await?;
    Ok(won.rows_affected == 1)
}

/// Records a finished run and gives the lease back.
pub async fn release(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: i64,
) -> Result<(), AppError> {
    JobLeases::update_many()
        .col_expr(job_leases::Column::LastRunAt, Expr::value(now))
        .col_expr(job_leases::Column::LeaseUntil, Expr::value(0i64))
        .filter(job_leases::Column::Name.eq(name))
        .filter(job_leases::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// Extends a lease its holder still holds (a long run, after each step).
pub async fn renew(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    until: i64,
) -> Result<(), AppError> {
    JobLeases::update_many()
        .col_expr(job_leases::Column::LeaseUntil, Expr::value(until))
        .filter(job_leases::Column::Name.eq(name))
        .filter(job_leases::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}
