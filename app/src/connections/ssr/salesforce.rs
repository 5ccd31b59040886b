//! Manage OAuth for Salesforce (shared/salesforce-reference.md §2): the web-server flow
//! with PKCE S256 through the `oauth2` crate, the callback, the identity URL, refresh on 401
//! `INVALID_SESSION_ID` with rotation, and Disconnect with revocation.
//!
//! Salesforce gives no `expires_in`: an access token is used until a call answers 401
//! `INVALID_SESSION_ID`; then it is refreshed once and the call retried. A rotated refresh
//! token is written in the same UPDATE that retires the old one, before the new access token
//! is used. Only one caller across every instance refreshes a given token: it first claims
//! the row with a conditional UPDATE on `token_version` (and an expiring claim); the others
//! wait for the version to move and use the token the winner stored.
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, ExtraTokenFields,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    RevocationUrl, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::connections::dto::{
    ConnectionView, CredentialSystem, OAuthOverview, SalesforceEnvironment,
};
use crate::connections::ssr::credentials;
use crate::crypto::token_hash;
use crate::db::entities::{oauth_connections, oauth_states};
use crate::error::AppError;
use crate::roles::permission::Permission;
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::exact_utc;

pub const PROVIDER: &str = "salesforce";
pub const CALLBACK_PATH: &str = "/oauth/salesforce/callback";
const SCOPES: &[&str] = &["api", "refresh_token"];
const ACCESS_PURPOSE: &str = "oauth-access-token";
const REFRESH_PURPOSE: &str = "oauth-refresh-token";
const VERIFIER_PURPOSE: &str = "oauth-pkce-verifier";
/// An authorization must come back within this long.
const STATE_TTL_MS: i64 = 15 * 60 * 1000;
/// A refresh claim left by a crashed holder runs out after this long.
const CLAIM_MS: i64 = 30_000;

pub const STATUS_CONNECTED: &str = "connected";
pub const STATUS_NEEDS_REAUTH: &str = "needs_reauthorization";
pub const STATUS_REVOKED: &str = "revoked";

/// Every column sealed by this module, with its purpose (for `steward secret rotate`).
pub const SEAL_PURPOSES: [&str; 3] = [ACCESS_PURPOSE, REFRESH_PURPOSE, VERIFIER_PURPOSE];
pub fn access_purpose() -> &'static str {
    ACCESS_PURPOSE
}
pub fn refresh_purpose() -> &'static str {
    REFRESH_PURPOSE
}
pub fn verifier_purpose() -> &'static str {
    VERIFIER_PURPOSE
}

/// Salesforce's extra token fields (§2.4): `instance_url` and the identity URL `id`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SalesforceFields {
    pub instance_url: String,
    pub id: String,
    #[serde(default)]
    pub issued_at: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
}
impl ExtraTokenFields for SalesforceFields {}

type SfTokenResponse = StandardTokenResponse<SalesforceFields, BasicTokenType>;

type SfClient = oauth2::Client<
    BasicErrorResponse,
    SfTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointSet,
>;

/// The HTTP client for the provider: no redirects followed (SSRF), a timeout, rustls with
/// the ring provider.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client builds")
    })
}

async fn send(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let mut builder = http()
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in parts.headers.iter() {
        builder = builder.header(name, value);
    }
    let response = builder.send().await?;
    let mut out = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers().iter() {
        out = out.header(name, value);
    }
    let bytes = response.bytes().await?;
    Ok(out.body(bytes.to_vec()).expect("a response builds"))
}

/// The Connected App in use: the organisation's credentials, else configuration.
pub struct ConnectedApp {
    pub client_id: String,
    pub client_secret: String,
    pub source: &'static str,
}

pub async fn connected_app(
    state: &AppState,
    org_id: i32,
) -> Result<Option<ConnectedApp>, AppError> {
    if let Some(values) =
        credentials::open(state, org_id, CredentialSystem::SalesforceConnectedApp).await?
    {
        if let (Some(id), Some(secret)) =
            (values.get("consumer_key"), values.get("consumer_secret"))
        {
            return Ok(Some(ConnectedApp {
                client_id: id.clone(),
                client_secret: secret.clone(),
                source: "credentials",
            }));
        }
    }
    let sf = &state.settings.salesforce;
    Ok(match (&sf.client_id, &sf.client_secret) {
        (Some(id), Some(secret)) => Some(ConnectedApp {
            client_id: id.clone(),
            client_secret: secret.expose_secret().to_owned(),
            source: "configuration",
        }),
        _ => None,
    })
}

