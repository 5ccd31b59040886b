//! `/accounts`: list, read, bulk upsert, modify, deactivate, and the deletes of an
//! account's stage/NPS history entries, dimensions and assigned CSMs.
use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Request, State};
use axum::response::Response;
use sea_orm::sea_query::{Cond, Expr, ExprTrait};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{json, Value as Json};

use crate::account_api::fields::{DimKind, ACCOUNTS};
use crate::account_api::http::{bulk_outcome, serve, Ctx, ListParams, Outcome};
use crate::account_api::repo::{self, Stored};
use crate::account_api::upsert::{row_json, upsert, Resource};
use crate::public_api::limits::MAX_PAGE_SIZE;
use crate::state::AppState;
use crate::time::now_ms;

/// Columns a list may be ordered by.
pub const ORDER_COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "name",
    "join_date",
    "renewal_date",
    "current_mrr",
    "current_stage",
    "tier",
    "industry",
    "csm_score",
    "current_nps_score",
    "inactive_time",
    "updated_at",
];

/// Extras a list can add with `include=…` (GET of one account always has them all).
pub const INCLUDES: &[&str] = &[
    "assigned_csms",
    "custom_label_dimensions",
    "custom_value_dimensions",
    "custom_event_dimensions",
    "stage_history",
    "nps_history",
];

fn parse_includes(ctx: &Ctx) -> Result<HashSet<&'static str>, Outcome> {
    let mut wanted = HashSet::new();
    for name in ctx
        .param("include")
        .unwrap_or_default()
        .split(',')
        .map(|n| n.trim().trim_matches(|c| c == '"' || c == '[' || c == ']'))
        .filter(|n| !n.is_empty())
    {
        match INCLUDES.iter().find(|i| **i == name) {
            Some(known) => {
                wanted.insert(*known);
            }
            None => {
                return Err(Outcome::refused(format!(
                    "Unknown include '{name}'; use any of {}.",
                    INCLUDES.join(", ")
                )))
            }
        }
    }
    Ok(wanted)
}

/// Accounts as GET answers them, with the extras asked for.
pub async fn account_results(
    db: &impl ConnectionTrait,
    org_id: i32,
    rows: &[Stored],
    includes: &HashSet<&'static str>,
) -> Result<Vec<Json>, DbErr> {
    let pks: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let account_id_col = ACCOUNTS.col("account_id");
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| crate::account_api::fields::text(&r.row[account_id_col]))
        .collect();
    let parents = repo::parents_among(db, org_id, &ids).await?;
    let kinds: Vec<DimKind> = DimKind::ALL
        .into_iter()
        .filter(|k| includes.contains(k.property()))
        .collect();
    let mut dimensions = repo::dimensions_of(db, "account", &pks, &kinds).await?;
    let mut csms = if includes.contains("assigned_csms") {
        repo::csms_of(db, &pks).await?
    } else {
        Default::default()
    };
    let mut stages = if includes.contains("stage_history") {
        repo::stages_of(db, &pks).await?
    } else {
        Default::default()
    };
    let mut nps = if includes.contains("nps_history") {
        repo::nps_of(db, &pks).await?
    } else {
        Default::default()
    };
    Ok(rows
        .iter()
        .map(|stored| {
            let mut out = row_json(&ACCOUNTS, stored);
            let account_id =
                crate::account_api::fields::text(&stored.row[account_id_col]).unwrap_or_default();
            out.insert("is_leaf".into(), Json::Bool(!parents.contains(&account_id)));
            out.insert("current_health_score".into(), Json::Null);
            let mut own: BTreeMap<DimKind, Vec<Json>> =
                dimensions.remove(&stored.id).unwrap_or_default();
            for kind in &kinds {
                out.insert(
                    kind.property().into(),
                    Json::Array(own.remove(kind).unwrap_or_default()),
                );
            }
            if includes.contains("assigned_csms") {
                out.insert(
                    "assigned_csms".into(),
                    Json::Array(csms.remove(&stored.id).unwrap_or_default()),
                );
            }
            if includes.contains("stage_history") {
                out.insert(
                    "stage_history".into(),
                    Json::Array(stages.remove(&stored.id).unwrap_or_default()),
                );
            }
            if includes.contains("nps_history") {
                out.insert(
                    "nps_history".into(),
                    Json::Array(nps.remove(&stored.id).unwrap_or_default()),
                );
            }
            Json::Object(out)
        })
        .collect())
}

/// The organisation's account with this id, active or not.
pub async fn find_account(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: &str,
) -> Result<Option<Stored>, DbErr> {
    Ok(repo::rows_where_in(
        db,
        &ACCOUNTS,
        org_id,
        "account_id",
        vec![account_id.to_owned()],
    )
    .await?
    .into_iter()
    .next())
}

/// The account's full record (every extra), as GET of one account answers it.
async fn one_account(ctx: &Ctx, account: Stored) -> Result<Json, DbErr> {
    let all: HashSet<&'static str> = INCLUDES.iter().copied().collect();
    Ok(account_results(ctx.db(), ctx.org_id, &[account], &all)
        .await?
        .remove(0))
}

