//! Manage Credentials, Manage OAuth against the Salesforce stand-in, the Source Overview's
//! sources and `steward secret rotate`.
use app::connections::api::{
    DeleteCredentials, DisconnectSalesforce, GetOauthOverview, ListCredentials, ListSources,
    SaveCredentials,
};
use app::connections::ssr::salesforce::{self, CallError};
use app::db::entities::{audit_events, credentials, oauth_connections, outbound_mail};
use app::error::AppError;
use axum::body::Body;
use axum::http::{header, Request};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{spawn_with, Browser, TestApp};
use crate::standin::Standin;

const CONSUMER_SECRET: &str = "standin-consumer-secret";

async fn save_salesforce_app(
    app: &TestApp,
    browser: &mut Browser,
    key: &str,
    secret: &str,
) -> Result<serde_json::Value, AppError> {
    app.call::<SaveCredentials>(
        browser,
        &[
            ("system", "salesforce_connected_app"),
            ("consumer_key", key),
            ("consumer_secret", secret),
        ],
    )
    .await
}

/// Posts the Authorize provider form; answers the Location of the 303.
async fn start(app: &TestApp, browser: &mut Browser, provider: &str, my_domain: &str) -> String {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("provider", provider)
        .append_pair("my_domain_url", my_domain)
        .finish();
    let request = Request::post("/oauth/salesforce/start")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", &browser.address)
        .header(
            header::COOKIE,
            format!(
                "steward_session={}",
                browser.cookie.as_deref().unwrap_or("")
            ),
        )
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    if reply.status == 200 {
        // On the way to the provider: a page that navigates there (meta refresh).
        let start = reply.body.find("content=\"0;url=").expect("a meta refresh") + 15;
        let end = start + reply.body[start..].find('"').unwrap();
        return reply.body[start..end].replace("&amp;", "&");
    }
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.headers[header::LOCATION].to_str().unwrap().to_owned()
}

/// Follows the stand-in's redirect into Steward's callback; answers Steward's Location.
async fn callback(app: &TestApp, browser: &mut Browser, location: &str) -> String {
    let url = url::Url::parse(location).unwrap();
    let path = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    let reply = app.get(browser, &path).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.headers[header::LOCATION].to_str().unwrap().to_owned()
}

pub struct Setup {
    pub key: String,
    pub app: TestApp,
    pub standin: Standin,
    pub admin: Browser,
}

/// A Steward whose public URL is the callback registered at a stand-in, with an organisation
/// whose Connected App comes from Manage Credentials.
pub async fn setup(standin_args: &[&str]) -> Setup {
    let public = "http://127.0.0.1:3999";
    let callback_url = format!("{public}/oauth/salesforce/callback");
    let mut args = vec!["--callback", callback_url.as_str()];
    args.extend_from_slice(standin_args);
    let standin = Standin::start(&args);
    let key = app::crypto::SecretKey::generate_base64();
    let app = spawn_with(&[("STEWARD_PUBLIC_URL", public), ("STEWARD_SECRET_KEY", &key)]).await;
    let mut admin = app
        .organisation_with_admin("Acme", "admin@acme.example")
        .await;
    save_salesforce_app(&app, &mut admin, "standin-consumer-key", CONSUMER_SECRET)
        .await
        .unwrap();
    Setup {
        key,
        app,
        standin,
        admin,
    }
}

/// Authorizes against the stand-in through its My Domain URL (loopback http) and Allow.
pub async fn connect(s: &mut Setup) {
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let to_callback = s.standin.decide(&authorize, "allow").await;
    let back = callback(&s.app, &mut s.admin, &to_callback).await;
    assert_eq!(back, "/settings/it/oauth?connected=1");
}