pub fn callback_url(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.settings.base_url())
}

/// A My Domain URL: https, or http on a loopback address (127.0.0.0/8, ::1); no path,
/// query, fragment or user info. Answers the origin, or None when the URL is not one.
pub fn parse_my_domain(input: &str) -> Option<String> {
    let url = Url::parse(input.trim()).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        _ => false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    let clean = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && matches!(url.path(), "" | "/")
        && url.host().is_some();
    (scheme_ok && clean).then(|| url.origin().ascii_serialization())
}

fn login_url_for(
    state: &AppState,
    environment: SalesforceEnvironment,
    my_domain: &str,
) -> Result<String, &'static str> {
    Ok(match environment {
        SalesforceEnvironment::Production => state
            .settings
            .salesforce
            .login_url
            .origin()
            .ascii_serialization(),
        SalesforceEnvironment::Sandbox => state
            .settings
            .salesforce
            .sandbox_login_url
            .origin()
            .ascii_serialization(),
        SalesforceEnvironment::MyDomain => parse_my_domain(my_domain).ok_or("my_domain")?,
    })
}

fn client(state: &AppState, app: &ConnectedApp, login_url: &str) -> Result<SfClient, AppError> {
    let bad = |e: url::ParseError| AppError::internal("oauth client", e);
    Ok(oauth2::Client::new(ClientId::new(app.client_id.clone()))
        .set_client_secret(ClientSecret::new(app.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(format!("{login_url}/services/oauth2/authorize")).map_err(bad)?)
        .set_token_uri(TokenUrl::new(format!("{login_url}/services/oauth2/token")).map_err(bad)?)
        .set_revocation_url(
            RevocationUrl::new(format!("{login_url}/services/oauth2/revoke")).map_err(bad)?,
        )
        .set_redirect_uri(RedirectUrl::new(callback_url(state)).map_err(bad)?)
        // Salesforce takes the client in the body or as Basic; the body is what its
        // documentation shows first and what every stand-in accepts.
        .set_auth_type(AuthType::RequestBody))
}

/// Starts an authorization: stores the state (bound to this session, single use) and the
/// sealed PKCE verifier; answers the provider URL to send the browser to, or the code of
/// the sentence to show.
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    session_token: &str,
    environment: &str,
    my_domain: &str,
) -> Result<Result<String, &'static str>, AppError> {
    let Some(environment) = SalesforceEnvironment::from_key(environment) else {
        return Ok(Err("provider_choice"));
    };
    let login_url = match login_url_for(state, environment, my_domain) {
        Ok(url) => url,
        Err(code) => return Ok(Err(code)),
    };
    let Some(app) = connected_app(state, user.org_id).await? else {
        return Ok(Err("no_app"));
    };
    let client = client(state, &app, &login_url)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in SCOPES {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, csrf) = request.url();
    let now = now_ms();
    // Old, unused states go first (they are useless after their time anyway).
    oauth_states::Entity::delete_many()
        .filter(oauth_states::Column::CreatedAt.lt(now - STATE_TTL_MS * 4))
        .exec(&state.db)
        .await?;
    oauth_states::ActiveModel {
        org_id: Set(user.org_id),
        user_id: Set(user.id),
        session_hash: Set(token_hash(session_token)),
        state_hash: Set(token_hash(csrf.secret())),
        sealed_verifier: Set(state
            .secrets
            .seal(VERIFIER_PURPOSE, verifier.secret().as_bytes())),
        environment: Set(environment.key().to_owned()),
        login_url: Set(login_url),
        credential_source: Set(app.source.to_owned()),
        created_at: Set(now),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(Ok(url.to_string()))
}

/// What came back on the callback.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Classifies a token-endpoint refusal (§2.6) into the code of a sentence.
fn classify(error: &BasicErrorResponse) -> &'static str {
    let description = error
        .error_description()
        .map(|d| d.to_ascii_lowercase())
        .unwrap_or_default();
    match error.error() {
        BasicErrorResponseType::InvalidGrant if description.contains("verifier") => "pkce",
        BasicErrorResponseType::InvalidGrant => "expired_code",
        BasicErrorResponseType::InvalidClient | BasicErrorResponseType::UnauthorizedClient => {
            "client"
        }
        BasicErrorResponseType::Extension(e) if e == "invalid_client_id" => "client",
        BasicErrorResponseType::Extension(e) if e == "redirect_uri_mismatch" => "redirect",
        _ => "provider",
    }
}

