//! API Status log on versus off (`api_status_log`), on an event-ingest workload: batches
//! of 100 events from several concurrent clients, into two fresh SQLite Stewards that
//! differ only in that setting. Rounds alternate (off, on, off, on, …) so drift in the
//! machine's load hits both alike. Target: on / off >= 0.9.
//!
//! When the Event API answers on `/v1/…`, the batches go over HTTP on loopback exactly as
//! a client sends them; otherwise (a branch without the Event API) each "request" is the
//! work the Event API does: one transaction inserting the 100 events, then the API Status
//! record, in process.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use app::api_status::dto::ApiKind;
use app::api_status::ssr::recorder::{record_if_enabled, ApiCall};
use app::state::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support;

const BATCH: usize = 100;
const CLIENTS: usize = 4;
const BATCHES_PER_CLIENT_PER_ROUND: usize = 100;
const ROUNDS: usize = 3;

struct Target {
    state: AppState,
    org_id: i32,
    key_id: i32,
    /// `/v1/AUTH/API` when the Event API is served.
    http: Option<(SocketAddr, String)>,
    dir: std::path::PathBuf,
}

async fn target(log: bool) -> Target {
    let dir = std::env::temp_dir().join(format!(
        "steward-bench-api-status-{}-{}",
        if log { "on" } else { "off" },
        std::process::id()
    ));
    let state = support::steward(
        &dir,
        None,
        &[("STEWARD_API_STATUS_LOG", if log { "true" } else { "false" })],
    )
    .await;
    let (org_id, _) = support::organisation(&state, "Bench").await;
    let key = support::key(&state, org_id, "event", "Bench events").await;
    let address = support::serve(&state).await;
    let path = format!(
        "/v1/{}/{}",
        key.auth_key.clone().unwrap_or_default(),
        key.api_key
    );
    let probe = post(address, &path, &events(0, 1)).await;
    let http = matches!(probe, Some(200)).then_some((address, path));
    Target {
        state,
        org_id,
        key_id: key.id,
        http,
        dir,
    }
}

fn events(client: usize, count: usize) -> String {
    let now = app::time::now_ms();
    let mut body = String::with_capacity(count * 160);
    for i in 0..count {
        body.push_str(&format!(
            "{{\"action\":\"feature\",\"account_id\":\"acct-{}\",\"user_id\":\"user-{client}-{}\",\"created_at\":{},\"module\":\"Reports\",\"feature\":\"Export\",\"total\":1}}\n",
            i % 50,
            i % 20,
            now - (i as i64) * 1000
        ));
    }
    body
}

/// One batch the way the Event API handles it, in process: the events in one transaction,
/// then the API Status record.
async fn ingest_in_process(target: &Target, client: usize) {
    use app::db::entities::usage_events;
    use sea_orm::{EntityTrait, Set, TransactionTrait};
    let started = Instant::now();
    let now = app::time::now_ms();
    let rows = (0..BATCH).map(|i| usage_events::ActiveModel {
        org_id: Set(target.org_id),
        key_id: Set(Some(target.key_id)),
        account_id: Set(format!("acct-{}", i % 50)),
        user_id: Set(format!("user-{client}-{}", i % 20)),
        session_id: Set(None),
        action: Set("feature".into()),
        created_at: Set(now - i as i64 * 1000),
        product: Set(None),
        module: Set(Some("Reports".into())),
        feature: Set(Some("Export".into())),
        total: Set(Some(1.0)),
        time_spent: Set(None),
        active_duration: Set(None),
        details: Set(None),
        received_at: Set(now),
        ..Default::default()
    });
    let txn = target.state.db.begin().await.expect("begin");
    usage_events::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await
        .expect("insert events");
    txn.commit().await.expect("commit");
    record_if_enabled(
        &target.state,
        ApiCall {
            org_id: target.org_id,
            api: ApiKind::Event,
            method: "POST".into(),
            path: "/v1/{authKey}/{apiKey}".into(),
            endpoint: "/v1/{authKey}/{apiKey}".into(),
            http_status: 200,
            ok: true,
            records_received: BATCH as u32,
            records_failed: 0,
            failures: vec![],
            message: None,
            key_id: Some(target.key_id),
            key_name: Some("Bench events".into()),
            duration_ms: started.elapsed().as_millis() as u32,
        },
    )
    .await;
}

