//! The Account API v2 (`/api/v2/…`), compatible with Natero's: accounts, product users,
//! contacts, custom metrics, stage and NPS history, dimensions, assigned CSMs and
//! interactions. Server only: plain axum routes authenticated by the Account API key.
//! Every path answers with or without a trailing slash; path segments are percent-decoded.
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{any, get, MethodRouter};
use axum::Router;

use crate::state::AppState;

pub mod accounts;
pub mod api_status;
pub mod fields;
pub mod http;
pub mod interactions;
pub mod metrics;
pub mod people;
pub mod repo;
pub mod upsert;

use accounts::endpoint;
use http::{serve, Ctx, ListParams, Outcome};

/// Statements, subscriptions and support tickets: no source writes them yet, so the lists
/// are empty (for a known account).
async fn empty_list(ctx: Ctx, account_id: String) -> Outcome {
    let params = match ListParams::parse(&ctx, &["id"]) {
        Ok(p) => p,
        Err(o) => return o,
    };
    match repo::account_pks(ctx.db(), ctx.org_id, std::slice::from_ref(&account_id)).await {
        Ok(found) if found.contains_key(&account_id) => params.envelope(vec![]),
        Ok(_) => Outcome::not_found("Account not found"),
        Err(e) => e.into(),
    }
}

endpoint!(
    statements,
    "/api/v2/accounts/{account_id}/statements",
    String,
    |ctx, a| empty_list(ctx, a).await
);
endpoint!(
    subscriptions,
    "/api/v2/accounts/{account_id}/subscriptions",
    String,
    |ctx, a| empty_list(ctx, a).await
);
endpoint!(
    support_tickets,
    "/api/v2/accounts/{account_id}/support_tickets",
    String,
    |ctx, a| empty_list(ctx, a).await
);

async fn unknown_endpoint(State(state): State<AppState>, request: Request) -> Response {
    serve(state, "/api/v2/…", request, |_ctx| async move {
        Outcome::not_found(
            "Unknown endpoint: see the Account API section of the API documentation.",
        )
    })
    .await
}

/// A method the path does not take: 405 with the envelope (axum adds the `Allow` header
/// listing the methods it does take).
async fn method_not_allowed(State(state): State<AppState>, request: Request) -> Response {
    let method = request.method().clone();
    serve(state, "/api/v2/…", request, |_ctx| async move {
        Outcome::error(
            405,
            format!("Method {method} is not allowed on this path; the Allow header lists the methods it takes."),
        )
    })
    .await
}

/// The routes under `/api/v2/`.
pub fn router() -> Router<AppState> {
    let routes: Vec<(&str, MethodRouter<AppState>)> = vec![
        (
            "/accounts",
            get(accounts::list_accounts).post(accounts::post_accounts),
        ),
        (
            "/accounts/{account_id}",
            get(accounts::get_account)
                .put(accounts::put_account)
                .delete(accounts::delete_account),
        ),
        (
            "/accounts/{account_id}/users",
            get(people::users_of_account),
        ),
        (
            "/accounts/{account_id}/contacts",
            get(people::contacts_of_account),
        ),
        (
            "/accounts/{account_id}/metrics",
            get(metrics::metrics_of_account),
        ),
        (
            "/accounts/{account_id}/interactions",
            get(interactions::interactions_of_account),
        ),
        ("/accounts/{account_id}/statements", get(statements)),
        ("/accounts/{account_id}/subscriptions", get(subscriptions)),
        (
            "/accounts/{account_id}/support_tickets",
            get(support_tickets),
        ),
        (
            "/accounts/{account_id}/stage_history/{stage_name}/{timestamp}",
            axum::routing::delete(accounts::delete_stage_history),
        ),
        (
            "/accounts/{account_id}/nps_history/{timestamp}",
            axum::routing::delete(accounts::delete_nps_history),
        ),
        (
            "/accounts/{account_id}/dimension_values/{key}",
            axum::routing::delete(accounts::delete_dimension_value),
        ),
        (
            "/accounts/{account_id}/dimension_labels/{key}",
            axum::routing::delete(accounts::delete_dimension_label),
        ),
        (
            "/accounts/{account_id}/dimension_events/{key}",
            axum::routing::delete(accounts::delete_dimension_event),
        ),
        (
            "/accounts/{account_id}/assigned_csms/{email}",
            axum::routing::delete(accounts::delete_assigned_csm),
        ),
        (
            "/account_users",
            get(people::list_users).post(people::post_users),
        ),
        (
            "/account_users/{user_id}",
            get(people::get_user)
                .put(people::put_user)
                .delete(people::delete_user),
        ),
        (
            "/account_users/{user_id}/{account_id}",
            get(people::get_user_of_account)
                .put(people::put_user_of_account)
                .delete(people::delete_user_of_account),
        ),
        (
            "/account_contacts",
            get(people::list_contacts).post(people::post_contacts),
        ),
        (
            "/account_contacts/{user_id}",
            get(people::get_contact)
                .put(people::put_contact)
                .delete(people::delete_contact),
        ),
        (
            "/account_contacts/{user_id}/{account_id}",
            get(people::get_contact_of_account)
                .put(people::put_contact_of_account)
                .delete(people::delete_contact_of_account),
        ),
        ("/metrics", axum::routing::post(metrics::post_metrics)),
        (
            "/metrics/{name}",
            get(metrics::get_metric)
                .put(metrics::put_metric)
                .delete(metrics::delete_metric),
        ),
        ("/api_status", get(api_status::list_calls)),
        (
            "/interactions",
            axum::routing::post(interactions::post_interactions),
        ),
        (
            "/interactions/{interaction_id}",
            get(interactions::get_interaction)
                .put(interactions::put_interaction)
                .delete(interactions::delete_interaction),
        ),
    ];
    let mut router = Router::new();
    for (path, methods) in routes {
        let methods = methods.fallback(method_not_allowed);
        router = router
            .route(&format!("/api/v2{path}"), methods.clone())
            .route(&format!("/api/v2{path}/"), methods);
    }
    router
        .route("/api/v2", any(unknown_endpoint))
        .route("/api/v2/", any(unknown_endpoint))
        .route("/api/v2/{*rest}", any(unknown_endpoint))
}