/// The identity URL's answer (§2.8).
#[derive(Debug, Deserialize)]
struct Identity {
    username: String,
    organization_id: String,
    user_id: String,
}

/// The identity URL must be on the login host or the instance (it is on the login host for
/// Salesforce, §1.2), https unless loopback like the login host itself.
fn identity_url_ok(identity: &str, login_url: &str, instance_url: &str) -> bool {
    let Ok(id) = Url::parse(identity) else {
        return false;
    };
    let origin = id.origin().ascii_serialization();
    origin == login_url
        || Url::parse(instance_url).is_ok_and(|i| i.origin().ascii_serialization() == origin)
        || (id.scheme() == "https"
            && id
                .host_str()
                .is_some_and(|h| h == "salesforce.com" || h.ends_with(".salesforce.com")))
}

/// Handles the callback; answers the code of the sentence to show, or Ok(()) when connected.
pub async fn callback(
    state: &AppState,
    session_token: Option<&str>,
    query: CallbackQuery,
) -> Result<Result<(), &'static str>, AppError> {
    // The state first, whatever else came back: it must be ours, unused, this session's.
    let Some(state_param) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(Err("state"));
    };
    let Some(row) = oauth_states::Entity::find()
        .filter(oauth_states::Column::StateHash.eq(token_hash(state_param)))
        .one(&state.db)
        .await?
    else {
        return Ok(Err("state"));
    };
    let now = now_ms();
    // Single use, across instances: only one caller wins this conditional UPDATE.
    let claimed = oauth_states::Entity::update_many()
        .col_expr(oauth_states::Column::UsedAt, Expr::value(now))
        .filter(oauth_states::Column::Id.eq(row.id))
        .filter(oauth_states::Column::UsedAt.is_null())
        .exec(&state.db)
        .await?;
    let Some(session_token) = session_token else {
        return Ok(Err("signed_out"));
    };
    if claimed.rows_affected != 1
        || row.session_hash != token_hash(session_token)
        || now - row.created_at > STATE_TTL_MS
    {
        return Ok(Err("state"));
    }
    let Some(user) = crate::auth::ssr::context::user_for_token(state, session_token).await? else {
        return Ok(Err("signed_out"));
    };
    if user.id != row.user_id || user.org_id != row.org_id {
        return Ok(Err("state"));
    }
    if !user.can(Permission::ConfigureDataConnectors) {
        return Ok(Err("forbidden"));
    }
    if let Some(error) = query.error.as_deref() {
        tracing::info!(error, "Salesforce refused the authorization");
        return Ok(Err(if error == "access_denied" {
            "denied"
        } else {
            "provider"
        }));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Ok(Err("provider"));
    };
    let Some(app) = connected_app(state, user.org_id).await? else {
        return Ok(Err("no_app"));
    };
    let verifier = state
        .secrets
        .open(VERIFIER_PURPOSE, &row.sealed_verifier)
        .map_err(|e| AppError::internal("oauth verifier", e))?;
    let verifier = PkceCodeVerifier::new(String::from_utf8_lossy(&verifier).into_owned());
    let client = client(state, &app, &row.login_url)?;
    let tokens = match client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
    {
        Ok(tokens) => tokens,
        Err(RequestTokenError::ServerResponse(error)) => {
            tracing::info!(error = %error.error(), "Salesforce refused the code exchange");
            return Ok(Err(classify(&error)));
        }
        Err(RequestTokenError::Request(error)) => {
            tracing::warn!(error = %error, "Salesforce could not be reached");
            return Ok(Err("unreachable"));
        }
        Err(error) => {
            tracing::warn!(error = %error, "Salesforce's token answer could not be read");
            return Ok(Err("provider"));
        }
    };
    let extra = tokens.extra_fields().clone();
    if !identity_url_ok(&extra.id, &row.login_url, &extra.instance_url)
        || Url::parse(&extra.instance_url).is_err()
    {
        return Ok(Err("identity"));
    }
    let access = tokens.access_token().secret().clone();
    let identity = match http().get(&extra.id).bearer_auth(&access).send().await {
        Ok(r) if r.status().is_success() => match r.json::<Identity>().await {
            Ok(identity) => identity,
            Err(_) => return Ok(Err("identity")),
        },
        Ok(r) => {
            tracing::info!(status = %r.status(), "the identity URL refused the new token");
            return Ok(Err("identity"));
        }
        Err(_) => return Ok(Err("unreachable")),
    };
    let scopes = tokens
        .scopes()
        .map(|s| {
            s.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| SCOPES.join(" "));
    let actor = Actor::user(&user, crate::auth::ssr::context::client(state).address);
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = oauth_connections::Entity::find()
        .filter(oauth_connections::Column::OrgId.eq(user.org_id))
        .filter(oauth_connections::Column::Provider.eq(PROVIDER))
        .one(&txn)
        .await?;
    let version = existing.as_ref().map(|e| e.token_version + 1).unwrap_or(1);
    let mut active = match existing {
        Some(row) => row.into(),
        None => oauth_connections::ActiveModel {
            org_id: Set(user.org_id),
            provider: Set(PROVIDER.to_owned()),
            ..Default::default()
        },
    };
    active.environment = Set(row.environment.clone());
    active.login_url = Set(row.login_url.clone());
    active.instance_url = Set(extra.instance_url.trim_end_matches('/').to_owned());
    active.identity_url = Set(extra.id.clone());
    active.username = Set(identity.username.clone());
    active.remote_org_id = Set(identity.organization_id);
    active.remote_user_id = Set(identity.user_id);
    active.scopes = Set(scopes);
    active.sealed_access_token = Set(state.secrets.seal(ACCESS_PURPOSE, access.as_bytes()));
    active.sealed_refresh_token = Set(tokens
        .refresh_token()
        .map(|r| state.secrets.seal(REFRESH_PURPOSE, r.secret().as_bytes())));
    active.token_version = Set(version);
    active.status = Set(STATUS_CONNECTED.to_owned());
    active.connected_by_label = Set(actor.label.clone());
    active.connected_at = Set(now);
    active.last_success_at = Set(Some(now));
    active.reauth_notified_at = Set(None);
    active.last_error = Set(None);
    active.refresh_claimed_until = Set(None);
    let saved = active.save(&txn).await?;
    let id = match saved.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => Some(id),
        _ => None,
    };
    audit::record(
        &txn,
        user.org_id,
        &actor,
        AuditAction::OAuthConnected,
        &Target {
            kind: "oauth_connection",
            id,
            label: format!("Salesforce ({})", identity.username),
        },
        Changes::new().set("environment", &row.environment),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

fn status_label(status: &str) -> &'static str {
    match status {
        STATUS_CONNECTED => "Connected",
        STATUS_NEEDS_REAUTH => "Needs re-authorization",
        _ => "Revoked",
    }
}

