//! The Accounts pages through their server functions: views, counts, search, sort and pages;
//! what a user without View All Accounts sees; the account page; manual CSM assignment
//! with its rules and audit entries; and organisation isolation. Accounts are seeded with
//! the entities directly (the Account API is tested on its own).
use app::accounts::api::{AssignCsm, GetAccount, ListAccounts, UnassignCsm};
use app::db::entities::{
    account_contacts, account_users, accounts, audit_events, csm_assignments, dimension_values,
    interactions, nps_history, stage_history, usage_daily, usage_daily_features, usage_events,
    users,
};
use app::error::AppError;
use app::time::{now_ms, DAY_MS};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

use crate::common::{spawn, Browser, TestApp};

/// A year ago, in ms: a join date.
fn joined() -> i64 {
    now_ms() - 365 * DAY_MS
}

pub async fn seed_account(
    app: &TestApp,
    org_id: i32,
    account_id: &str,
    name: &str,
    edit: impl FnOnce(&mut accounts::ActiveModel),
) -> accounts::Model {
    let now = now_ms();
    let mut account = accounts::ActiveModel {
        org_id: Set(org_id),
        account_id: Set(account_id.to_owned()),
        name: Set(name.to_owned()),
        join_date: Set(joined()),
        is_deleted: Set(false),
        is_churned: Set(false),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    edit(&mut account);
    account.insert(&app.state.db).await.unwrap()
}

pub async fn seed_assignment(
    app: &TestApp,
    account: &accounts::Model,
    user_id: i32,
    source: &str,
    is_assigned: bool,
) {
    csm_assignments::ActiveModel {
        org_id: Set(account.org_id),
        account_pk: Set(account.id),
        user_id: Set(user_id),
        source: Set(source.to_owned()),
        is_assigned: Set(is_assigned),
        changed_by: Set(None),
        changed_at: Set(now_ms()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// Form fields for `list_accounts(query)`: serde_qs nests them as `query[field]`.
async fn list(
    app: &TestApp,
    browser: &mut Browser,
    pairs: &[(&str, &str)],
) -> Result<Value, AppError> {
    let mut fields: Vec<(String, String)> = vec![
        ("query[view]".into(), "All".into()),
        ("query[search]".into(), String::new()),
        ("query[sort]".into(), "Name".into()),
        ("query[descending]".into(), "false".into()),
        ("query[page]".into(), "1".into()),
    ];
    for (k, v) in pairs {
        let key = format!("query[{k}]");
        fields.retain(|(existing, _)| *existing != key);
        fields.push((key, (*v).to_owned()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.call::<ListAccounts>(browser, &borrowed).await
}

fn names(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn detail(app: &TestApp, browser: &mut Browser, account_pk: i32) -> Result<Value, AppError> {
    app.call::<GetAccount>(browser, &[("account_pk", &account_pk.to_string())])
        .await
}

async fn assign(
    app: &TestApp,
    browser: &mut Browser,
    account_pk: i32,
    user_id: i32,
) -> Result<Value, AppError> {
    app.call::<AssignCsm>(
        browser,
        &[
            ("account_pk", &account_pk.to_string()),
            ("user_id", &user_id.to_string()),
        ],
    )
    .await
}

async fn unassign(
    app: &TestApp,
    browser: &mut Browser,
    account_pk: i32,
    user_id: i32,
) -> Result<Value, AppError> {
    app.call::<UnassignCsm>(
        browser,
        &[
            ("account_pk", &account_pk.to_string()),
            ("user_id", &user_id.to_string()),
        ],
    )
    .await
}

async fn row(app: &TestApp, account_pk: i32, user_id: i32) -> Option<csm_assignments::Model> {
    csm_assignments::Entity::find()
        .filter(csm_assignments::Column::AccountPk.eq(account_pk))
        .filter(csm_assignments::Column::UserId.eq(user_id))
        .one(&app.state.db)
        .await
        .unwrap()
}

async fn audit_entries(app: &TestApp, org_id: i32, prefix: &str) -> Vec<audit_events::Model> {
    audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(org_id))
        .filter(audit_events::Column::Action.starts_with(prefix))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn rename(app: &TestApp, user: users::Model, name: &str) -> users::Model {
    let mut active: users::ActiveModel = user.into();
    active.name = Set(name.to_owned());
    active.update(&app.state.db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_accounts_need_a_signed_in_user() {
    let app = spawn().await;
    let mut visitor = Browser::default();
    assert_eq!(
        list(&app, &mut visitor, &[]).await.unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        detail(&app, &mut visitor, 1).await.unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        assign(&app, &mut visitor, 1, 1).await.unwrap_err(),
        AppError::Unauthenticated
    );
    // The pages themselves send visitors to sign in.
    let page = app.get(&mut visitor, "/accounts").await;
    assert!(
        page.body.contains("/sign-in") || page.status.is_redirection(),
        "{}",
        page.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_views_counts_search_sort_and_pages() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let ada = app.user("ada@acme.test").await;
    let carol = rename(
        &app,
        app.add_user(org, "CSM", "carol@acme.test").await,
        "Carol",
    )
    .await;
    let now = now_ms();

    let alpha = seed_account(&app, org, "A-1", "Alpha", |a| {
        a.current_mrr = Set(Some(500.0));
        a.renewal_date = Set(Some(now + 30 * DAY_MS));
        a.current_stage = Set(Some("Onboarding".into()));
    })
    .await;
    let bravo = seed_account(&app, org, "b-2", "bravo", |a| {
        a.current_mrr = Set(Some(1500.0));
        a.renewal_date = Set(Some(now + 10 * DAY_MS));
        a.current_stage = Set(Some("Adoption".into()));
    })
    .await;
    let charlie = seed_account(&app, org, "C_3", "Charlie 100%", |a| {
        a.is_churned = Set(true);
        a.is_active = Set(false);
    })
    .await;
    let delta = seed_account(&app, org, "D-4", "Delta", |a| {
        a.is_active = Set(false);
    })
    .await;
    let echo = seed_account(&app, org, "e-5", "Echo", |a| {
        a.is_deleted = Set(true);
        a.current_mrr = Set(Some(20.0));
    })
    .await;
    // Alpha: Carol by the API and Ada by hand; Bravo: Ada; Delta: Carol unassigned by hand.
    seed_assignment(&app, &alpha, carol.id, "api", true).await;
    seed_assignment(&app, &alpha, ada.id, "manual", true).await;
    seed_assignment(&app, &bravo, ada.id, "api", true).await;
    seed_assignment(&app, &delta, carol.id, "manual", false).await;
    let _ = (charlie, echo);

    let page = list(&app, &mut admin, &[]).await.unwrap();
    // All, Active, Churned, Unassigned, Mine.
    assert_eq!(page["counts"], serde_json::json!([5, 2, 1, 3, 2]));
    assert_eq!(page["view_all"], true);
    assert_eq!(
        names(&page),
        ["Alpha", "bravo", "Charlie 100%", "Delta", "Echo"],
        "names sort case-insensitively"
    );
    let first = &page["rows"][0];
    assert_eq!(first["account_id"], "A-1");
    assert_eq!(first["csms"], serde_json::json!(["Ada Admin", "Carol"]));
    assert_eq!(first["status"], "Active");
    assert_eq!(page["rows"][2]["status"], "Churned");
    assert_eq!(page["rows"][3]["status"], "Inactive");
    assert_eq!(page["rows"][4]["status"], "Inactive");

    let view = |v: &'static str| [("view", v)];
    assert_eq!(
        names(&list(&app, &mut admin, &view("Active")).await.unwrap()),
        ["Alpha", "bravo"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &view("Churned")).await.unwrap()),
        ["Charlie 100%"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &view("Unassigned")).await.unwrap()),
        ["Charlie 100%", "Delta", "Echo"],
        "a manual unassignment leaves the account unassigned"
    );
    assert_eq!(
        names(&list(&app, &mut admin, &view("Mine")).await.unwrap()),
        ["Alpha", "bravo"]
    );

    // Search: name or account id, case-insensitive, wildcards literal.
    let search = |q: &'static str| [("search", q)];
    assert_eq!(
        names(&list(&app, &mut admin, &search("ALP")).await.unwrap()),
        ["Alpha"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &search("b-2")).await.unwrap()),
        ["bravo"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &search("%")).await.unwrap()),
        ["Charlie 100%"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &search("_")).await.unwrap()),
        ["Charlie 100%"],
        "'_' matches only the account id C_3"
    );
    let searched = list(&app, &mut admin, &[("view", "Active"), ("search", "lph")])
        .await
        .unwrap();
    assert_eq!(names(&searched), ["Alpha"]);
    assert_eq!(searched["total"], 1);
    assert_eq!(
        searched["counts"],
        serde_json::json!([5, 2, 1, 3, 2]),
        "counts ignore the search"
    );

    // Sorts; missing values last either way.
    let sorted = |sort: &'static str, desc: &'static str| [("sort", sort), ("descending", desc)];
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("Mrr", "true"))
                .await
                .unwrap()
        ),
        ["bravo", "Alpha", "Echo", "Charlie 100%", "Delta"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("Mrr", "false"))
                .await
                .unwrap()
        ),
        ["Echo", "Alpha", "bravo", "Charlie 100%", "Delta"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("Renewal", "false"))
                .await
                .unwrap()
        ),
        ["bravo", "Alpha", "Charlie 100%", "Delta", "Echo"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("Stage", "false"))
                .await
                .unwrap()
        )[..2],
        ["bravo", "Alpha"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("Csms", "true"))
                .await
                .unwrap()
        )[..2],
        ["Alpha", "bravo"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &sorted("AccountId", "false"))
                .await
                .unwrap()
        ),
        ["Alpha", "bravo", "Charlie 100%", "Delta", "Echo"],
        "account ids sort case-insensitively, like names"
    );
    let renewal = &list(&app, &mut admin, &sorted("Renewal", "false"))
        .await
        .unwrap()["rows"][0]["renewal"];
    assert_eq!(renewal["relative"], "in 10 days");
    assert_eq!(
        renewal["date"].as_str().unwrap().len(),
        10,
        "renewal is a date"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_do_not_overlap() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    for i in 0..120 {
        // Three accounts share each name: the id breaks ties.
        seed_account(
            &app,
            org,
            &format!("acct-{i:03}"),
            &format!("Account {:02}", i / 3),
            |_| {},
        )
        .await;
    }
    let mut seen = vec![];
    for page in 1..=3 {
        let result = list(&app, &mut admin, &[("page", &page.to_string())])
            .await
            .unwrap();
        assert_eq!(result["page"], page);
        assert_eq!(result["page_count"], 3);
        assert_eq!(result["total"], 120);
        for row in result["rows"].as_array().unwrap() {
            seen.push(row["account_id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120, "no account on two pages");
    // A page past the end shows the last one.
    let last = list(&app, &mut admin, &[("page", "9")]).await.unwrap();
    assert_eq!(last["page"], 3);
    assert_eq!(last["rows"].as_array().unwrap().len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_without_view_all_only_assigned_accounts() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    // The CSM role has the seat and Update Accounts, not View All Accounts.
    let carol = app.add_user(org, "CSM", "carol@acme.test").await;
    let dan = app.add_user(org, "CSM", "dan@acme.test").await;
    let mine = seed_account(&app, org, "mine", "Mine by API", |_| {}).await;
    let by_hand = seed_account(&app, org, "hand", "Mine by hand", |a| {
        a.is_churned = Set(true);
    })
    .await;
    let others = seed_account(&app, org, "dans", "Dan's", |_| {}).await;
    let taken_away = seed_account(&app, org, "gone", "Taken away", |_| {}).await;
    let nobody = seed_account(&app, org, "none", "Nobody's", |_| {}).await;
    seed_assignment(&app, &mine, carol.id, "api", true).await;
    seed_assignment(&app, &by_hand, carol.id, "manual", true).await;
    seed_assignment(&app, &others, dan.id, "api", true).await;
    seed_assignment(&app, &taken_away, carol.id, "manual", false).await;

    let mut csm = app.signed_in("carol@acme.test").await;
    let page = list(&app, &mut csm, &[]).await.unwrap();
    assert_eq!(page["view_all"], false);
    assert_eq!(names(&page), ["Mine by API", "Mine by hand"]);
    assert_eq!(page["counts"], serde_json::json!([2, 1, 1, 0, 2]));
    assert!(names(
        &list(&app, &mut csm, &[("view", "Unassigned")])
            .await
            .unwrap()
    )
    .is_empty());
    assert_eq!(
        names(&list(&app, &mut csm, &[("search", "n")]).await.unwrap()),
        ["Mine by API", "Mine by hand"],
        "search never reaches past what the user may see"
    );

    // Their own accounts open; the others do not exist for them.
    let opened = detail(&app, &mut csm, mine.id).await.unwrap();
    assert_eq!(opened["name"], "Mine by API");
    assert_eq!(opened["can_update"], true);
    for hidden in [&others, &taken_away, &nobody] {
        assert_eq!(
            detail(&app, &mut csm, hidden.id).await.unwrap_err(),
            AppError::NotFound
        );
        assert_eq!(
            assign(&app, &mut csm, hidden.id, carol.id)
                .await
                .unwrap_err(),
            AppError::NotFound,
            "a CSM cannot assign themselves to an account they cannot see"
        );
    }
    // With View All Accounts, everything.
    let all = list(&app, &mut admin, &[]).await.unwrap();
    assert_eq!(all["counts"][0], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_manual_assignment_rules_and_audit() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let ada = app.user("ada@acme.test").await;
    let carol = rename(
        &app,
        app.add_user(org, "CSM", "carol@acme.test").await,
        "Carol",
    )
    .await;
    let dan = rename(&app, app.add_user(org, "CSM", "dan@acme.test").await, "Dan").await;
    let gail = app.add_user(org, "Guest", "gail@acme.test").await;
    let eve = app.add_user(org, "Executive", "eve@acme.test").await;
    let gone = app.add_user(org, "CSM", "gone@acme.test").await;
    let mut inactive: users::ActiveModel = gone.clone().into();
    inactive.status = Set("inactive".into());
    inactive.update(&app.state.db).await.unwrap();
    let account = seed_account(&app, org, "Acct-1", "Globex", |_| {}).await;
    seed_assignment(&app, &account, dan.id, "api", true).await;

    // The select offers active CSM-seat users not yet assigned.
    let before = detail(&app, &mut admin, account.id).await.unwrap();
    let choices: Vec<i64> = before["csm_choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_i64().unwrap())
        .collect();
    assert!(choices.contains(&(carol.id as i64)));
    assert!(
        choices.contains(&(ada.id as i64)),
        "the CSM Manager role has the seat"
    );
    for absent in [dan.id, gail.id, eve.id, gone.id] {
        assert!(
            !choices.contains(&(absent as i64)),
            "{absent} is not offered"
        );
    }
    assert_eq!(before["csms"][0]["source"], "Api");

    // Only active CSM-seat users can be assigned.
    for refused in [gail.id, eve.id, gone.id, 999_999] {
        let error = assign(&app, &mut admin, account.id, refused)
            .await
            .unwrap_err();
        assert_eq!(
            error.field_message("user_id").as_deref(),
            Some("Choose an active user whose role has the CSM seat."),
            "user {refused}"
        );
    }
    assert!(row(&app, account.id, gail.id).await.is_none());

    // Without Update Accounts: Forbidden, even with View All Accounts (Guest).
    let mut guest = app.signed_in("gail@acme.test").await;
    assert_eq!(
        assign(&app, &mut guest, account.id, carol.id)
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        unassign(&app, &mut guest, account.id, dan.id)
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
    let seen_by_guest = detail(&app, &mut guest, account.id).await.unwrap();
    assert_eq!(seen_by_guest["can_update"], false);
    assert_eq!(seen_by_guest["csm_choices"], serde_json::json!([]));

    // Assign Carol by hand.
    assign(&app, &mut admin, account.id, carol.id)
        .await
        .unwrap();
    let carol_row = row(&app, account.id, carol.id).await.unwrap();
    assert_eq!(carol_row.source, "manual");
    assert!(carol_row.is_assigned);
    assert_eq!(carol_row.changed_by, Some(ada.id));
    // Again: nothing changes, nothing is audited twice.
    assign(&app, &mut admin, account.id, carol.id)
        .await
        .unwrap();

    // Unassign Dan (an API assignment): kept as a manual "not assigned" row.
    unassign(&app, &mut admin, account.id, dan.id)
        .await
        .unwrap();
    let dan_row = row(&app, account.id, dan.id).await.unwrap();
    assert_eq!(dan_row.source, "manual");
    assert!(!dan_row.is_assigned);
    assert_eq!(dan_row.changed_by, Some(ada.id));
    assert_eq!(
        unassign(&app, &mut admin, account.id, dan.id)
            .await
            .unwrap_err(),
        AppError::Invalid("That user is not assigned to this account.".into())
    );

    let after = detail(&app, &mut admin, account.id).await.unwrap();
    assert_eq!(after["csms"].as_array().unwrap().len(), 1);
    assert_eq!(after["csms"][0]["name"], "Carol");
    let source = &after["csms"][0]["source"]["Manual"];
    assert_eq!(source["by"], "Ada Admin");
    assert_eq!(source["on"].as_str().unwrap().len(), 10);
    assert_eq!(after["unassigned_by_hand"][0]["name"], "Dan");

    // Dan can be assigned again by hand.
    assign(&app, &mut admin, account.id, dan.id).await.unwrap();
    assert!(row(&app, account.id, dan.id).await.unwrap().is_assigned);

    let entries = audit_entries(&app, org, "csm_").await;
    let summary: Vec<(String, String, Option<String>, Option<String>)> = entries
        .iter()
        .map(|e| {
            (
                e.action.clone(),
                e.target_label.clone(),
                e.before_json.clone(),
                e.after_json.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "csm_assigned".to_owned(),
                "Globex (Acct-1)".to_owned(),
                Some(r#"{"csm":null}"#.to_owned()),
                Some(r#"{"csm":"carol@acme.test"}"#.to_owned())
            ),
            (
                "csm_unassigned".to_owned(),
                "Globex (Acct-1)".to_owned(),
                Some(r#"{"csm":"dan@acme.test"}"#.to_owned()),
                Some(r#"{"csm":null}"#.to_owned())
            ),
            (
                "csm_assigned".to_owned(),
                "Globex (Acct-1)".to_owned(),
                Some(r#"{"csm":null}"#.to_owned()),
                Some(r#"{"csm":"dan@acme.test"}"#.to_owned())
            ),
        ]
    );
    assert!(entries.iter().all(|e| e.actor_user_id == Some(ada.id)
        && e.target_type == "account"
        && e.target_id == Some(account.id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_organisations_never_see_each_others_accounts() {
    let app = spawn().await;
    let mut admin_a = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut admin_b = app
        .organisation_with_admin("Initech", "bob@initech.test")
        .await;
    let org_a = app.org_id_of("ada@acme.test").await;
    let org_b = app.org_id_of("bob@initech.test").await;
    let csm_a = app.add_user(org_a, "CSM", "carol@acme.test").await;
    let csm_b = app.add_user(org_b, "CSM", "cid@initech.test").await;
    let account_a = seed_account(&app, org_a, "same-id", "Acme's customer", |_| {}).await;
    let account_b = seed_account(&app, org_b, "same-id", "Initech's customer", |_| {}).await;
    seed_assignment(&app, &account_a, csm_a.id, "api", true).await;

    let page_b = list(&app, &mut admin_b, &[]).await.unwrap();
    assert_eq!(names(&page_b), ["Initech's customer"]);
    assert_eq!(page_b["counts"], serde_json::json!([1, 1, 0, 1, 0]));
    assert_eq!(
        detail(&app, &mut admin_b, account_a.id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        assign(&app, &mut admin_b, account_a.id, csm_b.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        unassign(&app, &mut admin_b, account_a.id, csm_a.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    // Another organisation's user is not a CSM choice here.
    assert!(assign(&app, &mut admin_a, account_a.id, csm_b.id)
        .await
        .unwrap_err()
        .field_message("user_id")
        .is_some());
    assert!(assign(&app, &mut admin_b, account_b.id, csm_a.id)
        .await
        .unwrap_err()
        .field_message("user_id")
        .is_some());
    assert_eq!(
        row(&app, account_a.id, csm_a.id).await.unwrap().source,
        "api",
        "untouched"
    );
    assert!(row(&app, account_a.id, csm_b.id).await.is_none());
    assert!(row(&app, account_b.id, csm_a.id).await.is_none());
    assert!(audit_entries(&app, org_a, "csm_").await.is_empty());
    assert!(audit_entries(&app, org_b, "csm_").await.is_empty());
    let opened = detail(&app, &mut admin_a, account_a.id).await.unwrap();
    assert_eq!(opened["name"], "Acme's customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_account_page_shows_everything_that_is_set() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let ada = app.user("ada@acme.test").await;
    let db = &app.state.db;
    let now = now_ms();
    let today = now - now.rem_euclid(DAY_MS);
    let account = seed_account(&app, org, "Case/Sensitive ?#", "Globex", |a| {
        a.join_date = Set(1_767_225_600_000); // 2026-01-01
        a.current_mrr = Set(Some(1234.5));
        a.tier = Set(Some("Gold".into()));
        a.billing_city = Set(Some("Springfield".into()));
        a.billing_country = Set(Some("US".into()));
        a.documents = Set(Some(
            r#"[{"name":"Contract","url":"https://docs.test/c"}]"#.into(),
        ));
    })
    .await;
    let pk = account.id;
    for (kind, key, text, number, time) in [
        ("label", "plan", Some("Enterprise"), None, None),
        ("value", "seats", None, Some(42.0), None),
        ("event", "kickoff", None, None, Some(1_767_225_600_000_i64)),
    ] {
        dimension_values::ActiveModel {
            org_id: Set(org),
            owner_type: Set("account".into()),
            owner_id: Set(pk),
            kind: Set(kind.into()),
            key: Set(key.into()),
            text_value: Set(text.map(str::to_owned)),
            number_value: Set(number),
            time_value: Set(time),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    account_contacts::ActiveModel {
        org_id: Set(org),
        account_pk: Set(pk),
        account_id: Set(account.account_id.clone()),
        user_id: Set("c-1".into()),
        first_name: Set(Some("Grace".into())),
        last_name: Set(Some("Hopper".into())),
        email: Set(Some("grace@globex.test".into())),
        is_primary: Set(Some(true)),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    account_users::ActiveModel {
        org_id: Set(org),
        account_pk: Set(pk),
        account_id: Set(account.account_id.clone()),
        user_id: Set("u-1".into()),
        email: Set(Some("linus@globex.test".into())),
        product_join_date: Set(Some(1_767_225_600_000)),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    for (name, start, end) in [
        (
            "Onboarding",
            1_767_225_600_000_i64,
            Some(1_769_904_000_000_i64),
        ),
        ("Adoption", 1_769_904_000_000, None),
    ] {
        stage_history::ActiveModel {
            org_id: Set(org),
            account_pk: Set(pk),
            name: Set(name.into()),
            start_date: Set(start),
            end_date: Set(end),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    nps_history::ActiveModel {
        org_id: Set(org),
        account_pk: Set(pk),
        nps_score: Set(9.0),
        date: Set(now - DAY_MS),
        username: Set(Some("grace".into())),
        survey_name: Set(None),
        comments: Set(Some("Great".into())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    for (date, subject, added_by, by_user) in [
        (
            now - 5 * DAY_MS,
            "Kick-off",
            Some("sales@globex.test"),
            None,
        ),
        (now - DAY_MS, "QBR", None, Some(ada.id)),
    ] {
        interactions::ActiveModel {
            org_id: Set(org),
            account_pk: Set(pk),
            interaction_id: Set(None),
            date: Set(date),
            kind: Set("meeting".into()),
            contact_email: Set(Some("grace@globex.test".into())),
            subject: Set(Some(subject.into())),
            description: Set("Notes".into()),
            source: Set("api".into()),
            added_by: Set(added_by.map(str::to_owned)),
            added_by_user_id: Set(by_user),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    // Usage: two days in the window, one 40 days ago (outside it).
    for (day, users_n, sessions, ms) in [
        (today, 2, 3, 1_800_000_i64),
        (today - 2 * DAY_MS, 1, 1, 600_000),
        (today - 40 * DAY_MS, 9, 9, 9_000_000),
    ] {
        usage_daily::ActiveModel {
            org_id: Set(org),
            account_id: Set(account.account_id.clone()),
            day: Set(day),
            active_users: Set(users_n),
            sessions: Set(sessions),
            session_ms: Set(ms),
            events: Set(10),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (day, feature, uses) in [
        (today, "export", 5.0),
        (today - 2 * DAY_MS, "export", 2.0),
        (today, "search", 4.0),
        (today - 40 * DAY_MS, "old", 100.0),
    ] {
        usage_daily_features::ActiveModel {
            org_id: Set(org),
            account_id: Set(account.account_id.clone()),
            day: Set(day),
            kind: Set("feature".into()),
            module: Set("reports".into()),
            feature: Set(feature.into()),
            uses: Set(uses),
            time_ms: Set(0.0),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (user, at) in [
        ("u-1", now - DAY_MS),
        ("u-2", now),
        ("u-1", now),
        ("u-3", now - 40 * DAY_MS),
    ] {
        usage_events::ActiveModel {
            org_id: Set(org),
            key_id: Set(None),
            account_id: Set(account.account_id.clone()),
            user_id: Set(user.into()),
            session_id: Set(None),
            action: Set("feature".into()),
            created_at: Set(at),
            received_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        // What the rollup keeps of them: the page reads active users from here.
        app::db::entities::usage_daily_users::ActiveModel {
            org_id: Set(org),
            account_id: Set(account.account_id.clone()),
            day: Set(at.div_euclid(DAY_MS) * DAY_MS),
            user_id: Set(user.into()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }

    let page = detail(&app, &mut admin, pk).await.unwrap();
    assert_eq!(page["account_id"], "Case/Sensitive ?#");
    assert_eq!(page["status"], "Active");
    let fields: Vec<(String, String)> = page["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["label"].as_str().unwrap().to_owned(),
                f["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let field = |label: &str| {
        fields
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("Join date").as_deref(), Some("2026-01-01"));
    assert_eq!(field("MRR").as_deref(), Some("1,234.5"));
    assert_eq!(field("Tier").as_deref(), Some("Gold"));
    assert_eq!(field("Billing address").as_deref(), Some("Springfield, US"));
    assert_eq!(field("Renewal date"), None, "unset fields are left out");
    assert_eq!(field("Industry"), None);
    assert_eq!(page["documents"][0]["url"], "https://docs.test/c");
    assert_eq!(
        page["dimensions"],
        serde_json::json!([
            {"key": "kickoff", "kind": "Event", "value": "2026-01-01"},
            {"key": "plan", "kind": "Label", "value": "Enterprise"},
            {"key": "seats", "kind": "Value", "value": "42"},
        ])
    );
    assert_eq!(page["contacts_total"], 1);
    assert_eq!(page["contacts"][0]["name"], "Grace Hopper");
    assert_eq!(page["contacts"][0]["primary"], true);
    assert_eq!(page["users"][0]["name"], "u-1", "no name: the user id");
    assert_eq!(page["users"][0]["joined"], "2026-01-01");
    assert_eq!(page["stages"][0]["name"], "Adoption");
    assert_eq!(page["stages"][0]["end"], Value::Null);
    assert_eq!(page["stages"][1]["end"], "2026-02-01");
    assert_eq!(page["nps"][0]["score"], 9.0);
    let subjects: Vec<&str> = page["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["QBR", "Kick-off"], "newest first");
    assert_eq!(page["interactions"][0]["added_by"], "Ada Admin");
    assert_eq!(page["interactions"][1]["added_by"], "sales@globex.test");

    let usage = &page["usage"];
    assert_eq!(usage["days"].as_array().unwrap().len(), 30);
    assert_eq!(usage["days"][29]["sessions"], 3);
    assert_eq!(usage["days"][27]["sessions"], 1);
    assert_eq!(usage["days"][28]["sessions"], 0);
    assert_eq!(usage["sessions"], 4);
    assert_eq!(usage["session_ms"], 2_400_000);
    assert_eq!(
        usage["active_users"], 2,
        "distinct users, not a sum of days"
    );
    assert_eq!(
        usage["top_features"],
        serde_json::json!([
            {"module": "reports", "feature": "export", "uses": 7.0},
            {"module": "reports", "feature": "search", "uses": 4.0},
        ])
    );

    // The page renders on the server with the chart and the sections' tabs.
    let html = app.get(&mut admin, &format!("/accounts/{pk}")).await;
    assert!(html.status.is_success(), "{}", html.status);
    assert!(html.body.contains("Globex"));
    assert!(
        html.body.contains("<svg"),
        "the usage chart is drawn on the server"
    );
    assert!(html.body.contains("Case/Sensitive ?#"));
    let people = app
        .get(&mut admin, &format!("/accounts/{pk}?tab=people"))
        .await;
    assert!(people.body.contains("Grace Hopper"));
    let list_html = app.get(&mut admin, "/accounts?q=glob").await;
    assert!(list_html.body.contains(&format!("/accounts/{pk}")));
    // An id that is not a number, or not an account: the page says so.
    let missing = app.get(&mut admin, "/accounts/abc").await;
    assert!(missing.body.contains("Account not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_only_the_newest_open_stage_is_current() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let account = seed_account(&app, org, "a-1", "Globex", |a| {
        a.current_stage = Set(Some("Renewal".into()));
    })
    .await;
    // Three stages recorded without end dates, then one closed in the middle of them.
    for (name, start, end) in [
        ("Onboarding", 1_767_225_600_000_i64, None), // 2026-01-01
        ("Adoption", 1_769_904_000_000, None),       // 2026-02-01
        ("Expansion", 1_770_508_800_000, Some(1_771_113_600_000_i64)), // 2026-02-08 .. 02-15
        ("Renewal", 1_772_323_200_000, None),        // 2026-03-01
    ] {
        stage_history::ActiveModel {
            org_id: Set(org),
            account_pk: Set(account.id),
            name: Set(name.into()),
            start_date: Set(start),
            end_date: Set(end),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let page = detail(&app, &mut admin, account.id).await.unwrap();
    let stages: Vec<(String, Value)> = page["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_owned(), s["end"].clone()))
        .collect();
    assert_eq!(
        stages,
        vec![
            ("Renewal".to_owned(), Value::Null),
            ("Expansion".to_owned(), "2026-02-15".into()),
            ("Adoption".to_owned(), "2026-02-08".into()),
            ("Onboarding".to_owned(), "2026-02-01".into()),
        ],
        "an open stage ends when the next one starts; only the newest is current"
    );
    let html = app
        .get(&mut admin, &format!("/accounts/{}?tab=history", account.id))
        .await;
    assert_eq!(
        html.body.matches(">Current<").count(),
        1,
        "one Current badge"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_account_header_shows_money_an_overdue_renewal_and_single_brackets() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let dan = rename(&app, app.add_user(org, "CSM", "dan@acme.test").await, "Dan").await;
    let now = now_ms();
    let overdue = seed_account(&app, org, "a-1", "Globex", |a| {
        a.current_mrr = Set(Some(1234.5));
        a.renewal_date = Set(Some(now - 3 * DAY_MS));
    })
    .await;
    let upcoming = seed_account(&app, org, "a-2", "Initech", |a| {
        a.current_mrr = Set(Some(99.0));
        a.renewal_date = Set(Some(now + 30 * DAY_MS));
    })
    .await;
    seed_assignment(&app, &overdue, dan.id, "api", true).await;
    unassign(&app, &mut admin, overdue.id, dan.id)
        .await
        .unwrap();

    let page = app
        .get(&mut admin, &format!("/accounts/{}", overdue.id))
        .await;
    assert!(page.body.contains("$1,234.50"), "MRR in dollars with cents");
    assert!(
        page.body.contains("Overdue"),
        "a renewal date that has passed is flagged"
    );
    assert!(
        page.body.contains("Dan (by Ada Admin, "),
        "who unassigned, and when"
    );
    assert!(!page.body.contains("((by"), "no doubled brackets");

    let page = app
        .get(&mut admin, &format!("/accounts/{}", upcoming.id))
        .await;
    assert!(page.body.contains("$99.00"));
    assert!(!page.body.contains("Overdue"));

    let list = app.get(&mut admin, "/accounts").await;
    assert!(list.body.contains("$1,234.50") && list.body.contains("$99.00"));
    assert_eq!(
        list.body.matches("Overdue").count(),
        1,
        "the list flags it too"
    );
}
