use app::auth::api::{GetCurrentUser, SignIn, VerifySecondFactor};
use app::error::AppError;
use app::two_factor::api::{
    BeginTwoFactorSetup, ConfirmTwoFactorSetup, DisableTwoFactor, GetTwoFactorStatus,
};

use crate::common::{spawn, totp_code, Browser, TestApp, PASSWORD};

/// Turns 2FA on for the signed-in browser; returns the secret as shown and the codes.
pub async fn enable(app: &TestApp, browser: &mut Browser) -> (String, Vec<String>) {
    let enrolment = app
        .call::<BeginTwoFactorSetup>(browser, &[("current_password", PASSWORD)])
        .await
        .unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(enrolment["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let codes = app
        .call::<ConfirmTwoFactorSetup>(browser, &[("code", &totp_code(&secret, 0))])
        .await
        .unwrap();
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    (secret, codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_enabling_needs_the_password_and_a_matching_code() {
    let app = spawn().await;
    let mut browser = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let err = app
        .call::<BeginTwoFactorSetup>(&mut browser, &[("current_password", "wrong password here")])
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("current_password").as_deref(),
        Some("That is not your current password.")
    );

    let enrolment = app
        .call::<BeginTwoFactorSetup>(&mut browser, &[("current_password", PASSWORD)])
        .await
        .unwrap();
    let secret = enrolment["secret"].as_str().unwrap();
    let err = app
        .call::<ConfirmTwoFactorSetup>(&mut browser, &[("code", "000000")])
        .await;
    // 000000 could be the real code once in a million runs; then the next assertion still holds.
    if let Err(err) = err {
        assert!(err.field_message("code").is_some());
        let status = app
            .call::<GetTwoFactorStatus>(&mut browser, &[])
            .await
            .unwrap();
        assert_eq!(status["enabled"], false, "a wrong code changes nothing");
        let codes = app
            .call::<ConfirmTwoFactorSetup>(&mut browser, &[("code", &totp_code(secret, 0))])
            .await
            .unwrap();
        assert_eq!(codes.as_array().unwrap().len(), 10);
    }
    let status = app
        .call::<GetTwoFactorStatus>(&mut browser, &[])
        .await
        .unwrap();
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);
    let me = app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap();
    assert_eq!(me["two_factor_enabled"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sign_in_asks_for_the_code_and_each_code_works_once() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (secret, recovery) = enable(&app, &mut admin).await;

    // Password step: a session that is not yet signed in.
    let mut browser = Browser::default();
    app.call::<SignIn>(
        &mut browser,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    let pending_token = browser.cookie.clone().expect("second-factor cookie");
    assert!(
        app.call::<GetCurrentUser>(&mut browser, &[])
            .await
            .unwrap()
            .is_null(),
        "not signed in yet"
    );

    // The next step's code: newer than the one used to enable, so not a replay.
    let code = totp_code(&secret, 1);
    app.call::<VerifySecondFactor>(&mut browser, &[("code", &code)])
        .await
        .unwrap();
    assert_ne!(
        browser.cookie.as_deref(),
        Some(pending_token.as_str()),
        "a new token after the second step"
    );
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap()["email"],
        "ada@acme.test"
    );

    // The same code again is a replay.
    let mut again = Browser::from_address("192.0.2.50");
    app.call::<SignIn>(
        &mut again,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    let err = app
        .call::<VerifySecondFactor>(&mut again, &[("code", &code)])
        .await
        .unwrap_err();
    assert!(err.field_message("code").is_some(), "{err:?}");

    // A recovery code works once, in any case and spacing.
    let typed = recovery[0].to_lowercase().replace('-', " ");
    app.call::<VerifySecondFactor>(&mut again, &[("code", &typed)])
        .await
        .unwrap();
    let mut third = Browser::from_address("192.0.2.51");
    app.call::<SignIn>(
        &mut third,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    let err = app
        .call::<VerifySecondFactor>(&mut third, &[("code", &recovery[0])])
        .await
        .unwrap_err();
    assert!(err.field_message("code").is_some());
    let status = app
        .call::<GetTwoFactorStatus>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(status["recovery_codes_left"], 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_second_step_needs_the_password_step_first() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let err = app
        .call::<VerifySecondFactor>(&mut Browser::default(), &[("code", "123456")])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    // A full session's token is not accepted as a second-factor session either.
    let mut signed_in = app.signed_in("ada@acme.test").await;
    let err = app
        .call::<VerifySecondFactor>(&mut signed_in, &[("code", "123456")])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_wrong_codes_are_throttled() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    enable(&app, &mut admin).await;
    let mut browser = Browser::default();
    app.call::<SignIn>(
        &mut browser,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    for _ in 0..5 {
        let _ = app
            .call::<VerifySecondFactor>(&mut browser, &[("code", "AAAA-BBBB-CCCC-DDDD")])
            .await;
    }
    let err = app
        .call::<VerifySecondFactor>(&mut browser, &[("code", "AAAA-BBBB-CCCC-DDDD")])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Throttled(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_turning_off_needs_the_password_and_removes_codes() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (_, recovery) = enable(&app, &mut admin).await;
    let err = app
        .call::<DisableTwoFactor>(&mut admin, &[("current_password", "nope nope nope")])
        .await
        .unwrap_err();
    assert!(err.field_message("current_password").is_some());
    assert_eq!(
        app.call::<GetTwoFactorStatus>(&mut admin, &[])
            .await
            .unwrap()["enabled"],
        true
    );
    app.call::<DisableTwoFactor>(&mut admin, &[("current_password", PASSWORD)])
        .await
        .unwrap();
    let status = app
        .call::<GetTwoFactorStatus>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(status["enabled"], false);
    assert_eq!(status["recovery_codes_left"], 0);
    // Password alone signs in now; old recovery codes are gone.
    let mut browser = app.signed_in("ada@acme.test").await;
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap()["two_factor_enabled"],
        false
    );
    let user = app.user("ada@acme.test").await;
    assert!(user.totp_secret.is_none() && user.totp_pending_secret.is_none());
    let _ = recovery;
    // Both changes are in the audit log, made by the user themselves.
    let actions = crate::manage::audit_actions(&app, user.org_id).await;
    let two_factor: Vec<&String> = actions
        .iter()
        .filter(|a| a.starts_with("two_factor"))
        .collect();
    assert_eq!(two_factor, ["two_factor_enabled", "two_factor_disabled"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reseeding_keeps_the_old_seed_until_confirmed() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (old_secret, _) = enable(&app, &mut admin).await;
    let enrolment = app
        .call::<BeginTwoFactorSetup>(&mut admin, &[("current_password", PASSWORD)])
        .await
        .unwrap();
    let new_secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    // Not confirmed yet: the old seed still signs in.
    let mut browser = Browser::default();
    app.call::<SignIn>(
        &mut browser,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    app.call::<VerifySecondFactor>(&mut browser, &[("code", &totp_code(&old_secret, 1))])
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_two_factor_functions_need_a_session() {
    let app = spawn().await;
    let mut anonymous = Browser::default();
    assert_eq!(
        app.call::<GetTwoFactorStatus>(&mut anonymous, &[])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        app.call::<BeginTwoFactorSetup>(&mut anonymous, &[("current_password", PASSWORD)])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        app.call::<ConfirmTwoFactorSetup>(&mut anonymous, &[("code", "123456")])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        app.call::<DisableTwoFactor>(&mut anonymous, &[("current_password", PASSWORD)])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
}
