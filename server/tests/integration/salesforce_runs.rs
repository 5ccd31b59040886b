//! Salesforce connector runs against the stand-in (issue 14): what a run writes through the
//! Account API's upsert, checkpoints and resuming, one run at a time, the daily schedule,
//! every CSM rule, the errors the admin reads, `steward connector run`, and isolation.
use std::collections::HashMap;
use std::time::Duration;

use app::accounts::api::{AssignCsm, GetAccount, UnassignCsm};
use app::connections::api::ListSources;
use app::db::entities::{
    account_contacts, accounts, csm_assignments, oauth_connections, sync_runs,
};
use app::error::AppError;
use app::salesforce_sync::api::{
    GetSalesforceSyncSettings, ListSalesforceRuns, RunSalesforceNow, SetSalesforceCsmField,
    SetSalesforceSchedule,
};
use app::salesforce_sync::ssr::reader::Retry;
use app::salesforce_sync::ssr::run::{self, RunSummary, Trigger};
use app::salesforce_sync::ssr::{csm, schedule};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::connections::{connect, connection, setup, Setup};

const QUICK: Retry = Retry {
    attempts: 3,
    first_wait: Duration::from_millis(20),
};

async fn connected(args: &[&str]) -> (Setup, i32) {
    let mut s = setup(args).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    (s, org)
}

async fn run_once(s: &Setup, org: i32) -> RunSummary {
    run::run(&s.app.state, org, "salesforce", Trigger::Cli, QUICK)
        .await
        .unwrap()
}

async fn accounts_of(s: &Setup, org: i32) -> Vec<accounts::Model> {
    accounts::Entity::find()
        .filter(accounts::Column::OrgId.eq(org))
        .all(&s.app.state.db)
        .await
        .unwrap()
}

async fn account(s: &Setup, org: i32, sf_id: &str) -> accounts::Model {
    accounts::Entity::find()
        .filter(accounts::Column::OrgId.eq(org))
        .filter(accounts::Column::AccountId.eq(sf_id))
        .one(&s.app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("account {sf_id}"))
}

/// Salesforce Account ids in stand-in order (account i was stamped i minutes in).
async fn sf_accounts(s: &Setup, org: i32) -> Vec<String> {
    let mut ids: Vec<String> = accounts_of(s, org)
        .await
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    ids.sort();
    ids
}

/// Assigned CSMs of the account: user id → source.
async fn csms(s: &Setup, pk: i32) -> HashMap<i32, String> {
    csm_assignments::Entity::find()
        .filter(csm_assignments::Column::AccountPk.eq(pk))
        .filter(csm_assignments::Column::IsAssigned.eq(true))
        .all(&s.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.user_id, r.source))
        .collect()
}

async fn notes(s: &Setup, org: i32, run_id: i32) -> Vec<run::Note> {
    run::notes(&run::find_run(&s.app.state.db, org, run_id).await.unwrap())
}

