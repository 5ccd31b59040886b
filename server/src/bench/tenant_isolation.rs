//! One tenant must not stall another (issue 11 item 2): a "heavy" organisation posts
//! 10,000-account upserts back to back over HTTP while a "calm" one posts one event at a
//! time on a keep-alive connection. Prints the calm tenant's event POST latency (p50, p99,
//! max) with the heavy tenant running, beside the same figures with it idle, measured in
//! the same run. SQLite, then PostgreSQL when installed. Prints figures; asserts nothing.
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::net::TcpStream;

use crate::support::{self, Postgres};

const HEAVY_RECORDS: usize = 10_000;
const SECONDS: u64 = 12;

pub async fn run() {
    println!();
    println!(
        "Tenant isolation: another tenant's event POST while one upserts {HEAVY_RECORDS} accounts per request in a loop ({SECONDS} s each; target p99 < 100 ms)"
    );
    let root = std::env::temp_dir().join(format!("steward-bench-tenants-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", root.join("tenants.db").display());
    measure("SQLite", &root.join("sqlite"), &url).await;
    if let Some(postgres) = Postgres::start(&root) {
        let url = postgres.database("bench_tenants").await;
        measure("PostgreSQL", &root.join("postgres"), &url).await;
        postgres.stop();
    }
    std::fs::remove_dir_all(&root).ok();
}

fn heavy_records(round: usize) -> Vec<Value> {
    (0..HEAVY_RECORDS)
        .map(|i| {
            let tier = ["Gold", "Silver"][i % 2];
            json!({"account_id": format!("heavy-{i:06}"), "name": format!("Heavy {i} r{round}"),
                "join_date": 1_400_000_000_000i64 + i as i64, "tier": tier,
                "current_mrr": (i % 1000) as f64})
        })
        .collect()
}

async fn measure(label: &str, dir: &Path, url: &str) {
    let state = support::steward(dir, Some(url), &[]).await;
    let (heavy_org, _) = support::organisation(&state, "Heavy").await;
    let (calm_org, _) = support::organisation(&state, "Calm").await;
    let heavy_key = support::key(&state, heavy_org, "account", "bulk")
        .await
        .api_key;
    let calm = support::key(&state, calm_org, "event", "web").await;
    let calm_path = format!("/v1/{}/{}", calm.auth_key.unwrap(), calm.api_key);
    let address = support::serve(&state).await;

    let idle = calm_posts(address, &calm_path, Duration::from_secs(4)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let heavy = {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        let path = format!("/api/v2/accounts?api_key={heavy_key}");
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let round = rounds.fetch_add(1, Ordering::Relaxed);
                crate::account_upsert::post(
                    address,
                    &path,
                    crate::account_upsert::body(heavy_records(round)),
                )
                .await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loaded = calm_posts(address, &calm_path, Duration::from_secs(SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    heavy.await.ok();
    let upserts = rounds.load(Ordering::Relaxed);
    println!("  {label:<10} idle:  {}", idle.summary());
    println!(
        "  {label:<10} heavy: {}   ({upserts} upserts of {HEAVY_RECORDS} by the other tenant; p99 ratio {:.1}x idle)",
        loaded.summary(),
        loaded.p(0.99) / idle.p(0.99).max(0.001)
    );
}

struct Latencies {
    millis: Vec<f64>,
    statuses: std::collections::BTreeMap<u16, usize>,
}

impl Latencies {
    fn p(&self, q: f64) -> f64 {
        let mut sorted = self.millis.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        if sorted.is_empty() {
            return f64::NAN;
        }
        sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
    }

    fn summary(&self) -> String {
        let max = self.millis.iter().cloned().fold(0.0, f64::max);
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{n}x{status}"))
            .collect();
        format!(
            "event POST p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  answers {}",
            self.p(0.5),
            self.p(0.99),
            max,
            statuses.join(" ")
        )
    }
}

/// One event per request, one after another on a keep-alive connection, for `length`.
async fn calm_posts(address: std::net::SocketAddr, path: &str, length: Duration) -> Latencies {
    // No Nagle delay: the head and the body are two writes (40 ms of delayed ACK otherwise).
    let connect = || async {
        let stream = TcpStream::connect(address).await.expect("connect");
        stream.set_nodelay(true).ok();
        stream
    };
    let mut stream = connect().await;
    let mut result = Latencies {
        millis: Vec::new(),
        statuses: Default::default(),
    };
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < length {
        n += 1;
        let body = json!({"action": "feature", "feature": "Export", "account_id": "calm-1",
            "user_id": format!("u{}", n % 50), "created_at": app::time::now_ms() - 60_000})
        .to_string();
        let sent = Instant::now();
        let status = crate::event_ingest::post(&mut stream, address, path, &body).await;
        result.millis.push(sent.elapsed().as_secs_f64() * 1000.0);
        let status = match status {
            Some(status) => status,
            None => {
                stream = connect().await;
                0
            }
        };
        *result.statuses.entry(status).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    result
}