async fn list(ctx: Ctx) -> Outcome {
    let params = match ListParams::parse(&ctx, ORDER_COLUMNS) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let includes = match parse_includes(&ctx) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let rows = match repo::page(
        ctx.db(),
        &ACCOUNTS,
        ctx.org_id,
        Cond::all(),
        params.order_by.as_deref(),
        params.descending,
        params.include_inactive,
        params.offset(),
        MAX_PAGE_SIZE,
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return e.into(),
    };
    match account_results(ctx.db(), ctx.org_id, &rows, &includes).await {
        Ok(results) => params.envelope(results),
        Err(e) => e.into(),
    }
}

async fn get_one(ctx: Ctx, account_id: String) -> Outcome {
    match find_account(ctx.db(), ctx.org_id, &account_id).await {
        Ok(Some(account)) => match one_account(&ctx, account).await {
            Ok(record) => Outcome::ok(json!({"status_is_ok": true, "results": [record]})),
            Err(e) => e.into(),
        },
        Ok(None) => Outcome::not_found("Account not found"),
        Err(e) => e.into(),
    }
}

async fn bulk(mut ctx: Ctx) -> Outcome {
    let records = match ctx.records().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let received = records.len();
    match upsert(ctx.db(), ctx.org_id, Resource::Accounts, records).await {
        Ok(failures) => bulk_outcome(received, &failures, false),
        Err(e) => Outcome::from(e).received(received),
    }
}

/// PUT of one record: refused unless it exists; the id in the path wins, and a different
/// one in the body is an error.
pub async fn put_record(
    ctx: &mut Ctx,
    resource: Resource,
    path_ids: &[(&str, &str)],
) -> Result<Json, Outcome> {
    let mut record = ctx.put_body().await?;
    for (property, value) in path_ids {
        match record.get(*property) {
            Some(Json::String(given)) if given != value => {
                return Err(Outcome::refused(format!(
                "{property} in the body ('{given}') differs from the one in the path ('{value}')."
            ))
                .received(1))
            }
            _ => {
                record[*property] = Json::from(*value);
            }
        }
    }
    let failures = upsert(ctx.db(), ctx.org_id, resource, vec![record.clone()])
        .await
        .map_err(|e| Outcome::from(e).received(1))?;
    if let Some(failure) = failures.first() {
        let mut outcome = Outcome::refused(failure.message.clone()).received(1);
        outcome.failures = vec![failure.to_record_failure()];
        return Err(outcome);
    }
    Ok(record)
}

async fn put(mut ctx: Ctx, account_id: String) -> Outcome {
    match find_account(ctx.db(), ctx.org_id, &account_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return Outcome::not_found("Account not found").received(1),
        Err(e) => return e.into(),
    }
    if let Err(outcome) =
        put_record(&mut ctx, Resource::Accounts, &[("account_id", &account_id)]).await
    {
        return outcome;
    }
    match find_account(ctx.db(), ctx.org_id, &account_id).await {
        Ok(Some(account)) => match one_account(&ctx, account).await {
            Ok(record) => {
                Outcome::ok(json!({"status_is_ok": true, "results": [record]})).received(1)
            }
            Err(e) => e.into(),
        },
        Ok(None) => Outcome::not_found("Account not found"),
        Err(e) => e.into(),
    }
}

async fn deactivate(ctx: Ctx, account_id: String) -> Outcome {
    let filter = Cond::all().add(Expr::col("account_id").eq(account_id));
    match repo::deactivate(ctx.db(), &ACCOUNTS, ctx.org_id, filter, now_ms()).await {
        Ok(0) => Outcome::not_found("Account not found"),
        Ok(_) => Outcome::done(),
        Err(e) => e.into(),
    }
}

/// Our id of the organisation's account, or the 404 answer.
async fn account_pk(ctx: &Ctx, account_id: &str) -> Result<i32, Outcome> {
    match repo::account_pks(ctx.db(), ctx.org_id, &[account_id.to_owned()]).await {
        Ok(found) => found
            .get(account_id)
            .copied()
            .ok_or_else(|| Outcome::not_found("Account not found")),
        Err(e) => Err(e.into()),
    }
}

fn parse_ms(text: &str) -> Result<i64, Outcome> {
    text.trim()
        .parse::<i64>()
        .ok()
        .or_else(|| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        })
        .ok_or_else(|| {
            Outcome::refused(format!(
                "Invalid timestamp '{text}': give epoch milliseconds."
            ))
        })
}

async fn delete_child(
    ctx: &Ctx,
    account_id: &str,
    table: &'static str,
    filter: impl FnOnce(i32) -> Result<Cond, Outcome>,
    missing: String,
) -> Outcome {
    let pk = match account_pk(ctx, account_id).await {
        Ok(pk) => pk,
        Err(o) => return o,
    };
    let cond = match filter(pk) {
        Ok(c) => c,
        Err(o) => return o,
    };
    match repo::delete_where(ctx.db(), table, cond).await {
        Ok(0) => Outcome::not_found(missing),
        Ok(_) => Outcome::done(),
        Err(e) => e.into(),
    }
}

