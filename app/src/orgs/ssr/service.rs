//! Creating organisations, issuing setup links, and completing set-up from a link.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use secrecy::SecretString;

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::ssr::password::check_new_password;
use crate::auth::ssr::service::SignInOutcome;
use crate::auth::ssr::session::{self, Client, Stage};
use crate::config::Settings;
use crate::crypto::{random_token, token_hash};
use crate::db::entities::{one_time_tokens, organisations, users};
use crate::error::{AppError, FieldError};
use crate::orgs::dto::SetupInfo;
use crate::roles::permission::{LandingPage, CSM_MANAGER};
use crate::roles::ssr::repo as roles_repo;
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS, HOUR_MS};
use crate::validation::{parse_email, parse_name, parse_optional};

pub const PURPOSE_BOOTSTRAP: &str = "bootstrap";
pub const PURPOSE_INVITATION: &str = "invitation";
const BOOTSTRAP_TTL_MS: i64 = 24 * HOUR_MS;

const LINK_UNUSABLE: &str =
    "This setup link has expired or has already been used. Ask your administrator for a new one.";

pub fn setup_link(settings: &Settings, token: &str) -> String {
    format!("{}/setup/{token}", settings.base_url())
}

/// A new organisation with the default roles and a pending administrator (CSM Manager),
/// plus the invitation link that administrator uses to finish set-up.
pub struct NewOrganisation {
    pub org_id: i32,
    pub admin_user_id: i32,
    pub setup_link: String,
}

