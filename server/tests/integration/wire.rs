//! Refusals and faults on the wire (app/src/wire.rs): our browser client asks for refusals
//! in a 200 body, so Chromium does not log ordinary mistakes as failed resources; faults
//! keep their statuses, and every other caller gets real statuses throughout.
use app::api_keys::api::ListApiKeys;
use app::auth::api::SignIn;
use app::error::AppError;
use app::wire::{REFUSALS_IN_BODY, REFUSALS_REQUEST_HEADER, REFUSAL_RESPONSE_HEADER};
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;

use crate::common::{spawn, Browser};

const SAME_ORIGIN: (&str, &str) = ("sec-fetch-site", "same-origin");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_wrong_password_is_a_refusal_in_a_200_body_for_our_client_only() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let form = [("email", "ada@acme.test"), ("password", "not it at all")];

    let ours = app
        .post_raw(
            &mut Browser::from_address("198.51.100.1"),
            SignIn::PATH,
            &form,
            &[SAME_ORIGIN, (REFUSALS_REQUEST_HEADER, REFUSALS_IN_BODY)],
        )
        .await;
    assert_eq!(ours.status, StatusCode::OK, "{}", ours.body);
    assert_eq!(
        ours.headers
            .get(REFUSAL_RESPONSE_HEADER)
            .map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let refusal: AppError = serde_json::from_str(&ours.body).unwrap();
    assert!(matches!(refusal, AppError::Invalid(_)), "{refusal:?}");

    let anyone = app
        .post_raw(
            &mut Browser::from_address("198.51.100.2"),
            SignIn::PATH,
            &form,
            &[SAME_ORIGIN],
        )
        .await;
    assert_eq!(anyone.status, StatusCode::BAD_REQUEST);
    assert!(anyone.headers.get(REFUSAL_RESPONSE_HEADER).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_faults_keep_their_status_for_our_client() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    app.add_user(org_id, "CSM", "cy@acme.test").await;
    let asks = [SAME_ORIGIN, (REFUSALS_REQUEST_HEADER, REFUSALS_IN_BODY)];

    let signed_out = app
        .post_raw(
            &mut Browser::from_address("198.51.100.3"),
            ListApiKeys::PATH,
            &[],
            &asks,
        )
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert!(signed_out.headers.get(REFUSAL_RESPONSE_HEADER).is_none());

    let mut csm = app.signed_in("cy@acme.test").await;
    let forbidden = app.post_raw(&mut csm, ListApiKeys::PATH, &[], &asks).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let allowed = app
        .post_raw(&mut admin, ListApiKeys::PATH, &[], &asks)
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.headers.get(REFUSAL_RESPONSE_HEADER).is_none());
}
