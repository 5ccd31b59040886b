//! API keys: created through the Source Overview's server functions, stored only as hashes,
//! listed without secrets, revoked and rotated with an overlap, checked by `authenticate`,
//! behind Configure Data Connectors and the organisation boundary; and the CLI.
use app::api_keys::api::{CreateApiKey, ListApiKeys, RevokeApiKey, RotateApiKey};
use app::api_keys::dto::ApiKeyKind;
use app::api_keys::ssr::service::authenticate;
use app::db::entities::{api_keys, audit_events};
use app::error::AppError;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::cli::steward;
use crate::common::{spawn, test_env, Browser, TestApp};

async fn create(
    app: &TestApp,
    browser: &mut Browser,
    kind: &str,
    name: &str,
) -> Result<serde_json::Value, AppError> {
    app.call::<CreateApiKey>(browser, &[("kind", kind), ("name", name)])
        .await
}

async fn rotate(
    app: &TestApp,
    browser: &mut Browser,
    id: i64,
    days: &str,
) -> Result<serde_json::Value, AppError> {
    app.call::<RotateApiKey>(
        browser,
        &[("key_id", &id.to_string()), ("overlap_days", days)],
    )
    .await
}

async fn revoke(
    app: &TestApp,
    browser: &mut Browser,
    id: i64,
) -> Result<serde_json::Value, AppError> {
    app.call::<RevokeApiKey>(browser, &[("key_id", &id.to_string())])
        .await
}

