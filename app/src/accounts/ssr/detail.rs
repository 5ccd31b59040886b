//! The account page: one account and its children, each list capped, every query scoped to
//! the caller's organisation and to an account they may see.
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::accounts::dto::{
    format_number, AccountDetail, AccountStatus, AssignmentSource, CsmAssignmentRow, CsmChoice,
    DateLabel, DimensionRow, DocumentLink, Field, InteractionRow, NpsRow, PersonRow, StageRow,
    SECTION_LIMIT,
};
use crate::accounts::ssr::repo::{user_labels, visible_account};
use crate::accounts::ssr::usage;
use crate::auth::dto::CurrentUser;
use crate::db::entities::{
    account_contacts, account_users, accounts, csm_assignments, dimension_values, interactions,
    nps_history, stage_history, users,
};
use crate::error::AppError;
use crate::roles::permission::Permission;
use crate::roles::ssr::repo as roles_repo;
use crate::time::now_ms;
use crate::time_label::exact_utc;

pub const SOURCE_API: &str = "api";
pub const SOURCE_MANUAL: &str = "manual";

/// `YYYY-MM-DD` (UTC).
pub fn date(ms: i64) -> String {
    exact_utc(ms).chars().take(10).collect()
}

/// Stage history rows, newest first. A stage without an end date ends when the next one
/// starts; only the newest stage can still be open (current, `end: None`).
fn stage_rows(newest_first: Vec<stage_history::Model>) -> Vec<StageRow> {
    let next_starts = std::iter::once(None).chain(newest_first.iter().map(|s| Some(s.start_date)));
    newest_first
        .iter()
        .zip(next_starts)
        .map(|(stage, next_start)| StageRow {
            name: stage.name.clone(),
            start: date(stage.start_date),
            end: stage.end_date.or(next_start).map(date),
        })
        .collect()
}

