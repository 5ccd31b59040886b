//! Account API bulk upsert: requests of 5,000 accounts, then of 10,000 product users, half
//! of each request already stored, over HTTP on loopback; beside a raw multi-row SQL upsert
//! of the same rows into a database of the same kind (the ceiling). SQLite, then
//! PostgreSQL (a throwaway cluster; skipped with a note when PostgreSQL is not installed).
//! Prints figures; asserts nothing.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{self, Postgres};

const ACCOUNTS_PER_REQUEST: usize = 5_000;
const USERS_PER_REQUEST: usize = 10_000;
/// Timed requests per resource (each after an untimed first one that seeds the "present" half).
const ROUNDS: usize = 20;

pub async fn run() {
    println!();
    println!(
        "Account API bulk upsert ({ACCOUNTS_PER_REQUEST} accounts, then {USERS_PER_REQUEST} product users per request, half already present, {ROUNDS} requests each)"
    );
    let root = std::env::temp_dir().join(format!("steward-bench-upsert-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("temp dir");
    let sqlite = |name: &str| {
        format!(
            "sqlite://{}?mode=rwc",
            root.join(format!("{name}.db")).display()
        )
    };
    compare("SQLite", &root, &sqlite("http"), &sqlite("raw")).await;
    if let Some(postgres) = Postgres::start(&root) {
        let http = postgres.database("bench_http").await;
        let raw = postgres.database("bench_raw").await;
        compare("PostgreSQL", &root, &http, &raw).await;
        postgres.stop();
    }
    std::fs::remove_dir_all(&root).ok();
}

fn account_records(round: usize) -> Vec<Value> {
    let first = round * ACCOUNTS_PER_REQUEST / 2;
    (first..first + ACCOUNTS_PER_REQUEST)
        .map(|i| {
            let tier = ["Gold", "Silver", "Bronze"][i % 3];
            json!({
                "account_id": format!("acc-{i:07}"),
                "name": format!("Account {i} r{round}"),
                "join_date": 1_400_000_000_000i64 + i as i64,
                "renewal_date": 1_700_000_000_000i64 + round as i64,
                "tier": tier,
                "industry": "Software",
                "current_mrr": (i % 1000) as f64 * 1.5,
                "employees": (i % 500) as i64,
            })
        })
        .collect()
}

fn user_records(round: usize, accounts: usize) -> Vec<Value> {
    let first = round * USERS_PER_REQUEST / 2;
    (first..first + USERS_PER_REQUEST)
        .map(|i| {
            json!({
                "user_id": format!("user-{i:07}"),
                "account_id": format!("acc-{:07}", i % accounts),
                "email": format!("user{i}@example.com"),
                "first_name": "Grace",
                "last_name": format!("Hopper r{round}"),
                "title": "Engineer",
                "product_join_date": 1_500_000_000_000i64 + i as i64,
            })
        })
        .collect()
}

/// The accounts stored after all account rounds (ids 0 .. this).
fn account_count() -> usize {
    (ROUNDS + 2) * ACCOUNTS_PER_REQUEST / 2
}

async fn compare(label: &str, root: &Path, http_url: &str, raw_url: &str) {
    // Steward over HTTP.
    let state = support::steward(&root.join(format!("{label}-http")), Some(http_url), &[]).await;
    let (org, _) = support::organisation(&state, "Bench").await;
    let key = support::key(&state, org, "account", "bench").await.api_key;
    let address = support::serve(&state).await;
    let accounts_path = format!("/api/v2/accounts?api_key={key}");
    let users_path = format!("/api/v2/account_users?api_key={key}");
    let http_accounts = timed_rounds(account_records, body, |body| {
        let path = accounts_path.clone();
        async move { post(address, &path, body).await }
    })
    .await;
    let http_users = timed_rounds(
        |round| user_records(round, account_count()),
        body,
        |body| {
            let path = users_path.clone();
            async move { post(address, &path, body).await }
        },
    )
    .await;

    // The ceiling: the same rows, raw multi-row upserts, one transaction per request.
    let raw_state = support::steward(&root.join(format!("{label}-raw")), Some(raw_url), &[]).await;
    let (org, _) = support::organisation(&raw_state, "Bench").await;
    let db = raw_state.db.clone();
    let raw_accounts = timed_rounds(
        account_records,
        |r| r,
        |body| {
            let db = db.clone();
            async move { raw_accounts(&db, org, body).await }
        },
    )
    .await;
    let raw_users = timed_rounds(
        |round| user_records(round, account_count()),
        |r| r,
        |body| {
            let db = db.clone();
            async move { raw_users(&db, org, body).await }
        },
    )
    .await;

    for (what, http, raw) in [
        ("accounts", http_accounts, raw_accounts),
        ("product users", http_users, raw_users),
    ] {
        println!(
            "  {label:<10} {what:<14} HTTP {:>9.0} records/s   raw SQL upsert {:>9.0} records/s   ratio {:.2} (target >= 0.50)",
            http,
            raw,
            http / raw
        );
    }
}

/// Runs the untimed seeding request, then `ROUNDS` timed ones; answers records per second.
/// `encode` (untimed: a client's own work, such as serialising the body) turns a round's
/// records into what `send` takes.
async fn timed_rounds<R, E, T, F, Fut>(records: R, encode: E, send: F) -> f64
where
    R: Fn(usize) -> Vec<Value>,
    E: Fn(Vec<Value>) -> T,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    send(encode(records(0))).await;
    let mut total = Duration::ZERO;
    let mut count = 0;
    for round in 1..=ROUNDS {
        let batch = records(round);
        count += batch.len();
        let request = encode(batch);
        let started = Instant::now();
        send(request).await;
        total += started.elapsed();
    }
    count as f64 / total.as_secs_f64()
}

/// The request body of a bulk upsert.
pub fn body(records: Vec<Value>) -> String {
    json!({ "records": records }).to_string()
}

pub async fn post(address: SocketAddr, path: &str, body: String) {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response);
    if !text.starts_with("HTTP/1.1 200") || !text.contains("\"failed_results\":[]") {
        let shown: String = text.chars().take(400).collect();
        eprintln!("unexpected upsert answer: {shown}");
    }
}

