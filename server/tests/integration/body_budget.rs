//! The server-wide budget of large API request bodies (`large_body_budget_mb`,
//! `large_body_wait_seconds`): while one request holds the whole budget, another large one
//! waits for room or, past the wait, gets 503 with `Retry-After`; small ones pass; the
//! budget comes back when the first answer is sent.
use std::net::SocketAddr;

use app::api_keys::api::CreateApiKey;
use app::public_api::limits::MAX_BODY_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{spawn_with, TestApp};

/// A Steward with the smallest budget (one largest body) served on loopback, and an
/// Account API key.
async fn serve(wait_seconds: &str) -> (TestApp, SocketAddr, String) {
    let app = spawn_with(&[
        ("STEWARD_LARGE_BODY_BUDGET_MB", "1"),
        ("STEWARD_LARGE_BODY_WAIT_SECONDS", wait_seconds),
    ])
    .await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let key = app
        .call::<CreateApiKey>(&mut admin, &[("kind", "account"), ("name", "Budget")])
        .await
        .unwrap()["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (app, address, key)
}

/// `{"records":[]}` padded with spaces to `size` bytes.
fn empty_batch(size: usize) -> Vec<u8> {
    let mut body = br#"{"records":[]}"#.to_vec();
    body.resize(size, b' ');
    body
}

/// Sends the request line, headers and the first `sent` bytes of `body`; the rest is
/// for the caller to send.
async fn start_post(address: SocketAddr, key: &str, body: &[u8], sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v2/accounts?api_key={key} HTTP/1.1\r\nHost: steward.test\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream
}

/// The status and the whole answer of a request on `stream`.
async fn answer(mut stream: TcpStream) -> (u16, String) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(read) = stream.read(&mut chunk).await {
        if read == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

async fn post(address: SocketAddr, key: &str, body: &[u8]) -> (u16, String) {
    answer(start_post(address, key, body, body.len()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_large_body_beyond_the_budget_gets_503_with_retry_after() {
    let (app, address, key) = serve("0").await;
    // The first request declares the largest body and holds the whole budget while its
    // body is still arriving.
    let largest = empty_batch(MAX_BODY_BYTES);
    let mut first = start_post(address, &key, &largest, 1000).await;
    while app.state.body_budget.available() > 0 {
        tokio::task::yield_now().await;
    }
    // A small request is not held back.
    let (status, text) = post(address, &key, &empty_batch(100)).await;
    assert_eq!(status, 200, "{text}");
    // A large one finds no room and, with no wait configured, is refused at once.
    // (It is refused on its declared length, before its body is read.)
    let second = empty_batch(200 * 1024);
    let (status, refused) = answer(start_post(address, &key, &second, 0).await).await;
    assert_eq!(status, 503, "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains("\"status_is_ok\":false"), "{refused}");

    // The first one finishes normally; then its budget is free again.
    first.write_all(&largest[1000..]).await.unwrap();
    let (status, text) = answer(first).await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = post(address, &key, &second).await;
    assert_eq!(status, 200, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_large_body_waits_for_room_in_the_budget() {
    let (app, address, key) = serve("60").await;
    let largest = empty_batch(MAX_BODY_BYTES);
    let mut first = start_post(address, &key, &largest, 1000).await;
    // Wait until the first request holds the budget.
    while app.state.body_budget.available() > 0 {
        tokio::task::yield_now().await;
    }
    let second_body = empty_batch(200 * 1024);
    let second = tokio::spawn(async move { post(address, &key, &second_body).await });
    // It waits: no answer while the first still holds the budget.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), async {
            while !second.is_finished() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .is_err(),
        "the second request was answered while the budget was spent"
    );
    first.write_all(&largest[1000..]).await.unwrap();
    assert_eq!(answer(first).await.0, 200);
    let (status, text) = second.await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        app.state.body_budget.available(),
        app.state.body_budget.capacity()
    );
}
