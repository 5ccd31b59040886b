//! The Accounts list with 10,000 accounts in one organisation: the first server-rendered
//! page, a search, and sorted views (Unassigned by MRR, My accounts by CSM count, a deep
//! page), beside a static file from the same server. Also the same list for a CSM without
//! View All Accounts, who sees only their own accounts.
use std::net::SocketAddr;

use leptos::server_fn::ServerFn;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::{admin_session, request_with, timed};

const ACCOUNTS: usize = 10_000;
const SAMPLES: usize = 200;

pub async fn run(state: &app::state::AppState, address: SocketAddr) {
    use app::db::entities::{accounts, csm_assignments, users};

    let admin = users::Entity::find()
        .filter(users::Column::Email.eq("bench@example.com"))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap();
    let org = admin.org_id;
    let now = app::time::now_ms();
    let day = app::time::DAY_MS;
    let words = [
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Stark",
        "Wayne",
        "Tyrell",
        "Cyberdyne",
        "Soylent",
    ];
    let stages = ["Onboarding", "Adoption", "Renewal", "Expansion"];
    let txn = state.db.begin().await.unwrap();
    let mut ids = Vec::with_capacity(ACCOUNTS);
    for chunk in (0..ACCOUNTS).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|i| accounts::ActiveModel {
            org_id: Set(org),
            account_id: Set(format!("acct-{i:05}")),
            name: Set(format!("{} {} {i}", words[i % 10], words[(i / 10) % 10])),
            join_date: Set(now - (*i as i64 % 900) * day),
            renewal_date: Set((i % 4 != 0).then(|| now + (*i as i64 % 365) * day)),
            current_mrr: Set((i % 5 != 0).then_some((*i % 997) as f64 * 10.5)),
            current_stage: Set((i % 3 != 0).then(|| stages[i % 4].to_owned())),
            is_deleted: Set(false),
            is_churned: Set(i % 13 == 0),
            is_active: Set(i % 29 != 0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        accounts::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    for account in accounts::Entity::find()
        .filter(accounts::Column::OrgId.eq(org))
        .all(&state.db)
        .await
        .unwrap()
    {
        ids.push(account.id);
    }
    // A third of the accounts assigned to the administrator (who has the CSM seat).
    let txn = state.db.begin().await.unwrap();
    for chunk in ids.chunks(500) {
        let rows = chunk
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == 0)
            .map(|(_, id)| csm_assignments::ActiveModel {
                org_id: Set(org),
                account_pk: Set(*id),
                user_id: Set(admin.id),
                source: Set("api".into()),
                is_assigned: Set(true),
                changed_by: Set(None),
                changed_at: Set(now),
                ..Default::default()
            });
        csm_assignments::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    let token = admin_session(state).await;
    let html = format!("Accept: text/html\r\nCookie: steward_session={token}\r\n");
    let json = format!("Accept: application/json\r\nCookie: steward_session={token}\r\n");
    let list_path = app::accounts::api::ListAccounts::PATH;
    let form = |view: &str, search: &str, sort: &str, desc: bool, page: u32| {
        format!(
            "query[view]={view}&query[search]={search}&query[sort]={sort}\
             &query[descending]={desc}&query[page]={page}"
        )
    };
    let search = form("All", "globex", "Name", false, 1);
    let unassigned = form("Unassigned", "", "Mrr", true, 1);
    let mine = form("Mine", "", "Csms", true, 2);
    let deep = form("Active", "", "Renewal", false, 150);
    let account_page = format!("/accounts/{}", ids[ids.len() / 2]);

    let static_file = timed(SAMPLES, || {
        request_with(
            address,
            "GET",
            "/favicon.svg",
            None,
            "Accept: image/svg+xml\r\n",
        )
    })
    .await;
    let first_page = timed(SAMPLES, || {
        request_with(address, "GET", "/accounts", None, &html)
    })
    .await;
    let mut rows = vec![("first server-rendered page /accounts", first_page)];
    for (label, body) in [
        ("search \"globex\" (server function)", &search),
        ("Unassigned, sorted by MRR", &unassigned),
        ("My accounts, sorted by CSMs, page 2", &mine),
        ("Active, sorted by renewal, page 150", &deep),
    ] {
        let timing = timed(SAMPLES, || {
            request_with(address, "POST", list_path, Some(body), &json)
        })
        .await;
        rows.push((label, timing));
    }
    let page = timed(SAMPLES, || {
        request_with(address, "GET", &account_page, None, &html)
    })
    .await;
    rows.push(("one account page (server-rendered)", page));

    println!();
    println!(
        "Accounts list with {ACCOUNTS} accounts in one organisation (SQLite), {SAMPLES} requests each"
    );
    println!("  static file (/favicon.svg)                    median {:>6.2} ms  p95 {:>6.2} ms   (baseline)", static_file.0, static_file.1);
    for (label, (median, p95)) in rows {
        println!(
            "  {label:<44} median {median:>6.2} ms  p95 {p95:>6.2} ms   p95 ratio {:.1}x (target p95 < 50 ms)",
            p95 / static_file.1.max(0.001)
        );
    }
}