async fn delete_stage(ctx: Ctx, account_id: String, name: String, timestamp: String) -> Outcome {
    let missing = format!("No stage history entry '{name}' starting at {timestamp}");
    delete_child(
        &ctx,
        &account_id,
        "stage_history",
        |pk| {
            Ok(Cond::all()
                .add(Expr::col("account_pk").eq(pk))
                .add(Expr::col("name").eq(name.clone()))
                .add(Expr::col("start_date").eq(parse_ms(&timestamp)?)))
        },
        missing,
    )
    .await
}

async fn delete_nps(ctx: Ctx, account_id: String, timestamp: String) -> Outcome {
    let missing = format!("No NPS history entry dated {timestamp}");
    delete_child(
        &ctx,
        &account_id,
        "nps_history",
        |pk| {
            Ok(Cond::all()
                .add(Expr::col("account_pk").eq(pk))
                .add(Expr::col("date").eq(parse_ms(&timestamp)?)))
        },
        missing,
    )
    .await
}

async fn delete_dimension(ctx: Ctx, account_id: String, kind: DimKind, key: String) -> Outcome {
    let missing = format!("No {} dimension '{key}' on this account", kind.key());
    delete_child(
        &ctx,
        &account_id,
        "dimension_values",
        |pk| {
            Ok(Cond::all()
                .add(Expr::col("owner_type").eq("account"))
                .add(Expr::col("owner_id").eq(pk))
                .add(Expr::col("kind").eq(kind.key()))
                .add(Expr::col("key").eq(key.clone())))
        },
        missing,
    )
    .await
}

async fn delete_csm(ctx: Ctx, account_id: String, email: String) -> Outcome {
    let pk = match account_pk(&ctx, &account_id).await {
        Ok(pk) => pk,
        Err(o) => return o,
    };
    let email = email.trim().to_lowercase();
    let assignment = match repo::csm_assignment(ctx.db(), pk, &email).await {
        Ok(a) => a,
        Err(e) => return e.into(),
    };
    match assignment {
        Some((id, source, true)) if source == "api" => {
            match repo::delete_where(
                ctx.db(),
                "csm_assignments",
                Cond::all().add(Expr::col("id").eq(id)),
            )
            .await
            {
                Ok(_) => Outcome::done(),
                Err(e) => e.into(),
            }
        }
        Some((_, _, true)) => Outcome::refused(format!(
            "The CSM '{email}' was assigned by hand in Steward; unassign it there."
        )),
        _ => Outcome::not_found(format!("No CSM '{email}' is assigned to this account")),
    }
}

macro_rules! endpoint {
    ($name:ident, $pattern:expr, |$ctx:ident| $body:expr) => {
        pub async fn $name(State(state): State<AppState>, request: Request) -> Response {
            serve(state, $pattern, request, |$ctx| async move { $body }).await
        }
    };
    ($name:ident, $pattern:expr, $path:ty, |$ctx:ident, $p:pat_param| $body:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            Path($p): Path<$path>,
            request: Request,
        ) -> Response {
            serve(state, $pattern, request, |$ctx| async move { $body }).await
        }
    };
}
pub(crate) use endpoint;

endpoint!(list_accounts, "/api/v2/accounts", |ctx| list(ctx).await);
endpoint!(post_accounts, "/api/v2/accounts", |ctx| bulk(ctx).await);
endpoint!(
    get_account,
    "/api/v2/accounts/{account_id}",
    String,
    |ctx, id| get_one(ctx, id).await
);
endpoint!(
    put_account,
    "/api/v2/accounts/{account_id}",
    String,
    |ctx, id| put(ctx, id).await
);
endpoint!(
    delete_account,
    "/api/v2/accounts/{account_id}",
    String,
    |ctx, id| deactivate(ctx, id).await
);
endpoint!(
    delete_stage_history,
    "/api/v2/accounts/{account_id}/stage_history/{stage_name}/{timestamp}",
    (String, String, String),
    |ctx, (id, name, ts)| delete_stage(ctx, id, name, ts).await
);
endpoint!(
    delete_nps_history,
    "/api/v2/accounts/{account_id}/nps_history/{timestamp}",
    (String, String),
    |ctx, (id, ts)| delete_nps(ctx, id, ts).await
);
endpoint!(
    delete_dimension_value,
    "/api/v2/accounts/{account_id}/dimension_values/{key}",
    (String, String),
    |ctx, (id, key)| delete_dimension(ctx, id, DimKind::Value, key).await
);
endpoint!(
    delete_dimension_label,
    "/api/v2/accounts/{account_id}/dimension_labels/{key}",
    (String, String),
    |ctx, (id, key)| delete_dimension(ctx, id, DimKind::Label, key).await
);
endpoint!(
    delete_dimension_event,
    "/api/v2/accounts/{account_id}/dimension_events/{key}",
    (String, String),
    |ctx, (id, key)| delete_dimension(ctx, id, DimKind::Event, key).await
);
endpoint!(
    delete_assigned_csm,
    "/api/v2/accounts/{account_id}/assigned_csms/{email}",
    (String, String),
    |ctx, (id, email)| delete_csm(ctx, id, email).await
);