async fn find_connection(
    db: &impl sea_orm::ConnectionTrait,
    org_id: i32,
) -> Result<Option<oauth_connections::Model>, AppError> {
    Ok(oauth_connections::Entity::find()
        .filter(oauth_connections::Column::OrgId.eq(org_id))
        .filter(oauth_connections::Column::Provider.eq(PROVIDER))
        .one(db)
        .await?)
}

/// What Manage OAuth shows.
pub async fn overview(state: &AppState, user: &CurrentUser) -> Result<OAuthOverview, AppError> {
    let app = connected_app(state, user.org_id).await?;
    let (app_in_use, app_missing) = match app.map(|a| a.source) {
        Some("credentials") => (
            Some("The Connected App from Manage Credentials (Salesforce Connected App) is in use.".to_owned()),
            None,
        ),
        Some(_) => (
            Some("The Connected App configured by the operator ([salesforce] client_id) is in use; adding one under Manage Credentials would take its place.".to_owned()),
            None,
        ),
        None => (
            None,
            Some("No Connected App is set up yet: add its consumer key and secret under Manage Credentials (Salesforce Connected App), or ask the operator to set [salesforce] client_id and client_secret.".to_owned()),
        ),
    };
    let connection = find_connection(&state.db, user.org_id)
        .await?
        .map(|c| ConnectionView {
            provider: "Salesforce".to_owned(),
            environment: SalesforceEnvironment::from_key(&c.environment)
                .map(|e| e.label().to_owned())
                .unwrap_or_default(),
            instance_url: c.instance_url,
            username: c.username,
            remote_org_id: c.remote_org_id,
            scopes: c.scopes,
            connected_by: c.connected_by_label,
            connected_at: exact_utc(c.connected_at),
            last_success_at: c.last_success_at.map(exact_utc),
            status_label: status_label(&c.status).to_owned(),
            status: c.status,
        });
    Ok(OAuthOverview {
        callback_url: callback_url(state),
        app_in_use,
        app_missing,
        connection,
    })
}

