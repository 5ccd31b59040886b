//! API Upload (issue 12), three figures, nothing asserted:
//!
//! 1. Throughput: 100,000 accounts as one CSV file over HTTP (`/api/v2/upload/accounts`,
//!    read as it streams, applied in batches) beside the same rows through the JSON bulk
//!    API in requests of 5,000, in the same run, on SQLite and PostgreSQL (target: the CSV
//!    path at least 0.8 of the JSON path's records/s).
//! 2. Memory: the server's resident memory idle and at its peak while it takes a
//!    1,000,000-row file (about 100 MB) as a dry run (read, staged and every row checked;
//!    the bench writes the body as it generates it, so it holds none of it). Target:
//!    growth under 100 MB.
//! 3. Parse rate: the upload reader alone over an in-memory file beside the `csv` crate's
//!    raw `ByteRecord` reading of the same bytes (target: at least 0.5).
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::body_memory::resident_bytes;
use crate::support::{self, Postgres};

const THROUGHPUT_ROWS: usize = 100_000;
const JSON_REQUEST_ROWS: usize = 5_000;
const BIG_FILE_ROWS: usize = 1_000_000;
const TIERS: [&str; 3] = ["Gold", "Silver", "Bronze"];
const HEADER: &str = "account_id,name,join_date,tier,industry,current_mrr,employees\n";

fn csv_row(prefix: &str, i: usize, out: &mut String) {
    use std::fmt::Write;
    let tier = TIERS[i % 3];
    let _ = writeln!(
        out,
        "{prefix}-{i:07},Account number {i} of the upload bench,2024-01-{:02},{tier},Software,{}.5,{}",
        1 + i % 28,
        i % 1000,
        i % 500
    );
}

fn csv_rows(prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut out = String::with_capacity(range.len() * 100);
    for i in range {
        csv_row(prefix, i, &mut out);
    }
    out
}

fn json_records(prefix: &str, range: std::ops::Range<usize>) -> String {
    let records: Vec<_> = range
        .map(|i| {
            json!({
                "account_id": format!("{prefix}-{i:07}"),
                "name": format!("Account number {i} of the upload bench"),
                // The same day as the CSV's 2024-01-DD, as the JSON API takes it.
                "join_date": 1_704_067_200_000i64 + (i % 28) as i64 * 86_400_000,
                "tier": TIERS[i % 3],
                "industry": "Software",
                "current_mrr": (i % 1000) as f64 + 0.5,
                "employees": (i % 500) as i64,
            })
        })
        .collect();
    json!({ "records": records }).to_string()
}

/// One JSON bulk request of the Account API (`/api/v2/<path>`); says so when it was not
/// answered 200 with no failed record.
pub async fn post_json_records(address: SocketAddr, path: &str, key: &str, body: String) {
    let mut once = Some(body);
    let (status, answer) = send_chunked(
        address,
        &format!("/api/v2/{path}?api_key={key}"),
        "application/json",
        || once.take(),
    )
    .await;
    if !status.contains("200") || !answer.contains("\"failed_results\":[]") {
        eprintln!(
            "  unexpected JSON answer from /api/v2/{path}: {}",
            answer.chars().take(300).collect::<String>()
        );
    }
}