pub async fn load(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    account_pk: i32,
) -> Result<AccountDetail, AppError> {
    let account = visible_account(db, user, account_pk).await?;
    let org_id = user.org_id;
    let now = now_ms();

    let dimensions = dimension_values::Entity::find()
        .filter(dimension_values::Column::OrgId.eq(org_id))
        .filter(dimension_values::Column::OwnerType.eq("account"))
        .filter(dimension_values::Column::OwnerId.eq(account.id))
        .order_by_asc(dimension_values::Column::Kind)
        .order_by_asc(dimension_values::Column::Key)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DimensionRow {
            kind: match d.kind.as_str() {
                "label" => "Label",
                "value" => "Value",
                "event" => "Event",
                _ => "Other",
            }
            .to_owned(),
            value: d
                .text_value
                .clone()
                .or_else(|| d.number_value.map(format_number))
                .or_else(|| d.time_value.map(date))
                .unwrap_or_else(|| "—".to_owned()),
            key: d.key,
        })
        .collect();

    let (csms, unassigned_by_hand) = assignments(db, org_id, account.id).await?;
    let can_update = user.can(Permission::UpdateAccounts);
    let csm_choices = if can_update {
        let taken: Vec<i32> = csms.iter().map(|c| c.user_id).collect();
        csm_candidates(db, org_id)
            .await?
            .into_iter()
            .filter(|c| !taken.contains(&c.user_id))
            .collect()
    } else {
        vec![]
    };

    let contacts_select = account_contacts::Entity::find()
        .filter(account_contacts::Column::OrgId.eq(org_id))
        .filter(account_contacts::Column::AccountPk.eq(account.id));
    let contacts_total = contacts_select.clone().count(db).await?;
    let contacts = contacts_select
        .order_by_desc(account_contacts::Column::IsActive)
        .order_by_asc(account_contacts::Column::LastName)
        .order_by_asc(account_contacts::Column::FirstName)
        .order_by_asc(account_contacts::Column::Id)
        .limit(SECTION_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|c| PersonRow {
            name: person_name(&c.first_name, &c.last_name, &c.user_id),
            primary: c.is_primary.unwrap_or(false),
            joined: None,
            active: c.is_active,
            user_id: c.user_id,
            email: c.email,
            title: c.title,
            role: c.role,
            phone: c.phone.or(c.mobile_phone),
        })
        .collect();

    let users_select = account_users::Entity::find()
        .filter(account_users::Column::OrgId.eq(org_id))
        .filter(account_users::Column::AccountPk.eq(account.id));
    let users_total = users_select.clone().count(db).await?;
    let product_users = users_select
        .order_by_desc(account_users::Column::IsActive)
        .order_by_asc(account_users::Column::LastName)
        .order_by_asc(account_users::Column::FirstName)
        .order_by_asc(account_users::Column::Id)
        .limit(SECTION_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|u| PersonRow {
            name: person_name(&u.first_name, &u.last_name, &u.user_id),
            primary: false,
            joined: u.product_join_date.map(date),
            active: u.is_active,
            user_id: u.user_id,
            email: u.email,
            title: u.title,
            role: u.role,
            phone: u.phone.or(u.mobile_phone),
        })
        .collect();

    let stages = stage_history::Entity::find()
        .filter(stage_history::Column::OrgId.eq(org_id))
        .filter(stage_history::Column::AccountPk.eq(account.id))
        .order_by_desc(stage_history::Column::StartDate)
        .order_by_desc(stage_history::Column::Id)
        .limit(SECTION_LIMIT)
        .all(db)
        .await?;
    let stages = stage_rows(stages);

    let nps = nps_history::Entity::find()
        .filter(nps_history::Column::OrgId.eq(org_id))
        .filter(nps_history::Column::AccountPk.eq(account.id))
        .order_by_desc(nps_history::Column::Date)
        .limit(SECTION_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NpsRow {
            date: date(n.date),
            score: n.nps_score,
            username: n.username,
            survey: n.survey_name,
            comments: n.comments,
        })
        .collect();

    let interactions_select = interactions::Entity::find()
        .filter(interactions::Column::OrgId.eq(org_id))
        .filter(interactions::Column::AccountPk.eq(account.id));
    let interactions_total = interactions_select.clone().count(db).await?;
    let interaction_models = interactions_select
        .order_by_desc(interactions::Column::Date)
        .order_by_desc(interactions::Column::Id)
        .limit(SECTION_LIMIT)
        .all(db)
        .await?;
    let adders = user_labels(
        db,
        org_id,
        interaction_models.iter().filter_map(|i| i.added_by_user_id),
    )
    .await?;
    let interactions = interaction_models
        .into_iter()
        .map(|i| InteractionRow {
            date: date(i.date),
            added_by: i.added_by.clone().or_else(|| {
                i.added_by_user_id
                    .and_then(|id| adders.get(&id).map(|(name, _)| name.clone()))
            }),
            kind: i.kind,
            contact: i.contact_email,
            subject: i.subject,
            description: i.description,
        })
        .collect();

    let usage = usage::summary(db, org_id, &account.account_id, now).await?;

    Ok(AccountDetail {
        id: account.id,
        status: AccountStatus::of(account.is_active, account.is_churned, account.is_deleted),
        stage: account.current_stage.clone(),
        mrr: account.current_mrr,
        renewal: account.renewal_date.map(|at| DateLabel::new(at, now)),
        fields: with_origins(db, org_id, &account, fields(&account)).await?,
        documents: documents(account.documents.as_deref()),
        dimensions,
        csms,
        unassigned_by_hand,
        can_update,
        csm_choices,
        contacts,
        contacts_total,
        users: product_users,
        users_total,
        stages,
        nps,
        interactions,
        interactions_total,
        usage,
        account_id: account.account_id,
        name: account.name,
    })
}

fn person_name(first: &Option<String>, last: &Option<String>, fallback: &str) -> String {
    let name = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    }
}

