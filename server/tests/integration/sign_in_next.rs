//! A signed-out visit to a signed-in page is a real redirect to sign-in that remembers the
//! page (`?next=`), and both sign-in steps return there, never to another site.
use app::auth::api::{SignIn, VerifySecondFactor};
use leptos::server_fn::ServerFn;

use crate::common::{spawn, totp_code, Browser, Reply, TestApp, PASSWORD};
use crate::two_factor::enable;

const REQUESTED: &str = "/accounts/12?tab=people";
const OFF_SITE: [&str; 8] = [
    "//evil.test/x",
    "https://evil.test/",
    "/\\evil.test",
    "%2F%2Fevil.test",
    "/%2F%2Fevil.test",
    "/%5Cevil.test",
    "/%09/evil.test",
    "javascript:alert(1)",
];

fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location header ({}): {}", reply.status, reply.body))
}

async fn password_step(app: &TestApp, browser: &mut Browser, next: &str) -> Reply {
    app.post_raw(
        browser,
        <SignIn as ServerFn>::PATH,
        &[
            ("email", "ada@acme.test"),
            ("password", PASSWORD),
            ("next", next),
        ],
        &[("sec-fetch-site", "same-origin")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_signed_out_visit_is_a_303_to_sign_in_with_next() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let reply = app.get(&mut Browser::default(), REQUESTED).await;
    assert_eq!(reply.status, http::StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        location(&reply),
        "/sign-in?next=%2Faccounts%2F12%3Ftab%3Dpeople"
    );

    let home = app.get(&mut Browser::default(), "/").await;
    assert_eq!(home.status, http::StatusCode::SEE_OTHER);
    assert_eq!(location(&home), "/sign-in", "home needs no way back");

    // The sign-in page itself is open to everybody and carries the target in its form.
    let page = app
        .get(
            &mut Browser::default(),
            "/sign-in?next=%2Faccounts%2F12%3Ftab%3Dpeople",
        )
        .await;
    assert_eq!(page.status, http::StatusCode::OK);
    assert!(
        page.body
            .contains(r#"name="next" value="/accounts/12?tab=people""#),
        "hidden next field: {}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sign_in_returns_to_next_and_ignores_off_site_targets() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;

    let mut browser = Browser::default();
    let reply = password_step(&app, &mut browser, REQUESTED).await;
    assert!(browser.cookie.is_some(), "{}", reply.body);
    assert_eq!(location(&reply), REQUESTED);

    for off_site in OFF_SITE {
        let mut browser = Browser::default();
        let reply = password_step(&app, &mut browser, off_site).await;
        assert!(browser.cookie.is_some(), "{}", reply.body);
        assert_eq!(
            location(&reply),
            "/settings",
            "{off_site:?} is ignored: the CSM Manager's landing page instead"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_next_is_kept_through_the_second_step() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (secret, recovery) = enable(&app, &mut admin).await;

    let mut browser = Browser::default();
    let reply = password_step(&app, &mut browser, REQUESTED).await;
    assert_eq!(
        location(&reply),
        "/sign-in/verify?next=%2Faccounts%2F12%3Ftab%3Dpeople"
    );
    let page = app
        .get(
            &mut browser,
            "/sign-in/verify?next=%2Faccounts%2F12%3Ftab%3Dpeople",
        )
        .await;
    assert!(
        page.body
            .contains(r#"name="next" value="/accounts/12?tab=people""#),
        "hidden next field on the second step: {}",
        page.body
    );
    let reply = app
        .post_raw(
            &mut browser,
            <VerifySecondFactor as ServerFn>::PATH,
            &[("code", &totp_code(&secret, 1)), ("next", REQUESTED)],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(location(&reply), REQUESTED);

    // An off-site target handed to the second step is dropped there too.
    let mut other = Browser::from_address("192.0.2.60");
    let reply = password_step(&app, &mut other, "//evil.test").await;
    assert_eq!(location(&reply), "/sign-in/verify");
    let reply = app
        .post_raw(
            &mut other,
            <VerifySecondFactor as ServerFn>::PATH,
            &[("code", &recovery[0]), ("next", "https://evil.test/")],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(location(&reply), "/settings");
}
