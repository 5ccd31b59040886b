//! Hardening under hostile and heavy input (issue 11): limits that hold for parallel
//! requests, bounded fields, bad bytes, connection limits, busy storage.
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

use app::auth::api::{RequestPasswordReset, SignIn};
use app::db::entities::{api_calls, sign_in_throttle, usage_events};
use app::error::AppError;

use crate::account_api::Api;
use crate::common::{spawn, Browser, TestApp, PASSWORD};
use crate::event_api::{event_key, post_events};

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

// --- Field limits and NUL bytes (issue 11 items 1 and 6) ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_account_api_refuses_huge_fields_and_nul_per_record_with_the_limit_named() {
    let api = Api::new().await;
    let answer = api
        .post(
            "/api/v2/accounts",
            json!([
                {"account_id": "big-name", "name": "n".repeat(2_000_000), "join_date": 1_400_000_000_000i64},
                {"account_id": "x".repeat(5000), "name": "Long id", "join_date": 1_400_000_000_000i64},
                {"account_id": "nul", "name": "Nul\u{0}Ltd", "join_date": 1_400_000_000_000i64},
                {"account_id": "dim", "name": "Dim", "join_date": 1_400_000_000_000i64,
                 "custom_label_dimensions": [{"key": "k\u{0}", "value": "v"}]},
                {"account_id": "fine", "name": "Fine Ltd", "join_date": 1_400_000_000_000i64,
                 "description": "d".repeat(5000)},
            ]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let failed = answer.failed();
    assert_eq!(failed.len(), 4, "{}", answer.json);
    let message = |i: usize| failed[i]["message"].as_str().unwrap().to_owned();
    assert!(
        message(0).contains("Property name is longer than 1024 bytes"),
        "{}",
        message(0)
    );
    assert!(
        message(1).contains("Property account_id is longer than 1024 bytes"),
        "{}",
        message(1)
    );
    assert!(
        failed[1]["account_id"].as_str().unwrap().len() < 100,
        "a huge id is not echoed whole"
    );
    assert!(message(2).contains("NUL character"), "{}", message(2));
    assert!(message(3).contains("NUL character"), "{}", message(3));
    let stored = api.get("/api/v2/accounts").await;
    let ids: Vec<&str> = stored
        .results()
        .iter()
        .filter_map(|r| r["account_id"].as_str())
        .collect();
    assert_eq!(ids, ["fine"]);
    // API Status holds the failures (no NUL reached the database).
    api.app.state.api_status.flush().await;
    let calls = api_calls::Entity::find()
        .filter(api_calls::Column::OrgId.eq(api.org_id))
        .all(&api.app.state.db)
        .await
        .unwrap();
    assert_eq!(calls.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_event_api_refuses_nul_and_huge_details_per_line() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let (auth, key, _) = event_key(&app, org_id, "Web").await;
    let at = app::time::now_ms() - 3_600_000;
    let line = |extra: Value| {
        let mut event = json!({"action": "feature", "account_id": "a1", "user_id": "u1",
            "created_at": at, "feature": "Export"});
        for (k, v) in extra.as_object().unwrap() {
            event[k] = v.clone();
        }
        event.to_string()
    };
    let body = [
        line(json!({})),
        line(json!({"feature": "Ex\u{0}port"})),
        line(json!({"details": {"note": "x".repeat(20_000)}})),
        line(json!({"details": {"nested": {"ke\u{0}y": 1}}})),
        line(json!({"details": {"k".repeat(300): 1}})),
        line(json!({"user_id": "u\u{0}2"})),
    ]
    .join("\n");
    let reply = post_events(&app, &format!("/v1/{auth}/{key}"), body.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let answer: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["accepted"], 1, "{answer}");
    let failed = answer["failed_results"].as_array().unwrap();
    let lines: Vec<u64> = failed.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    let message = |i: usize| failed[i]["message"].as_str().unwrap().to_owned();
    assert!(message(0).contains("NUL character"), "{}", message(0));
    assert!(message(1).contains("16384 bytes"), "{}", message(1));
    assert!(message(2).contains("NUL character"), "{}", message(2));
    assert!(message(3).contains("255 bytes"), "{}", message(3));
    assert!(message(4).contains("NUL character"), "{}", message(4));
    let stored = usage_events::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_nul_in_a_path_or_query_gets_a_clear_400() {
    let api = Api::new().await;
    let answer = api.get("/api/v2/accounts/a%00b").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.json);
    assert!(
        answer.message().contains("NUL character"),
        "{}",
        answer.json
    );
    let reply = post_events(
        &api.app,
        "/v1/stw_evauth_a%00/stw_evapi_b",
        b"{}".to_vec(),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let mut browser = Browser::default();
    let reply = api.app.get(&mut browser, "/accounts?q=a%00b").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("NUL character"), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sign_in_refuses_nul_and_huge_emails_with_a_sentence() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut browser = Browser::default();
    let err = app
        .call::<SignIn>(
            &mut browser,
            &[("email", "ada\u{0}@acme.test"), ("password", "x")],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NUL character"), "{err}");
    // Over the email limit: refused by sign-in; a megabyte: refused before sign-in runs.
    let long = format!("{}@acme.test", "a".repeat(300));
    let err = app
        .call::<SignIn>(&mut browser, &[("email", &long), ("password", "x")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("too long: at most 254"), "{err}");
    let huge = format!("{}@acme.test", "a".repeat(1 << 20));
    let err = app
        .call::<SignIn>(&mut browser, &[("email", &huge), ("password", "x")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("longer than 65536 bytes"), "{err}");
    // A NUL in any server function's field is refused before the function runs.
    let mut admin = app.signed_in("ada@acme.test").await;
    let err = app
        .call::<app::accounts::api::ListAccounts>(&mut admin, &[("query[search]", "a\u{0}b")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NUL character"), "{err}");
    // The people and throttle tables never saw them.
    assert_eq!(throttle_failures(&app, &format!("account:{long}")).await, 0);
}

// --- Cross-site check against public_url (issue 11 item 10) ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_origin_with_another_scheme_or_port_than_public_url_is_cross_site() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let form = [("email", "ada@acme.test"), ("password", PASSWORD)];
    for (origin, host) in [
        // public_url is http://127.0.0.1:3000 (the default).
        ("https://127.0.0.1:3000", "127.0.0.1:3000"),
        ("http://127.0.0.1:3999", "127.0.0.1:3999"),
        ("http://evil.example", "evil.example"),
    ] {
        let reply = app
            .post_raw(
                &mut Browser::default(),
                <SignIn as leptos::server_fn::ServerFn>::PATH,
                &form,
                &[("origin", origin), ("host", host)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "Origin {origin}");
        assert!(reply.set_cookies().is_empty());
    }
    let reply = app
        .post_raw(
            &mut Browser::default(),
            <SignIn as leptos::server_fn::ServerFn>::PATH,
            &form,
            &[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "localhost:3000"),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.status);
}

// --- Connection timeouts and limits (issue 11 item 3) ---

/// A real server on a loopback port with `extra` settings; stops when the sender drops.
async fn serve_on_loopback(
    extra: &[(&str, &str)],
) -> (
    TestApp,
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
) {
    let app = crate::common::spawn_with(extra).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::startup::serve_on(
        listener,
        app.state.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    (app, address, stop)
}

/// Reads until the server closes the connection; None if it is still open after `bound`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, bound: Duration) -> Option<String> {
    let mut received = Vec::new();
    match tokio::time::timeout(bound, stream.read_to_end(&mut received)).await {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_slow_header_or_silent_client_is_disconnected() {
    let (_app, address, _stop) =
        serve_on_loopback(&[("STEWARD_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
    // Closed by the server (a generous bound: the configured timeout is one second).
    assert!(read_until_closed(&mut slow, Duration::from_secs(30))
        .await
        .is_some());
    assert!(read_until_closed(&mut silent, Duration::from_secs(30))
        .await
        .is_some());
    // A complete request is still answered.
    let mut prompt = tokio::net::TcpStream::connect(address).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut prompt, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connections_over_the_cap_wait_until_one_closes() {
    let (_app, address, _stop) = serve_on_loopback(&[
        ("STEWARD_MAX_CONNECTIONS", "2"),
        ("STEWARD_HEADER_TIMEOUT_SECONDS", "120"),
    ])
    .await;
    let first = tokio::net::TcpStream::connect(address).await.unwrap();
    let _second = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(address).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // Both places are taken: the third is not served...
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut byte)).await;
    assert!(
        early.is_err(),
        "a third connection was served over a cap of two"
    );
    // ...until one of the first two closes.
    drop(first);
    let answer = read_until_closed(&mut third, Duration::from_secs(30))
        .await
        .expect("served once a place was free");
    assert!(answer.contains("200 OK"), "{answer}");
}

// --- Readiness (issue 11 item 2) ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_readyz_reports_whether_the_database_accepts_writes() {
    let app = spawn().await;
    let mut browser = Browser::default();
    let ready = app.get(&mut browser, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    if !app.database_url.starts_with("sqlite") {
        return;
    }
    // Another writer holds SQLite's write lock: alive, but not ready.
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let writer = app.state.db.begin().await.unwrap();
    writer
        .execute_unprepared("UPDATE job_leases SET lease_until = lease_until")
        .await
        .unwrap();
    let busy = app.get(&mut browser, "/readyz").await;
    assert_eq!(
        busy.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        busy.body
    );
    assert_eq!(
        app.get(&mut browser, "/healthz").await.status,
        StatusCode::OK
    );
    writer.rollback().await.unwrap();
    assert_eq!(
        app.get(&mut browser, "/readyz").await.status,
        StatusCode::OK
    );
}

// --- API Status (issue 10 item 8) ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_event_key_on_the_account_api_is_refused_and_recorded() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let (auth, key, _) = event_key(&app, org_id, "Web").await;
    for presented in [&key, &auth] {
        let reply = app
            .send(
                axum::http::Request::get(format!("/api/v2/accounts?api_key={presented}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert!(
            reply.body.contains("This is an Event API key"),
            "{}",
            reply.body
        );
    }
    app.state.api_status.flush().await;
    let calls = api_calls::Entity::find()
        .filter(api_calls::Column::OrgId.eq(org_id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        calls.len(),
        2,
        "both refusals are in the organisation's API Status"
    );
    assert!(calls
        .iter()
        .all(|c| c.http_status == 401 && c.api == "account"));
    assert!(calls
        .iter()
        .all(|c| !c.path.contains(&key) && !c.path.contains(&auth)));

    // The filter offers only APIs something records, and never echoes a made-up endpoint.
    let page = app
        .get(
            &mut admin,
            "/settings/it/api-status?endpoint=%2Fmade-up-endpoint",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("/api/v2/accounts"),
        "the real endpoint is offered"
    );
    assert!(
        !page.body.contains(">/made-up-endpoint<")
            && !page.body.contains("value=\"/made-up-endpoint\""),
        "the bogus endpoint is not echoed"
    );
    // Every API that records calls is offered (uploads are recorded as API "Upload").
    assert!(page.body.contains(r#"<option value="upload""#));
    assert!(
        page.body.contains(">2 calls") || page.body.contains("2 calls"),
        "the bogus filter is ignored"
    );
}

// --- Busy storage (issue 11 item 2) ---

/// Holds the write side of the tables a sign-in, an event POST and an account upsert
/// write, as a long writer of another tenant would: SQLite's one write lock, or on
/// PostgreSQL table locks that still let plain reads through.
async fn hold_writes(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let writer = app.state.db.begin().await.unwrap();
    let statement = if app.database_url.starts_with("sqlite") {
        "UPDATE job_leases SET lease_until = lease_until".to_owned()
    } else {
        "LOCK TABLE usage_events, sign_in_throttle, sessions, accounts IN EXCLUSIVE MODE".to_owned()
    };
    writer.execute_unprepared(&statement).await.unwrap();
    writer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_busy_storage_answers_503_with_retry_after_never_401_or_500() {
    let app = crate::common::spawn_with(&[("STEWARD_STORAGE_WAIT_SECONDS", "1")]).await;
    let (account_key, org_id) = crate::account_api::key_for(&app, "Calm", "cal@calm.test").await;
    let (auth, key, _) = event_key(&app, org_id, "Web").await;
    let event =
        json!({"action": "feature", "feature": "Export", "account_id": "a1", "user_id": "u1",
        "created_at": app::time::now_ms() - 60_000})
        .to_string();
    let list = |key: &str| {
        axum::http::Request::get(format!("/api/v2/accounts?api_key={key}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let upsert = |key: &str| {
        axum::http::Request::post(format!("/api/v2/accounts?api_key={key}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({"records": [{"account_id": "a1", "name": "A1", "join_date": 1_400_000_000_000i64}]})
                    .to_string(),
            ))
            .unwrap()
    };
    let sign_in = [("email", "cal@calm.test"), ("password", PASSWORD)];
    let retry_after = |reply: &crate::common::Reply| {
        reply
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    let writer = hold_writes(&app).await;
    // Reads, key checks among them, are not held up by a writer.
    let listed = app.send(list(&account_key)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    // Writes wait `storage_wait_seconds`, then say "busy, retry" — never 401, never 500.
    let posted = post_events(
        &app,
        &format!("/v1/{auth}/{key}"),
        event.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(
        posted.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        posted.body
    );
    assert_eq!(retry_after(&posted).as_deref(), Some("1"));
    assert!(posted.body.contains("busy"), "{}", posted.body);
    let upserted = app.send(upsert(&account_key)).await;
    assert_eq!(
        upserted.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        upserted.body
    );
    assert_eq!(retry_after(&upserted).as_deref(), Some("1"));
    let mut browser = Browser::from_address("198.51.100.77");
    let signed_in = app
        .post_raw(
            &mut browser,
            <SignIn as leptos::server_fn::ServerFn>::PATH,
            &sign_in,
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        signed_in.body
    );
    assert_eq!(retry_after(&signed_in).as_deref(), Some("1"));
    assert_eq!(
        serde_json::from_str::<AppError>(&signed_in.body).unwrap(),
        AppError::Unavailable(1)
    );
    writer.rollback().await.unwrap();

    // Once the writer is done the same calls succeed, and nothing was half stored before.
    assert_eq!(
        usage_events::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        0
    );
    let posted = post_events(
        &app,
        &format!("/v1/{auth}/{key}"),
        event.into_bytes(),
        false,
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    assert_eq!(app.send(upsert(&account_key)).await.status, StatusCode::OK);
    let mut browser = Browser::from_address("198.51.100.77");
    app.call::<SignIn>(&mut browser, &sign_in).await.unwrap();
}

/// One tenant upserts 10,000 accounts per call in a loop while another posts events, lists
/// accounts and signs in: the second never gets 401 or 500, and nothing of it waits for the
/// whole of the first's upsert (each chunk is its own transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_a_heavy_tenant_does_not_stall_another() {
    let app = Arc::new(spawn().await);
    let (heavy_key, _) = crate::account_api::key_for(&app, "Heavy", "hal@heavy.test").await;
    let (calm_key, calm_org) = crate::account_api::key_for(&app, "Calm", "cal@calm.test").await;
    let (auth, key, _) = event_key(&app, calm_org, "Web").await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heavy = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut rounds = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && rounds < 20 {
                let records: Vec<Value> = (0..10_000)
                    .map(|i| json!({"account_id": format!("h{i}"), "name": format!("Heavy {i} r{rounds}"),
                        "join_date": 1_400_000_000_000i64}))
                    .collect();
                let reply = app
                    .send(
                        axum::http::Request::post(format!("/api/v2/accounts?api_key={heavy_key}"))
                            .header("content-type", "application/json")
                            .body(axum::body::Body::from(
                                json!({"records": records}).to_string(),
                            ))
                            .unwrap(),
                    )
                    .await;
                assert!(
                    reply.status == StatusCode::OK
                        || reply.status == StatusCode::SERVICE_UNAVAILABLE,
                    "{}: {}",
                    reply.status,
                    &reply.body[..reply.body.len().min(300)]
                );
                rounds += 1;
            }
            rounds
        })
    };
    // Let the first upsert start.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut statuses = Vec::new();
    for i in 0..15 {
        let event = json!({"action": "feature", "feature": "Export", "account_id": "c1", "user_id": format!("u{i}"),
            "created_at": app::time::now_ms() - 60_000})
        .to_string();
        statuses.push(
            post_events(
                &app,
                &format!("/v1/{auth}/{key}"),
                event.into_bytes(),
                false,
            )
            .await
            .status,
        );
        let listed = app
            .send(
                axum::http::Request::get(format!("/api/v2/accounts?api_key={calm_key}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        statuses.push(listed.status);
        if i % 5 == 0 {
            let mut browser = Browser::from_address(&format!("198.51.100.{}", 80 + i));
            let reply = app
                .post_raw(
                    &mut browser,
                    <SignIn as leptos::server_fn::ServerFn>::PATH,
                    &[("email", "cal@calm.test"), ("password", PASSWORD)],
                    &[("sec-fetch-site", "same-origin")],
                )
                .await;
            statuses.push(reply.status);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = heavy.await.unwrap();
    assert!(rounds >= 1);
    let bad: Vec<_> = statuses
        .iter()
        .filter(|s| !(s.is_success() || **s == StatusCode::SERVICE_UNAVAILABLE))
        .collect();
    assert!(
        bad.is_empty(),
        "the calm tenant got {bad:?} among {statuses:?}"
    );
    // Without a writer in the way most calls simply succeed.
    assert!(
        statuses.iter().filter(|s| s.is_success()).count() > statuses.len() / 2,
        "{statuses:?}"
    );
}

/// Read-then-write transactions (here: saving a role, which reads the organisation's role
/// names before it writes) while the Event API commits continuously. On SQLite a deferred
/// transaction whose snapshot went stale before its first write fails at once with
/// SQLITE_BUSY_SNAPSHOT, which no busy timeout retries; every such transaction now starts
/// in the write turn (`db::begin_write`), so none of them may fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_read_then_write_transactions_succeed_while_other_writers_commit() {
    let app = Arc::new(spawn().await);
    let (_, org) = crate::account_api::key_for(&app, "Acme", "ada@acme.test").await;
    let (auth, key, _) = event_key(&app, org, "Web").await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = JoinSet::new();
    for w in 0..3 {
        let (app, stop, path) = (app.clone(), stop.clone(), format!("/v1/{auth}/{key}"));
        writers.spawn(async move {
            let mut posted = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let event =
                    json!({"action": "feature", "feature": "Export", "account_id": format!("a{w}"),
                    "user_id": format!("u{posted}"), "created_at": app::time::now_ms()})
                    .to_string();
                let reply = post_events(&app, &path, event.into_bytes(), false).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                posted += 1;
            }
            posted
        });
    }
    let mut savers = JoinSet::new();
    for s in 0..3 {
        let app = app.clone();
        savers.spawn(async move {
            let mut browser = app.signed_in("ada@acme.test").await;
            for round in 0..12 {
                let name = format!("Role {s}-{round}");
                crate::roles::save(&app, &mut browser, None, &name, "home", &["csm_seat"])
                    .await
                    .unwrap_or_else(|e| panic!("saving {name} failed: {e:?}"));
            }
        });
    }
    savers.join_all().await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let posted: usize = writers.join_all().await.into_iter().sum();
    assert!(posted > 0, "the Event API wrote nothing meanwhile");
}
