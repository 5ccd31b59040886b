//! The Salesforce connector against the stand-in (issue 14): reading pages, and what each
//! failure means for a run.
use std::time::Duration;

use app::salesforce_sync::ssr::reader::{self, ReadError, Retry};

use crate::connections::{connect, connection, setup};

const QUICK: Retry = Retry {
    attempts: 3,
    first_wait: Duration::from_millis(20),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_are_followed_to_the_end_with_the_api_usage() {
    let mut s = setup(&["--accounts", "700"]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    s.standin.control(&[("page_cap", "250")]).await;
    let soql = "SELECT Id, Name FROM Account WHERE SystemModstamp >= 2026-11-01T09:00:00.000+0000 ORDER BY SystemModstamp, Id";
    let mut page = reader::query(&s.app.state, org, soql, true, QUICK)
        .await
        .unwrap();
    assert_eq!(page.total, 700, "queryAll includes the soft-deleted");
    let mut seen = page.records.len();
    let mut pages = 1;
    let (used, max) = page.api_usage.expect("Sforce-Limit-Info is read");
    assert!(used >= 1 && max == 15_000, "{used}/{max}");
    while let Some(next) = page.next.take() {
        page = reader::more(&s.app.state, org, &next, QUICK).await.unwrap();
        seen += page.records.len();
        pages += 1;
    }
    assert_eq!((seen, pages), (700, 3), "pages of at most 250");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_transient_faults_are_retried_and_then_reported() {
    let mut s = setup(&[]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    let soql = "SELECT Id FROM Account";
    s.standin.control(&[("fail_next", "503html,406")]).await;
    let page = reader::query(&s.app.state, org, soql, false, QUICK)
        .await
        .unwrap();
    assert!(!page.records.is_empty());
    s.standin
        .control(&[("fail_next", "503,500,query_timeout")])
        .await;
    let failed = reader::query(&s.app.state, org, soql, false, QUICK)
        .await
        .unwrap_err();
    assert!(
        matches!(failed, ReadError::Unavailable(ref last) if last.contains("QUERY_TIMEOUT")),
        "{failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_dead_cursor_or_a_refreshed_session_means_restart_from_the_checkpoint() {
    let mut s = setup(&["--accounts", "500", "--rotation"]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    s.standin.control(&[("page_cap", "200")]).await;
    let soql = "SELECT Id FROM Account ORDER BY Id";
    let first = reader::query(&s.app.state, org, soql, false, QUICK)
        .await
        .unwrap();
    s.standin.control(&[("expire_cursors", "1")]).await;
    let gone = reader::more(&s.app.state, org, first.next.as_deref().unwrap(), QUICK)
        .await
        .unwrap_err();
    assert!(matches!(gone, ReadError::CursorGone(_)), "{gone:?}");

    // The access token expires mid-run: Steward refreshes (rotating the refresh token), and
    // the cursor, which belonged to the old session, has to be restarted.
    let first = reader::query(&s.app.state, org, soql, false, QUICK)
        .await
        .unwrap();
    s.standin.control(&[("expire_sessions", "1")]).await;
    let gone = reader::more(&s.app.state, org, first.next.as_deref().unwrap(), QUICK)
        .await
        .unwrap_err();
    assert!(matches!(gone, ReadError::CursorGone(_)), "{gone:?}");
    let again = reader::query(&s.app.state, org, soql, false, QUICK)
        .await
        .unwrap();
    assert_eq!(
        again.records.len(),
        200,
        "the restarted query reads with the new token"
    );
    assert_eq!(s.standin.state().await["rotated_token_reused"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_disabled_api_used_up_limit_and_hidden_fields_stop_the_run() {
    let mut s = setup(&[]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    s.standin.control(&[("hide", "Account.CSM__c")]).await;
    let hidden = reader::query(
        &s.app.state,
        org,
        "SELECT Id, CSM__c FROM Account",
        false,
        QUICK,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(hidden, ReadError::InvalidField { field: Some(ref f), .. } if f == "CSM__c"),
        "{hidden:?}"
    );
    s.standin.control(&[("api", "off_for_user")]).await;
    let off = reader::query(&s.app.state, org, "SELECT Id FROM Account", false, QUICK)
        .await
        .unwrap_err();
    assert!(
        matches!(off, ReadError::ApiDisabled { ref code, .. } if code == "API_CURRENTLY_DISABLED"),
        "{off:?}"
    );
    s.standin
        .control(&[("api", "on"), ("daily_limit", "0")])
        .await;
    let limited = reader::query(&s.app.state, org, "SELECT Id FROM Account", false, QUICK)
        .await
        .unwrap_err();
    assert!(
        matches!(limited, ReadError::LimitExceeded(_)),
        "{limited:?}"
    );
}