pub async fn connection(app: &TestApp) -> oauth_connections::Model {
    oauth_connections::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a connection row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_authorize_with_pkce_against_the_standin_connects_with_its_username() {
    let mut s = setup(&[]).await;
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let url = url::Url::parse(&authorize).unwrap();
    assert!(authorize.starts_with(&format!("{}/services/oauth2/authorize?", s.standin.url)));
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["redirect_uri"],
        "http://127.0.0.1:3999/oauth/salesforce/callback"
    );
    assert!(q["code_challenge"].len() >= 43);
    let to_callback = s.standin.decide(&authorize, "allow").await;
    assert!(to_callback.contains("code="), "{to_callback}");
    let back = callback(&s.app, &mut s.admin, &to_callback).await;
    assert_eq!(back, "/settings/it/oauth?connected=1");
    // The stand-in checked the verifier against the challenge (a wrong one is refused).
    let state = s.standin.state().await;
    assert_eq!(state["code_exchanges"], 1);
    assert_eq!(state["code_verifiers_seen"], 1);
    let overview = s
        .app
        .call::<GetOauthOverview>(&mut s.admin, &[])
        .await
        .unwrap();
    let c = &overview["connection"];
    assert_eq!(c["username"], "admin@standin.example");
    assert_eq!(c["status"], "connected");
    assert_eq!(c["remote_org_id"], state["org_id"]);
    assert_eq!(c["instance_url"], s.standin.url.as_str());
    assert!(overview["app_in_use"]
        .as_str()
        .unwrap()
        .contains("Manage Credentials"));
    // The page shows it, and never a token.
    let row = connection(&s.app).await;
    let tokens = salesforce::opened_values_for_tests(&s.app.state, &row);
    let page = s.app.get(&mut s.admin, "/settings/it/oauth").await;
    assert!(page.body.contains("admin@standin.example"));
    for token in tokens.values() {
        assert!(!page.body.contains(token.as_str()));
        assert!(!row.sealed_access_token.contains(token.as_str()));
    }
    // A call through the connection works and records the last successful call.
    let limits = salesforce::get_json(&s.app.state, row.org_id, "/services/data/v62.0/limits/")
        .await
        .unwrap();
    assert!(limits["DailyApiRequests"]["Max"].is_number());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_forged_reused_or_from_another_session_is_refused() {
    let mut s = setup(&[]).await;
    // Forged.
    let forged = callback(
        &s.app,
        &mut s.admin,
        "http://x/oauth/salesforce/callback?code=abc%3D%3D&state=forged",
    )
    .await;
    assert_eq!(forged, "/settings/it/oauth?error=state");
    // Another session of the same user.
    let mut other = s.app.signed_in("admin@acme.example").await;
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let to_callback = s.standin.decide(&authorize, "allow").await;
    assert_eq!(
        callback(&s.app, &mut other, &to_callback).await,
        "/settings/it/oauth?error=state"
    );
    // That state is now used: the right session cannot use it either.
    assert_eq!(
        callback(&s.app, &mut s.admin, &to_callback).await,
        "/settings/it/oauth?error=state"
    );
    // Reused after a success.
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let to_callback = s.standin.decide(&authorize, "allow").await;
    assert_eq!(
        callback(&s.app, &mut s.admin, &to_callback).await,
        "/settings/it/oauth?connected=1"
    );
    assert_eq!(
        callback(&s.app, &mut s.admin, &to_callback).await,
        "/settings/it/oauth?error=state"
    );
    // The state was checked before the code: only the successful exchange reached it.
    assert_eq!(s.standin.state().await["code_exchanges"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_deny_bad_my_domain_and_expired_code_come_back_as_sentences() {
    let mut s = setup(&[]).await;
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let to_callback = s.standin.decide(&authorize, "deny").await;
    let back = callback(&s.app, &mut s.admin, &to_callback).await;
    assert_eq!(back, "/settings/it/oauth?error=denied");
    let page = s.app.get(&mut s.admin, &back).await;
    assert!(
        page.body.contains("Salesforce says access was denied"),
        "{}",
        page.body
    );
    for bad in [
        "http://example.com",
        "ftp://127.0.0.1",
        "https://acme.my.salesforce.com/path",
        "not a url",
    ] {
        let back = start(&s.app, &mut s.admin, "my_domain", bad).await;
        assert!(
            back.starts_with("/settings/it/oauth?error=my_domain"),
            "{bad}: {back}"
        );
    }
    assert!(start(&s.app, &mut s.admin, "other", "")
        .await
        .ends_with("error=provider_choice"));
    // An expired code (the stand-in's TTL set to zero).
    s.standin.control(&[("code_ttl_seconds", "0")]).await;
    let authorize = start(&s.app, &mut s.admin, "my_domain", &s.standin.url).await;
    let to_callback = s.standin.decide(&authorize, "allow").await;
    assert_eq!(
        callback(&s.app, &mut s.admin, &to_callback).await,
        "/settings/it/oauth?error=expired_code"
    );
    assert!(oauth_connections::Entity::find()
        .one(&s.app.state.db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_refresh_on_401_persists_rotation_and_concurrent_callers_never_reuse_a_token() {
    let mut s = setup(&["--rotation"]).await;
    connect(&mut s).await;
    let before = connection(&s.app).await;
    let old_refresh = salesforce::opened_values_for_tests(&s.app.state, &before)["refresh"].clone();
    s.standin.control(&[("expire_sessions", "1")]).await;
    let org = before.org_id;
    let path = "/services/data/v62.0/limits/";
    let (a, b) = tokio::join!(
        salesforce::get_json(&s.app.state, org, path),
        salesforce::get_json(&s.app.state, org, path)
    );
    a.unwrap();
    b.unwrap();
    let state = s.standin.state().await;
    assert_eq!(
        state["refresh_grants"], 1,
        "one refresh for two callers: {state}"
    );
    assert_eq!(state["rotated_token_reused"], 0);
    let after = connection(&s.app).await;
    let new_refresh = salesforce::opened_values_for_tests(&s.app.state, &after)["refresh"].clone();
    assert_ne!(
        old_refresh, new_refresh,
        "the rotated refresh token is stored"
    );
    assert_eq!(after.token_version, before.token_version + 1);
    // The stored (rotated) token works for the next refresh too.
    s.standin.control(&[("expire_sessions", "1")]).await;
    salesforce::get_json(&s.app.state, org, path).await.unwrap();
    let state = s.standin.state().await;
    assert_eq!(state["refresh_grants"], 2);
    assert_eq!(state["rotated_token_reused"], 0);
    assert_eq!(state["live_families"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_refused_refresh_needs_reauthorization_and_mails_once() {
    let mut s = setup(&[]).await;
    // A second holder of Configure Data Connectors, and a CSM without it.
    let org = s.app.org_id_of("admin@acme.example").await;
    s.app
        .add_user(org, "CSM Manager", "second@acme.example")
        .await;
    s.app.add_user(org, "CSM", "csm@acme.example").await;
    connect(&mut s).await;
    s.standin
        .control(&[("refresh", "refuse"), ("expire_sessions", "1")])
        .await;
    let path = "/services/data/v62.0/limits/";
    for _ in 0..3 {
        assert!(matches!(
            salesforce::get_json(&s.app.state, org, path).await,
            Err(CallError::NeedsReauthorization)
        ));
    }
    assert_eq!(connection(&s.app).await.status, "needs_reauthorization");
    let mails = outbound_mail::Entity::find()
        .filter(outbound_mail::Column::Subject.contains("authorized again"))
        .all(&s.app.state.db)
        .await
        .unwrap();
    let mut to: Vec<_> = mails.iter().map(|m| m.to_address.clone()).collect();
    to.sort();
    assert_eq!(to, ["admin@acme.example", "second@acme.example"]);
    assert_eq!(
        s.standin.state().await["refresh_refused"],
        1,
        "no retry storm"
    );
    let overview = s
        .app
        .call::<GetOauthOverview>(&mut s.admin, &[])
        .await
        .unwrap();
    assert_eq!(overview["connection"]["status"], "needs_reauthorization");
    // Authorizing again connects and clears the notice flag.
    s.standin.control(&[("refresh", "allow")]).await;
    connect(&mut s).await;
    let row = connection(&s.app).await;
    assert_eq!(row.status, "connected");
    assert!(row.reauth_notified_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_disconnect_revokes_at_the_provider_and_deletes_the_tokens() {
    let mut s = setup(&[]).await;
    connect(&mut s).await;
    let sentence = s
        .app
        .call::<DisconnectSalesforce>(&mut s.admin, &[])
        .await
        .unwrap();
    assert!(sentence
        .as_str()
        .unwrap()
        .contains("Salesforce revoked the token"));
    let state = s.standin.state().await;
    assert_eq!(state["revocations"], 1);
    assert_eq!(state["live_families"], 0);
    assert_eq!(state["live_sessions"], 0);
    let row = connection(&s.app).await;
    assert_eq!(row.status, "revoked");
    assert!(row.sealed_access_token.is_empty() && row.sealed_refresh_token.is_none());
    assert!(matches!(
        s.app.call::<DisconnectSalesforce>(&mut s.admin, &[]).await,
        Err(AppError::NotFound)
    ));
    // Reconnect.
    connect(&mut s).await;
    assert_eq!(connection(&s.app).await.status, "connected");
    let audit: Vec<String> = audit_events::Entity::find()
        .all(&s.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.contains(&"oauth_connected".to_owned()));
    assert!(audit.contains(&"oauth_disconnected".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_credentials_are_write_only_validated_audited_and_isolated() {
    let app = spawn_with(&[]).await;
    let mut a = app
        .organisation_with_admin("Acme", "admin@acme.example")
        .await;
    let mut b = app
        .organisation_with_admin("Other", "admin@other.example")
        .await;
    let secret = "zendesk-token-VALUE-9f8e";
    let saved = app
        .call::<SaveCredentials>(
            &mut a,
            &[
                ("system", "zendesk"),
                ("subdomain", "acme"),
                ("agent_email", "agent@acme.example"),
                ("api_token", secret),
            ],
        )
        .await
        .unwrap();
    assert_eq!(saved["set"]["fingerprints"][0][1], "…9f8e");
    assert!(saved["set"]["set_by"]
        .as_str()
        .unwrap()
        .contains("admin@acme.example"));
    let listed = app
        .call::<ListCredentials>(&mut a, &[])
        .await
        .unwrap()
        .to_string();
    assert!(!listed.contains(secret) && !listed.contains("agent@acme.example"));
    let page = app.get(&mut a, "/settings/it/credentials").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("…9f8e") && !page.body.contains(secret));
    // Inline validation, stored data kept.
    let Err(AppError::Validation(errors)) = app
        .call::<SaveCredentials>(
            &mut a,
            &[
                ("system", "zendesk"),
                ("subdomain", "Acme.zendesk.com"),
                ("agent_email", "nope"),
                ("api_token", ""),
            ],
        )
        .await
    else {
        panic!("validation");
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["api_token", "subdomain", "agent_email"]);
    let Err(AppError::Validation(errors)) = app
        .call::<SaveCredentials>(
            &mut a,
            &[
                ("system", "stripe"),
                ("restricted_key", "sk_live_abcdefghijklmnopqrstuvwxyz"),
            ],
        )
        .await
    else {
        panic!("stripe validation");
    };
    assert_eq!(errors[0].field, "restricted_key");
    // Overwrite.
    let saved = app
        .call::<SaveCredentials>(
            &mut a,
            &[
                ("system", "zendesk"),
                ("subdomain", "acme"),
                ("agent_email", "agent@acme.example"),
                ("api_token", "second-token-1234"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(saved["set"]["fingerprints"][0][1], "…1234");
    // Organisation B sees nothing of A's and cannot delete it.
    let other = app.call::<ListCredentials>(&mut b, &[]).await.unwrap();
    assert!(other.as_array().unwrap().iter().all(|s| s["set"].is_null()));
    assert!(matches!(
        app.call::<DeleteCredentials>(&mut b, &[("system", "zendesk")])
            .await,
        Err(AppError::NotFound)
    ));
    // Without Configure Data Connectors: Forbidden everywhere.
    let org_a = app.org_id_of("admin@acme.example").await;
    app.add_user(org_a, "CSM", "csm@acme.example").await;
    let mut csm = app.signed_in("csm@acme.example").await;
    assert!(matches!(
        app.call::<ListCredentials>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.call::<SaveCredentials>(
            &mut csm,
            &[
                ("system", "stripe"),
                ("restricted_key", "rk_test_abcdefghijklmnop")
            ]
        )
        .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.call::<DeleteCredentials>(&mut csm, &[("system", "zendesk")])
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.call::<GetOauthOverview>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.call::<DisconnectSalesforce>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.call::<ListSources>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        start(&app, &mut csm, "production", "").await,
        "/settings/it/oauth?error=forbidden"
    );
    // Delete, audited without values.
    app.call::<DeleteCredentials>(&mut a, &[("system", "zendesk")])
        .await
        .unwrap();
    assert!(credentials::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .is_empty());
    let audit = audit_events::Entity::find()
        .filter(audit_events::Column::TargetType.eq("credentials"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    for event in audit {
        let text = format!("{:?}", event);
        assert!(
            !text.contains(secret) && !text.contains("second-token"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_database_dump_holds_no_token_or_credential_in_clear() {
    let mut s = setup(&["--rotation"]).await;
    connect(&mut s).await;
    s.app
        .call::<SaveCredentials>(
            &mut s.admin,
            &[
                ("system", "stripe"),
                ("restricted_key", "rk_live_DUMPCHECK0123456789"),
            ],
        )
        .await
        .unwrap();
    let row = connection(&s.app).await;
    let tokens = salesforce::opened_values_for_tests(&s.app.state, &row);
    assert_eq!(tokens.len(), 2);
    let mut needles: Vec<String> = tokens.into_values().collect();
    needles.push(CONSUMER_SECRET.into());
    needles.push("rk_live_DUMPCHECK0123456789".into());
    // The whole database as an operator would copy it: the SQLite file (and its WAL), or
    // pg_dump's output.
    let dump = if s.app.database_url.starts_with("sqlite") {
        let mut bytes = Vec::new();
        for name in ["steward.db", "steward.db-wal"] {
            if let Ok(b) = std::fs::read(s.app.dir.join(name)) {
                bytes.extend(b);
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        let pg_dump = ["/usr/lib/postgresql/15/bin/pg_dump", "pg_dump"]
            .into_iter()
            .find(|p| {
                std::process::Command::new(p)
                    .arg("--version")
                    .output()
                    .is_ok()
            })
            .expect("pg_dump is installed with PostgreSQL");
        let out = std::process::Command::new(pg_dump)
            .args(["--data-only", &s.app.database_url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The dump is real: it holds what is not secret.
    assert!(dump.contains("admin@standin.example"));
    for needle in needles {
        assert!(!dump.contains(&needle), "found a secret in clear");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_secret_rotate_reseals_everything_and_the_old_key_can_go() {
    let mut s = setup(&[]).await;
    connect(&mut s).await;
    let row = connection(&s.app).await;
    let tokens = salesforce::opened_values_for_tests(&s.app.state, &row);
    let org = row.org_id;
    // The same database, opened with a new key and the old one as previous.
    let old = s.app.state.secrets.current_key_id().to_owned();
    let (mut env, _dir) = crate::common::test_env(&[]).await;
    env.insert("STEWARD_DATABASE_URL".into(), s.app.database_url.clone());
    let old_key_text = s.key.clone();
    let new_key_text = app::crypto::SecretKey::generate_base64();
    env.insert("STEWARD_SECRET_KEY".into(), new_key_text.clone());
    env.insert("STEWARD_PREVIOUS_SECRET_KEYS".into(), old_key_text.clone());
    let (settings, _) = app::config::Settings::load(&env).unwrap();
    let rotated_state = server::startup::build_state(settings).await.unwrap();
    assert_ne!(rotated_state.secrets.current_key_id(), old);
    let report =
        app::connections::ssr::rotate::rotate(&rotated_state.db, &rotated_state.secrets, |_, _| {})
            .await
            .unwrap();
    assert!(report.resealed >= 4, "{report:?}");
    // Run again: nothing left (resumable, idempotent).
    let again =
        app::connections::ssr::rotate::rotate(&rotated_state.db, &rotated_state.secrets, |_, _| {})
            .await
            .unwrap();
    assert_eq!(again.resealed, 0);
    // Without the old key everything still opens.
    env.remove("STEWARD_PREVIOUS_SECRET_KEYS");
    let (settings, _) = app::config::Settings::load(&env).unwrap();
    let new_only = server::startup::build_state(settings).await.unwrap();
    let row = connection_in(&new_only).await;
    assert_eq!(salesforce::opened_values_for_tests(&new_only, &row), tokens);
    let app_creds = salesforce::connected_app(&new_only, org)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app_creds.client_secret, CONSUMER_SECRET);
    assert!(
        app::connections::ssr::rotate::unknown_keys(&new_only.db, &new_only.secrets)
            .await
            .unwrap()
            .is_empty()
    );
    // A store holding a value under a key nobody configured refuses to rotate.
    let mut env2 = env.clone();
    env2.insert(
        "STEWARD_SECRET_KEY".into(),
        app::crypto::SecretKey::generate_base64(),
    );
    let (settings, _) = app::config::Settings::load(&env2).unwrap();
    let stranger = server::startup::build_state(settings).await.unwrap();
    let refused =
        app::connections::ssr::rotate::rotate(&stranger.db, &stranger.secrets, |_, _| {}).await;
    assert!(matches!(refused, Err(AppError::Invalid(m)) if m.contains("not configured")));
    drop(s);
}

async fn connection_in(state: &app::state::AppState) -> oauth_connections::Model {
    oauth_connections::Entity::find()
        .one(&state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sources_table_lists_registered_sources_per_organisation() {
    let mut s = setup(&[]).await;
    let rows = s.app.call::<ListSources>(&mut s.admin, &[]).await.unwrap();
    assert_eq!(rows[0]["name"], "Salesforce");
    assert_eq!(rows[0]["status"], "Not connected");
    assert_eq!(rows[1]["name"], "Account API");
    connect(&mut s).await;
    let rows = s.app.call::<ListSources>(&mut s.admin, &[]).await.unwrap();
    assert_eq!(rows[0]["status"], "Connected");
    let mut other = s
        .app
        .organisation_with_admin("Other", "admin@other.example")
        .await;
    let rows = s.app.call::<ListSources>(&mut other, &[]).await.unwrap();
    assert_eq!(rows[0]["status"], "Not connected", "organisation isolation");
    let overview = s
        .app
        .call::<GetOauthOverview>(&mut other, &[])
        .await
        .unwrap();
    assert!(overview["connection"].is_null());
    assert!(overview["app_missing"]
        .as_str()
        .unwrap()
        .contains("Manage Credentials"));
    assert!(matches!(
        s.app.call::<DisconnectSalesforce>(&mut other, &[]).await,
        Err(AppError::NotFound)
    ));
    let page = s
        .app
        .get(&mut s.admin, "/settings/it/source-overview")
        .await;
    assert!(page.body.contains("Salesforce") && page.body.contains("Account API"));
}

/// The stand-in answers the queries an incremental connector sends, the way Salesforce
/// does: WHERE on SystemModstamp (with an encoded `+`), ORDER BY, parent paths, queryAll
/// for deletions, and the errors a connector must handle (issue 14 builds on these).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_standin_answers_incremental_soql_and_its_errors() {
    let mut s = setup(&["--accounts", "30"]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    let query = |soql: &str, all: bool| {
        let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        format!(
            "/services/data/v62.0/{}?q={encoded}",
            if all { "queryAll" } else { "query" }
        )
    };
    let since = "2026-11-01T09:00:00.000+0000";
    let changed = format!("SELECT Id, Name, CSM_User__r.Email FROM Account WHERE SystemModstamp > {since} ORDER BY SystemModstamp, Id");
    let first = salesforce::get_json(&s.app.state, org, &query(&changed, false))
        .await
        .unwrap();
    assert_eq!(first["totalSize"], 0, "nothing changed yet: {first}");

    let all = salesforce::get_json(
        &s.app.state,
        org,
        &query("SELECT Id, Name FROM Account ORDER BY Id", false),
    )
    .await
    .unwrap();
    let ids: Vec<String> = all["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 26, "30 accounts, every seventh deleted: {all}");
    s.standin
        .change(
            "Account",
            serde_json::json!([{"Id": ids[3], "Name": "Renamed"}]),
        )
        .await;
    s.standin.delete("Account", &ids[5]).await;

    let live = salesforce::get_json(&s.app.state, org, &query(&changed, false))
        .await
        .unwrap();
    assert_eq!(live["totalSize"], 1, "{live}");
    assert_eq!(live["records"][0]["Name"], "Renamed");
    assert_eq!(
        live["records"][0]["CSM_User__r"]["attributes"]["type"],
        "User"
    );
    let with_deleted = salesforce::get_json(
        &s.app.state,
        org,
        &query(
            &format!(
                "SELECT Id, IsDeleted FROM Account WHERE SystemModstamp > {since} ORDER BY Id"
            ),
            true,
        ),
    )
    .await
    .unwrap();
    assert_eq!(with_deleted["totalSize"], 2, "{with_deleted}");
    assert!(with_deleted["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["Id"] == ids[5].as_str() && r["IsDeleted"] == true));

    // An unencoded `+` is a space on the wire: MALFORMED_QUERY, as on Salesforce.
    let raw = format!(
        "/services/data/v62.0/query?q=SELECT+Id+FROM+Account+WHERE+SystemModstamp+>+{since}"
    );
    let refused = salesforce::get_json(&s.app.state, org, &raw)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("MALFORMED_QUERY"), "{refused}");

    s.standin.control(&[("hide", "Account.CSM__c")]).await;
    let hidden = salesforce::get_json(
        &s.app.state,
        org,
        &query("SELECT Id, CSM__c FROM Account", false),
    )
    .await
    .unwrap_err();
    assert!(hidden.to_string().contains("INVALID_FIELD"), "{hidden}");

    s.standin.control(&[("api", "off_for_org")]).await;
    let off = salesforce::get_json(&s.app.state, org, "/services/data/v62.0/limits/")
        .await
        .unwrap_err();
    assert!(off.to_string().contains("API_DISABLED_FOR_ORG"), "{off}");
    s.standin
        .control(&[("api", "on"), ("daily_limit", "1")])
        .await;
    let limited = salesforce::get_json(&s.app.state, org, "/services/data/v62.0/limits/")
        .await
        .unwrap_err();
    assert!(
        limited.to_string().contains("REQUEST_LIMIT_EXCEEDED"),
        "{limited}"
    );
}
