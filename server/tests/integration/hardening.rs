//! Hardening under hostile and heavy input (issue 11): limits that hold for parallel
//! requests, bounded fields, bad bytes, connection limits, busy storage.
use std::sync::Arc;

use sea_orm::EntityTrait;
use tokio::task::JoinSet;

use app::auth::api::{RequestPasswordReset, SignIn};
use app::db::entities::sign_in_throttle;
use app::error::AppError;

use crate::common::{spawn, Browser, TestApp, PASSWORD};

async fn throttle_failures(app: &TestApp, key: &str) -> i32 {
    sign_in_throttle::Entity::find_by_id(key.to_owned())
        .one(&app.state.db)
        .await
        .unwrap()
        .map(|row| row.failures)
        .unwrap_or(0)
}

/// Answers of `attempts` sign-ins sent at once from one address, in no particular order.
async fn sign_in_at_once(app: &Arc<TestApp>, passwords: Vec<String>) -> Vec<Result<(), AppError>> {
    let mut running = JoinSet::new();
    for password in passwords {
        let app = app.clone();
        running.spawn(async move {
            let mut browser = Browser::from_address("198.51.100.40");
            app.call::<SignIn>(
                &mut browser,
                &[("email", "ada@acme.test"), ("password", &password)],
            )
            .await
            .map(|_| ())
        });
    }
    running.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_concurrent_wrong_passwords_are_refused_after_the_threshold_with_exact_counters() {
    let app = Arc::new(spawn().await);
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let answers = sign_in_at_once(&app, vec!["guess guess guess".to_owned(); 40]).await;
    let wrong = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Invalid(_))))
        .count();
    let throttled = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Throttled(_))))
        .count();
    // Five failures from one address at one account, then a wait: exactly five passwords
    // were checked, however the forty requests interleaved.
    assert_eq!((wrong, throttled), (5, 35), "answers: {answers:?}");
    assert_eq!(
        throttle_failures(&app, "account-address:ada@acme.test|198.51.100.40").await,
        5
    );
    assert_eq!(throttle_failures(&app, "account:ada@acme.test").await, 5);
    assert_eq!(throttle_failures(&app, "address:198.51.100.40").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_one_right_password_among_concurrent_guesses_keeps_the_counters_exact() {
    let app = Arc::new(spawn().await);
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut passwords = vec!["guess guess guess".to_owned(); 39];
    passwords.insert(17, PASSWORD.to_owned());
    let answers = sign_in_at_once(&app, passwords).await;
    let wrong = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Invalid(_))))
        .count();
    let throttled = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Throttled(_))))
        .count();
    let signed_in = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(wrong + throttled + signed_in, 40, "answers: {answers:?}");
    // The account-wide limit (ten) bounds the checked guesses even when the right
    // password resets this address's own counter; the counters lose no update and the
    // right password gives its attempt back.
    assert!(wrong <= 10, "{wrong} guesses were checked");
    assert_eq!(
        throttle_failures(&app, "account:ada@acme.test").await,
        wrong as i32
    );
    assert_eq!(
        throttle_failures(&app, "address:198.51.100.40").await,
        wrong as i32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_concurrent_forgot_password_requests_hold_the_limit() {
    let app = Arc::new(spawn().await);
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut running = JoinSet::new();
    for _ in 0..12 {
        let app = app.clone();
        running.spawn(async move {
            let mut browser = Browser::from_address("198.51.100.41");
            app.call::<RequestPasswordReset>(&mut browser, &[("email", "ada@acme.test")])
                .await
                .map(|_| ())
        });
    }
    let answers = running.join_all().await;
    let accepted = answers.iter().filter(|a| a.is_ok()).count();
    let throttled = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Throttled(_))))
        .count();
    assert_eq!((accepted, throttled), (3, 9), "answers: {answers:?}");
    assert_eq!(throttle_failures(&app, "forgot:ada@acme.test").await, 3);
    assert_eq!(
        throttle_failures(&app, "forgot-address:198.51.100.41").await,
        3
    );
}