/// The run once it is no longer running (Run now goes on in the background).
async fn finished(s: &Setup, org: i32, run_id: i32) -> sync_runs::Model {
    for _ in 0..200 {
        let run = run::find_run(&s.app.state.db, org, run_id).await.unwrap();
        if run.status != "running" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("run {run_id} still running");
}

fn salesforce(user: i32) -> HashMap<i32, String> {
    HashMap::from([(user, "salesforce".to_owned())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_first_run_of_2500_accounts_then_an_incremental_run_of_changes_and_deletes()
{
    let (s, org) = connected(&["--accounts", "2500"]).await;
    s.standin.control(&[("page_cap", "400")]).await;
    let connected_at = connection(&s.app).await.last_success_at;
    let first = run_once(&s, org).await;
    assert!(first.succeeded(), "{}", first.line());
    assert_eq!(first.read, 2500 + 5000, "{}", first.line());
    assert_eq!((first.written, first.skipped), (7500, 0));
    let counts = run::object_counts(&run::find_run(&s.app.state.db, org, first.id).await.unwrap());
    let per: Vec<(&str, i64)> = counts
        .iter()
        .map(|c| (c.object.as_str(), c.written))
        .collect();
    assert_eq!(per, vec![("Account", 2500), ("Contact", 5000)]);
    assert!(first.api_calls >= 1 + 7 + 13, "{}", first.line());
    assert!(first.api_remaining.is_some());
    let stamped = connection(&s.app).await.last_success_at;
    assert!(stamped > connected_at, "the run stamps the connection");

    let rows = accounts_of(&s, org).await;
    assert_eq!(rows.len(), 2500);
    assert!(rows
        .iter()
        .all(|a| a.source.as_deref() == Some("salesforce")
            && a.crm_account_id.as_deref() == Some(a.account_id.as_str())));
    assert_eq!(rows.iter().filter(|a| a.is_deleted).count(), 2500 / 7);
    let first_account = account(&s, org, &sf_accounts(&s, org).await[0]).await;
    assert_eq!(first_account.name, "Stand-in Account 1");
    assert_eq!(
        first_account.join_date,
        app::salesforce_sync::ssr::incremental::parse_stamp("2026-11-01T00:00:00Z").unwrap()
    );
    assert_eq!(
        first_account.website.as_deref(),
        Some("https://customer0.example")
    );
    let contacts = account_contacts::Entity::find()
        .filter(account_contacts::Column::OrgId.eq(org))
        .count(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(contacts, 5000);

    // Changes: two renamed, one deleted; the next run reads the lookback and the changes.
    let ids = sf_accounts(&s, org).await;
    s.standin
        .change(
            "Account",
            json!([{"Id": ids[10], "Name": "Renamed A"}, {"Id": ids[20], "Name": "Renamed B"}]),
        )
        .await;
    s.standin.delete("Account", &ids[30]).await;
    let second = run_once(&s, org).await;
    assert!(second.succeeded(), "{}", second.line());
    assert!(
        second.read < 100,
        "only changes and the lookback: {}",
        second.line()
    );
    assert_eq!(account(&s, org, &ids[10]).await.name, "Renamed A");
    assert_eq!(account(&s, org, &ids[20]).await.name, "Renamed B");
    assert!(account(&s, org, &ids[30]).await.is_deleted);
    assert_eq!(accounts_of(&s, org).await.len(), 2500, "nothing duplicated");
    let contacts = account_contacts::Entity::find()
        .filter(account_contacts::Column::OrgId.eq(org))
        .count(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(contacts, 4998, "the deleted account's two contacts go");
    let runs = run::list_runs(&s.app.state.db, org, "salesforce", 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs
        .iter()
        .all(|r| r.status == "succeeded" && r.trigger == "cli"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_run_stopped_by_the_daily_limit_resumes_from_its_checkpoint_without_loss_or_duplicates(
) {
    let (s, org) = connected(&["--accounts", "1200"]).await;
    // Users take one call, two pages of Accounts two more; the fourth call is refused.
    s.standin
        .control(&[
            ("page_cap", "300"),
            ("reset_usage", "1"),
            ("daily_limit", "3"),
        ])
        .await;
    let stopped = run_once(&s, org).await;
    assert!(!stopped.succeeded());
    assert_eq!(stopped.read, 600, "{}", stopped.line());
    let error = stopped.error.clone().unwrap();
    assert!(
        error.contains("daily API request limit") && error.contains("continues"),
        "{error}"
    );
    assert_eq!(accounts_of(&s, org).await.len(), 600);

    s.standin
        .control(&[("reset_usage", "1"), ("daily_limit", "15000")])
        .await;
    let resumed = run_once(&s, org).await;
    assert!(resumed.succeeded(), "{}", resumed.line());
    assert_eq!(
        stopped.read + resumed.read,
        1200 + 2400,
        "every record read exactly once across the two runs"
    );
    assert_eq!(accounts_of(&s, org).await.len(), 1200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_run_survives_a_dead_cursor_and_a_token_refresh_mid_run() {
    let (s, org) = connected(&["--accounts", "900", "--rotation"]).await;
    // Call 1 reads the Users, 2 and 3 the first Account pages: the cursor dies before
    // call 3, and the session (refreshed, rotating the refresh token) before call 6.
    s.standin
        .control(&[
            ("page_cap", "200"),
            (
                "fail_next",
                "pass,pass,expire_cursors,pass,pass,expire_sessions",
            ),
        ])
        .await;
    let summary = run_once(&s, org).await;
    assert_eq!(
        summary.read,
        900 + 1800,
        "nothing read twice: {}",
        summary.line()
    );
    assert!(summary.succeeded(), "{}", summary.line());
    assert_eq!(accounts_of(&s, org).await.len(), 900);
    assert_eq!(s.standin.state().await["rotated_token_reused"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_a_run_left_running_by_a_stopped_server_is_closed_and_continued() {
    let (s, org) = connected(&["--accounts", "50"]).await;
    // A run that never finished (its server stopped), its lease long run out.
    let started = run::begin(&s.app.state, org, "salesforce", Trigger::Schedule)
        .await
        .unwrap();
    let stale = started.run_id;
    drop(started);
    app::jobs::lease::release(
        &s.app.state.db,
        &format!("connector_run:{org}:salesforce"),
        "",
        0,
    )
    .await
    .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &s.app.state.db,
        "UPDATE job_leases SET lease_until = 0",
    )
    .await
    .unwrap();
    // And one from 91 days ago: the run log is kept 90 days.
    let ancient = sync_runs::ActiveModel {
        org_id: sea_orm::Set(org),
        source: sea_orm::Set("salesforce".into()),
        trigger: sea_orm::Set("schedule".into()),
        started_at: sea_orm::Set(app::time::now_ms() - 91 * app::time::DAY_MS),
        status: sea_orm::Set("succeeded".into()),
        records_read: sea_orm::Set(0),
        records_written: sea_orm::Set(0),
        records_skipped: sea_orm::Set(0),
        csm_assigned: sea_orm::Set(0),
        csm_skipped: sea_orm::Set(0),
        api_calls: sea_orm::Set(0),
        log: sea_orm::Set("[]".into()),
        object_counts: sea_orm::Set("[]".into()),
        ..Default::default()
    };
    let ancient = sea_orm::ActiveModelTrait::insert(ancient, &s.app.state.db)
        .await
        .unwrap()
        .id;
    let next = run_once(&s, org).await;
    assert!(next.succeeded(), "{}", next.line());
    assert!(run::find_run(&s.app.state.db, org, ancient).await.is_err());
    let old = run::find_run(&s.app.state.db, org, stale).await.unwrap();
    assert_eq!(old.status, "failed");
    assert!(old.error.unwrap().contains("interrupted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_two_runs_at_once_one_runs_and_the_other_is_refused() {
    let (s, org) = connected(&["--accounts", "600"]).await;
    s.standin.control(&[("page_cap", "100")]).await;
    let other = second_instance(&s).await;
    let (a, b) = tokio::join!(
        run::run(&s.app.state, org, "salesforce", Trigger::Manual, QUICK),
        run::run(&other, org, "salesforce", Trigger::Schedule, QUICK),
    );
    let (ok, refused): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(Result::is_ok);
    assert_eq!((ok.len(), refused.len()), (1, 1));
    match refused.into_iter().next().unwrap() {
        Err(AppError::Conflict(message)) => assert!(message.contains("already under way")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sync_runs::Entity::find()
            .count(&s.app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(accounts_of(&s, org).await.len(), 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_the_daily_schedule_fires_once_when_instances_share_the_database() {
    let (s, org) = connected(&[]).await;
    let at = |t: &str| app::salesforce_sync::ssr::incremental::parse_stamp(t).unwrap();
    let state = &s.app.state;
    assert!(schedule::claim_due(state, at("2026-12-01T02:59:00Z"))
        .await
        .unwrap()
        .is_empty());
    // Two instances check at the same minute: one of them fires.
    let other = second_instance(&s).await;
    let (a, b) = tokio::join!(
        schedule::claim_due(state, at("2026-12-01T03:00:00Z")),
        schedule::claim_due(&other, at("2026-12-01T03:00:00Z")),
    );
    let mut fired = a.unwrap();
    fired.extend(b.unwrap());
    assert_eq!(fired, vec![org]);
    assert!(schedule::claim_due(state, at("2026-12-01T23:59:00Z"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        schedule::claim_due(state, at("2026-12-02T03:01:00Z"))
            .await
            .unwrap(),
        vec![org]
    );
    // In the organisation's time zone: 03:00 at +02:00 is 01:00 UTC.
    schedule::set_daily(state, org, "03:00", "+02:00")
        .await
        .unwrap();
    assert_eq!(
        schedule::claim_due(state, at("2026-12-03T01:00:00Z"))
            .await
            .unwrap(),
        vec![org]
    );
    let bad = schedule::set_daily(state, org, "3 am", "UTC")
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("HH:MM"), "{bad}");
}

/// The environment of another Steward instance on the same database and key.
fn instance_env(s: &Setup) -> std::collections::BTreeMap<String, String> {
    [
        (
            "STEWARD_CONFIG",
            s.app.dir.join("Leptos.toml").display().to_string(),
        ),
        ("STEWARD_DATA_DIR", s.app.dir.display().to_string()),
        ("STEWARD_DATABASE_URL", s.app.database_url.clone()),
        ("STEWARD_SECRET_KEY", s.key.clone()),
        ("STEWARD_PUBLIC_URL", "http://127.0.0.1:3999".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A second instance (its own state and connection pool) sharing the test's database.
async fn second_instance(s: &Setup) -> app::state::AppState {
    let (settings, _) = app::config::Settings::load(&instance_env(s)).unwrap();
    server::startup::build_state(settings).await.unwrap()
}

/// A connected stand-in of `accounts` Accounts, the three CSMs as Steward users with the
/// seat, and `field` chosen as the CSM field.
async fn with_csm_field(accounts: &str, field: &str) -> (Setup, i32, [i32; 3]) {
    let (s, org) = connected(&["--accounts", accounts]).await;
    let users = with_csms(&s, org).await;
    csm::configure(&s.app.state, org, Some(field))
        .await
        .unwrap();
    (s, org, users)
}

async fn with_csms(s: &Setup, org: i32) -> [i32; 3] {
    [
        s.app.add_user(org, "CSM", "csm1@standin.example").await.id,
        s.app.add_user(org, "CSM", "csm2@standin.example").await.id,
        s.app.add_user(org, "CSM", "csm3@standin.example").await.id,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_from_an_email_field_assigns_the_user_with_a_seat() {
    let (s, org) = connected(&["--accounts", "6"]).await;
    let users = with_csms(&s, org).await;
    let mut admin = s.admin.clone();
    let chosen: Value = s
        .app
        .call::<SetSalesforceCsmField>(&mut admin, &[("csm_field", "csm__c")])
        .await
        .unwrap();
    assert_eq!(chosen, json!("CSM__c"));
    let field = csm::setting(&s.app.state.db, org).await.unwrap().unwrap();
    assert_eq!(field.kind, csm::CsmFieldKind::Email);
    let summary = run_once(&s, org).await;
    assert_eq!(
        (summary.csm_assigned, summary.csm_skipped),
        (6, 0),
        "{}",
        summary.line()
    );
    for (i, id) in sf_accounts(&s, org).await.iter().enumerate() {
        let pk = account(&s, org, id).await.id;
        assert_eq!(csms(&s, pk).await, salesforce(users[i % 3]));
    }
    // The account page says the assignment came from Salesforce, and when.
    let pk = account(&s, org, &sf_accounts(&s, org).await[0]).await.id;
    let detail: Value = s
        .app
        .call::<GetAccount>(&mut admin, &[("account_pk", &pk.to_string())])
        .await
        .unwrap();
    assert!(
        detail.to_string().contains(r#"{"Salesforce":{"on":"20"#),
        "{detail}"
    );
    // A second run with nothing changed in Salesforce assigns nothing again.
    let again = run_once(&s, org).await;
    assert_eq!(
        (again.csm_assigned, again.csm_skipped),
        (0, 0),
        "{}",
        again.line()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_from_a_lookup_to_user_uses_that_users_email() {
    let (s, org) = connected(&["--accounts", "6"]).await;
    let users = with_csms(&s, org).await;
    let field = csm::configure(&s.app.state, org, Some("CSM_User__c"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(field.kind, csm::CsmFieldKind::UserLookup);
    let summary = run_once(&s, org).await;
    assert_eq!(summary.csm_assigned, 6, "{}", summary.line());
    for (i, id) in sf_accounts(&s, org).await.iter().enumerate() {
        let pk = account(&s, org, id).await.id;
        assert_eq!(csms(&s, pk).await, salesforce(users[i % 3]));
    }
    // Only an Email field or a Lookup to User, and only one the connected user can see.
    let wrong = csm::configure(&s.app.state, org, Some("Industry"))
        .await
        .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("Email field, or a Lookup to User"),
        "{wrong}"
    );
    let unknown = csm::configure(&s.app.state, org, Some("Nope__c"))
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("'Nope__c'"), "{unknown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_username_unknown_email_or_no_seat_changes_nothing_and_is_logged() {
    let (s, org) = connected(&["--accounts", "6"]).await;
    s.app.add_user(org, "CSM", "csm1@standin.example").await;
    s.app.add_user(org, "Analyst", "csm2@standin.example").await; // no CSM seat
                                                                  // csm3@standin.example is not a Steward user.
    csm::configure(&s.app.state, org, Some("CSM__c"))
        .await
        .unwrap();
    let ids = sf_accounts_from_standin(&s).await;
    s.standin
        .change(
            "Account",
            json!([
                {"Id": ids[0], "CSM__c": "csm1@standin.example.sandbox"},
                {"Id": ids[3], "CSM__c": "jdoe"},
            ]),
        )
        .await;
    let summary = run_once(&s, org).await;
    assert_eq!(
        (summary.csm_assigned, summary.csm_skipped),
        (0, 6),
        "{}",
        summary.line()
    );
    let log = notes(&s, org, summary.id).await;
    let note = |id: &str| {
        log.iter()
            .find(|n| n.id == id)
            .map(|n| n.note.clone())
            .unwrap_or_default()
    };
    assert!(
        note(&ids[0]).contains("Salesforce username, not an email"),
        "{log:?}"
    );
    assert!(note(&ids[3]).contains("username, not an email"), "{log:?}");
    assert!(note(&ids[1]).contains("no CSM seat"), "{log:?}");
    assert!(
        note(&ids[2]).contains("No Steward user has the email csm3@standin.example"),
        "{log:?}"
    );
    for id in &ids[..4] {
        assert!(csms(&s, account(&s, org, id).await.id).await.is_empty());
    }
    // Accounts 4 and 5 name csm2 (no seat) and csm3 (unknown): nothing assigned anywhere.
    // Once csm3 is invited with the seat, the next run assigns them (no Salesforce change).
    let csm3 = s.app.add_user(org, "CSM", "csm3@standin.example").await.id;
    let later = run_once(&s, org).await;
    assert_eq!(
        (later.csm_assigned, later.csm_skipped),
        (2, 4),
        "{}",
        later.line()
    );
    assert_eq!(
        csms(&s, account(&s, org, &ids[2]).await.id).await,
        salesforce(csm3)
    );
    assert_eq!(
        csms(&s, account(&s, org, &ids[5]).await.id).await,
        salesforce(csm3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_accounts_already_linked_by_crm_account_id_are_updated_not_duplicated() {
    let (s, org) = connected(&["--accounts", "4"]).await;
    let ids = sf_accounts_from_standin(&s).await;
    // The Account API already holds the first Salesforce Account under its own id.
    let failures = app::account_api::upsert::upsert(
        &s.app.state.db,
        org,
        app::account_api::upsert::Resource::Accounts,
        vec![json!({"account_id": "ACME-1", "name": "Acme (billing)", "join_date": 1_700_000_000_000i64, "crm_account_id": ids[0]})],
    )
    .await
    .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let summary = run_once(&s, org).await;
    assert!(summary.succeeded(), "{}", summary.line());
    assert_eq!(accounts_of(&s, org).await.len(), 4);
    let linked = account(&s, org, "ACME-1").await;
    assert_eq!(linked.name, "Stand-in Account 1");
    assert_eq!(linked.crm_account_id.as_deref(), Some(ids[0].as_str()));
    let contacts = account_contacts::Entity::find()
        .filter(account_contacts::Column::AccountId.eq("ACME-1"))
        .count(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(contacts, 2, "its Contacts join it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_lookup_follows_a_users_email_change_without_an_account_change() {
    let (s, org, users) = with_csm_field("30", "CSM_User__c").await;
    run_once(&s, org).await;
    let ids = sf_accounts(&s, org).await;
    let first = account(&s, org, &ids[0]).await.id;
    assert_eq!(csms(&s, first).await, salesforce(users[0]));
    // csm1's User now carries csm2's email; Account 0 itself is unchanged (and older than
    // the lookback window).
    let page = app::salesforce_sync::ssr::reader::query(
        &s.app.state,
        org,
        "SELECT Id FROM User WHERE Email = 'csm1@standin.example'",
        false,
        QUICK,
    )
    .await
    .unwrap();
    let csm1 = page.records[0]["Id"].as_str().unwrap().to_owned();
    s.standin
        .change(
            "User",
            json!([{"Id": csm1, "Email": "csm2@standin.example"}]),
        )
        .await;
    let summary = run_once(&s, org).await;
    assert!(summary.succeeded(), "{}", summary.line());
    assert_eq!(csms(&s, first).await, salesforce(users[1]));
}

/// The stand-in's Account ids, in order (before any run wrote them to Steward).
async fn sf_accounts_from_standin(s: &Setup) -> Vec<String> {
    let org = connection(&s.app).await.org_id;
    let page = app::salesforce_sync::ssr::reader::query(
        &s.app.state,
        org,
        "SELECT Id FROM Account ORDER BY SystemModstamp ASC, Id ASC",
        false,
        QUICK,
    )
    .await
    .unwrap();
    page.records
        .iter()
        .map(|r: &Value| r["Id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_a_later_value_replaces_salesforces_earlier_assignment() {
    let (s, org, users) = with_csm_field("3", "CSM__c").await;
    run_once(&s, org).await;
    let ids = sf_accounts(&s, org).await;
    let pk = account(&s, org, &ids[0]).await.id;
    assert_eq!(csms(&s, pk).await, salesforce(users[0]));
    s.standin
        .change(
            "Account",
            json!([{"Id": ids[0], "CSM__c": "csm2@standin.example"}]),
        )
        .await;
    let summary = run_once(&s, org).await;
    assert_eq!(summary.csm_assigned, 1, "{}", summary.line());
    assert_eq!(
        csms(&s, pk).await,
        salesforce(users[1]),
        "replaced, not added"
    );
    // Cleared in Salesforce: Salesforce's assignment goes.
    s.standin
        .change("Account", json!([{"Id": ids[0], "CSM__c": null}]))
        .await;
    run_once(&s, org).await;
    assert!(csms(&s, pk).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_csm_assigned_or_removed_by_hand_is_never_overwritten() {
    let (mut s, org, users) = with_csm_field("3", "CSM__c").await;
    run_once(&s, org).await;
    let ids = sf_accounts(&s, org).await;
    let (a, b) = (
        account(&s, org, &ids[0]).await.id,
        account(&s, org, &ids[1]).await.id,
    );
    // By hand: csm3 added to account a; csm2 (Salesforce's) removed from account b.
    let mut admin = s.admin.clone();
    s.app
        .call::<AssignCsm>(
            &mut admin,
            &[
                ("account_pk", &a.to_string()),
                ("user_id", &users[2].to_string()),
            ],
        )
        .await
        .unwrap();
    s.app
        .call::<UnassignCsm>(
            &mut admin,
            &[
                ("account_pk", &b.to_string()),
                ("user_id", &users[1].to_string()),
            ],
        )
        .await
        .unwrap();
    s.admin = admin;
    // Salesforce says otherwise, twice.
    for _ in 0..2 {
        s.standin
            .change(
                "Account",
                json!([
                    {"Id": ids[0], "CSM__c": "csm2@standin.example"},
                    {"Id": ids[1], "CSM__c": "csm2@standin.example"},
                ]),
            )
            .await;
        let summary = run_once(&s, org).await;
        assert_eq!(summary.csm_assigned, 0, "{}", summary.line());
        let log = notes(&s, org, summary.id).await;
        assert!(
            log.iter()
                .any(|n| n.id == ids[0] && n.note.contains("by hand")),
            "{log:?}"
        );
    }
    let on_a = csms(&s, a).await;
    assert_eq!(on_a.get(&users[2]).map(String::as_str), Some("manual"));
    assert!(
        !on_a.contains_key(&users[1]),
        "Salesforce's csm2 not added: {on_a:?}"
    );
    assert!(csms(&s, b).await.is_empty(), "the removal by hand stands");
    let detail: Value = s
        .app
        .call::<GetAccount>(&mut s.admin, &[("account_pk", &a.to_string())])
        .await
        .unwrap();
    assert!(detail.to_string().contains("Manual"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_errors_tell_the_admin_what_to_do() {
    let (s, org) = connected(&["--accounts", "20"]).await;
    csm::configure(&s.app.state, org, Some("CSM__c"))
        .await
        .unwrap();
    let failed = |summary: RunSummary| {
        assert!(!summary.succeeded(), "{}", summary.line());
        summary.error.unwrap()
    };

    s.standin.control(&[("api", "off_for_user")]).await;
    let error = failed(run_once(&s, org).await);
    assert!(
        error.contains("enable 'API Enabled'") && error.contains("permission set"),
        "{error}"
    );
    s.standin.control(&[("api", "off_for_org")]).await;
    assert!(failed(run_once(&s, org).await).contains("API_DISABLED_FOR_ORG"));
    s.standin.control(&[("api", "on")]).await;

    s.standin.control(&[("hide", "Account.CSM__c")]).await;
    let error = failed(run_once(&s, org).await);
    assert!(
        error.contains("'CSM__c'") && error.contains("/settings/it/source-mapping"),
        "{error}"
    );
    s.standin.control(&[("show", "Account.CSM__c")]).await;

    s.standin.control(&[("fail_next", "503,503html,500")]).await;
    let error = failed(run_once(&s, org).await);
    assert!(
        error.contains("did not answer after several tries"),
        "{error}"
    );

    s.standin
        .control(&[("refresh", "refuse"), ("expire_sessions", "1")])
        .await;
    let error = failed(run_once(&s, org).await);
    assert!(
        error.contains("re-authorization") && error.contains("Manage OAuth"),
        "{error}"
    );
    assert_eq!(connection(&s.app).await.status, "needs_reauthorization");
    // No run wrote a token into its log or error.
    let runs = sync_runs::Entity::find()
        .all(&s.app.state.db)
        .await
        .unwrap();
    let conn: oauth_connections::Model = connection(&s.app).await;
    for run in runs {
        let text = format!("{:?}{}", run.error, run.log);
        assert!(!text.contains(&conn.sealed_access_token));
        assert!(!text.to_lowercase().contains("bearer"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_run_now_and_runs_are_per_organisation() {
    let (s, org) = connected(&["--accounts", "5"]).await;
    let mut admin = s.admin.clone();
    let started: Value = s
        .app
        .call::<RunSalesforceNow>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(started["trigger"], "manual");
    // It runs in the background: wait for it.
    finished(&s, org, started["id"].as_i64().unwrap() as i32).await;
    let runs: Value = s
        .app
        .call::<ListSalesforceRuns>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(runs[0]["status"], "succeeded", "{runs}");
    let sources: Value = s.app.call::<ListSources>(&mut admin, &[]).await.unwrap();
    let row = &sources[0];
    assert_eq!(row["name"], "Salesforce");
    assert_eq!(row["status"], "Connected · last run succeeded", "{row}");
    assert_eq!(row["records_last_run"], 15, "{row}");
    assert_eq!(row["next_run"], "Daily at 03:00 (UTC)", "{row}");
    // The Source Overview renders the runs, Run now and the settings forms.
    let page = s.app.get(&mut admin, "/settings/it/source-overview").await;
    assert_eq!(page.status, 200);
    for text in [
        "Salesforce runs",
        "Run now",
        "/settings/it/source-mapping",
        "Save schedule",
    ] {
        assert!(page.body.contains(text), "{text} on the page");
    }
    // Schedule: saved, and refused with a sentence when malformed.
    s.app
        .call::<SetSalesforceSchedule>(
            &mut admin,
            &[("daily_at", "04:30"), ("time_zone", "+01:00")],
        )
        .await
        .unwrap();
    let settings: Value = s
        .app
        .call::<GetSalesforceSyncSettings>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(
        settings,
        json!({"csm_field": "", "daily_at": "04:30", "time_zone": "+01:00"})
    );
    let bad = s
        .app
        .call::<SetSalesforceSchedule>(
            &mut admin,
            &[("daily_at", "04:30"), ("time_zone", "Mars/Olympus")],
        )
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("zone name such as Europe/Berlin"),
        "{bad}"
    );
    // An IANA zone is taken (the schedule follows its daylight saving time).
    s.app
        .call::<SetSalesforceSchedule>(
            &mut admin,
            &[("daily_at", "04:30"), ("time_zone", "Europe/Paris")],
        )
        .await
        .unwrap();
    let settings: Value = s
        .app
        .call::<GetSalesforceSyncSettings>(&mut admin, &[])
        .await
        .unwrap();
    assert_eq!(settings["time_zone"], "Europe/Paris");
    let run_id = runs[0]["id"].as_i64().unwrap() as i32;

    // Another organisation sees none of it, and cannot read the run by its id.
    let mut other = s
        .app
        .organisation_with_admin("Beta", "admin@beta.example")
        .await;
    let theirs: Value = s
        .app
        .call::<ListSalesforceRuns>(&mut other, &[])
        .await
        .unwrap();
    assert_eq!(theirs, json!([]));
    let other_org = s.app.org_id_of("admin@beta.example").await;
    assert!(matches!(
        run::find_run(&s.app.state.db, other_org, run_id).await,
        Err(AppError::NotFound)
    ));
    // Their Run now runs their organisation (not connected: it fails and says so).
    let theirs: Value = s
        .app
        .call::<RunSalesforceNow>(&mut other, &[])
        .await
        .unwrap();
    let their_run = theirs["id"].as_i64().unwrap() as i32;
    let theirs = finished(&s, other_org, their_run).await;
    assert!(theirs
        .error
        .unwrap()
        .contains("not connected to Salesforce"));
    assert_eq!(
        run::list_runs(&s.app.state.db, org, "salesforce", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(accounts_of(&s, other_org).await.len(), 0);

    // Without Configure Data Connectors: refused.
    s.app.add_user(org, "CSM", "carol@acme.example").await;
    let mut carol = s.app.signed_in("carol@acme.example").await;
    assert!(matches!(
        s.app.call::<RunSalesforceNow>(&mut carol, &[]).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_salesforce_connector_run_command_prints_the_summary_last_and_fails_non_zero() {
    let (s, _) = connected(&["--accounts", "10"]).await;
    let env = instance_env(&s);
    let args = [
        "connector",
        "run",
        "--org",
        "Acme",
        "--source",
        "salesforce",
    ];
    let (ok, stdout, stderr) = crate::cli::steward(&env, &args);
    assert!(ok, "{stdout}\n{stderr}");
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with("Salesforce run 1 succeeded: 30 read"),
        "{last}"
    );

    s.standin.control(&[("api", "off_for_org")]).await;
    let (ok, stdout, _) = crate::cli::steward(&env, &args);
    assert!(!ok);
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(
        last.contains("failed") && last.contains("API Enabled"),
        "{last}"
    );

    let (ok, _, stderr) = crate::cli::steward(
        &env,
        &[
            "connector",
            "run",
            "--org",
            "Nobody",
            "--source",
            "salesforce",
        ],
    );
    assert!(!ok && stderr.contains("No organisation"), "{stderr}");
    let (ok, _, stderr) = crate::cli::steward(
        &env,
        &["connector", "run", "--org", "Acme", "--source", "hubspot"],
    );
    assert!(
        !ok && stderr.contains("only connector is 'salesforce'"),
        "{stderr}"
    );
}