/// Disconnect: revokes the token at Salesforce, then deletes the tokens (the connection is
/// kept as "revoked" so the page says what happened). Answers a sentence.
pub async fn disconnect(state: &AppState, user: &CurrentUser) -> Result<String, AppError> {
    let connection = find_connection(&state.db, user.org_id)
        .await?
        .filter(|c| c.status != STATUS_REVOKED)
        .ok_or(AppError::NotFound)?;
    let token = match &connection.sealed_refresh_token {
        Some(sealed) => state.secrets.open(REFRESH_PURPOSE, sealed),
        None => state
            .secrets
            .open(ACCESS_PURPOSE, &connection.sealed_access_token),
    }
    .map_err(|e| AppError::internal("oauth disconnect", e))?;
    let token = String::from_utf8_lossy(&token).into_owned();
    // Revocation needs no client authentication (§2.7): a form with `token=`.
    let revoked = http()
        .post(format!("{}/services/oauth2/revoke", connection.login_url))
        .form(&[("token", token.as_str())])
        .send()
        .await;
    let sentence = match revoked {
        Ok(r) if r.status().is_success() => "Disconnected: Salesforce revoked the token and Steward deleted it.".to_owned(),
        Ok(r) if r.status() == reqwest::StatusCode::BAD_REQUEST => "Disconnected: Salesforce no longer knew the token (already revoked); Steward deleted it.".to_owned(),
        _ => "Disconnected: Steward deleted the token, but Salesforce could not be reached to revoke it. Revoke it in Salesforce Setup → Connected Apps OAuth Usage.".to_owned(),
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: oauth_connections::ActiveModel = connection.clone().into();
    active.sealed_access_token = Set(String::new());
    active.sealed_refresh_token = Set(None);
    active.status = Set(STATUS_REVOKED.to_owned());
    active.token_version = Set(connection.token_version + 1);
    active.refresh_claimed_until = Set(None);
    active.update(&txn).await?;
    audit::record(
        &txn,
        user.org_id,
        &Actor::user(user, crate::auth::ssr::context::client(state).address),
        AuditAction::OAuthDisconnected,
        &Target {
            kind: "oauth_connection",
            id: Some(connection.id),
            label: format!("Salesforce ({})", connection.username),
        },
        Changes::new(),
    )
    .await?;
    txn.commit().await?;
    Ok(sentence)
}

/// Why a call through the connection failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no Salesforce connection")]
    NotConnected,
    #[error("the Salesforce connection needs re-authorization")]
    NeedsReauthorization,
    #[error("Salesforce answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("Salesforce could not be reached: {0}")]
    Unreachable(String),
    #[error(transparent)]
    App(#[from] AppError),
}

fn is_invalid_session(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body).is_ok_and(|v| {
        v.as_array()
            .and_then(|a| a.first())
            .and_then(|e| e["errorCode"].as_str())
            == Some("INVALID_SESSION_ID")
    })
}

/// GET `path` (e.g. `/services/data/v62.0/limits/`) on the organisation's instance, as JSON.
/// A 401 `INVALID_SESSION_ID` refreshes the token once and retries. It does not stamp
/// `last_success_at`: callers do, once per unit of work ([`stamp_success`]).
pub async fn get_json(
    state: &AppState,
    org_id: i32,
    path: &str,
) -> Result<serde_json::Value, CallError> {
    get(state, org_id, path).await.map(|answer| answer.body)
}

/// A successful answer: its JSON and the org's API usage from `Sforce-Limit-Info`.
pub struct Answer {
    pub body: serde_json::Value,
    /// `(used, max)` of the org's daily API requests, when Salesforce said.
    pub api_usage: Option<(u64, u64)>,
}

