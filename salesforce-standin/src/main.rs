//! A Salesforce stand-in for Steward's tests and demos, written from
//! `../shared/salesforce-reference.md` (section numbers below refer to it).
//!
//! It serves, on one loopback port, both the login host and the instance:
//! - `GET/POST /services/oauth2/authorize`: a login form with Allow and Deny (§2.1, §2.2);
//! - `POST /services/oauth2/token`: form-encoded only; `authorization_code` (single use,
//!   15-minute expiry, exact `redirect_uri`, PKCE S256) and `refresh_token` (optional
//!   rotation; reusing a rotated token revokes its whole family) (§2.3–§2.6);
//! - `POST|GET /services/oauth2/revoke` (§2.7);
//! - `GET /id/{org}/{user}` and `/services/oauth2/userinfo` (§2.8);
//! - REST: `/services/data/`, `/services/data/v{v}/`, `query`, `queryAll`, `query/{locator}`,
//!   `sobjects/{O}/describe`, `limits` (§3).
//!
//! Queries take the SOQL subset in `soql.rs` (WHERE, ORDER BY, LIMIT, OFFSET, parent paths
//! such as `Owner.Email`) over the objects in `objects.rs`.
//!
//! Switches for failures, by `POST /__standin/control` (form fields, any subset):
//! `refresh=refuse|allow` (refresh answers `invalid_grant`), `rotation=on|off`,
//! `expire_sessions=1` (every access token answers 401 `INVALID_SESSION_ID`),
//! `code_ttl_seconds=N`, `revoke_all=1`, `api=on|off_for_org|off_for_user` (403
//! `API_DISABLED_FOR_ORG` / `API_CURRENTLY_DISABLED`), `daily_limit=N` and `reset_usage=1`
//! (403 `REQUEST_LIMIT_EXCEEDED` once N calls are used), `expire_cursors=1` (open
//! `nextRecordsUrl`s answer `INVALID_QUERY_LOCATOR`), `hide=Object.Field` / `show=…`
//! (field-level security: absent from describe, `INVALID_FIELD` in SOQL),
//! `fail_next=503,503html,406,500,query_timeout,concurrency` (the next REST calls answer
//! those faults, in order; `pass` answers normally, and `expire_cursors` /
//! `expire_sessions` end the cursors or sessions just before that call, so a test can
//! make them die mid-read at a chosen call), `page_cap=N` (pages hold fewer records than asked; 0: off).
//! Data: `POST /__standin/records/{Object}` (JSON record or array; by `Id` it changes,
//! without it creates; `SystemModstamp` is set to now unless given) and
//! `POST /__standin/records/{Object}/{Id}/delete` (soft delete; an Account's Contacts too).
//! `GET /__standin/state` answers counters as JSON.
// Handlers answer early with a ready `Response` as their error; its size does not matter
// in a test stand-in, and boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod objects;
mod soql;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clap::Parser;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[derive(Parser, Debug, Clone)]
#[command(about = "A local Salesforce stand-in (OAuth web-server flow + REST) for tests")]
struct Args {
    /// Loopback port to listen on; 0 picks a free one. The first line printed is
    /// `salesforce-standin listening on http://127.0.0.1:PORT`.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The Connected App's consumer key.
    #[arg(long, default_value = "standin-consumer-key")]
    client_id: String,
    /// The Connected App's consumer secret.
    #[arg(long, default_value = "standin-consumer-secret")]
    client_secret: String,
    /// Callback URLs registered on the Connected App (repeat the flag); none: any http(s) URL.
    #[arg(long = "callback")]
    callbacks: Vec<String>,
    /// The user who signs in on the authorize page.
    #[arg(long, default_value = "admin@standin.example")]
    username: String,
    #[arg(long, default_value = "standin-password")]
    password: String,
    /// Refresh Token Rotation at start (also `rotation=on|off` on the control endpoint).
    #[arg(long, default_value_t = false)]
    rotation: bool,
    /// Accounts in the demo org (Contacts: two per Account).
    #[arg(long, default_value_t = 5)]
    accounts: usize,
}

