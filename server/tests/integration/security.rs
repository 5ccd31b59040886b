use app::auth::api::SignIn;
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use sea_orm::ConnectionTrait;

use crate::common::{spawn, Browser, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_carry_security_headers_and_a_nonce_for_every_inline_script() {
    let app = spawn().await;
    let page = app.get(&mut Browser::default(), "/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("'wasm-unsafe-eval'")
            && csp.contains("object-src 'none'")
    );
    assert!(!csp.contains("unsafe-inline"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert_eq!(
        page.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(
        page.headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    let scripts = page.body.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries the nonce"
    );
    let second = app.get(&mut Browser::default(), "/sign-in").await;
    assert_ne!(
        second
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap(),
        csp,
        "a fresh nonce per response"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cross_site_server_function_calls_are_refused() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let form = [("email", "ada@acme.test"), ("password", PASSWORD)];
    let reply = app
        .post_raw(
            &mut Browser::default(),
            SignIn::PATH,
            &form,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.set_cookies().is_empty());
    let reply = app
        .post_raw(
            &mut Browser::default(),
            SignIn::PATH,
            &form,
            &[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_raw(
            &mut Browser::default(),
            SignIn::PATH,
            &form,
            &[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000"),
            ],
        )
        .await;
    assert!(reply.status.is_success() || reply.status.is_redirection());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_signed_out_visitors_are_sent_to_sign_in_and_unknown_pages_are_404() {
    let app = spawn().await;
    let home = app.get(&mut Browser::default(), "/settings/profile").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(
        home.headers.get("location").unwrap(),
        "/sign-in?next=%2Fsettings%2Fprofile"
    );
    let missing = app.get(&mut Browser::default(), "/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
    let health = app.get(&mut Browser::default(), "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_signed_in_pages_render_on_the_server() {
    let app = spawn().await;
    let mut browser = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let page = app.get(&mut browser, "/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Management Center"));
    assert!(
        page.body.contains("Manage roles"),
        "CSM Manager sees the roles summary"
    );
    assert!(page.body.contains("Acme"));
    let profile = app
        .get(&mut browser, "/settings/profile?tab=security")
        .await;
    assert!(profile.body.contains("Two-factor sign-in is off"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_internal_errors_show_a_reference_and_hide_the_cause() {
    let app = spawn().await;
    let mut browser = app.organisation_with_admin("Acme", "ada@acme.test").await;
    // Break the database under the running app.
    app.state
        .db
        .execute_unprepared("DROP TABLE role_permissions")
        .await
        .unwrap();
    let err = app
        .call::<app::roles::api::ListRoles>(&mut browser, &[])
        .await
        .unwrap_err();
    let app::error::AppError::Internal(reference) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(reference.len(), 8);
    let message = err.to_string();
    assert!(message.contains(reference.as_str()));
    assert!(
        !message.to_lowercase().contains("role_permissions")
            && !message.to_lowercase().contains("table")
    );
}