/// The account's assignments: (assigned now, unassigned by hand), alphabetical.
pub async fn assignments(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_pk: i32,
) -> Result<(Vec<CsmAssignmentRow>, Vec<CsmAssignmentRow>), AppError> {
    let rows = csm_assignments::Entity::find()
        .filter(csm_assignments::Column::OrgId.eq(org_id))
        .filter(csm_assignments::Column::AccountPk.eq(account_pk))
        .all(db)
        .await?;
    let people = user_labels(
        db,
        org_id,
        rows.iter()
            .flat_map(|r| std::iter::once(r.user_id).chain(r.changed_by)),
    )
    .await?;
    let (mut assigned, mut unassigned) = (vec![], vec![]);
    for row in rows {
        let Some((name, email)) = people.get(&row.user_id) else {
            continue;
        };
        let source = if row.source == SOURCE_MANUAL {
            AssignmentSource::Manual {
                by: row
                    .changed_by
                    .and_then(|id| people.get(&id).map(|(n, _)| n.clone()))
                    .unwrap_or_else(|| "a former user".to_owned()),
                on: date(row.changed_at),
            }
        } else if row.source == crate::salesforce_sync::ssr::csm::SOURCE_SALESFORCE {
            AssignmentSource::Salesforce {
                on: crate::time_label::exact_utc(row.changed_at),
            }
        } else {
            AssignmentSource::Api
        };
        let entry = CsmAssignmentRow {
            user_id: row.user_id,
            name: name.clone(),
            email: email.clone(),
            source,
        };
        if row.is_assigned {
            assigned.push(entry);
        } else if row.source == SOURCE_MANUAL {
            unassigned.push(entry);
        }
    }
    assigned.sort_by_key(|c| c.name.to_lowercase());
    unassigned.sort_by_key(|c| c.name.to_lowercase());
    Ok((assigned, unassigned))
}

/// Active users whose role has the CSM seat, alphabetical.
pub async fn csm_candidates(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<CsmChoice>, AppError> {
    let seat_roles: Vec<i32> = roles_repo::roles_with_permissions(db, org_id)
        .await?
        .into_iter()
        .filter(|(_, p)| p.contains(&Permission::CsmSeat))
        .map(|(r, _)| r.id)
        .collect();
    if seat_roles.is_empty() {
        return Ok(vec![]);
    }
    let mut choices: Vec<CsmChoice> = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("active"))
        .filter(users::Column::RoleId.is_in(seat_roles))
        .all(db)
        .await?
        .into_iter()
        .map(|u| CsmChoice {
            user_id: u.id,
            label: if u.name.is_empty() {
                u.email
            } else {
                format!("{} ({})", u.name, u.email)
            },
        })
        .collect();
    choices.sort_by_key(|c| c.label.to_lowercase());
    Ok(choices)
}

