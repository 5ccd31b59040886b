//! Event ingest: 1,000,000 events in requests of 100 over HTTP on loopback (a real server,
//! several keep-alive clients at once), events per second and p99 latency, beside the
//! ceiling: a raw in-process multi-row INSERT of the same rows into the same kind of
//! database, measured with one transaction per 100 rows and with ten such INSERTs per
//! transaction (what the API's group commit does on SQLite); the higher is the ceiling.
//! SQLite (the shipped
//! settings: WAL, synchronous=NORMAL), then PostgreSQL (a throwaway cluster with fsync on).
//! Prints figures; asserts nothing.
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{self, Postgres};

use app::event_api::parse::{parse_body, Event};

const EVENTS: usize = 1_000_000;
const PER_REQUEST: usize = 100;
const CLIENTS: usize = 8;
/// Requests per transaction of the grouped ceiling.
const GROUPED_REQUESTS: usize = 10;
const ACCOUNTS: usize = 200;
const USERS_PER_ACCOUNT: usize = 25;

/// Runs the SQLite and PostgreSQL rounds.
pub async fn run() {
    let bodies = Arc::new(bodies());
    println!();
    println!(
        "Event ingest: {EVENTS} events in requests of {PER_REQUEST}, {CLIENTS} keep-alive clients on loopback"
    );
    let dir = std::env::temp_dir().join(format!("steward-bench-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let sqlite_ceiling = format!("sqlite://{}?mode=rwc", dir.join("ceiling.db").display());
    let sqlite_grouped = format!("sqlite://{}?mode=rwc", dir.join("grouped.db").display());
    let sqlite_api = format!("sqlite://{}?mode=rwc", dir.join("api.db").display());
    round(
        "SQLite (WAL, synchronous=NORMAL)",
        &dir,
        [&sqlite_ceiling, &sqlite_grouped],
        &sqlite_api,
        &bodies,
    )
    .await;

    if let Some(postgres) = Postgres::start(&dir) {
        let ceiling = postgres.database("bench_ceiling").await;
        let grouped = postgres.database("bench_grouped").await;
        let api = postgres.database("bench_api").await;
        round(
            "PostgreSQL (fsync on, synchronous_commit on)",
            &dir,
            [&ceiling, &grouped],
            &api,
            &bodies,
        )
        .await;
        postgres.stop();
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// 10,000 NDJSON bodies of 100 events: 200 accounts, 25 users each, the last 24 hours.
fn bodies() -> Vec<String> {
    let now = app::time::now_ms();
    let start = now - 86_400_000;
    let actions = [
        "feature",
        "feature",
        "moduleEnd",
        "sessionSync",
        "pageViewEnd",
    ];
    (0..EVENTS / PER_REQUEST)
        .map(|request| {
            let mut body = String::with_capacity(PER_REQUEST * 200);
            for i in 0..PER_REQUEST {
                let n = request * PER_REQUEST + i;
                let account = (n * 7919) % ACCOUNTS;
                let user = (n / ACCOUNTS) % USERS_PER_ACCOUNT;
                let at = start + (n as i64 * 86_400_000 / EVENTS as i64);
                let action = actions[n % actions.len()];
                let extra = match action {
                    "feature" => format!(
                        r#","module":"Reports","feature":"Export {}","total":1"#,
                        n % 12
                    ),
                    "moduleEnd" => r#","module":"Reports","time_spent":42000"#.to_owned(),
                    "sessionSync" => r#","active_duration":30000"#.to_owned(),
                    _ => String::new(),
                };
                body.push_str(&format!(
                    r#"{{"action":"{action}","account_id":"acct-{account:04}","user_id":"user-{user:03}","session_id":"s-{account}-{user}","created_at":{at}{extra}}}"#
                ));
                body.push('\n');
            }
            body
        })
        .collect()
}

async fn round(
    label: &str,
    dir: &Path,
    [ceiling_url, grouped_url]: [&str; 2],
    api_url: &str,
    bodies: &Arc<Vec<String>>,
) {
    println!("  {label}");
    let per_request = raw_ceiling(ceiling_url, bodies, 1).await;
    let grouped = raw_ceiling(grouped_url, bodies, GROUPED_REQUESTS).await;
    let ceiling = per_request.max(grouped);
    let state = support::steward(
        &dir.join(format!("data-{}", app::crypto::short_reference())),
        Some(api_url),
        &[],
    )
    .await;
    let (org, _) = support::organisation(&state, "Event bench").await;
    let key = support::key(&state, org, "event", "Bench").await;
    let (auth, api) = (key.auth_key.expect("auth key"), key.api_key);
    let address = support::serve(&state).await;
    let path = Arc::new(format!("/v1/{auth}/{api}"));

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (next, bodies, path) = (next.clone(), bodies.clone(), path.clone());
        clients.push(tokio::spawn(async move {
            let mut connection = TcpStream::connect(address).await.expect("connect");
            connection.set_nodelay(true).ok();
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    break;
                };
                let sent = Instant::now();
                match post(&mut connection, address, &path, body).await {
                    Some(200) => {}
                    other => {
                        if failures == 0 {
                            eprintln!("unexpected Event API answer: {other:?}");
                        }
                        failures += 1;
                        connection = TcpStream::connect(address).await.expect("reconnect");
                    }
                }
                latencies.push(sent.elapsed());
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for client in clients {
        let (l, f) = client.await.expect("client");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    let rate = EVENTS as f64 / elapsed;
    let stored = count_events(&state.db).await;
    println!(
        "    raw multi-row INSERT, 100 rows per transaction    {:>9.0} events/s",
        per_request
    );
    println!(
        "    raw, {GROUPED_REQUESTS} such INSERTs per transaction            {:>9.0} events/s   (the ceiling: the higher of the two)",
        grouped
    );
    println!(
        "    Event API over HTTP                                {:>9.0} events/s   ratio {:.2} of the ceiling (target >= 0.50; >= 50,000 events/s)",
        rate,
        rate / ceiling
    );
    println!(
        "    request latency (100 events)                        p50 {:>6.2} ms  p99 {:>6.2} ms   {} stored{}",
        at(0.50),
        at(0.99),
        stored,
        if failures > 0 { format!(", {failures} failed requests") } else { String::new() }
    );
}

/// The ceiling: the same rows, parsed beforehand, inserted in-process with one multi-row
/// INSERT per 100 rows, `per_transaction` of them in a transaction (1: one commit per
/// request, as without group commit; 10: what a group commit of 8–10 requests does).
/// Events per second.
async fn raw_ceiling(url: &str, bodies: &[String], per_transaction: usize) -> f64 {
    let db = app::db::connect::connect_and_migrate(url, app::db::connect::DEFAULT_STORAGE_WAIT)
        .await
        .expect("ceiling database");
    db.execute_unprepared("INSERT INTO organisations (name, created_at) VALUES ('Ceiling', 0)")
        .await
        .ok();
    let org_id: i32 = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(id) AS id FROM organisations",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<i32>("", "id").ok())
        .unwrap_or(1);
    let now = app::time::now_ms();
    let batches: Vec<Vec<Event>> = bodies
        .iter()
        .map(|b| parse_body(b.as_bytes(), now).expect("valid body").events)
        .collect();
    let backend = db.get_database_backend();
    let started = Instant::now();
    for group in batches.chunks(per_transaction) {
        let txn = db.begin().await.expect("begin");
        for events in group {
            let statement = raw_insert(backend, org_id, now, events);
            txn.execute_raw(statement).await.expect("insert");
        }
        txn.commit().await.expect("commit");
    }
    let rate = EVENTS as f64 / started.elapsed().as_secs_f64();
    db.close().await.ok();
    rate
}

fn raw_insert(backend: DbBackend, org_id: i32, now: i64, events: &[Event]) -> Statement {
    const COLUMNS: usize = 15;
    let mut sql = String::from(
        "INSERT INTO usage_events (org_id, key_id, account_id, user_id, session_id, action, created_at, product, module, feature, total, time_spent, active_duration, details, received_at) VALUES ",
    );
    let mut values: Vec<Value> = Vec::with_capacity(events.len() * COLUMNS);
    for (row, e) in events.iter().enumerate() {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..COLUMNS {
            if column > 0 {
                sql.push(',');
            }
            match backend {
                DbBackend::Postgres => sql.push_str(&format!("${}", row * COLUMNS + column + 1)),
                _ => sql.push('?'),
            }
        }
        sql.push(')');
        values.extend([
            Value::from(org_id),
            Value::from(None::<i32>),
            Value::from(e.account_id.clone()),
            Value::from(e.user_id.clone()),
            Value::from(e.session_id.clone()),
            Value::from(e.action),
            Value::from(e.created_at),
            Value::from(e.product.clone()),
            Value::from(e.module.clone()),
            Value::from(e.feature.clone()),
            Value::from(e.total),
            Value::from(e.time_spent),
            Value::from(e.active_duration),
            Value::from(e.details.clone()),
            Value::from(now),
        ]);
    }
    Statement::from_sql_and_values(backend, sql, values)
}

async fn count_events(db: &DatabaseConnection) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM usage_events",
    ))
    .await
    .ok()
    .flatten()
    .and_then(|row| row.try_get::<i64>("", "n").ok())
    .unwrap_or(-1)
}

/// One POST on a keep-alive connection; returns the status once the whole answer is read.
pub async fn post(
    stream: &mut TcpStream,
    address: SocketAddr,
    path: &str,
    body: &str,
) -> Option<u16> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    if let Some(length) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        while buffer.len() < header_end + length {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
    } else {
        // chunked: read until the terminating zero-length chunk
        while find(&buffer[header_end..], b"0\r\n\r\n").is_none() {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
    }
    Some(status)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