const ORG_ID: &str = "00D5g000004ABCDEAA";
const USER_ID: &str = objects::ADMIN_ID;
const VERSIONS: &[(&str, &str)] = &[
    ("Summer '14", "31.0"),
    ("Spring \u{2019}18", "42.0"),
    ("Summer '24", "61.0"),
    ("Winter '25", "62.0"),
];

struct Code {
    redirect_uri: String,
    challenge: Option<(String, String)>,
    scope: String,
    issued: Instant,
    used: bool,
}

struct Family {
    revoked: bool,
    /// The refresh token currently valid for this family.
    current: String,
    scope: String,
}

#[derive(Default)]
struct Counters {
    code_exchanges: u64,
    refresh_grants: u64,
    refresh_refused: u64,
    rotated_token_reused: u64,
    revocations: u64,
    rest_calls: u64,
    unauthorized: u64,
    code_verifiers_seen: u64,
}

struct Cursor {
    session: String,
    records: Vec<Value>,
    total: usize,
}

struct Inner {
    codes: HashMap<String, Code>,
    /// refresh token → family id; retired (rotated-out) tokens stay here to detect reuse.
    refresh_tokens: HashMap<String, u64>,
    families: HashMap<u64, Family>,
    /// access token → family id (None: revoked / expired).
    sessions: HashMap<String, Option<u64>>,
    cursors: HashMap<String, Cursor>,
    next_family: u64,
    next_cursor: u64,
    refuse_refresh: bool,
    rotation: bool,
    code_ttl: Duration,
    counters: Counters,
    /// Fields hidden by field-level security (`Account.CSM__c`).
    hidden: objects::Hidden,
    /// Set: every REST call answers 403 with this error code (API access off).
    api_off: Option<&'static str>,
    /// The org's daily API request limit; calls beyond it answer REQUEST_LIMIT_EXCEEDED.
    daily_max: u64,
    /// Faults the next REST calls answer, in order.
    faults: std::collections::VecDeque<String>,
    /// At most this many records per page, whatever the batch size asked (§3.3.2).
    page_cap: Option<usize>,
    next_record: u64,
}

#[derive(Clone)]
struct Standin {
    args: Arc<Args>,
    base: Arc<String>,
    inner: Arc<Mutex<Inner>>,
    data: Arc<Mutex<objects::Data>>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let state = Standin {
        data: Arc::new(Mutex::new(objects::demo_data(args.accounts))),
        inner: Arc::new(Mutex::new(Inner {
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            families: HashMap::new(),
            sessions: HashMap::new(),
            cursors: HashMap::new(),
            next_family: 1,
            next_cursor: 1,
            refuse_refresh: false,
            rotation: args.rotation,
            code_ttl: Duration::from_secs(15 * 60),
            counters: Counters::default(),
            hidden: Default::default(),
            api_off: None,
            daily_max: 15_000,
            faults: Default::default(),
            page_cap: None,
            next_record: 0,
        })),
        args: Arc::new(args),
        base: Arc::new(base.clone()),
    };
    let app = Router::new()
        .route(
            "/services/oauth2/authorize",
            get(authorize_page).post(authorize_decision),
        )
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/revoke", post(revoke_post).get(revoke_get))
        .route("/services/oauth2/userinfo", get(userinfo))
        .route("/id/{org}/{user}", get(identity))
        .route("/services/data/", get(versions))
        .route("/services/data", get(versions))
        .route("/services/data/{version}/", get(resources))
        .route("/services/data/{version}/limits/", get(limits))
        .route("/services/data/{version}/limits", get(limits))
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/query/", get(query))
        .route("/services/data/{version}/queryAll", get(query_all))
        .route("/services/data/{version}/queryAll/", get(query_all))
        .route("/services/data/{version}/query/{locator}", get(query_more))
        .route(
            "/services/data/{version}/sobjects/{object}/describe",
            get(describe),
        )
        .route(
            "/services/data/{version}/sobjects/{object}/describe/",
            get(describe),
        )
        .route("/__standin/control", post(control))
        .route("/__standin/records/{object}", post(change_records))
        .route(
            "/__standin/records/{object}/{id}/delete",
            post(delete_record),
        )
        .route("/__standin/state", get(standin_state))
        .with_state(state);
    println!("salesforce-standin listening on {base}");
    use std::io::Write;
    std::io::stdout().flush().ok();
    axum::serve(listener, app).await.expect("serve");
}