/// `api-usage=18/15000` (optionally followed by `; per-app-api-usage=…`) → `(18, 15000)`.
pub fn parse_limit_info(header: &str) -> Option<(u64, u64)> {
    let usage = header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("api-usage="))?;
    let (used, max) = usage.split_once('/')?;
    Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
}

/// [`get_json`] with the API usage Salesforce reported.
pub async fn get(state: &AppState, org_id: i32, path: &str) -> Result<Answer, CallError> {
    let mut refreshed = false;
    loop {
        let connection = find_connection(&state.db, org_id)
            .await?
            .ok_or(CallError::NotConnected)?;
        match connection.status.as_str() {
            STATUS_CONNECTED => {}
            STATUS_NEEDS_REAUTH => return Err(CallError::NeedsReauthorization),
            _ => return Err(CallError::NotConnected),
        }
        let access = state
            .secrets
            .open(ACCESS_PURPOSE, &connection.sealed_access_token)
            .map_err(|e| AppError::internal("oauth access token", e))?;
        let response = http()
            .get(format!("{}{path}", connection.instance_url))
            .bearer_auth(String::from_utf8_lossy(&access))
            .send()
            .await
            .map_err(|e| CallError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let api_usage = response
            .headers()
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_limit_info);
        let body = response
            .text()
            .await
            .map_err(|e| CallError::Unreachable(e.without_url().to_string()))?;
        if status == reqwest::StatusCode::UNAUTHORIZED && is_invalid_session(&body) && !refreshed {
            refreshed = true;
            refresh(state, &connection).await?;
            continue;
        }
        if !status.is_success() {
            return Err(CallError::Status {
                status: status.as_u16(),
                body,
            });
        }
        let body = serde_json::from_str(&body).map_err(|_| CallError::Status {
            status: status.as_u16(),
            body: "not JSON".into(),
        })?;
        return Ok(Answer { body, api_usage });
    }
}

