use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use app::db::entities::job_leases;
use app::state::AppState;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{EntityTrait, QueryFilter, TransactionTrait};

/// For load balancers: 200 when this instance can reach its database, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

/// How long `/readyz` waits for the database to take a write.
const READY_WRITE_WAIT: Duration = Duration::from_secs(2);

/// For orchestrators: 200 when this instance's database accepts a write within two
/// seconds, 503 otherwise (locked by a long writer, read-only, pool exhausted). The probe
/// is an UPDATE that matches no row, in a transaction that is rolled back: it needs the
/// write lock (SQLite) or a writable transaction (PostgreSQL) and changes nothing.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let probe = async {
        let txn = state.db.begin().await?;
        job_leases::Entity::update_many()
            .col_expr(
                job_leases::Column::LeaseUntil,
                Expr::col(job_leases::Column::LeaseUntil),
            )
            .filter(Expr::val(1).eq(0))
            .exec(&txn)
            .await?;
        txn.rollback().await
    };
    match tokio::time::timeout(READY_WRITE_WAIT, probe).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: the database refused a write");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database does not accept writes\n",
            )
        }
        Err(_) => {
            tracing::warn!("readiness check: the database did not take a write within 2 s");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database does not accept writes\n",
            )
        }
    }
}