/// Every field of the account that is set, labelled, in the Account API's order.
fn fields(a: &accounts::Model) -> Vec<Field> {
    let mut out: Vec<Field> = vec![];
    let mut text = |label: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            out.push(Field {
                label: label.to_owned(),
                value,
                origin: None,
            });
        }
    };
    let yes_no = |b: bool| Some(if b { "Yes" } else { "No" }.to_owned());
    text("Account id", Some(a.account_id.clone()));
    text("Name", Some(a.name.clone()));
    text("Join date", Some(date(a.join_date)));
    text("Renewal date", a.renewal_date.map(date));
    text("Stage", a.current_stage.clone());
    text("MRR", a.current_mrr.map(format_number));
    text("Tier", a.tier.clone());
    text("Industry", a.industry.clone());
    text("Employees", a.employees.map(|n| format_number(n as f64)));
    text("CSM score", a.csm_score.map(|n| n.to_string()));
    text("Current NPS score", a.current_nps_score.map(format_number));
    text("Region", a.region.clone());
    text("State", a.state.clone());
    text("Website", a.website.clone());
    text("Phone", a.phone.clone());
    let address = [
        &a.billing_street,
        &a.billing_city,
        &a.billing_postal_code,
        &a.billing_state,
        &a.billing_country,
    ]
    .into_iter()
    .flatten()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    text("Billing address", Some(address));
    text("Billing account id", a.billing_account_id.clone());
    text("Support account id", a.support_account_id.clone());
    text("CRM account id", a.crm_account_id.clone());
    text("Source", a.source.clone());
    let sales_rep = match (&a.sales_rep_name, &a.sales_rep_email) {
        (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    text("Sales rep", sales_rep);
    text("Parent account id", a.parent_account_id.clone());
    text("Hierarchy label", a.hierarchy_label.clone());
    text("Latest status", a.latest_status_title.clone());
    text("Latest status details", a.latest_status_details.clone());
    text("Latest status date", a.latest_status_date.map(date));
    text("Description", a.description.clone());
    text("Churned", yes_no(a.is_churned).filter(|_| a.is_churned));
    text("Churn date", a.inactive_time.map(date));
    text("Churn reason", a.inactive_reason.clone());
    text("Deleted", yes_no(a.is_deleted).filter(|_| a.is_deleted));
    text("Deactivated", yes_no(!a.is_active).filter(|_| !a.is_active));
    text("First received", Some(exact_utc(a.created_at)));
    text("Last updated", Some(exact_utc(a.updated_at)));
    out
}

/// The Steward fields behind each label a connector can fill.
const SYNCABLE: &[(&str, &[&str])] = &[
    ("Name", &["name"]),
    ("Join date", &["join_date"]),
    ("Renewal date", &["renewal_date"]),
    ("MRR", &["current_mrr"]),
    ("Industry", &["industry"]),
    ("Employees", &["employees"]),
    ("Website", &["website"]),
    ("Phone", &["phone"]),
    ("Description", &["description"]),
    (
        "Billing address",
        &[
            "billing_street",
            "billing_city",
            "billing_postal_code",
            "billing_state",
            "billing_country",
        ],
    ),
    ("Sales rep", &["sales_rep_name", "sales_rep_email"]),
];

/// Adds to the fields a connector can fill where their value came from: Salesforce (and
/// when) while every part of it is still the value Salesforce wrote, else the Account API
/// (the only other writer of account fields; CSV uploads go through it).
async fn with_origins(
    db: &impl ConnectionTrait,
    org_id: i32,
    account: &accounts::Model,
    mut fields: Vec<Field>,
) -> Result<Vec<Field>, AppError> {
    use crate::account_api::fields::ACCOUNTS;
    use crate::source_mapping::ssr::origins;
    let recorded = origins::of_account(db, org_id, account.id).await?;
    let stored = crate::account_api::repo::rows_where_in(
        db,
        &ACCOUNTS,
        org_id,
        "account_id",
        vec![account.account_id.clone()],
    )
    .await?;
    let Some(stored) = stored.iter().find(|s| s.id == account.id) else {
        return Ok(fields);
    };
    let stored = crate::account_api::upsert::row_json(&ACCOUNTS, stored);
    for field in &mut fields {
        let Some((_, names)) = SYNCABLE.iter().find(|(label, _)| *label == field.label) else {
            continue;
        };
        let set: Vec<(&str, &serde_json::Value)> = names
            .iter()
            .filter_map(|n| Some((*n, stored.get(*n).filter(|v| !v.is_null())?)))
            .collect();
        let from_salesforce = set.iter().map(|(name, value)| {
            recorded
                .get(*name)
                .filter(|(source, written, _)| {
                    source == crate::salesforce_sync::ssr::run::SOURCE
                        && origins::same(value, written)
                })
                .map(|(_, _, at)| *at)
        });
        let latest: Option<Vec<i64>> = from_salesforce.collect();
        field.origin = Some(match latest.and_then(|l| l.into_iter().max()) {
            Some(at) => format!("Salesforce, {}", exact_utc(at)),
            None => "Account API".to_owned(),
        });
    }
    Ok(fields)
}

/// The `documents` JSON (`[{name, url, description}]`); unreadable entries are skipped.
fn documents(json: Option<&str>) -> Vec<DocumentLink> {
    let Some(json) = json else {
        return vec![];
    };
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return vec![];
    };
    let text = |item: &serde_json::Value, key: &str| {
        item.get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    items
        .iter()
        .filter_map(|item| {
            let url = text(item, "url");
            let name = text(item, "name").or_else(|| url.clone())?;
            Some(DocumentLink {
                name,
                url: url.filter(|u| {
                    let lower = u.to_ascii_lowercase();
                    lower.starts_with("https://") || lower.starts_with("http://")
                }),
                description: text(item, "description"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_documents_keep_only_web_links() {
        let docs = documents(Some(
            r#"[{"name":"Contract","url":"https://x.test/c.pdf","description":"2026"},
                {"name":"Script","url":"javascript:alert(1)"},
                {"url":"http://y.test"},
                {"description":"no name"}, 3]"#,
        ));
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].url.as_deref(), Some("https://x.test/c.pdf"));
        assert_eq!(docs[1].url, None);
        assert_eq!(docs[2].name, "http://y.test");
        assert!(documents(Some("not json")).is_empty());
    }

    #[test]
    fn test_person_name_falls_back_to_the_id() {
        assert_eq!(
            person_name(&Some("Ada".into()), &Some(" Lovelace ".into()), "u1"),
            "Ada Lovelace"
        );
        assert_eq!(person_name(&None, &Some(" ".into()), "u1"), "u1");
    }
}
