//! The audit log through its server function: filters, paging, permission, organisation
//! boundary and retention.
use app::audit::api::ListAuditEvents;
use app::db::entities::audit_events;
use app::error::AppError;
use app::time::{now_ms, DAY_MS};
use app::users::api::{DeactivateUser, ReactivateUser};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::common::{spawn, Browser, TestApp};

async fn list(
    app: &TestApp,
    browser: &mut Browser,
    pairs: &[(&str, &str)],
) -> Result<serde_json::Value, AppError> {
    let mut fields: Vec<(String, String)> = vec![
        ("query[actor]".into(), String::new()),
        ("query[target]".into(), String::new()),
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
    app.call::<ListAuditEvents>(browser, &borrowed).await
}

fn actions(page: &serde_json::Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn backdate(app: &TestApp, org_id: i32, action: &str, days: i64) {
    audit_events::ActiveModel {
        org_id: Set(org_id),
        occurred_at: Set(now_ms() - days * DAY_MS),
        actor_user_id: Set(None),
        actor_label: Set("old actor".into()),
        action: Set(action.into()),
        target_type: Set("user".into()),
        target_id: Set(None),
        target_label: Set(format!("{days}-days-ago@acme.test")),
        before_json: Set(None),
        after_json: Set(None),
        client_address: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_filters_by_actor_target_action_and_date() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app
        .add_user(org, "CSM", "bob@acme.test")
        .await
        .id
        .to_string();
    app.call::<DeactivateUser>(&mut admin, &[("user_id", &bob)])
        .await
        .unwrap();
    app.call::<ReactivateUser>(&mut admin, &[("user_id", &bob)])
        .await
        .unwrap();
    backdate(&app, org, "user_updated", 40).await;

    let everything = list(&app, &mut admin, &[]).await.unwrap();
    assert_eq!(
        actions(&everything)[..2],
        ["Reactivated user".to_owned(), "Deleted user".to_owned()],
        "newest first"
    );
    assert_eq!(everything["retention_days"], 400);
    let row = &everything["rows"][1];
    assert!(row["actor"].as_str().unwrap().contains("ada@acme.test"));
    assert_eq!(row["target"], "bob@acme.test");
    assert_eq!(row["changes"][0]["field"], "status");
    assert_eq!(
        (
            row["changes"][0]["before"].as_str(),
            row["changes"][0]["after"].as_str()
        ),
        (Some("active"), Some("inactive"))
    );

    let by_action = list(&app, &mut admin, &[("action", "UserDeactivated")])
        .await
        .unwrap();
    assert_eq!(actions(&by_action), ["Deleted user"]);
    let by_target = list(&app, &mut admin, &[("target", "BOB@")]).await.unwrap();
    assert_eq!(by_target["total"], 2, "target matches case-insensitively");
    let by_actor = list(&app, &mut admin, &[("actor", "old actor")])
        .await
        .unwrap();
    assert_eq!(by_actor["total"], 1);
    let today = app::time_label::exact_utc(now_ms())[..10].to_owned();
    let recent = list(&app, &mut admin, &[("from", &today)]).await.unwrap();
    assert!(
        !actions(&recent).contains(&"Edited user".to_owned()),
        "the 40-day-old entry is before today"
    );
    let long_ago = app::time_label::exact_utc(now_ms() - 40 * DAY_MS)[..10].to_owned();
    let old = list(&app, &mut admin, &[("from", &long_ago), ("to", &long_ago)])
        .await
        .unwrap();
    assert_eq!(actions(&old), ["Edited user"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_audit_log_needs_configure_users_and_shows_only_its_organisation() {
    let app = spawn().await;
    let mut acme = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "CSM", "bob@acme.test").await;
    let mut csm = app.signed_in("bob@acme.test").await;
    assert!(matches!(
        list(&app, &mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        list(&app, &mut Browser::default(), &[]).await,
        Err(AppError::Unauthenticated)
    ));

    let mut globex = app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    let theirs = list(&app, &mut globex, &[]).await.unwrap();
    assert!(
        theirs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["target"].as_str().unwrap().contains("acme")),
        "{theirs}"
    );
    let ours = list(&app, &mut acme, &[]).await.unwrap();
    assert!(ours["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["action"] == "Signed in" && r["target"] == "bob@acme.test"));
    assert!(ours["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| !r["target"].as_str().unwrap().contains("globex")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_entries_are_kept_for_the_retention_period_then_pruned() {
    let app = spawn().await;
    let _admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    backdate(&app, org, "sign_in", 366).await;
    backdate(&app, org, "sign_in", 401).await;
    let removed =
        app::audit::ssr::repo::prune(&app.state.db, app.state.settings.audit_retention_days)
            .await
            .unwrap();
    assert_eq!(removed, 1);
    let left = audit_events::Entity::find()
        .filter(audit_events::Column::TargetLabel.contains("days-ago"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].target_label, "366-days-ago@acme.test",
        "a year-old entry is still there"
    );
    // Nobody can configure less than a year.
    let env = [("STEWARD_AUDIT_RETENTION_DAYS".to_owned(), "30".to_owned())]
        .into_iter()
        .collect();
    let refused = app::config::Settings::load(&env)
        .expect_err("30 days is refused")
        .0;
    assert!(refused.contains("at least 365"), "{refused}");
}
