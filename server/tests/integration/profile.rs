//! My Profile: your own details, password, sessions and recovery codes. Every function acts
//! on the caller only; another user's sessions (same organisation or another) are out of
//! reach.
use app::auth::api::{GetCurrentUser, SignIn, VerifySecondFactor};
use app::db::entities::{audit_events, outbound_mail, sessions};
use app::error::AppError;
use app::profile::api::{
    ChangeMyPassword, EndMyOtherSessions, EndMySession, GetMyProfile, ListMySessions,
    UpdateMyProfile,
};
use app::two_factor::api::{GetTwoFactorStatus, RegenerateRecoveryCodes};
use leptos::server_fn::ServerFn;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::{spawn, Browser, TestApp, PASSWORD};
use crate::two_factor::enable;

const CHROME_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const NEW_PASSWORD: &str = "copper heron invents tidal music";

/// Signs `email` in from a browser at `address` that sends `user_agent`.
async fn sign_in_with(app: &TestApp, email: &str, address: &str, user_agent: &str) -> Browser {
    let mut browser = Browser::from_address(address);
    let reply = app
        .post_raw(
            &mut browser,
            <SignIn as ServerFn>::PATH,
            &[("email", email), ("password", PASSWORD)],
            &[
                ("sec-fetch-site", "same-origin"),
                ("user-agent", user_agent),
            ],
        )
        .await;
    assert!(browser.cookie.is_some(), "{}", reply.body);
    browser
}

async fn signed_in_as(app: &TestApp, browser: &mut Browser) -> Option<String> {
    let me = app.call::<GetCurrentUser>(browser, &[]).await.unwrap();
    me["email"].as_str().map(str::to_owned)
}

async fn audit_actions(app: &TestApp, org_id: i32) -> Vec<(String, Option<String>)> {
    audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(org_id))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.after_json))
        .collect()
}