pub async fn create_organisation(
    db: &DatabaseConnection,
    settings: &Settings,
    name: &str,
    admin_email: &str,
) -> Result<NewOrganisation, AppError> {
    let name =
        parse_name(name, "the organisation's name").map_err(|m| AppError::field("name", m))?;
    let email = parse_email(admin_email).map_err(|m| AppError::field("admin_email", m))?;
    let now = now_ms();
    let token = random_token();
    let txn = crate::db::begin_write(db).await?;
    let org = insert_organisation(&txn, &name, now).await?;
    let role_ids = roles_repo::seed_default_roles(&txn, org.id, now).await?;
    let admin = users::ActiveModel {
        org_id: Set(org.id),
        email: Set(email.clone()),
        name: Set(String::new()),
        role_id: Set(role_ids[CSM_MANAGER]),
        status: Set("pending".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_token(
        &txn,
        Some(org.id),
        Some(admin.id),
        PURPOSE_INVITATION,
        &token,
        now,
        now + settings.invitation_days * DAY_MS,
    )
    .await?;
    txn.commit().await?;
    Ok(NewOrganisation {
        org_id: org.id,
        admin_user_id: admin.id,
        setup_link: setup_link(settings, &token),
    })
}

async fn insert_organisation(
    db: &impl ConnectionTrait,
    name: &str,
    now: i64,
) -> Result<organisations::Model, AppError> {
    Ok(organisations::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn insert_token(
    db: &impl ConnectionTrait,
    org_id: Option<i32>,
    user_id: Option<i32>,
    purpose: &str,
    token: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), AppError> {
    one_time_tokens::ActiveModel {
        org_id: Set(org_id),
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(token_hash(token)),
        created_by: Set(None),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// With no organisation yet, issues a first-run link (valid 24 hours). Each start issues a
/// fresh one; whichever is used first creates the organisation and retires the others.
pub async fn issue_bootstrap_link(
    db: &impl ConnectionTrait,
    settings: &Settings,
) -> Result<Option<String>, AppError> {
    if organisations::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let now = now_ms();
    let token = random_token();
    insert_token(
        db,
        None,
        None,
        PURPOSE_BOOTSTRAP,
        &token,
        now,
        now + BOOTSTRAP_TTL_MS,
    )
    .await?;
    Ok(Some(setup_link(settings, &token)))
}

async fn usable_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: i64,
) -> Result<one_time_tokens::Model, AppError> {
    one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::TokenHash.eq(token_hash(token)))
        .filter(one_time_tokens::Column::Purpose.is_in([PURPOSE_BOOTSTRAP, PURPOSE_INVITATION]))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .filter(one_time_tokens::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))
}

async fn invited_user(
    db: &impl ConnectionTrait,
    link: &one_time_tokens::Model,
) -> Result<users::Model, AppError> {
    let (Some(org_id), Some(user_id)) = (link.org_id, link.user_id) else {
        return Err(AppError::invalid(LINK_UNUSABLE));
    };
    users::Entity::find_by_id(user_id)
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("pending"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))
}

pub async fn setup_info(db: &impl ConnectionTrait, token: &str) -> Result<SetupInfo, AppError> {
    let link = usable_token(db, token, now_ms()).await?;
    if link.purpose == PURPOSE_BOOTSTRAP {
        return Ok(SetupInfo::NewOrganisation);
    }
    let user = invited_user(db, &link).await?;
    let org = organisations::Entity::find_by_id(user.org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))?;
    Ok(SetupInfo::JoinOrganisation {
        org_name: org.name,
        email: user.email,
    })
}

/// The set-up form as submitted.
pub struct SetupForm {
    pub organisation: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub password: String,
    pub title: Option<String>,
}

/// Completes set-up: creates the organisation and administrator (first-run link) or
/// activates the invited user, then signs them in.
pub async fn complete_setup(
    state: &AppState,
    token: &str,
    form: SetupForm,
    client: &Client,
) -> Result<SignInOutcome, AppError> {
    let now = now_ms();
    let link = usable_token(&state.db, token, now).await?;
    let bootstrap = link.purpose == PURPOSE_BOOTSTRAP;
    let invited = if bootstrap {
        None
    } else {
        Some(invited_user(&state.db, &link).await?)
    };

    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<String, String>| match result {
        Ok(value) => value,
        Err(message) => {
            errors.push(FieldError {
                field: field.into(),
                message,
            });
            String::new()
        }
    };
    let organisation = if bootstrap {
        check(
            "organisation",
            parse_name(
                form.organisation.as_deref().unwrap_or_default(),
                "your organisation's name",
            ),
        )
    } else {
        String::new()
    };
    let name = check("name", parse_name(&form.name, "your name"));
    let email = match &invited {
        Some(user) => user.email.clone(),
        None => check(
            "email",
            parse_email(form.email.as_deref().unwrap_or_default()),
        ),
    };
    let title = match parse_optional(form.title, "your title") {
        Ok(title) => title,
        Err(message) => {
            errors.push(FieldError {
                field: "title".into(),
                message,
            });
            None
        }
    };
    if let Err(message) = check_new_password(&form.password, &[&email, &name, &organisation]) {
        errors.push(FieldError {
            field: "password".into(),
            message,
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let password_hash = state.hasher.hash(SecretString::from(form.password)).await?;

    let txn = crate::db::begin_write(&state.db).await?;
    // Spend the link first: of two simultaneous submissions only one gets past here.
    let spent_purpose = if bootstrap {
        PURPOSE_BOOTSTRAP
    } else {
        PURPOSE_INVITATION
    };
    let spent = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
        .filter(one_time_tokens::Column::Id.eq(link.id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(AppError::invalid(LINK_UNUSABLE));
    }
    let user = if let Some(user) = invited {
        let mut active: users::ActiveModel = user.into();
        active.name = Set(name);
        active.title = Set(title);
        active.password_hash = Set(Some(password_hash));
        active.status = Set("active".into());
        active.updated_at = Set(now);
        active.update(&txn).await?
    } else {
        if organisations::Entity::find().count(&txn).await? > 0 {
            return Err(AppError::invalid(
                "Steward already has an organisation. Ask its administrator to invite you.",
            ));
        }
        // Retire every other first-run link.
        one_time_tokens::Entity::update_many()
            .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
            .filter(one_time_tokens::Column::Purpose.eq(spent_purpose))
            .filter(one_time_tokens::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let org = insert_organisation(&txn, &organisation, now).await?;
        let role_ids = roles_repo::seed_default_roles(&txn, org.id, now).await?;
        users::ActiveModel {
            org_id: Set(org.id),
            email: Set(email),
            name: Set(name),
            title: Set(title),
            role_id: Set(role_ids[CSM_MANAGER]),
            status: Set("active".into()),
            password_hash: Set(Some(password_hash)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?
    };
    let token = session::create(&txn, &state.settings, &user, Stage::Complete, client, now).await?;
    let mut signed_in: users::ActiveModel = user.clone().into();
    signed_in.last_sign_in_at = Set(Some(now));
    signed_in.update(&txn).await?;
    let actor = Actor::from_model(&user, client.address.clone());
    let changes = Changes::new().field("status", Some("pending"), Some("active"));
    audit::record(
        &txn,
        user.org_id,
        &actor,
        AuditAction::SetupCompleted,
        &Target::user(&user),
        changes,
    )
    .await?;
    let landing = crate::auth::ssr::context::load_current_user(&txn, user)
        .await?
        .landing;
    txn.commit().await?;
    Ok(SignInOutcome::SignedIn {
        token,
        landing: if bootstrap {
            LandingPage::ManagementCenter
        } else {
            landing
        },
    })
}
