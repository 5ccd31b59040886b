use app::auth::api::{GetCurrentUser, SignIn, SignOut};
use app::error::AppError;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{spawn, Browser, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sign_in_sets_a_hardened_cookie_and_sign_out_deletes_the_session() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut browser = Browser::default();
    let reply = app
        .post_raw(
            &mut browser,
            <SignIn as leptos::server_fn::ServerFn>::PATH,
            &[("email", "ADA@acme.test "), ("password", PASSWORD)],
            &[],
        )
        .await;
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{}",
        reply.body
    );
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("steward_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: no Secure flag"
    );
    let token = browser.cookie.clone().unwrap();
    assert!(token.len() >= 43, "256-bit token");

    let me = app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap();
    assert_eq!(me["email"], "ada@acme.test");
    assert_eq!(me["role_name"], "CSM Manager");

    let mut stolen = browser.clone();
    app.call::<SignOut>(&mut browser, &[]).await.unwrap();
    assert_eq!(browser.cookie, None, "cookie cleared");
    let after = app.call::<GetCurrentUser>(&mut stolen, &[]).await.unwrap();
    assert!(
        after.is_null(),
        "the old token no longer works after sign-out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_secure_cookie_and_hsts_when_public_url_is_https() {
    let app =
        crate::common::spawn_with(&[("STEWARD_PUBLIC_URL", "https://steward.example.com")]).await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut browser = Browser::default();
    let reply = app
        .post_raw(
            &mut browser,
            <SignIn as leptos::server_fn::ServerFn>::PATH,
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
            &[],
        )
        .await;
    assert!(reply
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("steward_session=") && c.contains("Secure")));
    let page = app.get(&mut browser, "/sign-in").await;
    assert!(page.headers.get("strict-transport-security").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let wrong = app
        .call::<SignIn>(
            &mut Browser::from_address("198.51.100.1"),
            &[("email", "ada@acme.test"), ("password", "not it at all")],
        )
        .await
        .unwrap_err();
    let unknown = app
        .call::<SignIn>(
            &mut Browser::from_address("198.51.100.2"),
            &[("email", "nobody@acme.test"), ("password", "not it at all")],
        )
        .await
        .unwrap_err();
    assert_eq!(wrong, unknown);
    assert!(matches!(wrong, AppError::Invalid(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pending_and_inactive_users_cannot_sign_in() {
    let app = spawn().await;
    let created = app::orgs::ssr::service::create_organisation(
        &app.state.db,
        &app.state.settings,
        "Acme",
        "pending@acme.test",
    )
    .await
    .unwrap();
    let err = app
        .call::<SignIn>(
            &mut Browser::default(),
            &[("email", "pending@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert!(matches!(err, Err(AppError::Invalid(_))));

    let user = app.add_user(created.org_id, "CSM", "gone@acme.test").await;
    let mut active: app::db::entities::users::ActiveModel = user.into();
    active.status = sea_orm::Set("inactive".into());
    sea_orm::ActiveModelTrait::update(active, &app.state.db)
        .await
        .unwrap();
    let err = app
        .call::<SignIn>(
            &mut Browser::default(),
            &[("email", "gone@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert!(matches!(err, Err(AppError::Invalid(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_throttling_slows_one_address_without_locking_the_user_out_elsewhere() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut attacker = Browser::from_address("198.51.100.66");
    for _ in 0..5 {
        let err = app
            .call::<SignIn>(
                &mut attacker,
                &[
                    ("email", "ada@acme.test"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert!(matches!(err, Err(AppError::Invalid(_))));
    }
    // Now even the right password waits, from that address.
    let err = app
        .call::<SignIn>(
            &mut attacker,
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await
        .unwrap_err();
    let AppError::Throttled(seconds) = err else {
        panic!("expected throttling, got {err:?}")
    };
    assert!((1..=30).contains(&seconds));
    // The real user, elsewhere, still gets in.
    let mut user = Browser::from_address("192.0.2.7");
    app.call::<SignIn>(
        &mut user,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    // Throttling keys on the typed email, so an unknown email behaves the same.
    let mut prober = Browser::from_address("198.51.100.77");
    for _ in 0..5 {
        let _ = app
            .call::<SignIn>(
                &mut prober,
                &[
                    ("email", "ghost@acme.test"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
    }
    let err = app
        .call::<SignIn>(
            &mut prober,
            &[("email", "ghost@acme.test"), ("password", "x")],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Throttled(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_idle_and_absolute_timeouts_end_sessions() {
    let app = spawn().await;
    let mut browser = app.organisation_with_admin("Acme", "ada@acme.test").await;
    use app::db::entities::sessions;
    use sea_orm::sea_query::Expr;
    // Idle: last seen two hours ago with a 60-minute idle limit.
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::LastSeenAt,
            Expr::value(app::time::now_ms() - 2 * app::time::HOUR_MS),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(app
        .call::<GetCurrentUser>(&mut browser, &[])
        .await
        .unwrap()
        .is_null());

    let mut browser = app.signed_in("ada@acme.test").await;
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::ExpiresAt,
            Expr::value(app::time::now_ms() - 1),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(app
        .call::<GetCurrentUser>(&mut browser, &[])
        .await
        .unwrap()
        .is_null());
    let left = sessions::Entity::find()
        .filter(sessions::Column::ExpiresAt.lt(app::time::now_ms()))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(left.is_empty(), "expired sessions are deleted when seen");
}