fn random(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (
        status,
        Json(json!([{"message": message, "errorCode": code}])),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/json;charset=UTF-8".parse().unwrap(),
    );
    response
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn callback_allowed(args: &Args, uri: &str) -> bool {
    if args.callbacks.is_empty() {
        uri.starts_with("http://") || uri.starts_with("https://")
    } else {
        args.callbacks.iter().any(|c| c == uri)
    }
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(uri).expect("callback is a URL");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    url.to_string()
}

/// §2.1: checks the request, then shows the login form with Allow and Deny.
async fn authorize_page(
    State(s): State<Standin>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    authorize_form(&s, &params, None)
}

fn authorize_form(s: &Standin, params: &HashMap<String, String>, error: Option<&str>) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let redirect_uri = get("redirect_uri");
    if get("client_id") != s.args.client_id {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>error=invalid_client_id</h1><p>client identifier invalid</p>".to_owned()),
        )
            .into_response();
    }
    if redirect_uri.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>error=redirect_uri_missing</h1><p>redirect_uri not provided</p>".to_owned()),
        )
            .into_response();
    }
    if !callback_allowed(&s.args, &redirect_uri) {
        return (
            StatusCode::BAD_REQUEST,
            Html(
                "<h1>error=redirect_uri_mismatch</h1><p>redirect_uri mismatch with remote access object</p>"
                    .to_owned(),
            ),
        )
            .into_response();
    }
    let state = get("state");
    if get("response_type") != "code" {
        let to = with_query(
            &redirect_uri,
            &[
                ("error", "unsupported_response_type"),
                ("error_description", "response type not supported"),
                ("state", &state),
            ],
        );
        return Redirect::to(&to).into_response();
    }
    let hidden: String = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .filter_map(|k| params.get(*k).map(|v| (k, v)))
    .map(|(k, v)| {
        format!(
            r#"<input type="hidden" name="{k}" value="{}">"#,
            html_escape(v)
        )
    })
    .collect();
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, html_escape(e)))
        .unwrap_or_default();
    Html(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce stand-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem">
<h1>Salesforce stand-in</h1>
<p>Steward would like to access your Salesforce data ({scope}).</p>
{error}
<form method="post" action="/services/oauth2/authorize">
{hidden}
<p><label>Username <input name="username" autocomplete="username"></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"></label></p>
<p><button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></p>
</form></body></html>"#,
        scope = html_escape(&get("scope")),
    ))
    .into_response()
}

/// §2.2: Deny → `access_denied`; Allow with the right login → a code ending in `==`.
async fn authorize_decision(State(s): State<Standin>, body: Bytes) -> Response {
    let params: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    if get("client_id") != s.args.client_id || !callback_allowed(&s.args, &get("redirect_uri")) {
        return authorize_form(&s, &params, None);
    }
    let redirect_uri = get("redirect_uri");
    let state = get("state");
    if get("decision") == "deny" {
        let to = with_query(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "end-user denied authorization"),
                ("state", &state),
            ],
        );
        return Redirect::to(&to).into_response();
    }
    if get("username") != s.args.username || get("password") != s.args.password {
        return authorize_form(
            &s,
            &params,
            Some("Please check your username and password."),
        );
    }
    let challenge = params.get("code_challenge").map(|c| {
        (
            c.clone(),
            params
                .get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "S256".into()),
        )
    });
    // Real codes are base64 and end in `==`, percent-encoded on the callback.
    let code = format!(
        "aPrx{}==",
        STANDARD.encode(random(30)).trim_end_matches('=')
    );
    s.inner.lock().unwrap().codes.insert(
        code.clone(),
        Code {
            redirect_uri: redirect_uri.clone(),
            challenge,
            scope: {
                let scope = get("scope");
                if scope.is_empty() {
                    "api refresh_token".into()
                } else {
                    scope
                }
            },
            issued: Instant::now(),
            used: false,
        },
    );
    Redirect::to(&with_query(
        &redirect_uri,
        &[("code", &code), ("state", &state)],
    ))
    .into_response()
}

fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        if let Ok(decoded) = STANDARD.decode(basic.trim()) {
            let text = String::from_utf8_lossy(&decoded).into_owned();
            if let Some((id, secret)) = text.split_once(':') {
                let decode = |t: &str| {
                    url::form_urlencoded::parse(format!("x={t}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                };
                return (Some(decode(id)), Some(decode(secret)));
            }
        }
    }
    (
        form.get("client_id").cloned(),
        form.get("client_secret").cloned(),
    )
}

fn mint_tokens(s: &Standin, inner: &mut Inner, family: u64, with_refresh: bool) -> Value {
    let access = format!("{}!{}", &ORG_ID[..15], URL_SAFE_NO_PAD.encode(random(48)));
    inner.sessions.insert(access.clone(), Some(family));
    let issued_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let id = format!("{}/id/{ORG_ID}/{USER_ID}", s.base);
    let mut mac = Hmac::<Sha256>::new_from_slice(s.args.client_secret.as_bytes()).unwrap();
    mac.update(format!("{id}{issued_at}").as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let family_row = inner.families.get(&family).expect("family exists");
    let mut body = json!({
        "access_token": access,
        "signature": signature,
        "scope": family_row.scope,
        "instance_url": s.base.as_str(),
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if with_refresh {
        body["refresh_token"] = Value::String(family_row.current.clone());
    }
    body
}

fn new_refresh_token() -> String {
    format!("5Aep861{}", URL_SAFE_NO_PAD.encode(random(40)))
}

fn revoke_family(inner: &mut Inner, family: u64) {
    if let Some(f) = inner.families.get_mut(&family) {
        f.revoked = true;
    }
    for session in inner.sessions.values_mut() {
        if *session == Some(family) {
            *session = None;
        }
    }
}

/// §2.3–§2.6.
async fn token(State(s): State<Standin>, headers: HeaderMap, body: Bytes) -> Response {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        );
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let (client_id, client_secret) = client_credentials(&headers, &form);
    if client_id.as_deref() != Some(s.args.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        );
    }
    if client_secret.as_deref() != Some(s.args.client_secret.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client credentials",
        );
    }
    let mut inner = s.inner.lock().unwrap();
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            inner.counters.code_exchanges += 1;
            if form.contains_key("code_verifier") {
                inner.counters.code_verifiers_seen += 1;
            }
            let ttl = inner.code_ttl;
            let code_text = form.get("code").cloned().unwrap_or_default();
            let Some(code) = inner.codes.get_mut(&code_text) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid authorization code",
                );
            };
            if code.used {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid authorization code",
                );
            }
            code.used = true;
            if code.issued.elapsed() > ttl {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired authorization code",
                );
            }
            if form.get("redirect_uri") != Some(&code.redirect_uri) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "redirect_uri_mismatch",
                    "redirect_uri must match configuration",
                );
            }
            if let Some((challenge, method)) = &code.challenge {
                let Some(verifier) = form.get("code_verifier") else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "invalid code verifier",
                    );
                };
                let computed = if method == "plain" {
                    verifier.clone()
                } else {
                    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                };
                if &computed != challenge {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "invalid code verifier",
                    );
                }
            }
            let scope = code.scope.clone();
            let family = inner.next_family;
            inner.next_family += 1;
            let refresh = new_refresh_token();
            let offline = scope
                .split(' ')
                .any(|s| s == "refresh_token" || s == "offline_access");
            inner.refresh_tokens.insert(refresh.clone(), family);
            inner.families.insert(
                family,
                Family {
                    revoked: false,
                    current: refresh,
                    scope,
                },
            );
            let body = mint_tokens(&s, &mut inner, family, offline);
            Json(body).into_response()
        }
        Some("refresh_token") => {
            inner.counters.refresh_grants += 1;
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            let Some(&family) = inner.refresh_tokens.get(&presented) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            };
            if inner.refuse_refresh {
                inner.counters.refresh_refused += 1;
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            }
            let (revoked, current) = {
                let f = &inner.families[&family];
                (f.revoked, f.current.clone())
            };
            if revoked {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            }
            if current != presented {
                // §2.5: a rotated-out token was reused: the whole family goes.
                inner.counters.rotated_token_reused += 1;
                revoke_family(&mut inner, family);
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            }
            if inner.rotation {
                // RTR ends the previous sessions too.
                for session in inner.sessions.values_mut() {
                    if *session == Some(family) {
                        *session = None;
                    }
                }
                let next = new_refresh_token();
                inner.refresh_tokens.insert(next.clone(), family);
                inner.families.get_mut(&family).unwrap().current = next;
            }
            let rotation = inner.rotation;
            let body = mint_tokens(&s, &mut inner, family, rotation);
            Json(body).into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        ),
    }
}