/// Stamps the connection's last successful use. A connector run calls it once when it
/// succeeds (not on every page: a first sync makes thousands of calls).
pub async fn stamp_success(
    db: &impl sea_orm::ConnectionTrait,
    org_id: i32,
    now: i64,
) -> Result<(), AppError> {
    oauth_connections::Entity::update_many()
        .col_expr(oauth_connections::Column::LastSuccessAt, Expr::value(now))
        .filter(oauth_connections::Column::OrgId.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Refreshes the access token of `seen` (the row as the caller read it). Exactly one caller
/// per token version performs the grant; others wait until the version moves.
pub async fn refresh(state: &AppState, seen: &oauth_connections::Model) -> Result<(), CallError> {
    let deadline = now_ms() + CLAIM_MS;
    loop {
        let now = now_ms();
        let claim = oauth_connections::Entity::update_many()
            .col_expr(
                oauth_connections::Column::RefreshClaimedUntil,
                Expr::value(now + CLAIM_MS),
            )
            .filter(oauth_connections::Column::Id.eq(seen.id))
            .filter(oauth_connections::Column::TokenVersion.eq(seen.token_version))
            .filter(oauth_connections::Column::Status.eq(STATUS_CONNECTED))
            .filter(
                oauth_connections::Column::RefreshClaimedUntil
                    .is_null()
                    .or(oauth_connections::Column::RefreshClaimedUntil.lt(now)),
            )
            .exec(&state.db)
            .await
            .map_err(AppError::from)?;
        if claim.rows_affected == 1 {
            return refresh_claimed(state, seen).await;
        }
        // Someone else holds the claim, or already moved the version: wait for it.
        let current = find_connection(&state.db, seen.org_id)
            .await?
            .ok_or(CallError::NotConnected)?;
        if current.token_version != seen.token_version || current.status != STATUS_CONNECTED {
            return match current.status.as_str() {
                STATUS_CONNECTED => Ok(()),
                STATUS_NEEDS_REAUTH => Err(CallError::NeedsReauthorization),
                _ => Err(CallError::NotConnected),
            };
        }
        if now > deadline {
            return Err(CallError::Unreachable(
                "another refresh of this connection did not finish".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refresh_claimed(
    state: &AppState,
    seen: &oauth_connections::Model,
) -> Result<(), CallError> {
    let release = || async {
        oauth_connections::Entity::update_many()
            .col_expr(
                oauth_connections::Column::RefreshClaimedUntil,
                Expr::value(Option::<i64>::None),
            )
            .filter(oauth_connections::Column::Id.eq(seen.id))
            .filter(oauth_connections::Column::TokenVersion.eq(seen.token_version))
            .exec(&state.db)
            .await
    };
    let Some(sealed) = &seen.sealed_refresh_token else {
        mark_needs_reauthorization(state, seen, "Salesforce gave no refresh token").await?;
        return Err(CallError::NeedsReauthorization);
    };
    let refresh_token = state
        .secrets
        .open(REFRESH_PURPOSE, sealed)
        .map_err(|e| AppError::internal("oauth refresh token", e))?;
    let Some(app) = connected_app(state, seen.org_id).await? else {
        release().await.map_err(AppError::from)?;
        return Err(CallError::NeedsReauthorization);
    };
    let client = client(state, &app, &seen.login_url)?;
    let refresh_token = RefreshToken::new(String::from_utf8_lossy(&refresh_token).into_owned());
    match client
        .exchange_refresh_token(&refresh_token)
        .request_async(&send)
        .await
    {
        Ok(tokens) => {
            // The rotated refresh token (if any) replaces the old one in the same UPDATE
            // that moves the version: it is stored before the new access token is used.
            let access = tokens.access_token().secret();
            let extra = tokens.extra_fields();
            let mut update = oauth_connections::Entity::update_many()
                .col_expr(
                    oauth_connections::Column::SealedAccessToken,
                    Expr::value(state.secrets.seal(ACCESS_PURPOSE, access.as_bytes())),
                )
                .col_expr(
                    oauth_connections::Column::TokenVersion,
                    Expr::value(seen.token_version + 1),
                )
                .col_expr(
                    oauth_connections::Column::RefreshClaimedUntil,
                    Expr::value(Option::<i64>::None),
                );
            if Url::parse(&extra.instance_url).is_ok() {
                // §1.2: instance_url may change on refresh.
                update = update.col_expr(
                    oauth_connections::Column::InstanceUrl,
                    Expr::value(extra.instance_url.trim_end_matches('/').to_owned()),
                );
            }
            if let Some(rotated) = tokens.refresh_token() {
                update = update.col_expr(
                    oauth_connections::Column::SealedRefreshToken,
                    Expr::value(
                        state
                            .secrets
                            .seal(REFRESH_PURPOSE, rotated.secret().as_bytes()),
                    ),
                );
            }
            let done = update
                .filter(oauth_connections::Column::Id.eq(seen.id))
                .filter(oauth_connections::Column::TokenVersion.eq(seen.token_version))
                .exec(&state.db)
                .await
                .map_err(AppError::from)?;
            if done.rows_affected != 1 {
                // Disconnected meanwhile: the new tokens are dropped with the claim.
                return Err(CallError::NotConnected);
            }
            Ok(())
        }
        Err(RequestTokenError::ServerResponse(error))
            if *error.error() == BasicErrorResponseType::InvalidGrant =>
        {
            tracing::warn!(
                org_id = seen.org_id,
                "Salesforce refused the refresh token (invalid_grant)"
            );
            mark_needs_reauthorization(state, seen, "Salesforce refused the refresh token").await?;
            Err(CallError::NeedsReauthorization)
        }
        Err(error) => {
            release().await.map_err(AppError::from)?;
            Err(CallError::Unreachable(match error {
                RequestTokenError::ServerResponse(e) => e.error().to_string(),
                RequestTokenError::Request(e) => e.without_url().to_string(),
                _ => "unreadable token answer".into(),
            }))
        }
    }
}

/// Marks the connection as needing re-authorization and, the first time only (a
/// conditional UPDATE, so once across instances), mails every user with Configure Data
/// Connectors what to do.
async fn mark_needs_reauthorization(
    state: &AppState,
    seen: &oauth_connections::Model,
    why: &str,
) -> Result<(), AppError> {
    let now = now_ms();
    oauth_connections::Entity::update_many()
        .col_expr(
            oauth_connections::Column::Status,
            Expr::value(STATUS_NEEDS_REAUTH),
        )
        .col_expr(oauth_connections::Column::LastError, Expr::value(why))
        .col_expr(
            oauth_connections::Column::RefreshClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(oauth_connections::Column::Id.eq(seen.id))
        .filter(oauth_connections::Column::TokenVersion.eq(seen.token_version))
        .exec(&state.db)
        .await?;
    let first = oauth_connections::Entity::update_many()
        .col_expr(
            oauth_connections::Column::ReauthNotifiedAt,
            Expr::value(now),
        )
        .filter(oauth_connections::Column::Id.eq(seen.id))
        .filter(oauth_connections::Column::ReauthNotifiedAt.is_null())
        .exec(&state.db)
        .await?;
    if first.rows_affected == 1 {
        notify_reauthorization(state, seen).await?;
    }
    Ok(())
}

async fn notify_reauthorization(
    state: &AppState,
    connection: &oauth_connections::Model,
) -> Result<(), AppError> {
    let org = crate::db::entities::organisations::Entity::find_by_id(connection.org_id)
        .one(&state.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let recipients = crate::roles::ssr::repo::active_users_with(
        &state.db,
        connection.org_id,
        Permission::ConfigureDataConnectors,
    )
    .await?;
    let page = format!("{}/settings/it/oauth", state.settings.base_url());
    for user in recipients {
        let mail = crate::mail::ssr::compose::notice(
            &user.email,
            &org,
            "Salesforce needs to be authorized again",
            &[
                format!(
                    "Salesforce refused Steward's refresh token for {} ({}), so Steward can no longer read from Salesforce.",
                    connection.username, connection.instance_url
                ),
                format!(
                    "To fix it, open Manage OAuth ({page}), choose the provider and select Authorize provider, then sign in to Salesforce and select Allow."
                ),
            ],
        );
        crate::mail::ssr::queue::enqueue(state, connection.org_id, mail).await?;
    }
    Ok(())
}

/// Every sealed value this module stores, as (table, id, column, purpose), for rotation.
pub fn opened_values_for_tests(
    state: &AppState,
    row: &oauth_connections::Model,
) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    if let Ok(a) = state.secrets.open(ACCESS_PURPOSE, &row.sealed_access_token) {
        out.insert("access", String::from_utf8_lossy(&a).into_owned());
    }
    if let Some(Ok(r)) = row
        .sealed_refresh_token
        .as_ref()
        .map(|r| state.secrets.open(REFRESH_PURPOSE, r))
    {
        out.insert("refresh", String::from_utf8_lossy(&r).into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_my_domain_is_https_or_http_on_loopback_only() {
        assert_eq!(
            parse_my_domain("https://acme.my.salesforce.com/").unwrap(),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(
            parse_my_domain(" http://127.0.0.1:8080 ").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_my_domain("http://127.9.9.9").unwrap(),
            "http://127.9.9.9"
        );
        assert_eq!(
            parse_my_domain("http://[::1]:9000").unwrap(),
            "http://[::1]:9000"
        );
        for bad in [
            "http://acme.my.salesforce.com",
            "http://localhost:8080",
            "http://10.0.0.1",
            "https://acme.my.salesforce.com/services",
            "https://acme.my.salesforce.com/?x=1",
            "https://user:pw@acme.my.salesforce.com",
            "ftp://127.0.0.1",
            "acme.my.salesforce.com",
            "",
        ] {
            assert!(parse_my_domain(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn test_identity_url_must_be_on_the_login_host_or_instance_or_salesforce() {
        let login = "https://login.salesforce.com";
        let instance = "https://acme.my.salesforce.com";
        assert!(identity_url_ok(
            "https://login.salesforce.com/id/00D/005",
            login,
            instance
        ));
        assert!(identity_url_ok(
            "https://test.salesforce.com/id/00D/005",
            login,
            instance
        ));
        assert!(identity_url_ok(
            "http://127.0.0.1:9/id/00D/005",
            "http://127.0.0.1:9",
            "http://127.0.0.1:9"
        ));
        assert!(!identity_url_ok(
            "https://evil.example/id/00D/005",
            login,
            instance
        ));
        assert!(!identity_url_ok(
            "http://login.salesforce.com.evil.example/id",
            login,
            instance
        ));
    }

    #[test]
    fn test_only_invalid_session_id_bodies_trigger_a_refresh() {
        assert!(is_invalid_session(
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
        ));
        assert!(!is_invalid_session(
            r#"[{"message":"x","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
        ));
        assert!(!is_invalid_session("<html>Bad gateway</html>"));
        assert!(!is_invalid_session("Bad_OAuth_Token"));
    }
}
