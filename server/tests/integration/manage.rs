//! What an administrator does to one user, and to many at once, through the server
//! functions: edit, delete, reactivate, invitations, password reset, 2FA, bulk actions,
//! with every guard rail, permission refusal and organisation boundary.
use app::auth::api::{GetCurrentUser, SignIn};
use app::db::entities::{audit_events, outbound_mail, recovery_codes, roles, users};
use app::error::AppError;
use app::orgs::api::{CompleteSetup, SetupLinkInfo};
use app::users::api::{
    BulkUpdateUsers, CopyInvitationLink, DeactivateUser, DisableUserTwoFactor, InviteUsers,
    ReactivateUser, ResendInvitation, RevokeInvitation, SendPasswordReset, UpdateUser,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::{spawn, spawn_with, token_of, Browser, TestApp, PASSWORD};

pub async fn role_id(app: &TestApp, org_id: i32, name: &str) -> i32 {
    roles::Entity::find()
        .filter(roles::Column::OrgId.eq(org_id))
        .filter(roles::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Every link in the mail sent to `to`, newest message first.
pub async fn mailed_links(app: &TestApp, to: &str) -> Vec<String> {
    let rows = outbound_mail::Entity::find()
        .filter(outbound_mail::Column::ToAddress.eq(to))
        .order_by_desc(outbound_mail::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    rows.iter()
        .flat_map(|row| {
            let bodies = app::mail::ssr::queue::open_bodies(&app.state, row).unwrap();
            bodies
                .text
                .split_whitespace()
                .filter(|w| w.starts_with("http"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

pub async fn subjects(app: &TestApp, to: &str) -> Vec<String> {
    outbound_mail::Entity::find()
        .filter(outbound_mail::Column::ToAddress.eq(to))
        .order_by_asc(outbound_mail::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

pub async fn audit_actions(app: &TestApp, org_id: i32) -> Vec<String> {
    audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(org_id))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn edit_form<'a>(
    user_id: &'a str,
    name: &'a str,
    email: &'a str,
    role_id: &'a str,
    title: &'a str,
    phone: &'a str,
) -> [(&'a str, &'a str); 6] {
    [
        ("user_id", user_id),
        ("name", name),
        ("email", email),
        ("role_id", role_id),
        ("title", title),
        ("phone", phone),
    ]
}

fn conflict(result: Result<serde_json::Value, AppError>) -> String {
    match result {
        Err(AppError::Conflict(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_edit_checks_every_field_and_records_before_and_after() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(org, "CSM", "bob@acme.test").await;
    app.add_user(org, "CSM", "carol@acme.test").await;
    let (id, guest) = (
        bob.id.to_string(),
        role_id(&app, org, "Guest").await.to_string(),
    );

    let error = app
        .call::<UpdateUser>(
            &mut admin,
            &edit_form(
                &id,
                "Bob\r\nBcc: evil@x.io",
                "carol@acme.test",
                &guest,
                "",
                "call me",
            ),
        )
        .await
        .unwrap_err();
    assert!(
        error.field_message("name").unwrap().contains("line breaks"),
        "{error:?}"
    );
    assert!(
        error
            .field_message("email")
            .unwrap()
            .contains("already the username"),
        "{error:?}"
    );
    assert!(
        error
            .field_message("phone")
            .unwrap()
            .contains("phone number"),
        "{error:?}"
    );
    let unchanged = app.user("bob@acme.test").await;
    assert_eq!(
        unchanged.name, "Test User",
        "a refused edit changes nothing"
    );

    app.call::<UpdateUser>(
        &mut admin,
        &edit_form(
            &id,
            "Bob Builder",
            "Robert@Acme.test",
            &guest,
            "Lead",
            "+44 20 7946 0958",
        ),
    )
    .await
    .unwrap();
    let bob = app.user("robert@acme.test").await;
    assert_eq!(
        (
            bob.name.as_str(),
            bob.title.as_deref(),
            bob.phone.as_deref()
        ),
        ("Bob Builder", Some("Lead"), Some("+44 20 7946 0958"))
    );
    let entry = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("user_updated"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let (before, after): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(entry.before_json.as_deref().unwrap()).unwrap(),
        serde_json::from_str(entry.after_json.as_deref().unwrap()).unwrap(),
    );
    assert_eq!(
        (before["role"].as_str(), after["role"].as_str()),
        (Some("CSM"), Some("Guest"))
    );
    assert_eq!(after["email"], "robert@acme.test");
    assert!(entry.actor_label.contains("ada@acme.test"));
    assert_eq!(
        entry.target_label, "bob@acme.test",
        "the target as it was called when acted on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_nobody_gives_a_role_granting_more_than_they_hold() {
    let app = spawn().await;
    let _admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    // Analysts configure users but have no CSM seat, so they cannot hand out CSM or CSM Manager.
    app.add_user(org, "Analyst", "ann@acme.test").await;
    let guest = app.add_user(org, "Guest", "gus@acme.test").await;
    let mut analyst = app.signed_in("ann@acme.test").await;
    let csm = role_id(&app, org, "CSM").await.to_string();
    let error = app
        .call::<UpdateUser>(
            &mut analyst,
            &edit_form(&guest.id.to_string(), "Gus", "gus@acme.test", &csm, "", ""),
        )
        .await
        .unwrap_err();
    assert!(
        error
            .field_message("role_id")
            .unwrap()
            .contains("Customer Success Manager Seat"),
        "{error:?}"
    );
    let executive = role_id(&app, org, "Executive").await.to_string();
    app.call::<UpdateUser>(
        &mut analyst,
        &edit_form(
            &guest.id.to_string(),
            "Gus",
            "gus@acme.test",
            &executive,
            "",
            "",
        ),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delete_ends_sessions_at_once_and_reactivate_restores_sign_in() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(org, "CSM", "bob@acme.test").await;
    let mut bobs_browser = app.signed_in("bob@acme.test").await;
    assert_eq!(
        app.call::<GetCurrentUser>(&mut bobs_browser, &[])
            .await
            .unwrap()["email"],
        "bob@acme.test"
    );

    let id = bob.id.to_string();
    app.call::<DeactivateUser>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    assert!(
        app.call::<GetCurrentUser>(&mut bobs_browser, &[])
            .await
            .unwrap()
            .is_null(),
        "the open session ended"
    );
    let refused = app
        .call::<SignIn>(
            &mut Browser::default(),
            &[("email", "bob@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        matches!(refused, Err(AppError::Invalid(_))),
        "an inactive user cannot sign in: {refused:?}"
    );
    assert_eq!(app.user("bob@acme.test").await.status, "inactive");
    assert!(conflict(
        app.call::<DeactivateUser>(&mut admin, &[("user_id", &id)])
            .await
    )
    .contains("already inactive"));

    let tab = app
        .call::<ReactivateUser>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    assert_eq!(
        tab, "Active",
        "finished set-up before, so straight back to Active"
    );
    app.call::<SignIn>(
        &mut Browser::default(),
        &[("email", "bob@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    assert_eq!(
        audit_actions(&app, org)
            .await
            .iter()
            .filter(|a| a.starts_with("user_"))
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reactivating_someone_who_never_set_up_sends_a_fresh_invitation() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let csm = role_id(&app, org, "CSM").await.to_string();
    app.call::<InviteUsers>(
        &mut admin,
        &[("role_id", &csm), ("emails", "new@acme.test")],
    )
    .await
    .unwrap();
    let first = mailed_links(&app, "new@acme.test").await[0].clone();
    let id = app.user("new@acme.test").await.id.to_string();

    app.call::<RevokeInvitation>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    assert_eq!(app.user("new@acme.test").await.status, "inactive");
    assert!(
        app.call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token_of(&first))])
            .await
            .is_err(),
        "revoked link is dead"
    );

    let tab = app
        .call::<ReactivateUser>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    assert_eq!(tab, "Pending");
    let fresh = mailed_links(&app, "new@acme.test").await[0].clone();
    assert_ne!(fresh, first);
    app.call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token_of(&fresh))])
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_resend_and_copy_link_replace_the_old_link() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let csm = role_id(&app, org, "CSM").await.to_string();
    app.call::<InviteUsers>(
        &mut admin,
        &[("role_id", &csm), ("emails", "new@acme.test")],
    )
    .await
    .unwrap();
    let id = app.user("new@acme.test").await.id.to_string();
    let first = mailed_links(&app, "new@acme.test").await[0].clone();

    app.call::<ResendInvitation>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    let resent = mailed_links(&app, "new@acme.test").await[0].clone();
    assert_ne!(resent, first);
    assert_eq!(
        subjects(&app, "new@acme.test").await.len(),
        2,
        "the resend is a second email"
    );
    assert!(
        app.call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token_of(&first))])
            .await
            .is_err(),
        "old link stops working"
    );

    let copied = app
        .call::<CopyInvitationLink>(&mut admin, &[("user_id", &id)])
        .await
        .unwrap();
    let copied = copied.as_str().unwrap().to_owned();
    assert_eq!(
        subjects(&app, "new@acme.test").await.len(),
        2,
        "copying a link sends nothing"
    );
    assert!(app
        .call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token_of(&resent))])
        .await
        .is_err());
    let mut newcomer = Browser::default();
    app.call::<CompleteSetup>(
        &mut newcomer,
        &[
            ("token", &token_of(&copied)),
            ("name", "New Person"),
            ("password", PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert_eq!(app.user("new@acme.test").await.status, "active");
    // Only pending users have invitations.
    assert!(conflict(
        app.call::<ResendInvitation>(&mut admin, &[("user_id", &id)])
            .await
    )
    .contains("active"));
    let actions = audit_actions(&app, org).await;
    for expected in [
        "user_invited",
        "invitation_resent",
        "invitation_link_copied",
        "setup_completed",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_guard_rails_refuse_with_reasons() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let me = app.user("ada@acme.test").await;
    let my_id = me.id.to_string();
    assert!(conflict(
        app.call::<DeactivateUser>(&mut admin, &[("user_id", &my_id)])
            .await
    )
    .contains("yourself"));
    // The only administrator cannot give themselves a role without Configure Users.
    let guest = role_id(&app, org, "Guest").await.to_string();
    let message = conflict(
        app.call::<UpdateUser>(
            &mut admin,
            &edit_form(&my_id, "Ada", "ada@acme.test", &guest, "", ""),
        )
        .await,
    );
    assert!(
        message.contains("last active user who can Configure Users"),
        "{message}"
    );
    // With a second administrator, the first may step down; then the second is the last one.
    let second = app.add_user(org, "Analyst", "ann@acme.test").await;
    app.call::<UpdateUser>(
        &mut admin,
        &edit_form(&my_id, "Ada", "ada@acme.test", &guest, "", ""),
    )
    .await
    .unwrap();
    let mut analyst = app.signed_in("ann@acme.test").await;
    let message = conflict(
        app.call::<UpdateUser>(
            &mut analyst,
            &edit_form(
                &second.id.to_string(),
                "Ann",
                "ann@acme.test",
                &guest,
                "",
                "",
            ),
        )
        .await,
    );
    assert!(message.contains("last active"), "{message}");
    assert_eq!(
        app.user("ann@acme.test").await.role_id,
        second.role_id,
        "nothing changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_seat_limit_stops_invitations_role_changes_and_reactivation() {
    let app = spawn_with(&[("STEWARD_SEAT_LIMIT", "2")]).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    // The administrator (CSM Manager) already holds one seat.
    let csm = role_id(&app, org, "CSM").await.to_string();
    let results = app
        .call::<InviteUsers>(
            &mut admin,
            &[("role_id", &csm), ("emails", "one@acme.test two@acme.test")],
        )
        .await
        .unwrap();
    assert_eq!(results[0]["outcome"], "Invited");
    let refused = results[1]["outcome"]["Refused"].as_str().unwrap();
    assert!(
        refused.contains("2 CSM seats") && refused.contains("0 are free"),
        "{refused}"
    );
    assert!(users::Entity::find()
        .filter(users::Column::Email.eq("two@acme.test"))
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none());

    let guest = app.add_user(org, "Guest", "gus@acme.test").await;
    let message = conflict(
        app.call::<UpdateUser>(
            &mut admin,
            &edit_form(&guest.id.to_string(), "Gus", "gus@acme.test", &csm, "", ""),
        )
        .await,
    );
    assert!(message.contains("seat"), "{message}");

    // Freeing a seat makes room again.
    let one = app.user("one@acme.test").await.id.to_string();
    app.call::<DeactivateUser>(&mut admin, &[("user_id", &one)])
        .await
        .unwrap();
    app.call::<UpdateUser>(
        &mut admin,
        &edit_form(&guest.id.to_string(), "Gus", "gus@acme.test", &csm, "", ""),
    )
    .await
    .unwrap();
    assert!(conflict(
        app.call::<ReactivateUser>(&mut admin, &[("user_id", &one)])
            .await
    )
    .contains("seat"));
}

/// The form of "Turn off 2FA" for `user_id`.
fn two_factor_off<'a>(
    user_id: &'a str,
    password: &'a str,
    code: Option<&'a str>,
    reason: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("user_id", user_id),
        ("current_password", password),
        ("reason", reason),
    ];
    form.extend(code.map(|code| ("code", code)));
    form
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_admin_turns_off_two_factor_and_the_user_is_told() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app.add_user(org, "CSM", "bob@acme.test").await;
    let id = bob.id.to_string();
    let reason = "Lost phone, identity checked by call";
    assert!(conflict(
        app.call::<DisableUserTwoFactor>(&mut admin, &two_factor_off(&id, PASSWORD, None, reason))
            .await
    )
    .contains("does not use"));
    crate::two_factor::enable(&app, &mut app.signed_in("bob@acme.test").await).await;

    // The acting administrator signs in again: no password, a wrong one, and no reason
    // are each refused with a sentence, and nothing changes.
    let refusals = [
        (two_factor_off(&id, "", None, reason), "current_password"),
        (
            two_factor_off(&id, "not my password at all", None, reason),
            "current_password",
        ),
        (two_factor_off(&id, PASSWORD, None, "  "), "reason"),
    ];
    for (form, field) in refusals {
        let error = app
            .call::<DisableUserTwoFactor>(&mut admin, &form)
            .await
            .unwrap_err();
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    assert!(
        app.user("bob@acme.test").await.totp_secret.is_some(),
        "refusals change nothing"
    );

    app.call::<DisableUserTwoFactor>(&mut admin, &two_factor_off(&id, PASSWORD, None, reason))
        .await
        .unwrap();
    let bob = app.user("bob@acme.test").await;
    assert!(bob.totp_secret.is_none());
    assert!(recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(bob.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .is_empty());
    assert!(subjects(&app, "bob@acme.test")
        .await
        .iter()
        .any(|s| s.contains("Two-factor sign-in was turned off")));
    let entry = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("two_factor_disabled"))
        .filter(audit_events::Column::TargetLabel.eq("bob@acme.test"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("audited");
    let after: serde_json::Value =
        serde_json::from_str(entry.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["reason"], reason);
    assert!(entry.actor_label.contains("ada@acme.test"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_admin_with_two_factor_gives_a_code_to_turn_it_off_even_for_themselves() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (secret, _) = crate::two_factor::enable(&app, &mut admin).await;
    let me = app.user("ada@acme.test").await.id.to_string();
    let reason = "Moving to a new phone";

    let missing = app
        .call::<DisableUserTwoFactor>(&mut admin, &two_factor_off(&me, PASSWORD, None, reason))
        .await
        .unwrap_err();
    assert!(missing.field_message("code").is_some(), "{missing:?}");
    let wrong = app
        .call::<DisableUserTwoFactor>(
            &mut admin,
            &two_factor_off(&me, PASSWORD, Some("000000"), reason),
        )
        .await
        .unwrap_err();
    assert!(wrong.field_message("code").is_some(), "{wrong:?}");
    let wrong_password = app
        .call::<DisableUserTwoFactor>(
            &mut admin,
            &two_factor_off(
                &me,
                "not my password at all",
                Some(&crate::common::totp_code(&secret, 1)),
                reason,
            ),
        )
        .await
        .unwrap_err();
    assert!(
        wrong_password.field_message("current_password").is_some(),
        "{wrong_password:?}"
    );
    assert!(app.user("ada@acme.test").await.totp_secret.is_some());

    app.call::<DisableUserTwoFactor>(
        &mut admin,
        &two_factor_off(
            &me,
            PASSWORD,
            Some(&crate::common::totp_code(&secret, 1)),
            reason,
        ),
    )
    .await
    .unwrap();
    assert!(app.user("ada@acme.test").await.totp_secret.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_bulk_actions_count_successes_and_explain_each_failure() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let b = app.add_user(org, "CSM", "b@acme.test").await.id.to_string();
    let c = app.add_user(org, "CSM", "c@acme.test").await.id.to_string();
    let me = app.user("ada@acme.test").await.id.to_string();
    let _other = app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    let outsider = app.user("gil@globex.test").await.id.to_string();

    let outcome = app
        .call::<BulkUpdateUsers>(
            &mut admin,
            &[
                ("action", "Delete"),
                ("user_ids[0]", &b),
                ("user_ids[1]", &me),
                ("user_ids[2]", &c),
                ("user_ids[3]", &outsider),
            ],
        )
        .await
        .unwrap();
    assert_eq!(outcome["succeeded"], 2);
    let failures = outcome["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0]["reason"].as_str().unwrap().contains("yourself"));
    assert_eq!(failures[0]["user"], "ada@acme.test");
    assert_eq!(
        failures[1]["user"],
        format!("user {outsider}"),
        "another organisation's user is not named"
    );
    assert_eq!(app.user("gil@globex.test").await.status, "active");

    let guest = role_id(&app, org, "Guest").await.to_string();
    let outcome = app
        .call::<BulkUpdateUsers>(
            &mut admin,
            &[
                ("action", "ChangeRole"),
                ("role_id", &guest),
                ("user_ids[0]", &b),
                ("user_ids[1]", &c),
            ],
        )
        .await
        .unwrap();
    assert_eq!(outcome["succeeded"], 2);
    let outcome = app
        .call::<BulkUpdateUsers>(
            &mut admin,
            &[
                ("action", "Reactivate"),
                ("user_ids[0]", &b),
                ("user_ids[1]", &me),
            ],
        )
        .await
        .unwrap();
    assert_eq!(outcome["succeeded"], 1);
    assert!(outcome["failures"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("active"));
    assert!(
        app.call::<BulkUpdateUsers>(&mut admin, &[("action", "Delete")])
            .await
            .is_err(),
        "nothing selected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_user_action_needs_configure_users_and_stays_in_its_organisation() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let bob = app
        .add_user(org, "CSM", "bob@acme.test")
        .await
        .id
        .to_string();
    let mut csm = app.signed_in("bob@acme.test").await;
    let _globex = app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    let gil = app.user("gil@globex.test").await.id.to_string();
    let guest = role_id(&app, org, "Guest").await.to_string();

    let edit = edit_form(&bob, "Bob", "bob@acme.test", &guest, "", "");
    let one = [("user_id", bob.as_str())];
    macro_rules! refused {
        ($browser:expr, $f:ty, $form:expr, $expected:pat) => {{
            let result = app.call::<$f>(&mut $browser, $form).await;
            assert!(
                matches!(result, Err($expected)),
                "{}: {result:?}",
                stringify!($f)
            );
        }};
    }
    refused!(csm, UpdateUser, &edit, AppError::Forbidden);
    refused!(csm, DeactivateUser, &one, AppError::Forbidden);
    refused!(csm, ReactivateUser, &one, AppError::Forbidden);
    refused!(csm, ResendInvitation, &one, AppError::Forbidden);
    refused!(csm, CopyInvitationLink, &one, AppError::Forbidden);
    refused!(csm, RevokeInvitation, &one, AppError::Forbidden);
    refused!(csm, SendPasswordReset, &one, AppError::Forbidden);
    refused!(
        csm,
        DisableUserTwoFactor,
        &two_factor_off(&bob, PASSWORD, None, "why"),
        AppError::Forbidden
    );
    refused!(
        csm,
        BulkUpdateUsers,
        &[("action", "Delete"), ("user_ids[0]", bob.as_str())],
        AppError::Forbidden
    );
    refused!(
        Browser::default(),
        DeactivateUser,
        &one,
        AppError::Unauthenticated
    );

    // Organisation A's administrator cannot touch organisation B's user.
    let theirs = [("user_id", gil.as_str())];
    refused!(
        admin,
        UpdateUser,
        &edit_form(&gil, "X", "gil@globex.test", &guest, "", ""),
        AppError::NotFound
    );
    refused!(admin, DeactivateUser, &theirs, AppError::NotFound);
    refused!(admin, ReactivateUser, &theirs, AppError::NotFound);
    refused!(admin, ResendInvitation, &theirs, AppError::NotFound);
    refused!(admin, CopyInvitationLink, &theirs, AppError::NotFound);
    refused!(admin, RevokeInvitation, &theirs, AppError::NotFound);
    refused!(admin, SendPasswordReset, &theirs, AppError::NotFound);
    refused!(
        admin,
        DisableUserTwoFactor,
        &two_factor_off(&gil, PASSWORD, None, "why"),
        AppError::NotFound
    );
    let gil_now = app.user("gil@globex.test").await;
    assert_eq!(
        (gil_now.status.as_str(), gil_now.name.as_str()),
        ("active", "Ada Admin")
    );
    // A's role cannot be given to B's user, nor B's role to A's user.
    let globex_guest = role_id(&app, gil_now.org_id, "Guest").await.to_string();
    let error = app
        .call::<UpdateUser>(
            &mut admin,
            &edit_form(&bob, "Bob", "bob@acme.test", &globex_guest, "", ""),
        )
        .await
        .unwrap_err();
    assert!(error.field_message("role_id").is_some(), "{error:?}");
}
