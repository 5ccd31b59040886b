//! `/account_users` (product users) and `/account_contacts` (CRM contacts): the same
//! endpoints for both, keyed by (`user_id`, `account_id`); and each account's lists under
//! `/accounts/{account_id}/users` and `/contacts`.
use axum::extract::{Path, Request, State};
use axum::response::Response;
use sea_orm::sea_query::{Cond, Expr, ExprTrait};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{json, Value as Json};

use crate::account_api::accounts::{endpoint, put_record};
use crate::account_api::fields::DimKind;
use crate::account_api::http::{bulk_outcome, serve, Ctx, ListParams, Outcome};
use crate::account_api::repo::{self, Stored};
use crate::account_api::upsert::{row_json, upsert, Resource};
use crate::public_api::limits::MAX_PAGE_SIZE;
use crate::state::AppState;
use crate::time::now_ms;

const ORDER_COLUMNS: &[&str] = &[
    "id",
    "user_id",
    "account_id",
    "email",
    "first_name",
    "last_name",
    "updated_at",
];

async fn results(
    db: &impl ConnectionTrait,
    resource: Resource,
    rows: &[Stored],
    with_dimensions: bool,
) -> Result<Vec<Json>, DbErr> {
    let table = resource.table();
    let kinds: &[DimKind] = if with_dimensions { &DimKind::ALL } else { &[] };
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut dimensions = repo::dimensions_of(db, table.owner_type, &ids, kinds).await?;
    Ok(rows
        .iter()
        .map(|stored| {
            let mut out = row_json(table, stored);
            let mut own = dimensions.remove(&stored.id).unwrap_or_default();
            for kind in kinds {
                out.insert(
                    kind.property().into(),
                    Json::Array(own.remove(kind).unwrap_or_default()),
                );
            }
            Json::Object(out)
        })
        .collect())
}