async fn row(app: &TestApp, id: i64) -> api_keys::Model {
    api_keys::Entity::find_by_id(id as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn auth(app: &TestApp, kind: ApiKeyKind, presented: &str) -> Option<(i32, i32)> {
    authenticate(&app.state.db, kind, presented).await.unwrap()
}

fn text(value: &serde_json::Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {value}"))
        .to_owned()
}

async fn set_times(
    app: &TestApp,
    id: i64,
    last_used_at: Option<i64>,
    expires_at: Option<Option<i64>>,
) {
    let mut active: api_keys::ActiveModel = row(app, id).await.into();
    active.last_used_at = Set(last_used_at);
    if let Some(expires_at) = expires_at {
        active.expires_at = Set(expires_at);
    }
    active.update(&app.state.db).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_keys_have_prefixes_are_stored_only_hashed_and_never_listed() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let account = create(&app, &mut admin, "account", " Billing sync ")
        .await
        .unwrap();
    let event = create(&app, &mut admin, "event", "Web app").await.unwrap();
    let account_key = text(&account, "api_key");
    let (auth_key, event_key) = (text(&event, "auth_key"), text(&event, "api_key"));
    assert!(
        account_key.starts_with("stw_acct_") && account_key.len() >= "stw_acct_".len() + 22,
        "{account_key}"
    );
    assert!(account["auth_key"].is_null());
    assert!(auth_key.starts_with("stw_evauth_"), "{auth_key}");
    assert!(event_key.starts_with("stw_evapi_"), "{event_key}");
    assert_eq!(text(&account, "name"), "Billing sync");

    let secrets = [&account_key, &auth_key, &event_key];
    // The part after the `stw_<kind>_` prefix (it may itself contain '_').
    let randoms: Vec<&str> = secrets
        .iter()
        .map(|s| s.splitn(3, '_').nth(2).unwrap())
        .collect();
    let rows = api_keys::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    let stored = format!("{rows:?}");
    for secret in secrets
        .iter()
        .map(|s| s.as_str())
        .chain(randoms.iter().copied())
    {
        assert!(
            !stored.contains(secret),
            "the secret {secret} is stored in clear: {stored}"
        );
    }
    let account_row = row(&app, account["id"].as_i64().unwrap()).await;
    assert_eq!(
        account_row.secret_hash,
        app::crypto::token_hash(&account_key)
    );
    assert_eq!(account_row.key_prefix, account_key[.."stw_acct_".len() + 6]);
    assert_eq!(account_row.last_four, account_key[account_key.len() - 4..]);
    assert_eq!(
        account_row.created_by,
        Some(app.user("ada@acme.test").await.id)
    );
    let event_row = row(&app, event["id"].as_i64().unwrap()).await;
    assert_eq!(
        event_row.auth_key_hash.as_deref(),
        Some(app::crypto::token_hash(&auth_key).as_str())
    );

    let listed = app.call::<ListApiKeys>(&mut admin, &[]).await.unwrap();
    let body = listed.to_string();
    for secret in secrets
        .iter()
        .map(|s| s.as_str())
        .chain(randoms.iter().copied())
    {
        assert!(!body.contains(secret), "the list shows a secret: {body}");
    }
    let keys = listed.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let listed_account = keys.iter().find(|k| k["kind"] == "Account").unwrap();
    assert_eq!(
        text(listed_account, "masked"),
        format!("{}…{}", account_row.key_prefix, account_row.last_four)
    );
    assert_eq!(text(listed_account, "created_by"), "Ada Admin");
    assert_eq!(listed_account["status"], "Active");
    assert!(listed_account["last_used"].is_null());

    let err = create(&app, &mut admin, "webhook", "").await.unwrap_err();
    assert!(
        err.field_message("kind").is_some() && err.field_message("name").is_some(),
        "{err:?}"
    );
    let err = create(&app, &mut admin, "account", &"x".repeat(81))
        .await
        .unwrap_err();
    assert!(err.field_message("name").is_some(), "{err:?}");

    let created: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("api_key_created"))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {:?}", e.target_type, e.target_label, e.after_json))
        .collect();
    assert_eq!(created.len(), 2, "{created:?}");
    assert!(
        created[0].starts_with("api_key Billing sync (stw_acct_"),
        "{created:?}"
    );
    for secret in secrets {
        assert!(
            !created.concat().contains(secret.as_str()),
            "audit entries hold no secret"
        );
    }
}

/// `last_used_at` once it differs from `before` (the write is deferred); panics after 10 s.
async fn eventually_used(app: &TestApp, id: i64, before: Option<i64>) -> i64 {
    for _ in 0..200 {
        let used = row(app, id).await.last_used_at;
        if let Some(at) = used.filter(|_| used != before) {
            return at;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the key's last use was never recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_authenticate_accepts_fresh_keys_refuses_revoked_and_records_use_once_a_minute() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let account = create(&app, &mut admin, "account", "Billing")
        .await
        .unwrap();
    let id = account["id"].as_i64().unwrap();
    let key = text(&account, "api_key");
    assert_eq!(
        auth(&app, ApiKeyKind::Account, &key).await,
        Some((org_id, id as i32))
    );
    // The last use is written off the request path: wait for it.
    let first_use = eventually_used(&app, id, None).await;
    assert!(first_use > app::time::now_ms() - 60_000);

    // Within a minute of the last recorded use nothing is written.
    let recent = app::time::now_ms() - 30_000;
    set_times(&app, id, Some(recent), None).await;
    assert!(auth(&app, ApiKeyKind::Account, &key).await.is_some());
    assert_eq!(row(&app, id).await.last_used_at, Some(recent));
    let old = app::time::now_ms() - 120_000;
    set_times(&app, id, Some(old), None).await;
    assert!(auth(&app, ApiKeyKind::Account, &key).await.is_some());
    assert!(eventually_used(&app, id, Some(old)).await > old);
    assert!(app.call::<ListApiKeys>(&mut admin, &[]).await.unwrap()[0]["last_used"].is_object());

    // Wrong kind, a changed character, or nothing at all.
    assert_eq!(auth(&app, ApiKeyKind::Event, &key).await, None);
    let mut altered = key.clone();
    altered.pop();
    altered.push(if key.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(auth(&app, ApiKeyKind::Account, &altered).await, None);
    assert_eq!(auth(&app, ApiKeyKind::Account, "").await, None);

    // Event keys: both halves, tied together.
    let event = create(&app, &mut admin, "event", "Web app").await.unwrap();
    let (auth_key, api_key) = (text(&event, "auth_key"), text(&event, "api_key"));
    let event_id = event["id"].as_i64().unwrap() as i32;
    assert_eq!(
        auth(&app, ApiKeyKind::Event, &format!("{auth_key}/{api_key}")).await,
        Some((org_id, event_id))
    );
    assert_eq!(auth(&app, ApiKeyKind::Event, &api_key).await, None);
    let other = create(&app, &mut admin, "event", "Other").await.unwrap();
    assert_eq!(
        auth(
            &app,
            ApiKeyKind::Event,
            &format!("{}/{api_key}", text(&other, "auth_key"))
        )
        .await,
        None
    );
    assert_eq!(auth(&app, ApiKeyKind::Account, &api_key).await, None);

    // Revoked: refused from the next request on, and said so in the list and the log.
    revoke(&app, &mut admin, id).await.unwrap();
    assert_eq!(auth(&app, ApiKeyKind::Account, &key).await, None);
    assert!(row(&app, id).await.revoked_at.is_some());
    let listed = app.call::<ListApiKeys>(&mut admin, &[]).await.unwrap();
    let revoked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap();
    assert!(revoked["status"]["Revoked"].is_object(), "{revoked}");
    assert!(matches!(
        revoke(&app, &mut admin, id).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        rotate(&app, &mut admin, id, "3").await,
        Err(AppError::Conflict(_))
    ));
    let revocations = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("api_key_revoked"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(revocations.len(), 1);
    assert_eq!(revocations[0].target_id, Some(id as i32));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_rotation_keeps_the_old_key_working_until_its_overlap_ends() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let event = create(&app, &mut admin, "event", "Web app").await.unwrap();
    let old_id = event["id"].as_i64().unwrap();
    let old_path = format!("{}/{}", text(&event, "auth_key"), text(&event, "api_key"));

    let err = rotate(&app, &mut admin, old_id, "31").await.unwrap_err();
    assert!(err.field_message("overlap_days").is_some(), "{err:?}");
    let err = rotate(&app, &mut admin, old_id, "-1").await.unwrap_err();
    assert!(err.field_message("overlap_days").is_some(), "{err:?}");

    let before = app::time::now_ms();
    let new = rotate(&app, &mut admin, old_id, "7").await.unwrap();
    let new_id = new["id"].as_i64().unwrap();
    assert_eq!(text(&new, "name"), "Web app (rotated)");
    let new_path = format!("{}/{}", text(&new, "auth_key"), text(&new, "api_key"));
    assert!(new_path.starts_with("stw_evauth_"));
    let old = row(&app, old_id).await;
    assert_eq!(old.replaced_by, Some(new_id as i32));
    assert!(old.revoked_at.is_none());
    let expires = old.expires_at.expect("the old key expires");
    let week = 7 * 86_400_000;
    assert!(
        expires >= before + week && expires <= app::time::now_ms() + week,
        "{expires}"
    );
    // Both work during the overlap.
    assert_eq!(
        auth(&app, ApiKeyKind::Event, &old_path).await,
        Some((org_id, old_id as i32))
    );
    assert_eq!(
        auth(&app, ApiKeyKind::Event, &new_path).await,
        Some((org_id, new_id as i32))
    );
    let listed = app.call::<ListApiKeys>(&mut admin, &[]).await.unwrap();
    let old_listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == old_id)
        .unwrap()
        .clone();
    assert!(old_listed["status"]["Expires"].is_object(), "{old_listed}");
    assert_eq!(old_listed["replaced"], true);
    // A replaced key is not rotated twice.
    assert!(matches!(
        rotate(&app, &mut admin, old_id, "1").await,
        Err(AppError::Conflict(_))
    ));

    // Once the overlap has passed the old key is refused.
    set_times(&app, old_id, None, Some(Some(app::time::now_ms() - 1))).await;
    assert_eq!(auth(&app, ApiKeyKind::Event, &old_path).await, None);
    assert_eq!(
        auth(&app, ApiKeyKind::Event, &new_path).await,
        Some((org_id, new_id as i32))
    );
    let listed = app.call::<ListApiKeys>(&mut admin, &[]).await.unwrap();
    let old_listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == old_id)
        .unwrap()
        .clone();
    assert!(old_listed["status"]["Expired"].is_object(), "{old_listed}");

    // Overlap 0: the old key stops at once.
    let newer = rotate(&app, &mut admin, new_id, "0").await.unwrap();
    assert_eq!(text(&newer, "name"), "Web app (rotated)");
    assert_eq!(auth(&app, ApiKeyKind::Event, &new_path).await, None);
    assert!(row(&app, new_id).await.revoked_at.is_some());
    let rotations = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("api_key_rotated"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rotations.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_keys_need_configure_data_connectors_and_a_session() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let key = create(&app, &mut admin, "account", "Billing")
        .await
        .unwrap();
    let id = key["id"].as_i64().unwrap();
    app.add_user(org_id, "CSM", "carl@acme.test").await;
    let mut csm = app.signed_in("carl@acme.test").await;
    let mut nobody = Browser::default();
    for (browser, expected) in [
        (&mut csm, AppError::Forbidden),
        (&mut nobody, AppError::Unauthenticated),
    ] {
        let results = [
            app.call::<ListApiKeys>(browser, &[]).await,
            create(&app, browser, "account", "Mine").await,
            revoke(&app, browser, id).await,
            rotate(&app, browser, id, "1").await,
        ];
        for result in results {
            assert_eq!(result.unwrap_err(), expected);
        }
    }
    assert_eq!(
        api_keys::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        1
    );
    let untouched = row(&app, id).await;
    assert!(untouched.revoked_at.is_none() && untouched.expires_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_organisations_do_not_see_or_change_each_others_keys() {
    let app = spawn().await;
    let mut a = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut b = app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    let (org_a, org_b) = (
        app.org_id_of("ada@acme.test").await,
        app.org_id_of("gil@globex.test").await,
    );
    let a_key = create(&app, &mut a, "account", "Acme billing")
        .await
        .unwrap();
    let b_key = create(&app, &mut b, "account", "Globex billing")
        .await
        .unwrap();
    let b_id = b_key["id"].as_i64().unwrap();

    let listed = app.call::<ListApiKeys>(&mut a, &[]).await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "Acme billing");
    assert_eq!(
        revoke(&app, &mut a, b_id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        rotate(&app, &mut a, b_id, "1").await.unwrap_err(),
        AppError::NotFound
    );
    let b_row = row(&app, b_id).await;
    assert!(
        b_row.revoked_at.is_none() && b_row.expires_at.is_none() && b_row.replaced_by.is_none()
    );
    assert_eq!(
        api_keys::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        2
    );

    let a_id = a_key["id"].as_i64().unwrap() as i32;
    assert_eq!(
        auth(&app, ApiKeyKind::Account, &text(&a_key, "api_key")).await,
        Some((org_a, a_id))
    );
    assert_eq!(
        auth(&app, ApiKeyKind::Account, &text(&b_key, "api_key")).await,
        Some((org_b, b_id as i32))
    );
    let b_events = audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(org_b))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(b_events
        .iter()
        .all(|e| !e.action.starts_with("api_key_") || e.target_id == Some(b_id as i32)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cli_creates_keys_by_organisation_name_or_id() {
    let (env, _) = test_env(&[]).await;
    let (ok, _, stderr) = steward(
        &env,
        &[
            "org",
            "create",
            "--name",
            "Acme Analytics",
            "--admin-email",
            "ada@acme.test",
        ],
    );
    assert!(ok, "{stderr}");

    let (ok, stdout, stderr) = steward(
        &env,
        &[
            "api-key",
            "create",
            "--org",
            "Acme Analytics",
            "--kind",
            "account",
            "--name",
            "CI",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let account_key = stdout.trim_end().lines().last().unwrap().to_owned();
    assert!(
        account_key.starts_with("stw_acct_") && !account_key.contains(' '),
        "{account_key}"
    );

    let db = sea_orm::Database::connect(env["STEWARD_DATABASE_URL"].as_str())
        .await
        .unwrap();
    let org_id = app::db::entities::organisations::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (ok, stdout, stderr) = steward(
        &env,
        &[
            "api-key",
            "create",
            "--org",
            &org_id.to_string(),
            "--kind",
            "event",
            "--name",
            "Web app",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let last = stdout.trim_end().lines().last().unwrap().to_owned();
    let (auth_key, api_key) = last.split_once(' ').unwrap();
    assert!(
        auth_key.starts_with("stw_evauth_") && api_key.starts_with("stw_evapi_"),
        "{last}"
    );

    assert!(authenticate(&db, ApiKeyKind::Account, &account_key)
        .await
        .unwrap()
        .is_some_and(|(org, _)| org == org_id));
    assert!(
        authenticate(&db, ApiKeyKind::Event, &format!("{auth_key}/{api_key}"))
            .await
            .unwrap()
            .is_some()
    );
    let rows = api_keys::Entity::find().all(&db).await.unwrap();
    assert!(rows.iter().all(|r| r.created_by.is_none()));
    assert!(!format!("{rows:?}").contains(&account_key));
    let audit = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("api_key_created"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit
        .iter()
        .all(|e| e.actor_label == "steward command line" && e.actor_user_id.is_none()));

    let (ok, _, stderr) = steward(
        &env,
        &[
            "api-key", "create", "--org", "Initech", "--kind", "account", "--name", "CI",
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("No organisation") && stderr.contains("Initech"),
        "{stderr}"
    );
    let (ok, _, stderr) = steward(
        &env,
        &[
            "api-key",
            "create",
            "--org",
            "Acme Analytics",
            "--kind",
            "webhook",
            "--name",
            "CI",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("account or event"), "{stderr}");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_source_overview_renders_on_the_server_for_those_who_may_see_it() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let account = create(&app, &mut admin, "account", "Billing sync")
        .await
        .unwrap();
    let event = create(&app, &mut admin, "event", "Web app").await.unwrap();
    let page = app.get(&mut admin, "/settings/it/source-overview").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    let masked = row(&app, account["id"].as_i64().unwrap()).await;
    for text in [
        "Source Overview",
        "Account API key",
        "Usage Event API keys",
        "Billing sync",
        "Web app",
        "New key",
        "Rotate",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(page.body.contains(&masked.key_prefix) && page.body.contains(&masked.last_four));
    for secret in [
        text(&account, "api_key"),
        text(&event, "api_key"),
        text(&event, "auth_key"),
    ] {
        assert!(!page.body.contains(&secret), "the page shows a secret");
    }
    let center = app.get(&mut admin, "/settings").await;
    assert!(center.body.contains("/settings/it/source-overview"));

    app.add_user(org_id, "CSM", "carl@acme.test").await;
    let mut csm = app.signed_in("carl@acme.test").await;
    let center = app.get(&mut csm, "/settings").await;
    assert!(
        !center.body.contains("/settings/it/source-overview"),
        "no card without Configure Data Connectors"
    );
    let page = app.get(&mut csm, "/settings/it/source-overview").await;
    assert!(!page.body.contains("Billing sync"));
}
