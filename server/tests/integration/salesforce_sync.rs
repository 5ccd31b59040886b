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
    let soql = "SELECT Id, Name FROM Account WHERE SystemModstamp >= 2026-11-01T00:00:00.000+0000 ORDER BY SystemModstamp, Id";
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

mod incremental {
    use std::sync::{Arc, Mutex};

    use app::salesforce_sync::ssr::incremental::{read_object, Checkpoint, ObjectRead};
    use app::salesforce_sync::ssr::reader::ReadError;
    use serde_json::Value;

    use super::QUICK;
    use crate::connections::{connect, connection, setup, Setup};

    type Seen = Arc<Mutex<Vec<String>>>;
    /// Stand-in switches to flip after page n of a read.
    type Switches = Option<&'static [(&'static str, &'static str)]>;

    async fn switch(url: String, form: &'static [(&'static str, &'static str)]) {
        reqwest::Client::new()
            .post(format!("{url}/__standin/control"))
            .form(form)
            .send()
            .await
            .unwrap();
    }

    /// Reads Accounts from `start`; `on_page(n)` may flip a stand-in switch after page n, or
    /// stop the read there (as a stopped server would).
    async fn read(
        s: &Setup,
        start: Checkpoint,
        resume: bool,
        seen: &Seen,
        on_page: fn(u64) -> Switches,
        stop_after: Option<u64>,
    ) -> Result<
        (Checkpoint, app::salesforce_sync::ssr::incremental::Progress),
        (ReadError, Checkpoint),
    > {
        let org = connection(&s.app).await.org_id;
        let fields = vec!["Name".to_owned(), "IsDeleted".to_owned()];
        let plan = ObjectRead {
            object: "Account",
            fields: &fields,
            with_deleted: true,
            lookback_ms: 10 * 60 * 1000,
            resume,
        };
        let pages = Arc::new(Mutex::new(0u64));
        let url = s.standin.url.clone();
        read_object(
            &s.app.state,
            org,
            &plan,
            start,
            QUICK,
            |records: Vec<Value>, _| {
                let (seen, pages, url) = (seen.clone(), pages.clone(), url.clone());
                async move {
                    let n = {
                        let mut pages = pages.lock().unwrap();
                        *pages += 1;
                        *pages
                    };
                    if stop_after.is_some_and(|last| n > last) {
                        return Err(ReadError::NotConnected);
                    }
                    seen.lock()
                        .unwrap()
                        .extend(records.iter().map(|r| r["Id"].as_str().unwrap().to_owned()));
                    if let Some(form) = on_page(n) {
                        switch(url, form).await;
                    }
                    Ok(())
                }
            },
        )
        .await
        .map_err(|(e, checkpoint, _)| (e, checkpoint))
    }

    fn exactly_once(seen: &Seen, expected: usize) {
        let ids = seen.lock().unwrap();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), expected, "every record read");
        assert_eq!(ids.len(), expected, "no record read twice");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn test_a_first_read_survives_a_dead_cursor_and_a_token_refresh_without_loss_or_duplicates(
    ) {
        let mut s = setup(&["--accounts", "2500", "--rotation"]).await;
        connect(&mut s).await;
        s.standin.control(&[("page_cap", "400")]).await;
        let seen = Seen::default();
        let (checkpoint, progress) = read(
            &s,
            Checkpoint::default(),
            false,
            &seen,
            |n| match n {
                2 => Some(&[("expire_cursors", "1")]),
                4 => Some(&[("expire_sessions", "1")]),
                _ => None,
            },
            None,
        )
        .await
        .unwrap();
        exactly_once(&seen, 2500);
        assert_eq!(progress.restarts, 2, "{progress:?}");
        assert!(checkpoint.id.is_some());
        assert_eq!(s.standin.state().await["rotated_token_reused"], 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn test_an_interrupted_read_resumes_after_its_checkpoint_and_the_next_read_takes_only_changes(
    ) {
        let mut s = setup(&["--accounts", "1200"]).await;
        connect(&mut s).await;
        s.standin.control(&[("page_cap", "500")]).await;
        let seen = Seen::default();
        let (_, checkpoint) = read(&s, Checkpoint::default(), false, &seen, |_| None, Some(1))
            .await
            .unwrap_err();
        assert_eq!(
            seen.lock().unwrap().len(),
            500,
            "one page applied before the stop"
        );
        let (done, _) = read(&s, checkpoint, true, &seen, |_| None, None)
            .await
            .unwrap();
        exactly_once(&seen, 1200);

        // The next run: three changed, one deleted; nothing else comes back.
        let ids = seen.lock().unwrap().clone();
        s.standin.change("Account", serde_json::json!([{"Id": ids[10], "Name": "A"}, {"Id": ids[20], "Name": "B"}, {"Id": ids[30], "Name": "C"}])).await;
        s.standin.delete("Account", &ids[40]).await;
        let next = Seen::default();
        let (after, _) = read(&s, done.clone(), false, &next, |_| None, None)
            .await
            .unwrap();
        let read_again = next.lock().unwrap().clone();
        // Account i was stamped i minutes after midnight: the 10-minute lookback re-reads
        // the last 11 (1189..=1199, harmless for an upsert); the changes come after them.
        let mut want: Vec<String> = ids
            .iter()
            .filter(|id| id[11..15].parse::<usize>().unwrap() >= 1189)
            .cloned()
            .collect();
        want.extend([
            ids[10].clone(),
            ids[20].clone(),
            ids[30].clone(),
            ids[40].clone(),
        ]);
        assert_eq!(
            read_again.len(),
            want.len(),
            "{} read again",
            read_again.len()
        );
        let mut got = read_again;
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert!(after.stamp_ms > done.stamp_ms);
    }
}