async fn list(ctx: Ctx, resource: Resource, account_id: Option<String>) -> Outcome {
    let params = match ListParams::parse(&ctx, ORDER_COLUMNS) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut filter = Cond::all();
    if let Some(account_id) = account_id {
        match repo::account_pks(ctx.db(), ctx.org_id, std::slice::from_ref(&account_id)).await {
            Ok(found) => match found.get(&account_id) {
                Some(pk) => filter = filter.add(Expr::col("account_pk").eq(*pk)),
                None => return Outcome::not_found("Account not found"),
            },
            Err(e) => return e.into(),
        }
    }
    let rows = match repo::page(
        ctx.db(),
        resource.table(),
        ctx.org_id,
        filter,
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
    match results(ctx.db(), resource, &rows, ctx.flag("include_dimensions")).await {
        Ok(results) => params.envelope(results),
        Err(e) => e.into(),
    }
}

fn key_filter(user_id: &str, account_id: Option<&str>) -> Cond {
    let mut cond = Cond::all().add(Expr::col("user_id").eq(user_id));
    if let Some(account_id) = account_id {
        cond = cond.add(Expr::col("account_id").eq(account_id));
    }
    cond
}

async fn matching(
    ctx: &Ctx,
    resource: Resource,
    user_id: &str,
    account_id: Option<&str>,
) -> Result<Vec<Stored>, DbErr> {
    repo::page(
        ctx.db(),
        resource.table(),
        ctx.org_id,
        key_filter(user_id, account_id),
        Some("account_id"),
        false,
        true,
        0,
        MAX_PAGE_SIZE,
    )
    .await
}

async fn get_one(
    ctx: Ctx,
    resource: Resource,
    user_id: String,
    account_id: Option<String>,
) -> Outcome {
    let rows = match matching(&ctx, resource, &user_id, account_id.as_deref()).await {
        Ok(rows) => rows,
        Err(e) => return e.into(),
    };
    if rows.is_empty() {
        return Outcome::not_found(resource.not_found());
    }
    match results(ctx.db(), resource, &rows, true).await {
        Ok(results) => Outcome::ok(json!({"status_is_ok": true, "results": results})),
        Err(e) => e.into(),
    }
}

async fn bulk(mut ctx: Ctx, resource: Resource) -> Outcome {
    let records = match ctx.records().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let received = records.len();
    match upsert(ctx.db(), ctx.org_id, resource, records).await {
        Ok(failures) => bulk_outcome(received, &failures, true),
        Err(e) => Outcome::from(e).received(received),
    }
}

async fn put(
    mut ctx: Ctx,
    resource: Resource,
    user_id: String,
    account_id: Option<String>,
) -> Outcome {
    // The account comes from the path, else the body, else the user's only row.
    let body = match ctx.put_body().await {
        Ok(b) => b,
        Err(o) => return o,
    };
    let account_id = account_id.or_else(|| {
        body.get("account_id")
            .and_then(Json::as_str)
            .map(str::to_owned)
    });
    let rows = match matching(&ctx, resource, &user_id, account_id.as_deref()).await {
        Ok(rows) => rows,
        Err(e) => return e.into(),
    };
    let account_col = resource.table().col("account_id");
    let account_id = match rows.as_slice() {
        [] => return Outcome::not_found(resource.not_found()).received(1),
        [only] => crate::account_api::fields::text(&only.row[account_col]).unwrap_or_default(),
        _ => {
            return Outcome::refused(format!(
                "The user '{user_id}' belongs to several accounts: give account_id in the path or the body."
            ))
            .received(1)
        }
    };
    // The body was read once; hand it back to the shared PUT code.
    ctx.body = std::sync::Mutex::new(Some(axum::body::Body::from(body.to_string())));
    ctx.headers.remove(axum::http::header::CONTENT_ENCODING);
    ctx.headers.remove(axum::http::header::CONTENT_LENGTH);
    if let Err(outcome) = put_record(
        &mut ctx,
        resource,
        &[("user_id", &user_id), ("account_id", &account_id)],
    )
    .await
    {
        return outcome;
    }
    match matching(&ctx, resource, &user_id, Some(&account_id)).await {
        Ok(rows) => match results(ctx.db(), resource, &rows, true).await {
            Ok(results) => {
                Outcome::ok(json!({"status_is_ok": true, "results": results})).received(1)
            }
            Err(e) => e.into(),
        },
        Err(e) => e.into(),
    }
}

async fn deactivate(
    ctx: Ctx,
    resource: Resource,
    user_id: String,
    account_id: Option<String>,
) -> Outcome {
    let filter = key_filter(&user_id, account_id.as_deref());
    match repo::deactivate(ctx.db(), resource.table(), ctx.org_id, filter, now_ms()).await {
        Ok(0) => Outcome::not_found(resource.not_found()),
        Ok(_) => Outcome::done(),
        Err(e) => e.into(),
    }
}

use Resource::{Contacts, Users};

endpoint!(list_users, "/api/v2/account_users", |ctx| list(
    ctx, Users, None
)
.await);
endpoint!(post_users, "/api/v2/account_users", |ctx| bulk(ctx, Users)
    .await);
endpoint!(
    get_user,
    "/api/v2/account_users/{user_id}",
    String,
    |ctx, u| get_one(ctx, Users, u, None).await
);
endpoint!(
    get_user_of_account,
    "/api/v2/account_users/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| get_one(ctx, Users, u, Some(a)).await
);
endpoint!(
    put_user,
    "/api/v2/account_users/{user_id}",
    String,
    |ctx, u| put(ctx, Users, u, None).await
);
endpoint!(
    put_user_of_account,
    "/api/v2/account_users/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| put(ctx, Users, u, Some(a)).await
);
endpoint!(
    delete_user,
    "/api/v2/account_users/{user_id}",
    String,
    |ctx, u| deactivate(ctx, Users, u, None).await
);
endpoint!(
    delete_user_of_account,
    "/api/v2/account_users/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| deactivate(ctx, Users, u, Some(a)).await
);
endpoint!(
    users_of_account,
    "/api/v2/accounts/{account_id}/users",
    String,
    |ctx, a| list(ctx, Users, Some(a)).await
);

endpoint!(list_contacts, "/api/v2/account_contacts", |ctx| list(
    ctx, Contacts, None
)
.await);
endpoint!(post_contacts, "/api/v2/account_contacts", |ctx| bulk(
    ctx, Contacts
)
.await);
endpoint!(
    get_contact,
    "/api/v2/account_contacts/{user_id}",
    String,
    |ctx, u| get_one(ctx, Contacts, u, None).await
);
endpoint!(
    get_contact_of_account,
    "/api/v2/account_contacts/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| get_one(ctx, Contacts, u, Some(a)).await
);
endpoint!(
    put_contact,
    "/api/v2/account_contacts/{user_id}",
    String,
    |ctx, u| put(ctx, Contacts, u, None).await
);
endpoint!(
    put_contact_of_account,
    "/api/v2/account_contacts/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| put(ctx, Contacts, u, Some(a)).await
);
endpoint!(
    delete_contact,
    "/api/v2/account_contacts/{user_id}",
    String,
    |ctx, u| deactivate(ctx, Contacts, u, None).await
);
endpoint!(
    delete_contact_of_account,
    "/api/v2/account_contacts/{user_id}/{account_id}",
    (String, String),
    |ctx, (u, a)| deactivate(ctx, Contacts, u, Some(a)).await
);
endpoint!(
    contacts_of_account,
    "/api/v2/accounts/{account_id}/contacts",
    String,
    |ctx, a| list(ctx, Contacts, Some(a)).await
);