fn do_revoke(s: &Standin, token: Option<&String>) -> Response {
    let mut inner = s.inner.lock().unwrap();
    inner.counters.revocations += 1;
    let Some(token) = token else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token was invalid",
        );
    };
    if let Some(&family) = inner.refresh_tokens.get(token) {
        revoke_family(&mut inner, family);
        return StatusCode::OK.into_response();
    }
    match inner.sessions.get_mut(token) {
        Some(session @ Some(_)) => {
            *session = None;
            StatusCode::OK.into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token was invalid",
        ),
    }
}

async fn revoke_post(State(s): State<Standin>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    do_revoke(&s, form.get("token"))
}

async fn revoke_get(
    State(s): State<Standin>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    do_revoke(&s, q.get("token"))
}

fn bearer(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned())
        .or_else(|| query.get("oauth_token").cloned())
}

fn session_valid(s: &Standin, token: Option<&String>) -> bool {
    let inner = s.inner.lock().unwrap();
    token
        .and_then(|t| inner.sessions.get(t))
        .is_some_and(|f| f.is_some())
}

fn identity_body(s: &Standin) -> Value {
    let instance = s.base.as_str();
    json!({
        "id": format!("{}/id/{ORG_ID}/{USER_ID}", s.base),
        "asserted_user": true,
        "user_id": USER_ID,
        "organization_id": ORG_ID,
        "username": s.args.username,
        "nick_name": "standin",
        "display_name": "Stand-in Admin",
        "email": s.args.username,
        "email_verified": true,
        "first_name": "Stand-in",
        "last_name": "Admin",
        "timezone": "Europe/London",
        "urls": {
            "rest": format!("{instance}/services/data/v{{version}}/"),
            "sobjects": format!("{instance}/services/data/v{{version}}/sobjects/"),
            "query": format!("{instance}/services/data/v{{version}}/query/"),
        },
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_GB",
        "utcOffset": 0,
    })
}

/// §2.8: a token it does not accept gets 403 and one word of plain text.
async fn identity(
    State(s): State<Standin>,
    Path((org, user)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !session_valid(&s, bearer(&headers, &q).as_ref()) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain")],
            "Bad_OAuth_Token",
        )
            .into_response();
    }
    if org != ORG_ID || user != USER_ID {
        return rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        );
    }
    Json(identity_body(&s)).into_response()
}

async fn userinfo(
    State(s): State<Standin>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !session_valid(&s, bearer(&headers, &q).as_ref()) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain")],
            "Bad_OAuth_Token",
        )
            .into_response();
    }
    let id = identity_body(&s);
    Json(json!({
        "sub": id["id"], "user_id": USER_ID, "organization_id": ORG_ID,
        "preferred_username": s.args.username, "email": s.args.username,
        "name": "Stand-in Admin", "active": true, "user_type": "STANDARD",
    }))
    .into_response()
}

/// Counts the call and checks the session; answers the 401 body Salesforce sends.
fn rest_auth(s: &Standin, headers: &HeaderMap) -> Result<String, Response> {
    let token = bearer(headers, &HashMap::new());
    let mut inner = s.inner.lock().unwrap();
    match inner.faults.pop_front().as_deref() {
        None | Some("pass") => {}
        // Events at a chosen call: the cursors or sessions end just before it is served.
        Some("expire_cursors") => inner.cursors.clear(),
        Some("expire_sessions") => {
            for session in inner.sessions.values_mut() {
                *session = None;
            }
        }
        Some(fault) => return Err(fault_response(fault)),
    }
    let token = match token {
        Some(t) if inner.sessions.get(&t).is_some_and(|f| f.is_some()) => t,
        _ => {
            inner.counters.unauthorized += 1;
            return Err(rest_error(
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "Session expired or invalid",
            ));
        }
    };
    match inner.api_off {
        Some(code @ "API_DISABLED_FOR_ORG") => {
            return Err(rest_error(
                StatusCode::FORBIDDEN,
                code,
                "The REST API is not enabled for this Organization.",
            ))
        }
        Some(code) => {
            return Err(rest_error(
                StatusCode::FORBIDDEN,
                code,
                "API is disabled for this User",
            ))
        }
        None => {}
    }
    if inner.counters.rest_calls >= inner.daily_max {
        return Err(rest_error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ));
    }
    inner.counters.rest_calls += 1;
    Ok(token)
}

