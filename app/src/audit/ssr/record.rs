//! Writing audit entries. Callers describe who acted, on what, and which fields changed;
//! only fields whose value actually changed are stored. Secrets never go in: callers pass
//! field values such as names and roles, never passwords, tokens or seeds.
use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::audit::dto::AuditAction;
use crate::auth::dto::CurrentUser;
use crate::db::entities::{api_keys, audit_events, roles, users};
use crate::error::AppError;
use crate::time::now_ms;

/// Who did it, as they were called at the time.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub label: String,
    pub address: Option<String>,
}

impl Actor {
    pub fn user(user: &CurrentUser, address: Option<String>) -> Self {
        Self {
            user_id: Some(user.id),
            label: display(&user.name, &user.email),
            address,
        }
    }

    pub fn from_model(user: &users::Model, address: Option<String>) -> Self {
        Self {
            user_id: Some(user.id),
            label: display(&user.name, &user.email),
            address,
        }
    }

    /// The `steward` command line, run by an operator on the server.
    pub fn command_line() -> Self {
        Self {
            user_id: None,
            label: "steward command line".to_owned(),
            address: None,
        }
    }

    /// Someone not signed in: a failed sign-in or a "forgot password" request.
    pub fn anonymous(label: &str, address: Option<String>) -> Self {
        Self {
            user_id: None,
            label: label.to_owned(),
            address,
        }
    }
}

fn display(name: &str, email: &str) -> String {
    if name.is_empty() {
        email.to_owned()
    } else {
        format!("{name} <{email}>")
    }
}

/// What it was done to.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: &'static str,
    pub id: Option<i32>,
    pub label: String,
}

impl Target {
    pub fn user(user: &users::Model) -> Self {
        Self {
            kind: "user",
            id: Some(user.id),
            label: user.email.clone(),
        }
    }

    pub fn role(role: &roles::Model) -> Self {
        Self {
            kind: "role",
            id: Some(role.id),
            label: role.name.clone(),
        }
    }

    /// An API key, labelled with its name and its visible part (never the secret).
    pub fn api_key(key: &api_keys::Model) -> Self {
        Self {
            kind: "api_key",
            id: Some(key.id),
            label: format!("{} ({}…{})", key.name, key.key_prefix, key.last_four),
        }
    }
}

/// The fields that changed: name → (before, after). Unchanged fields are dropped.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    before: BTreeMap<String, Option<String>>,
    after: BTreeMap<String, Option<String>>,
}

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(
        mut self,
        name: &str,
        before: Option<impl ToString>,
        after: Option<impl ToString>,
    ) -> Self {
        let (before, after) = (before.map(|v| v.to_string()), after.map(|v| v.to_string()));
        if before != after {
            self.before.insert(name.to_owned(), before);
            self.after.insert(name.to_owned(), after);
        }
        self
    }

    pub fn set(self, name: &str, after: impl ToString) -> Self {
        self.field(name, None::<String>, Some(after))
    }

    pub fn is_empty(&self) -> bool {
        self.after.is_empty()
    }

    fn json(map: &BTreeMap<String, Option<String>>) -> Option<String> {
        (!map.is_empty()).then(|| serde_json::to_string(map).unwrap_or_default())
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    org_id: i32,
    actor: &Actor,
    action: AuditAction,
    target: &Target,
    changes: Changes,
) -> Result<(), AppError> {
    audit_events::ActiveModel {
        org_id: Set(org_id),
        occurred_at: Set(now_ms()),
        actor_user_id: Set(actor.user_id),
        actor_label: Set(actor.label.clone()),
        action: Set(action.key().to_owned()),
        target_type: Set(target.kind.to_owned()),
        target_id: Set(target.id),
        target_label: Set(target.label.clone()),
        before_json: Set(Changes::json(&changes.before)),
        after_json: Set(Changes::json(&changes.after)),
        client_address: Set(actor.address.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