/// One round: `CLIENTS` clients each sending `BATCHES_PER_CLIENT_PER_ROUND` batches.
/// Returns (events, seconds, batch latencies in ms).
async fn round(target: &Target) -> (usize, f64, Vec<f64>) {
    let started = Instant::now();
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let http = target.http.clone();
        let state = target.state.clone();
        let (org_id, key_id, dir) = (target.org_id, target.key_id, target.dir.clone());
        clients.push(tokio::spawn(async move {
            let me = Target {
                state,
                org_id,
                key_id,
                http: http.clone(),
                dir,
            };
            let body = events(client, BATCH);
            let mut latencies = Vec::with_capacity(BATCHES_PER_CLIENT_PER_ROUND);
            for _ in 0..BATCHES_PER_CLIENT_PER_ROUND {
                let t = Instant::now();
                match &http {
                    Some((address, path)) => {
                        let status = post(*address, path, &body).await;
                        assert_eq!(status, Some(200), "event batch refused");
                    }
                    None => ingest_in_process(&me, client).await,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.expect("client"));
    }
    // The log is written by then: a reader would see it.
    target.state.api_status.flush().await;
    (
        CLIENTS * BATCHES_PER_CLIENT_PER_ROUND * BATCH,
        started.elapsed().as_secs_f64(),
        latencies,
    )
}

fn p99(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 * 0.99) as usize).min(samples.len() - 1)]
}

/// Runs the comparison and prints the figures.
pub async fn run() {
    let off = target(false).await;
    let on = target(true).await;
    let over_http = off.http.is_some() && on.http.is_some();
    // Warm-up: one small round each (connections, page cache).
    round(&off).await;
    round(&on).await;
    let (mut off_events, mut off_secs, mut off_lat) = (0usize, 0f64, Vec::new());
    let (mut on_events, mut on_secs, mut on_lat) = (0usize, 0f64, Vec::new());
    for _ in 0..ROUNDS {
        let (e, s, l) = round(&off).await;
        (off_events, off_secs) = (off_events + e, off_secs + s);
        off_lat.extend(l);
        let (e, s, l) = round(&on).await;
        (on_events, on_secs) = (on_events + e, on_secs + s);
        on_lat.extend(l);
    }
    let off_rate = off_events as f64 / off_secs;
    let on_rate = on_events as f64 / on_secs;
    let recorded = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        app::db::entities::api_calls::Entity::find()
            .count(&on.state.db)
            .await
            .unwrap_or_default()
    };
    println!();
    println!(
        "API Status log on vs off (SQLite, {CLIENTS} clients, batches of {BATCH} events, {ROUNDS} alternating rounds of {} batches each){}",
        CLIENTS * BATCHES_PER_CLIENT_PER_ROUND,
        if over_http {
            ", over HTTP to the Event API"
        } else {
            "; the Event API is not served on this build: each batch is its work in process (events insert + API Status record)"
        }
    );
    println!(
        "  log off  {:>10.0} events/s   p99 batch {:>7.2} ms   (baseline)",
        off_rate,
        p99(&mut off_lat)
    );
    println!(
        "  log on   {:>10.0} events/s   p99 batch {:>7.2} ms   ratio {:.3} of off (target >= 0.90); {} calls kept, {} failed writes",
        on_rate,
        p99(&mut on_lat),
        on_rate / off_rate,
        recorded,
        on.state.api_status.failed_writes()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::fs::remove_dir_all(&off.dir).ok();
    std::fs::remove_dir_all(&on.dir).ok();
}

async fn post(address: SocketAddr, path: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).await.ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1)?.parse().ok()
}