/// §4.3 and §8.2 rule 12: the faults `fail_next` queues.
fn fault_response(fault: &str) -> Response {
    match fault {
        "503" => rest_error(StatusCode::SERVICE_UNAVAILABLE, "SERVER_UNAVAILABLE", "Server Unavailable"),
        "503html" => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html("<html><body>We are setting things up. This process can take a few minutes.</body></html>"),
        )
            .into_response(),
        "406" => StatusCode::NOT_ACCEPTABLE.into_response(),
        "500" => rest_error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-123456789)"),
        "query_timeout" => rest_error(StatusCode::BAD_REQUEST, "QUERY_TIMEOUT", "Your query request was running for too long."),
        _ => rest_error(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    }
}

fn with_limit_info(mut response: Response, s: &Standin) -> Response {
    let (used, max) = {
        let inner = s.inner.lock().unwrap();
        (inner.counters.rest_calls, inner.daily_max)
    };
    response.headers_mut().insert(
        "sforce-limit-info",
        format!("api-usage={used}/{max}").parse().unwrap(),
    );
    response
}

fn check_version(version: &str) -> Result<String, Response> {
    let v = version.strip_prefix('v').unwrap_or("");
    if VERSIONS.iter().any(|(_, known)| *known == v) {
        Ok(v.to_owned())
    } else if v.parse::<f64>().is_ok_and(|n| n < 31.0) {
        Err(rest_error(
            StatusCode::GONE,
            "GONE",
            "The requested version has been retired",
        ))
    } else {
        Err(rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        ))
    }
}

/// §3.1: no authentication, no limit header.
async fn versions() -> Response {
    Json(
        VERSIONS
            .iter()
            .map(|(label, v)| json!({"label": label, "url": format!("/services/data/v{v}"), "version": v}))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

async fn resources(
    State(s): State<Standin>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = rest_auth(&s, &headers) {
        return e;
    }
    let v = match check_version(&version) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let base = format!("/services/data/v{v}");
    with_limit_info(
        Json(json!({
            "sobjects": format!("{base}/sobjects"),
            "query": format!("{base}/query"),
            "queryAll": format!("{base}/queryAll"),
            "limits": format!("{base}/limits"),
        }))
        .into_response(),
        &s,
    )
}

async fn limits(
    State(s): State<Standin>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = rest_auth(&s, &headers) {
        return e;
    }
    if let Err(e) = check_version(&version) {
        return e;
    }
    let (used, max) = {
        let inner = s.inner.lock().unwrap();
        (inner.counters.rest_calls as i64, inner.daily_max as i64)
    };
    with_limit_info(
        Json(json!({
            "DailyApiRequests": {"Max": max, "Remaining": (max - used).max(0)},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 1024, "Remaining": 1020},
        }))
        .into_response(),
        &s,
    )
}

async fn describe(
    State(s): State<Standin>,
    Path((version, object)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = rest_auth(&s, &headers) {
        return e;
    }
    let v = match check_version(&version) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(object) = objects::canonical(&object) else {
        return rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        );
    };
    let hidden = s.inner.lock().unwrap().hidden.clone();
    with_limit_info(
        Json(objects::describe(object, &v, &hidden)).into_response(),
        &s,
    )
}

/// Parses and checks a query against the schema the connecting user sees (§3.3, §4.3).
fn parse_soql(q: &str, hidden: &objects::Hidden) -> Result<(soql::Query, &'static str), Response> {
    let trimmed = q.trim();
    let query = soql::parse(trimmed).map_err(|m| {
        rest_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            &format!("\n{trimmed}\n^\nERROR at Row:1:Column:1\n{m}"),
        )
    })?;
    let Some(object) = objects::canonical(&query.object) else {
        let column = trimmed
            .to_ascii_uppercase()
            .find(" FROM ")
            .map_or(0, |at| at + 7);
        return Err(rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            &format!("\n{trimmed}\n^\nERROR at Row:1:Column:{column}\nsObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.object),
        ));
    };
    for field in soql::named_fields(&query) {
        if let Err(field) = objects::check_field(object, field, hidden) {
            let column = trimmed.find(&field).map_or(8, |at| at + 1);
            return Err(rest_error(
                StatusCode::BAD_REQUEST,
                "INVALID_FIELD",
                &format!("\n{trimmed}\n^\nERROR at Row:1:Column:{column}\nNo such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."),
            ));
        }
    }
    Ok((query, object))
}

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().strip_prefix("batchSize="))
                .and_then(|n| n.parse::<usize>().ok())
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(2000)
}