async fn session_ids_of(app: &TestApp, user_id: i32) -> Vec<i32> {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_own_details_are_validated_saved_and_audited() {
    let app = spawn().await;
    let mut ada = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;

    let profile = app.call::<GetMyProfile>(&mut ada, &[]).await.unwrap();
    assert_eq!(profile["name"], "Ada Admin");
    assert_eq!(profile["email"], "ada@acme.test");
    assert_eq!(profile["role_name"], "CSM Manager");

    let err = app
        .call::<UpdateMyProfile>(
            &mut ada,
            &[
                ("name", "  "),
                ("title", "Head of CS"),
                ("phone", "call me"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("name").as_deref(),
        Some("Enter your name.")
    );
    assert!(err
        .field_message("phone")
        .unwrap()
        .contains("is not a phone number"));
    assert_eq!(err.field_message("title"), None);
    let unchanged = app.user("ada@acme.test").await;
    assert_eq!(
        (unchanged.name.as_str(), unchanged.title, unchanged.phone),
        ("Ada Admin", None, None),
        "a refused edit stores nothing"
    );

    app.call::<UpdateMyProfile>(
        &mut ada,
        &[
            ("name", " Ada Lovelace "),
            ("title", "Head of CS"),
            ("phone", "+44 20 7946 0000"),
        ],
    )
    .await
    .unwrap();
    let saved = app.user("ada@acme.test").await;
    assert_eq!(saved.name, "Ada Lovelace");
    assert_eq!(saved.title.as_deref(), Some("Head of CS"));
    assert_eq!(saved.phone.as_deref(), Some("+44 20 7946 0000"));
    let me = app.call::<GetCurrentUser>(&mut ada, &[]).await.unwrap();
    assert_eq!(me["name"], "Ada Lovelace");

    // Clearing the optional fields is allowed.
    app.call::<UpdateMyProfile>(
        &mut ada,
        &[("name", "Ada Lovelace"), ("title", ""), ("phone", "")],
    )
    .await
    .unwrap();
    assert_eq!(app.user("ada@acme.test").await.title, None);

    let edits: Vec<_> = audit_actions(&app, org_id)
        .await
        .into_iter()
        .filter(|(action, _)| action == "user_updated")
        .collect();
    assert_eq!(edits.len(), 2, "{edits:?}");
    let after = edits[0].1.as_deref().unwrap();
    assert!(
        after.contains("Ada Lovelace") && after.contains("My Profile"),
        "{after}"
    );

    let err = app
        .call::<UpdateMyProfile>(
            &mut Browser::default(),
            &[("name", "X"), ("title", ""), ("phone", "")],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthenticated));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_password_change_needs_the_current_one_ends_other_sessions_and_sends_a_notice() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let mut here = sign_in_with(&app, "ada@acme.test", "192.0.2.1", CHROME_ON_LINUX).await;
    let mut elsewhere = sign_in_with(&app, "ada@acme.test", "192.0.2.2", FIREFOX_ON_WINDOWS).await;

    let err = app
        .call::<ChangeMyPassword>(
            &mut here,
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("current_password").as_deref(),
        Some("That is not your current password.")
    );
    let err = app
        .call::<ChangeMyPassword>(
            &mut here,
            &[
                ("current_password", PASSWORD),
                ("new_password", "password1"),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        err.field_message("new_password")
            .unwrap()
            .contains("too easy to guess"),
        "{err:?}"
    );
    let err = app
        .call::<ChangeMyPassword>(
            &mut here,
            &[("current_password", PASSWORD), ("new_password", PASSWORD)],
        )
        .await
        .unwrap_err();
    assert!(err.field_message("new_password").is_some());
    assert_eq!(
        signed_in_as(&app, &mut elsewhere).await.as_deref(),
        Some("ada@acme.test"),
        "refused changes end nothing"
    );

    app.call::<ChangeMyPassword>(
        &mut here,
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        signed_in_as(&app, &mut here).await.as_deref(),
        Some("ada@acme.test"),
        "this session stays"
    );
    assert_eq!(
        signed_in_as(&app, &mut elsewhere).await,
        None,
        "the other one ended"
    );

    let old = app
        .call::<SignIn>(
            &mut Browser::from_address("192.0.2.3"),
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert!(old.is_err(), "the old password no longer works");
    app.call::<SignIn>(
        &mut Browser::from_address("192.0.2.4"),
        &[("email", "ada@acme.test"), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();

    let notices = outbound_mail::Entity::find()
        .filter(outbound_mail::Column::OrgId.eq(org_id))
        .filter(outbound_mail::Column::ToAddress.eq("ada@acme.test"))
        .filter(outbound_mail::Column::Kind.eq("notice"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].subject, "Your password for Acme was changed");
    let changes: Vec<_> = audit_actions(&app, org_id)
        .await
        .into_iter()
        .filter(|(action, _)| action == "password_changed")
        .collect();
    assert_eq!(changes.len(), 1);
    assert!(changes[0].1.as_deref().unwrap().contains("My Profile"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sessions_are_listed_and_signed_out_one_or_all_others() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let mut here = sign_in_with(&app, "ada@acme.test", "192.0.2.1", CHROME_ON_LINUX).await;
    let mut firefox = sign_in_with(&app, "ada@acme.test", "192.0.2.2", FIREFOX_ON_WINDOWS).await;
    let mut third = sign_in_with(&app, "ada@acme.test", "192.0.2.3", "").await;
    // The set-up session of `organisation_with_admin` is the fourth.

    let list = app.call::<ListMySessions>(&mut here, &[]).await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 4, "{list:?}");
    let current: Vec<_> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Chrome on Linux");
    assert_eq!(current[0]["address"], "192.0.2.1");
    let firefox_row = list
        .iter()
        .find(|s| s["device"] == "Firefox on Windows 10")
        .expect("the Firefox session");
    assert_eq!(firefox_row["address"], "192.0.2.2");
    assert_eq!(firefox_row["current"], false);
    assert!(firefox_row["signed_in"]["relative"].is_string());
    assert!(firefox_row["last_seen"]["exact"]
        .as_str()
        .unwrap()
        .ends_with("UTC"));
    assert!(list.iter().any(|s| s["device"] == "Unknown device"));

    // The current session is ended with Sign out, not here.
    let current_id = current[0]["id"].as_i64().unwrap().to_string();
    let err = app
        .call::<EndMySession>(&mut here, &[("id", &current_id)])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");

    let firefox_id = firefox_row["id"].as_i64().unwrap().to_string();
    app.call::<EndMySession>(&mut here, &[("id", &firefox_id)])
        .await
        .unwrap();
    assert_eq!(signed_in_as(&app, &mut firefox).await, None);
    assert!(signed_in_as(&app, &mut third).await.is_some());
    let err = app
        .call::<EndMySession>(&mut here, &[("id", &firefox_id)])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound), "already gone: {err:?}");

    let ended = app
        .call::<EndMyOtherSessions>(&mut here, &[])
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert_eq!(signed_in_as(&app, &mut third).await, None);
    assert!(
        signed_in_as(&app, &mut here).await.is_some(),
        "this one stays"
    );
    let list = app.call::<ListMySessions>(&mut here, &[]).await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let ended = app
        .call::<EndMyOtherSessions>(&mut here, &[])
        .await
        .unwrap();
    assert_eq!(ended, 0);

    let recorded = audit_actions(&app, org_id)
        .await
        .into_iter()
        .filter(|(action, _)| action == "sessions_ended")
        .count();
    assert_eq!(recorded, 2, "one per sign-out that ended something");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_nobody_sees_or_ends_another_users_sessions() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let acme = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(acme, "CSM", "bob@acme.test").await;
    app.organisation_with_admin("Globex", "cara@globex.test")
        .await;
    let cara = app.user("cara@globex.test").await;

    let mut ada = sign_in_with(&app, "ada@acme.test", "192.0.2.1", CHROME_ON_LINUX).await;
    let mut bob_browser =
        sign_in_with(&app, "bob@acme.test", "192.0.2.2", FIREFOX_ON_WINDOWS).await;
    let mut cara_browser =
        sign_in_with(&app, "cara@globex.test", "192.0.2.3", CHROME_ON_LINUX).await;

    let list = app.call::<ListMySessions>(&mut ada, &[]).await.unwrap();
    let ada_id = app.user("ada@acme.test").await.id;
    let own = session_ids_of(&app, ada_id).await;
    for session in list.as_array().unwrap() {
        let id = session["id"].as_i64().unwrap() as i32;
        assert!(own.contains(&id), "only Ada's sessions: {session}");
    }

    for other in [bob.id, cara.id] {
        for id in session_ids_of(&app, other).await {
            let err = app
                .call::<EndMySession>(&mut ada, &[("id", &id.to_string())])
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::NotFound), "{err:?}");
        }
    }
    app.call::<EndMyOtherSessions>(&mut ada, &[]).await.unwrap();
    assert_eq!(
        signed_in_as(&app, &mut bob_browser).await.as_deref(),
        Some("bob@acme.test")
    );
    assert_eq!(
        signed_in_as(&app, &mut cara_browser).await.as_deref(),
        Some("cara@globex.test")
    );

    for result in [
        app.call::<ListMySessions>(&mut Browser::default(), &[])
            .await,
        app.call::<EndMyOtherSessions>(&mut Browser::default(), &[])
            .await,
        app.call::<EndMySession>(&mut Browser::default(), &[("id", "1")])
            .await,
    ] {
        assert!(
            matches!(result, Err(AppError::Unauthenticated)),
            "{result:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_recovery_codes_are_replaced_with_the_password() {
    let app = spawn().await;
    let mut ada = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;

    let err = app
        .call::<RegenerateRecoveryCodes>(&mut ada, &[("current_password", PASSWORD)])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "2FA is off: {err:?}");

    let (_, old_codes) = enable(&app, &mut ada).await;
    let err = app
        .call::<RegenerateRecoveryCodes>(&mut ada, &[("current_password", "wrong password")])
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("current_password").as_deref(),
        Some("That is not your current password.")
    );
    let new_codes: Vec<String> = serde_json::from_value(
        app.call::<RegenerateRecoveryCodes>(&mut ada, &[("current_password", PASSWORD)])
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
    let status = app.call::<GetTwoFactorStatus>(&mut ada, &[]).await.unwrap();
    assert_eq!(status["recovery_codes_left"], 10);

    let mut browser = Browser::from_address("192.0.2.9");
    app.call::<SignIn>(
        &mut browser,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    let err = app
        .call::<VerifySecondFactor>(&mut browser, &[("code", &old_codes[0])])
        .await
        .unwrap_err();
    assert!(
        err.field_message("code").is_some(),
        "old codes stop working"
    );
    app.call::<VerifySecondFactor>(&mut browser, &[("code", &new_codes[0])])
        .await
        .unwrap();
    assert_eq!(
        signed_in_as(&app, &mut browser).await.as_deref(),
        Some("ada@acme.test")
    );

    assert!(audit_actions(&app, org_id)
        .await
        .iter()
        .any(|(action, _)| action == "recovery_codes_regenerated"));
    let err = app
        .call::<RegenerateRecoveryCodes>(&mut Browser::default(), &[("current_password", PASSWORD)])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthenticated));
}
