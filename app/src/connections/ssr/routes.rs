//! The two plain axum routes of Manage OAuth: the form post that starts an authorization
//! (works with and without JavaScript: it answers 303 to Salesforce) and the callback.
//! Both answer 303 back to `/settings/it/oauth` with a fixed `error=` code on failure.
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::ssr::session::token_from_headers;
use crate::connections::ssr::salesforce::{self, CallbackQuery, CALLBACK_PATH};
use crate::roles::permission::Permission;
use crate::state::AppState;

pub const START_PATH: &str = "/oauth/salesforce/start";
const PAGE: &str = "/settings/it/oauth";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(START_PATH, post(start))
        .route(CALLBACK_PATH, get(callback))
}

fn back(code: &str) -> Response {
    Redirect::to(&format!("{PAGE}?error={code}")).into_response()
}

fn failed(error: crate::error::AppError) -> Response {
    // Logged with a reference by AppError::internal; the page shows a sentence.
    tracing::warn!(error = %error, "Manage OAuth failed");
    back("provider")
}

/// Sends the browser on to the provider. Not a redirect: the page's Content-Security-Policy
/// (`form-action 'self'`) rightly forbids a form post from being redirected off-site, so
/// the answer is a small page that navigates there itself (meta refresh, works without
/// JavaScript) and carries a link for anyone it does not move.
fn continue_to(url: &str) -> Response {
    let escaped = crate::mail::ssr::compose::escape_html(url);
    axum::response::Html(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={escaped}"><title>Continue to Salesforce</title></head><body><p><a href="{escaped}">Continue to Salesforce</a></p></body></html>"#
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct StartForm {
    pub provider: String,
    #[serde(default)]
    pub my_domain_url: String,
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let Some(token) = token_from_headers(&headers) else {
        return Redirect::to(&format!("/sign-in?next={PAGE}")).into_response();
    };
    let user = match crate::auth::ssr::context::user_for_token(&state, &token).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to(&format!("/sign-in?next={PAGE}")).into_response(),
        Err(e) => return failed(e),
    };
    if !user.can(Permission::ConfigureDataConnectors) {
        return back("forbidden");
    }
    match salesforce::start(&state, &user, &token, &form.provider, &form.my_domain_url).await {
        Ok(Ok(url)) => continue_to(&url),
        Ok(Err(code)) => {
            let domain = (code == "my_domain").then(|| {
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("provider", &form.provider)
                    .finish()
            });
            match domain {
                Some(q) => Redirect::to(&format!("{PAGE}?error={code}&{q}")).into_response(),
                None => back(code),
            }
        }
        Err(e) => failed(e),
    }
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let token = token_from_headers(&headers);
    match salesforce::callback(&state, token.as_deref(), query).await {
        Ok(Ok(())) => Redirect::to(&format!("{PAGE}?connected=1")).into_response(),
        Ok(Err(code)) => back(code),
        Err(e) => failed(e),
    }
}