fn page(
    s: &Standin,
    v: &str,
    session: &str,
    records: Vec<Value>,
    total: usize,
    batch: usize,
) -> Response {
    let batch = s
        .inner
        .lock()
        .unwrap()
        .page_cap
        .map_or(batch, |cap| cap.min(batch));
    let (now, later): (Vec<Value>, Vec<Value>) = if records.len() > batch {
        let mut r = records;
        let later = r.split_off(batch);
        (r, later)
    } else {
        (records, Vec::new())
    };
    let mut body = json!({"totalSize": total, "done": later.is_empty(), "records": now});
    if !later.is_empty() {
        let mut inner = s.inner.lock().unwrap();
        let id = inner.next_cursor;
        inner.next_cursor += 1;
        let offset = total - later.len();
        let locator = format!("01g5g{id:010}AA-{offset}");
        body["nextRecordsUrl"] = json!(format!("/services/data/v{v}/query/{locator}"));
        inner.cursors.insert(
            locator,
            Cursor {
                session: session.to_owned(),
                records: later,
                total,
            },
        );
    }
    with_limit_info(Json(body).into_response(), s)
}

async fn run_query(
    s: Standin,
    version: String,
    headers: HeaderMap,
    q: HashMap<String, String>,
    all: bool,
) -> Response {
    let session = match rest_auth(&s, &headers) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let v = match check_version(&version) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(text) = q.get("q") else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        );
    };
    let hidden = s.inner.lock().unwrap().hidden.clone();
    let (parsed, object) = match parse_soql(text, &hidden) {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    // The result set is a snapshot taken now; later pages come from it (§8.2 rule 6).
    let records = objects::run(&s.data.lock().unwrap(), object, &parsed, all, &v);
    let total = records.len();
    page(&s, &v, &session, records, total, batch_size(&headers))
}

async fn query(
    State(s): State<Standin>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    run_query(s, version, headers, q, false).await
}

async fn query_all(
    State(s): State<Standin>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    run_query(s, version, headers, q, true).await
}

/// §3.3.5, §3.3.7: a locator belongs to the session that opened it.
async fn query_more(
    State(s): State<Standin>,
    Path((version, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let session = match rest_auth(&s, &headers) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let v = match check_version(&version) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let cursor = {
        let mut inner = s.inner.lock().unwrap();
        match inner.cursors.get(&locator) {
            None => None,
            Some(c) if c.session != session => {
                return rest_error(
                    StatusCode::UNAUTHORIZED,
                    "INVALID_SESSION_ID",
                    "Session expired or invalid",
                )
            }
            Some(_) => inner.cursors.remove(&locator),
        }
    };
    let Some(cursor) = cursor else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        );
    };
    page(
        &s,
        &v,
        &session,
        cursor.records,
        cursor.total,
        batch_size(&headers),
    )
}