/// Sends a request whose body `chunks` yields piece by piece (chunked transfer encoding),
/// and answers the response's status line and body.
async fn send_chunked(
    address: SocketAddr,
    path: &str,
    content_type: &str,
    mut chunks: impl FnMut() -> Option<String>,
) -> (String, String) {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    while let Some(chunk) = chunks() {
        if chunk.is_empty() {
            continue;
        }
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .expect("write");
        stream.write_all(chunk.as_bytes()).await.expect("write");
        stream.write_all(b"\r\n").await.expect("write");
    }
    stream.write_all(b"0\r\n\r\n").await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

pub async fn run() {
    println!();
    println!("API Upload (CSV) beside the JSON bulk API, memory with a 1,000,000-row file, reader parse rate");
    let root = std::env::temp_dir().join(format!("steward-bench-upload-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("temp dir");
    throughput("SQLite", &root.join("sqlite"), None).await;
    if let Some(postgres) = Postgres::start(&root) {
        let url = postgres.database("bench_upload").await;
        throughput("PostgreSQL", &root.join("postgres"), Some(&url)).await;
        postgres.stop();
    }
    memory(&root.join("memory")).await;
    parse_rate().await;
    std::fs::remove_dir_all(&root).ok();
}

async fn throughput(label: &str, dir: &std::path::Path, url: Option<&str>) {
    let state = support::steward(dir, url, &[]).await;
    let (org_id, _) = support::organisation(&state, "Upload").await;
    let key = support::key(&state, org_id, "account", "upload")
        .await
        .api_key;
    let address = support::serve(&state).await;

    // The JSON path: requests of 5,000 new accounts.
    let bodies: Vec<String> = (0..THROUGHPUT_ROWS / JSON_REQUEST_ROWS)
        .map(|r| json_records("json", r * JSON_REQUEST_ROWS..(r + 1) * JSON_REQUEST_ROWS))
        .collect();
    let started = Instant::now();
    for body in bodies {
        post_json_records(address, "accounts", &key, body).await;
    }
    let json_rate = THROUGHPUT_ROWS as f64 / started.elapsed().as_secs_f64();

    // The CSV path: one file of the same number of new accounts.
    let file = format!("{HEADER}{}", csv_rows("csv", 0..THROUGHPUT_ROWS));
    let mut parts = file
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .into_iter();
    let started = Instant::now();
    let (status, answer) = send_chunked(
        address,
        &format!("/api/v2/upload/accounts?api_key={key}&file_name=bench.csv"),
        "text/csv",
        || parts.next(),
    )
    .await;
    let csv_rate = THROUGHPUT_ROWS as f64 / started.elapsed().as_secs_f64();
    if !status.contains("200") || !answer.contains(&format!("\"applied\":{THROUGHPUT_ROWS}")) {
        eprintln!(
            "  unexpected upload answer: {}",
            answer.chars().take(300).collect::<String>()
        );
    }
    println!(
        "  {label:<10} {THROUGHPUT_ROWS} accounts: CSV upload {csv_rate:>8.0} records/s   JSON bulk API {json_rate:>8.0} records/s   ratio {:.2} (target >= 0.80)",
        csv_rate / json_rate
    );
}

async fn memory(dir: &std::path::Path) {
    let state = support::steward(dir, None, &[]).await;
    let (org_id, _) = support::organisation(&state, "Memory").await;
    let key = support::key(&state, org_id, "account", "memory")
        .await
        .api_key;
    let address = support::serve(&state).await;
    // A small upload first, so that the idle figure is of a warm server.
    let mut warm = Some(format!("{HEADER}{}", csv_rows("warm", 0..10)));
    send_chunked(
        address,
        &format!("/api/v2/upload/accounts?api_key={key}&dry_run=true"),
        "text/csv",
        || warm.take(),
    )
    .await;
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
    // Generated 10,000 rows at a time as the request goes: the bench holds none of it.
    let mut next = 0usize;
    let mut sent = 0u64;
    let started = Instant::now();
    let (status, answer) = send_chunked(
        address,
        &format!("/api/v2/upload/accounts?api_key={key}&dry_run=true&file_name=million.csv"),
        "text/csv",
        || {
            if next >= BIG_FILE_ROWS {
                return None;
            }
            let end = (next + 10_000).min(BIG_FILE_ROWS);
            let mut chunk = if next == 0 {
                HEADER.to_owned()
            } else {
                String::new()
            };
            chunk.push_str(&csv_rows("big", next..end));
            next = end;
            sent += chunk.len() as u64;
            Some(chunk)
        },
    )
    .await;
    let took = started.elapsed();
    running.store(false, Ordering::Relaxed);
    sampler.await.ok();
    if !status.contains("200") || !answer.contains(&format!("\"would_apply\":{BIG_FILE_ROWS}")) {
        eprintln!(
            "  unexpected upload answer: {}",
            answer.chars().take(300).collect::<String>()
        );
    }
    let peak = peak.load(Ordering::Relaxed);
    let mb = |b: u64| b as f64 / 1_000_000.0;
    println!(
        "  Memory     {BIG_FILE_ROWS} rows ({:.0} MB) as a dry run in {:.1} s: idle {:.0} MB, peak {:.0} MB, growth {:.0} MB (target < 100 MB)",
        mb(sent),
        took.as_secs_f64(),
        mb(idle),
        mb(peak),
        mb(peak.saturating_sub(idle))
    );
}

async fn parse_rate() {
    let file = format!("{HEADER}{}", csv_rows("parse", 0..BIG_FILE_ROWS)).into_bytes();
    // The `csv` crate's raw reading: byte records, no decoding.
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().from_reader(&file[..]);
    let mut record = csv::ByteRecord::new();
    let mut raw_rows = 0u64;
    while reader.read_byte_record(&mut record).expect("csv") {
        raw_rows += 1;
    }
    let raw = started.elapsed();
    // The upload reader: sniffing, UTF-8 / Windows-1252 decoding, line tracking, checks.
    let started = Instant::now();
    let mut reader = app::upload::ssr::reader::CsvReader::open(&file[..])
        .await
        .expect("the upload reader opens the file");
    let mut rows = 0u64;
    while let Some(row) = reader
        .next_row()
        .await
        .expect("the upload reader reads the file")
    {
        if row.is_ok() {
            rows += 1;
        }
    }
    let ours = started.elapsed();
    let mb = file.len() as f64 / 1_000_000.0;
    println!(
        "  Parse rate {BIG_FILE_ROWS} rows ({mb:.0} MB): upload reader {:.0} MB/s ({rows} rows)   csv ByteRecord {:.0} MB/s ({raw_rows} rows)   ratio {:.2} (target >= 0.50)",
        mb / ours.as_secs_f64(),
        mb / raw.as_secs_f64(),
        raw.as_secs_f64() / ours.as_secs_f64()
    );
}