fn text(record: &Value, field: &str) -> sea_orm::Value {
    sea_orm::Value::String(record[field].as_str().map(str::to_owned))
}

fn int(record: &Value, field: &str) -> sea_orm::Value {
    sea_orm::Value::BigInt(record[field].as_i64())
}

async fn raw_accounts(db: &DatabaseConnection, org: i32, records: Vec<Value>) {
    let now = app::time::now_ms();
    let columns = [
        "org_id",
        "account_id",
        "name",
        "join_date",
        "renewal_date",
        "tier",
        "industry",
        "current_mrr",
        "employees",
        "is_active",
        "created_at",
        "updated_at",
    ];
    let txn = db.begin().await.expect("begin");
    for part in records.chunks(30_000 / columns.len()) {
        let mut insert = Query::insert();
        insert.into_table("accounts").columns(columns).on_conflict(
            OnConflict::columns(["org_id", "account_id"])
                .update_columns(columns[2..].iter().copied().filter(|c| *c != "created_at"))
                .to_owned(),
        );
        for r in part {
            insert.values_panic([
                Expr::val(org),
                Expr::val(text(r, "account_id")),
                Expr::val(text(r, "name")),
                Expr::val(int(r, "join_date")),
                Expr::val(int(r, "renewal_date")),
                Expr::val(text(r, "tier")),
                Expr::val(text(r, "industry")),
                Expr::val(r["current_mrr"].as_f64()),
                Expr::val(int(r, "employees")),
                Expr::val(true),
                Expr::val(now),
                Expr::val(now),
            ]);
        }
        txn.execute(&insert).await.expect("raw upsert");
    }
    txn.commit().await.expect("commit");
}

async fn raw_users(db: &DatabaseConnection, org: i32, records: Vec<Value>) {
    let now = app::time::now_ms();
    let txn = db.begin().await.expect("begin");
    // The account ids of the request → our ids (part of the work a real upsert does).
    let ids: Vec<String> = records
        .iter()
        .map(|r| r["account_id"].as_str().unwrap().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut pks: HashMap<String, i32> = HashMap::new();
    for part in ids.chunks(5000) {
        let select = Query::select()
            .from("accounts")
            .columns(["id", "account_id"])
            .and_where(Expr::col("org_id").eq(org))
            .and_where(Expr::col("account_id").is_in(part.iter().cloned()))
            .to_owned();
        for row in txn.query_all(&select).await.expect("pks") {
            pks.insert(
                row.try_get_by_index(1).unwrap(),
                row.try_get_by_index(0).unwrap(),
            );
        }
    }
    let columns = [
        "org_id",
        "account_pk",
        "account_id",
        "user_id",
        "email",
        "first_name",
        "last_name",
        "title",
        "product_join_date",
        "is_active",
        "created_at",
        "updated_at",
    ];
    for part in records.chunks(30_000 / columns.len()) {
        let mut insert = Query::insert();
        insert
            .into_table("account_users")
            .columns(columns)
            .on_conflict(
                OnConflict::columns(["org_id", "user_id", "account_id"])
                    .update_columns([
                        "account_pk",
                        "email",
                        "first_name",
                        "last_name",
                        "title",
                        "product_join_date",
                        "is_active",
                        "updated_at",
                    ])
                    .to_owned(),
            );
        for r in part {
            let pk = pks.get(r["account_id"].as_str().unwrap()).copied();
            insert.values_panic([
                Expr::val(org),
                Expr::val(pk),
                Expr::val(text(r, "account_id")),
                Expr::val(text(r, "user_id")),
                Expr::val(text(r, "email")),
                Expr::val(text(r, "first_name")),
                Expr::val(text(r, "last_name")),
                Expr::val(text(r, "title")),
                Expr::val(int(r, "product_join_date")),
                Expr::val(true),
                Expr::val(now),
                Expr::val(now),
            ]);
        }
        txn.execute(&insert).await.expect("raw upsert");
    }
    txn.commit().await.expect("commit");
}