/// `POST /__standin/records/{Object}` with a JSON record or array: creates records (no
/// `Id`) or changes them (by `Id`); answers `{"ids": [...]}`.
async fn change_records(
    State(s): State<Standin>,
    Path(object): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let Some(object) = objects::canonical(&object) else {
        return (StatusCode::NOT_FOUND, "unknown object").into_response();
    };
    let records = match body {
        Value::Array(records) => records,
        one => vec![one],
    };
    let now = soql::format_datetime(now_ms());
    let mut data = s.data.lock().unwrap();
    let mut inner = s.inner.lock().unwrap();
    match objects::upsert(&mut data, object, records, &now, &mut inner.next_record) {
        Ok(ids) => Json(json!({ "ids": ids })).into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

/// `POST /__standin/records/{Object}/{Id}/delete`: a soft delete (§5.2).
async fn delete_record(
    State(s): State<Standin>,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    let Some(object) = objects::canonical(&object) else {
        return (StatusCode::NOT_FOUND, "unknown object").into_response();
    };
    let now = soql::format_datetime(now_ms());
    match objects::delete(&mut s.data.lock().unwrap(), object, &id, &now) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn control(State(s): State<Standin>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut inner = s.inner.lock().unwrap();
    for (key, value) in &form {
        match (key.as_str(), value.as_str()) {
            ("refresh", "refuse") => inner.refuse_refresh = true,
            ("refresh", "allow") => inner.refuse_refresh = false,
            ("rotation", "on") => inner.rotation = true,
            ("rotation", "off") => inner.rotation = false,
            ("expire_sessions", _) => {
                for session in inner.sessions.values_mut() {
                    *session = None;
                }
            }
            ("revoke_all", _) => {
                let families: Vec<u64> = inner.families.keys().copied().collect();
                for f in families {
                    revoke_family(&mut inner, f);
                }
            }
            ("api", "on") => inner.api_off = None,
            ("api", "off_for_org") => inner.api_off = Some("API_DISABLED_FOR_ORG"),
            ("api", "off_for_user") => inner.api_off = Some("API_CURRENTLY_DISABLED"),
            ("daily_limit", n) => match n.parse() {
                Ok(n) => inner.daily_max = n,
                Err(_) => {
                    return (StatusCode::BAD_REQUEST, "daily_limit must be a number")
                        .into_response()
                }
            },
            ("reset_usage", _) => inner.counters.rest_calls = 0,
            ("expire_cursors", _) => inner.cursors.clear(),
            ("hide", field) => {
                inner.hidden.insert(field.to_owned());
            }
            ("show", field) => {
                inner.hidden.remove(field);
            }
            ("fail_next", faults) => {
                for fault in faults.split(',') {
                    if ![
                        "503",
                        "503html",
                        "406",
                        "500",
                        "query_timeout",
                        "concurrency",
                        "pass",
                        "expire_cursors",
                        "expire_sessions",
                    ]
                    .contains(&fault)
                    {
                        return (StatusCode::BAD_REQUEST, format!("unknown fault {fault}"))
                            .into_response();
                    }
                    inner.faults.push_back(fault.to_owned());
                }
            }
            ("page_cap", n) => match n.parse::<usize>() {
                Ok(0) => inner.page_cap = None,
                Ok(n) => inner.page_cap = Some(n),
                Err(_) => {
                    return (StatusCode::BAD_REQUEST, "page_cap must be a number").into_response()
                }
            },
            ("code_ttl_seconds", n) => match n.parse() {
                Ok(n) => inner.code_ttl = Duration::from_secs(n),
                Err(_) => {
                    return (StatusCode::BAD_REQUEST, "code_ttl_seconds must be a number")
                        .into_response()
                }
            },
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown switch {key}={value}"),
                )
                    .into_response()
            }
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn standin_state(State(s): State<Standin>) -> Json<Value> {
    let inner = s.inner.lock().unwrap();
    let c = &inner.counters;
    Json(json!({
        "code_exchanges": c.code_exchanges,
        "code_verifiers_seen": c.code_verifiers_seen,
        "refresh_grants": c.refresh_grants,
        "refresh_refused": c.refresh_refused,
        "rotated_token_reused": c.rotated_token_reused,
        "revocations": c.revocations,
        "rest_calls": c.rest_calls,
        "unauthorized": c.unauthorized,
        "live_sessions": inner.sessions.values().filter(|f| f.is_some()).count(),
        "live_families": inner.families.values().filter(|f| !f.revoked).count(),
        "rotation": inner.rotation,
        "open_cursors": inner.cursors.len(),
        "refuse_refresh": inner.refuse_refresh,
        "username": s.args.username,
        "org_id": ORG_ID,
        "user_id": USER_ID,
    }))
}
