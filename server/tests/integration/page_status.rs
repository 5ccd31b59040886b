//! Pages answer with the status of what they show: 403 with the refusal (and none of the
//! page's controls) for a user whose role does not allow the page, 404 for an item that
//! does not exist, 200 otherwise.
use axum::http::StatusCode;

use crate::common::spawn;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_refused_to_a_role_answer_403_without_their_controls() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    app.add_user(org_id, "CSM", "carl@acme.test").await;
    let mut csm = app.signed_in("carl@acme.test").await;

    // (path, text of a control only those allowed may use)
    let pages = [
        ("/settings/it/source-overview", "New key"),
        ("/settings/it/api-status", "Any endpoint"),
        ("/settings/it/api", "openapi.json"),
        ("/settings/audit", "audit-actor"),
        ("/settings/roles", "New role"),
    ];
    for (path, control) in pages {
        let allowed = app.get(&mut admin, path).await;
        assert_eq!(
            allowed.status,
            StatusCode::OK,
            "{path} for the administrator"
        );
        assert!(allowed.body.contains(control), "{path} shows {control}");

        let refused = app.get(&mut csm, path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} for a CSM");
        assert!(
            refused
                .body
                .contains("Your role does not give you access to this page"),
            "{path} says why"
        );
        assert!(
            !refused.body.contains(control),
            "{path} hides {control} from a CSM"
        );
    }
    // Pages every signed-in user may open still answer 200.
    for path in ["/", "/settings", "/settings/profile", "/accounts"] {
        assert_eq!(
            app.get(&mut csm, path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_unknown_account_answers_404() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    for path in [
        "/accounts/999999",
        "/accounts/abc",
        "/accounts/999999?tab=people",
    ] {
        let page = app.get(&mut admin, path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("Account not found"), "{path}");
    }
    assert_eq!(
        app.get(&mut admin, "/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
}
