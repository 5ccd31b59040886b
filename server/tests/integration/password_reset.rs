//! Password resets: sent by an administrator or asked for with "Forgot password".
use std::time::Duration;

use app::auth::api::{
    GetCurrentUser, PasswordResetInfo, RequestPasswordReset, ResetPassword, SignIn,
};
use app::db::entities::{one_time_tokens, password_reset_requests};
use app::error::AppError;
use app::users::api::SendPasswordReset;
use sea_orm::{EntityTrait, QueryOrder};

use crate::common::{spawn, token_of, Browser, TestApp, PASSWORD};
use crate::manage::{audit_actions, mailed_links, subjects};

const NEW_PASSWORD: &str = "copper harbour winter fig";

async fn sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
) -> Result<serde_json::Value, AppError> {
    app.call::<SignIn>(
        &mut Browser::default(),
        &[("email", email), ("password", password)],
    )
    .await
}

/// "Forgot password" prepares its mail off the request; wait for it (bounded).
/// Mailed links to `to`, once there are `count`; runs the forgot-password job (tests do
/// not run the scheduler) so requests made through "Forgot password" are handled.
async fn wait_for_mail(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    for _ in 0..100 {
        app::auth::ssr::password_reset::process_requests(&app.state)
            .await
            .unwrap();
        let links = mailed_links(app, to).await;
        if links.len() >= count {
            return links;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail for {to}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_admin_reset_link_works_once_and_the_old_password_until_then() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(org, "CSM", "bob@acme.test").await;
    let mut bobs_laptop = app.signed_in("bob@acme.test").await;

    app.call::<SendPasswordReset>(&mut admin, &[("user_id", &bob.id.to_string())])
        .await
        .unwrap();
    let link = mailed_links(&app, "bob@acme.test").await[0].clone();
    assert!(link.contains("/reset-password/"), "{link}");
    let token = token_of(&link);
    sign_in(&app, "bob@acme.test", PASSWORD)
        .await
        .expect("the current password keeps working until the link is used");
    let info = app
        .call::<PasswordResetInfo>(&mut Browser::default(), &[("token", &token)])
        .await
        .unwrap();
    assert_eq!(info["email"], "bob@acme.test");

    let weak = app
        .call::<ResetPassword>(
            &mut Browser::default(),
            &[("token", &token), ("password", "password")],
        )
        .await
        .unwrap_err();
    assert!(weak.field_message("password").is_some(), "{weak:?}");
    app.call::<ResetPassword>(
        &mut Browser::default(),
        &[("token", &token), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();

    assert!(
        sign_in(&app, "bob@acme.test", PASSWORD).await.is_err(),
        "old password refused after the reset"
    );
    sign_in(&app, "bob@acme.test", NEW_PASSWORD).await.unwrap();
    assert!(
        app.call::<GetCurrentUser>(&mut bobs_laptop, &[])
            .await
            .unwrap()
            .is_null(),
        "other sessions ended"
    );
    let reused = app
        .call::<ResetPassword>(
            &mut Browser::default(),
            &[("token", &token), ("password", "another long passphrase")],
        )
        .await;
    assert!(
        matches!(reused, Err(AppError::Invalid(ref m)) if m.contains("already been used")),
        "{reused:?}"
    );
    let subjects = subjects(&app, "bob@acme.test").await;
    assert!(
        subjects.last().unwrap().contains("was changed"),
        "{subjects:?}"
    );
    let actions = audit_actions(&app, org).await;
    assert!(
        actions.contains(&"password_reset_sent".to_owned())
            && actions.contains(&"password_changed".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_forgot_password_answers_the_same_for_anyone_and_is_throttled() {
    let app = spawn().await;
    let _admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "CSM", "bob@acme.test").await;

    let known = app
        .post_raw(
            &mut Browser::from_address("10.0.0.1"),
            RequestPasswordReset_PATH,
            &[("email", "bob@acme.test")],
            &[],
        )
        .await;
    let unknown = app
        .post_raw(
            &mut Browser::from_address("10.0.0.2"),
            RequestPasswordReset_PATH,
            &[("email", "nobody@acme.test")],
            &[],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    assert_eq!(
        known.headers.get("location"),
        unknown.headers.get("location")
    );
    // The request path did the same for both: one queued request each, and nothing else
    // yet — no link, no mail, no audit entry appears after the answer on its own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued: Vec<String> = password_reset_requests::Entity::find()
        .order_by_asc(password_reset_requests::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(queued, ["bob@acme.test", "nobody@acme.test"]);
    assert!(mailed_links(&app, "bob@acme.test").await.is_empty());
    assert!(!audit_actions(&app, org)
        .await
        .contains(&"password_reset_requested".to_owned()));
    let tokens = one_time_tokens::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        tokens.iter().all(|t| t.purpose != "password_reset"),
        "{tokens:?}"
    );

    let link = wait_for_mail(&app, "bob@acme.test", 1).await[0].clone();
    app.call::<ResetPassword>(
        &mut Browser::default(),
        &[("token", &token_of(&link)), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();
    sign_in(&app, "bob@acme.test", NEW_PASSWORD).await.unwrap();
    assert!(mailed_links(&app, "nobody@acme.test").await.is_empty());
    // The job handled both requests.
    assert!(password_reset_requests::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .is_empty());
    assert!(audit_actions(&app, org)
        .await
        .contains(&"password_reset_requested".to_owned()));

    let mut browser = Browser::from_address("10.0.0.3");
    for _ in 0..3 {
        app.call::<RequestPasswordReset>(&mut browser, &[("email", "carol@acme.test")])
            .await
            .unwrap();
    }
    let throttled = app
        .call::<RequestPasswordReset>(&mut browser, &[("email", "carol@acme.test")])
        .await;
    assert!(
        matches!(throttled, Err(AppError::Throttled(_))),
        "{throttled:?}"
    );
    let malformed = app
        .call::<RequestPasswordReset>(&mut browser, &[("email", "not an email")])
        .await
        .unwrap_err();
    assert!(malformed.field_message("email").is_some());
}

#[allow(non_upper_case_globals)]
const RequestPasswordReset_PATH: &str = <RequestPasswordReset as leptos::server_fn::ServerFn>::PATH;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reset_link_refuses_the_current_password_as_the_new_one() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(org, "CSM", "bob@acme.test").await;
    app.call::<SendPasswordReset>(&mut admin, &[("user_id", &bob.id.to_string())])
        .await
        .unwrap();
    let token = token_of(&mailed_links(&app, "bob@acme.test").await[0]);

    let same = app
        .call::<ResetPassword>(
            &mut Browser::default(),
            &[("token", &token), ("password", PASSWORD)],
        )
        .await
        .unwrap_err();
    let message = same.field_message("password").unwrap_or_default();
    assert!(message.contains("current password"), "{same:?}");
    assert_eq!(
        app.user("bob@acme.test").await.password_hash,
        bob.password_hash,
        "nothing changed"
    );
    // The refusal did not spend the link: a different password still works with it.
    app.call::<ResetPassword>(
        &mut Browser::default(),
        &[("token", &token), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();
    sign_in(&app, "bob@acme.test", NEW_PASSWORD).await.unwrap();
}
