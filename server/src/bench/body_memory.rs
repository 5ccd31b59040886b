//! Memory under large bodies: 16 Account API requests at once, each one account with
//! 100,000 numeric dimensions (about 3.3 MB of JSON, the case that once took the server
//! from 334 MB to 1.6 GB), over HTTP on loopback against SQLite. Prints the process's
//! resident memory idle and at its peak during the requests (target: under 300 MB of
//! growth), with the large-body budget in force (`large_body_budget_mb`, default). The
//! benchmark's own copies of the 16 bodies are made before the idle figure. Prints
//! figures; asserts nothing.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support;

const REQUESTS: usize = 16;
const DIMENSIONS: usize = 100_000;

/// Resident memory of this process now (`VmRSS`), in bytes.
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn body(index: usize) -> Vec<u8> {
    let mut text = format!(
        r#"{{"records":[{{"account_id":"wide-{index}","name":"Wide {index}","join_date":1700000000000,"custom_value_dimensions":["#
    );
    for d in 0..DIMENSIONS {
        if d > 0 {
            text.push(',');
        }
        text.push_str(&format!(r#"{{"key":"dim{d:06}","value":{}.5}}"#, d % 977));
    }
    text.push_str("]}]}");
    text.into_bytes()
}

async fn post(address: SocketAddr, key: &str, body: Arc<Vec<u8>>) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST /api/v2/accounts?api_key={key} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(&body).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok();
    let text = String::from_utf8_lossy(&response);
    text.lines().next().unwrap_or_default().to_owned()
}

pub async fn run() {
    println!();
    println!(
        "Memory with {REQUESTS} Account API requests at once, each {DIMENSIONS} dimensions (SQLite)"
    );
    let dir = std::env::temp_dir().join(format!("steward-bench-memory-{}", std::process::id()));
    let state = support::steward(&dir, None, &[]).await;
    let (org_id, _) = support::organisation(&state, "Memory").await;
    let key = support::key(&state, org_id, "account", "memory")
        .await
        .api_key;
    let address = support::serve(&state).await;
    let bodies: Vec<Arc<Vec<u8>>> = (0..REQUESTS).map(|i| Arc::new(body(i))).collect();
    // One small request first, so that the idle figure includes a warm server.
    let warm = Arc::new(
        br#"{"records":[{"account_id":"warm","name":"Warm","join_date":1700000000000}]}"#.to_vec(),
    );
    post(address, &key, warm).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = resident_bytes();

    let peak = Arc::new(AtomicU64::new(idle));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (peak.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(resident_bytes(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let requests: Vec<_> = bodies
        .iter()
        .map(|b| {
            let (key, b) = (key.clone(), b.clone());
            tokio::spawn(async move { post(address, &key, b).await })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for request in requests {
        let line = request.await.unwrap_or_default();
        let status = line.split_whitespace().nth(1).unwrap_or("?").to_owned();
        *statuses.entry(status).or_default() += 1;
    }
    let elapsed = started.elapsed();
    running.store(false, Ordering::Relaxed);
    sampler.await.ok();
    let peak = peak.load(Ordering::Relaxed);
    let mb = |b: u64| b as f64 / 1_048_576.0;
    println!(
        "  body size {:.1} MB each; budget {} MB of large bodies at once",
        mb(bodies[0].len() as u64),
        state.body_budget.capacity() / 1_048_576
    );
    println!(
        "  resident memory: idle {:.0} MB, peak {:.0} MB, growth {:.0} MB (target < 300 MB); {:.1} s for all, answers {:?}",
        mb(idle),
        mb(peak),
        mb(peak.saturating_sub(idle)),
        elapsed.as_secs_f64(),
        statuses
    );
    std::fs::remove_dir_all(&dir).ok();
}
