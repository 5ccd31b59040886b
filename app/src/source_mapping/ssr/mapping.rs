//! The organisation's Salesforce mapping: which Salesforce field (or relationship path to
//! a User, such as `Owner.Email`) fills each Steward account and contact field, and who
//! owns the value. Checked on save against the org's describe (an unknown or hidden field
//! is refused and named, a field of another type too, and nothing is stored); an
//! organisation that never saved one uses the defaults. The connector reads it through
//! [`load`] and selects only the mapped fields.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::db::entities::{sync_checkpoints, sync_field_mappings};
use crate::error::{AppError, FieldError};
use crate::salesforce_sync::ssr::csm::{self, CsmField};
use crate::salesforce_sync::ssr::run::SOURCE;
use crate::source_mapping::dto::{Choice, EditorField, SalesforceEditor};
use crate::state::AppState;
use crate::time::now_ms;

/// The type a Steward field takes, and so the Salesforce types it can be filled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Email,
    Number,
    Integer,
    Date,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Email => "email",
            Kind::Number => "number",
            Kind::Integer => "integer",
            Kind::Date => "date",
        }
    }

    /// Whether a Salesforce field of `sf_type` fits.
    pub fn accepts(self, sf_type: &str) -> bool {
        match self {
            Kind::Text => matches!(
                sf_type,
                "string"
                    | "picklist"
                    | "multipicklist"
                    | "combobox"
                    | "url"
                    | "email"
                    | "phone"
                    | "textarea"
            ),
            Kind::Email => matches!(sf_type, "email" | "string"),
            Kind::Number => matches!(sf_type, "currency" | "double" | "percent" | "int"),
            Kind::Integer => sf_type == "int",
            Kind::Date => matches!(sf_type, "date" | "datetime"),
        }
    }
}

/// A Steward field Salesforce can fill.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// Account | Contact
    pub object: &'static str,
    /// The Account API's property (`custom_value_dimensions.<key>` for a value dimension).
    pub field: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// The Salesforce field of a new connection.
    pub default: Option<&'static str>,
}

const fn t(
    object: &'static str,
    field: &'static str,
    label: &'static str,
    kind: Kind,
    default: Option<&'static str>,
) -> Target {
    Target {
        object,
        field,
        label,
        kind,
        default,
    }
}

/// Every Steward field the Salesforce mapping covers, accounts first.
pub static TARGETS: &[Target] = &[
    t("Account", "name", "Name", Kind::Text, Some("Name")),
    t("Account", "website", "Website", Kind::Text, Some("Website")),
    t(
        "Account",
        "industry",
        "Industry",
        Kind::Text,
        Some("Industry"),
    ),
    t(
        "Account",
        "billing_street",
        "Billing street",
        Kind::Text,
        None,
    ),
    t("Account", "billing_city", "Billing city", Kind::Text, None),
    t(
        "Account",
        "billing_state",
        "Billing state",
        Kind::Text,
        None,
    ),
    t(
        "Account",
        "billing_postal_code",
        "Billing postal code",
        Kind::Text,
        None,
    ),
    t(
        "Account",
        "billing_country",
        "Billing country",
        Kind::Text,
        Some("BillingCountry"),
    ),
    t("Account", "phone", "Phone", Kind::Text, None),
    t("Account", "employees", "Employees", Kind::Integer, None),
    t("Account", "description", "Description", Kind::Text, None),
    t(
        "Account",
        "sales_rep_name",
        "Sales rep name",
        Kind::Text,
        None,
    ),
    t(
        "Account",
        "sales_rep_email",
        "Sales rep email",
        Kind::Email,
        None,
    ),
    t("Account", "current_mrr", "MRR", Kind::Number, None),
    t("Account", "renewal_date", "Renewal date", Kind::Date, None),
    t(
        "Account",
        "custom_value_dimensions.annual_revenue",
        "Annual revenue (value dimension)",
        Kind::Number,
        Some("AnnualRevenue"),
    ),
    t(
        "Contact",
        "first_name",
        "First name",
        Kind::Text,
        Some("FirstName"),
    ),
    t(
        "Contact",
        "last_name",
        "Last name",
        Kind::Text,
        Some("LastName"),
    ),
    t("Contact", "email", "Email", Kind::Email, Some("Email")),
    t("Contact", "title", "Title", Kind::Text, None),
    t("Contact", "phone", "Phone", Kind::Text, None),
];

pub fn target(object: &str, field: &str) -> Option<&'static Target> {
    TARGETS
        .iter()
        .find(|t| t.object == object && t.field == field)
}

/// The form key of a target's pickers, without the `r`/`o` prefix.
pub fn form_key(target: &Target) -> String {
    format!("{}_{}", target.object, target.field.replace('.', "_"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Every run writes Salesforce's value (the default).
    SalesforceWins,
    /// Salesforce fills the field only while it is empty in Steward.
    StewardWins,
    /// Not read from Salesforce at all.
    DontSync,
}

impl Ownership {
    pub fn key(self) -> &'static str {
        match self {
            Ownership::SalesforceWins => "salesforce_wins",
            Ownership::StewardWins => "steward_wins",
            Ownership::DontSync => "dont_sync",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "salesforce_wins" => Some(Ownership::SalesforceWins),
            "steward_wins" => Some(Ownership::StewardWins),
            "dont_sync" => Some(Ownership::DontSync),
            _ => None,
        }
    }
}

/// One Steward field's mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub target: &'static Target,
    /// The Salesforce field or path; `None`: not mapped.
    pub remote: Option<String>,
    pub ownership: Ownership,
}

impl Entry {
    /// Read from Salesforce: mapped and not "Don't sync".
    pub fn synced(&self) -> Option<&str> {
        (self.ownership != Ownership::DontSync)
            .then_some(self.remote.as_deref())
            .flatten()
    }
}

/// The mapping of a new connection.
pub fn defaults() -> Vec<Entry> {
    TARGETS
        .iter()
        .map(|target| Entry {
            target,
            remote: target.default.map(str::to_owned),
            ownership: Ownership::SalesforceWins,
        })
        .collect()
}

/// The organisation's mapping (the defaults until it saves one), and whether it saved one.
pub async fn load(db: &impl ConnectionTrait, org_id: i32) -> Result<(Vec<Entry>, bool), AppError> {
    let rows = sync_field_mappings::Entity::find()
        .filter(sync_field_mappings::Column::OrgId.eq(org_id))
        .filter(sync_field_mappings::Column::Source.eq(SOURCE))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok((defaults(), false));
    }
    let entries = TARGETS
        .iter()
        .map(|target| {
            let row = rows
                .iter()
                .find(|r| r.object == target.object && r.steward_field == target.field);
            Entry {
                target,
                remote: row.and_then(|r| r.remote_field.clone()),
                ownership: row
                    .and_then(|r| Ownership::from_key(&r.ownership))
                    .unwrap_or(Ownership::SalesforceWins),
            }
        })
        .collect();
    Ok((entries, true))
}

/// The value at `path` in a Salesforce record (`Owner.Email` reads the parent object).
pub fn value_at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    let mut value = record;
    for part in path.split('.') {
        value = value.get(part)?;
        if value.is_null() {
            return Some(value);
        }
    }
    Some(value)
}

/// A Salesforce value as the Account API's JSON for a field of `kind`: `Some(null)` for an
/// empty value, `None` when it cannot be read as that kind.
pub fn convert(kind: Kind, value: &Value) -> Option<Value> {
    let text = match value {
        Value::Null => return Some(Value::Null),
        Value::String(s) if s.trim().is_empty() => return Some(Value::Null),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    };
    match kind {
        Kind::Text | Kind::Email => Some(match (text, value) {
            (Some(s), _) => json!(s),
            (None, other) => json!(other.to_string()),
        }),
        Kind::Number => match (text, value.as_f64()) {
            (_, Some(n)) if n.is_finite() => Some(json!(n)),
            (Some(s), _) => s
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|n| json!(n)),
            _ => None,
        },
        Kind::Integer => {
            let n = match text {
                Some(s) => s.parse::<f64>().ok()?,
                None => value.as_f64()?,
            };
            crate::account_api::fields::whole(&json!(n)).map(|n| json!(n))
        }
        Kind::Date => {
            let s = text?;
            crate::salesforce_sync::ssr::incremental::parse_stamp(&s)
                .or_else(|| crate::time_label::date_start_ms(s.get(..10)?))
                .map(|ms| json!(ms))
        }
    }
}

/// Puts a converted value into the Account API's JSON record.
pub fn put(record: &mut Value, field: &str, value: Value) {
    match field.split_once('.') {
        Some((family, key)) => {
            if !record[family].is_object() {
                record[family] = json!({});
            }
            record[family][key] = value;
        }
        None => record[field] = value,
    }
}

/// The describes the mapping is checked against.
pub struct Describes {
    pub account: Value,
    pub contact: Value,
    pub user: Value,
}

impl Describes {
    pub async fn fetch(state: &AppState, org_id: i32) -> Result<Self, AppError> {
        Ok(Self {
            account: csm::describe(state, org_id, "Account").await?,
            contact: csm::describe(state, org_id, "Contact").await?,
            user: csm::describe(state, org_id, "User").await?,
        })
    }

    fn of(&self, object: &str) -> &Value {
        match object {
            "Account" => &self.account,
            _ => &self.contact,
        }
    }
}

fn fields(describe: &Value) -> impl Iterator<Item = &Value> {
    describe["fields"].as_array().into_iter().flatten()
}

fn str_of<'a>(field: &'a Value, key: &str) -> &'a str {
    field[key].as_str().unwrap_or_default()
}

fn refers_to_user(field: &Value) -> bool {
    str_of(field, "type") == "reference"
        && field["referenceTo"]
            .as_array()
            .is_some_and(|to| to.iter().any(|t| t == "User"))
}

/// The Salesforce fields and User paths of `describe` that fit `kind`, by label.
pub fn choices(kind: Kind, describe: &Value, user: &Value) -> Vec<Choice> {
    let mut out: Vec<Choice> = fields(describe)
        .filter(|f| kind.accepts(str_of(f, "type")))
        .map(|f| Choice {
            value: str_of(f, "name").to_owned(),
            label: format!(
                "{} ({}, {})",
                str_of(f, "label"),
                str_of(f, "name"),
                str_of(f, "type")
            ),
        })
        .collect();
    for lookup in fields(describe).filter(|f| refers_to_user(f)) {
        let relationship = str_of(lookup, "relationshipName");
        if relationship.is_empty() {
            continue;
        }
        out.extend(
            fields(user)
                .filter(|f| kind.accepts(str_of(f, "type")))
                .map(|f| Choice {
                    value: format!("{relationship}.{}", str_of(f, "name")),
                    label: format!(
                        "{} → User {} ({relationship}.{}, {})",
                        str_of(lookup, "label"),
                        str_of(f, "label"),
                        str_of(f, "name"),
                        str_of(f, "type")
                    ),
                }),
        );
    }
    out
}

/// The canonical name of `path` on the object, if the connected user sees it and its type
/// fits; else the sentence that says why not.
fn check_path(target: &Target, path: &str, describes: &Describes) -> Result<String, String> {
    let describe = describes.of(target.object);
    let object = target.object;
    let (found, canonical) = match path.split_once('.') {
        None => match csm::described_field(describe, path) {
            Some(f) => (f, str_of(f, "name").to_owned()),
            None => return Err(format!(
                "Salesforce's {object} has no field '{path}' that the connected user can see: check the API name (custom fields end in __c) and the field's field-level security."
            )),
        },
        Some((relationship, rest)) => {
            let lookup = fields(describe).find(|f| {
                refers_to_user(f) && str_of(f, "relationshipName").eq_ignore_ascii_case(relationship)
            });
            let Some(lookup) = lookup else {
                return Err(format!(
                    "'{path}': Salesforce's {object} has no lookup to User called '{relationship}' that the connected user can see (relationship paths follow a Lookup to User, such as Owner.Email)."
                ));
            };
            match csm::described_field(&describes.user, rest).filter(|_| !rest.contains('.')) {
                Some(f) => (
                    f,
                    format!("{}.{}", str_of(lookup, "relationshipName"), str_of(f, "name")),
                ),
                None => return Err(format!(
                    "'{path}': Salesforce's User has no field '{rest}' that the connected user can see."
                )),
            }
        }
    };
    let sf_type = str_of(found, "type");
    if !target.kind.accepts(sf_type) {
        return Err(format!(
            "'{canonical}' is a {sf_type} field and {} takes {}: choose a field of a matching type.",
            target.label,
            target.kind.label()
        ));
    }
    Ok(canonical)
}

/// Checks the form (`r<key>` = Salesforce field, `o<key>` = ownership, `csm` = the CSM
/// field) against the describes; every problem is named next to its field.
pub fn check(
    form: &HashMap<String, String>,
    describes: &Describes,
) -> Result<(Vec<Entry>, Option<CsmField>), AppError> {
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    for target in TARGETS {
        let key = form_key(target);
        let remote = form
            .get(&format!("r{key}"))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let ownership = match form.get(&format!("o{key}")).map(|s| s.trim()) {
            None | Some("") => Ownership::SalesforceWins,
            Some(value) => match Ownership::from_key(value) {
                Some(o) => o,
                None => {
                    errors.push(FieldError {
                        field: format!("o{key}"),
                        message: format!(
                            "{}: '{value}' is not an ownership (Salesforce wins, Steward wins or Don't sync).",
                            target.label
                        ),
                    });
                    continue;
                }
            },
        };
        let remote = match remote.map(|path| check_path(target, path, describes)) {
            None => None,
            Some(Ok(canonical)) => Some(canonical),
            Some(Err(message)) => {
                errors.push(FieldError {
                    field: format!("r{key}"),
                    message: format!("{} ({}): {message}", target.label, target.object),
                });
                continue;
            }
        };
        if target.object == "Account"
            && target.field == "name"
            && (remote.is_none() || ownership == Ownership::DontSync)
        {
            errors.push(FieldError {
                field: format!("r{key}"),
                message: "Name (Account) must be read from Salesforce: a new account needs a name."
                    .into(),
            });
            continue;
        }
        entries.push(Entry {
            target,
            remote,
            ownership,
        });
    }
    let csm = match form.get("csm").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => match csm::check_field(&describes.account, name) {
            Ok(field) => Some(field),
            Err(error) => {
                errors.push(FieldError {
                    field: "csm".into(),
                    message: error
                        .field_message("csm_field")
                        .unwrap_or_else(|| error.to_string()),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((entries, csm))
}

/// Saves the organisation's mapping and CSM field, checked against Salesforce's describe
/// first (nothing is stored when anything is refused). An object whose mapping changed is
/// read again in full at the next run, so newly mapped fields are filled everywhere.
pub async fn save(
    state: &AppState,
    org_id: i32,
    user_id: i32,
    form: &HashMap<String, String>,
) -> Result<(), AppError> {
    let describes = Describes::fetch(state, org_id).await?;
    let (entries, csm_field) = check(form, &describes)?;
    let (before, _) = load(&state.db, org_id).await?;
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    sync_field_mappings::Entity::delete_many()
        .filter(sync_field_mappings::Column::OrgId.eq(org_id))
        .filter(sync_field_mappings::Column::Source.eq(SOURCE))
        .exec(&txn)
        .await?;
    sync_field_mappings::Entity::insert_many(entries.iter().map(|e| {
        sync_field_mappings::ActiveModel {
            org_id: Set(org_id),
            source: Set(SOURCE.to_owned()),
            object: Set(e.target.object.to_owned()),
            steward_field: Set(e.target.field.to_owned()),
            remote_field: Set(e.remote.clone()),
            ownership: Set(e.ownership.key().to_owned()),
            updated_by: Set(Some(user_id)),
            updated_at: Set(now),
            ..Default::default()
        }
    }))
    .exec(&txn)
    .await?;
    for object in ["Account", "Contact"] {
        let selected = |list: &[Entry]| -> Vec<Option<String>> {
            list.iter()
                .filter(|e| e.target.object == object)
                .map(|e| e.synced().map(str::to_owned))
                .collect()
        };
        if selected(&before) != selected(&entries) {
            sync_checkpoints::Entity::delete_many()
                .filter(sync_checkpoints::Column::OrgId.eq(org_id))
                .filter(sync_checkpoints::Column::Source.eq(SOURCE))
                .filter(sync_checkpoints::Column::Object.eq(object))
                .exec(&txn)
                .await?;
        }
    }
    csm::store(&txn, org_id, csm_field.as_ref(), now).await?;
    txn.commit().await?;
    Ok(())
}

/// The editor: the stored mapping with the type-compatible choices from the org's
/// describe (the current value stays a choice even if Salesforce no longer offers it, so
/// the admin sees it and the save names it).
pub async fn editor(state: &AppState, org_id: i32) -> Result<SalesforceEditor, AppError> {
    let (entries, saved) = load(&state.db, org_id).await?;
    let csm_field = csm::setting(&state.db, org_id)
        .await?
        .map(|f| f.name)
        .unwrap_or_default();
    let (describes, describe_error) = match Describes::fetch(state, org_id).await {
        Ok(d) => (Some(d), None),
        Err(AppError::Invalid(message)) => (None, Some(message)),
        Err(other) => return Err(other),
    };
    let asked = describes.is_some();
    let keep = |mut list: Vec<Choice>, current: &str| {
        if !current.is_empty() && !list.iter().any(|c| c.value == current) {
            list.insert(
                0,
                Choice {
                    value: current.to_owned(),
                    label: if asked {
                        format!("{current} (not offered by Salesforce now)")
                    } else {
                        current.to_owned()
                    },
                },
            );
        }
        list
    };
    let editor_fields = entries
        .iter()
        .map(|e| {
            let remote = e.remote.clone().unwrap_or_default();
            let offered = describes
                .as_ref()
                .map(|d| choices(e.target.kind, d.of(e.target.object), &d.user))
                .unwrap_or_default();
            EditorField {
                key: form_key(e.target),
                object: e.target.object.to_owned(),
                steward_field: e.target.field.to_owned(),
                label: e.target.label.to_owned(),
                kind: e.target.kind.label().to_owned(),
                choices: keep(offered, &remote),
                remote,
                ownership: e.ownership.key().to_owned(),
            }
        })
        .collect();
    let csm_choices = describes
        .as_ref()
        .map(|d| {
            fields(&d.account)
                .filter(|f| str_of(f, "type") == "email" || refers_to_user(f))
                .map(|f| Choice {
                    value: str_of(f, "name").to_owned(),
                    label: format!(
                        "{} ({}, {})",
                        str_of(f, "label"),
                        str_of(f, "name"),
                        if refers_to_user(f) {
                            "Lookup to User"
                        } else {
                            "Email"
                        }
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SalesforceEditor {
        fields: editor_fields,
        csm_choices: keep(csm_choices, &csm_field),
        csm_field,
        describe_error,
        saved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_values_become_the_apis_types() {
        assert_eq!(
            convert(Kind::Number, &json!("9.9213206E7")),
            Some(json!(99213206.0))
        );
        assert_eq!(convert(Kind::Number, &json!(12.5)), Some(json!(12.5)));
        assert_eq!(convert(Kind::Integer, &json!(1.2e3)), Some(json!(1200)));
        assert_eq!(convert(Kind::Integer, &json!("12.5")), None);
        assert_eq!(convert(Kind::Text, &json!("  ")), Some(Value::Null));
        assert_eq!(convert(Kind::Text, &json!(42)), Some(json!("42")));
        assert_eq!(
            convert(Kind::Date, &json!("2026-11-29")),
            Some(json!(
                crate::time_label::date_start_ms("2026-11-29").unwrap()
            ))
        );
        assert_eq!(convert(Kind::Date, &json!("soon")), None);
        let record = json!({"Owner": {"Email": "o@x.example"}, "CSM_User__r": null});
        assert_eq!(
            value_at(&record, "Owner.Email"),
            Some(&json!("o@x.example"))
        );
        assert_eq!(value_at(&record, "CSM_User__r.Email"), Some(&Value::Null));
        assert_eq!(value_at(&record, "Website"), None);
        let mut out = json!({});
        put(
            &mut out,
            "custom_value_dimensions.annual_revenue",
            json!(5.0),
        );
        put(&mut out, "name", json!("A"));
        assert_eq!(
            out,
            json!({"custom_value_dimensions": {"annual_revenue": 5.0}, "name": "A"})
        );
    }

    #[test]
    fn defaults_map_the_issues_fields() {
        let entries = defaults();
        let mapped: Vec<(&str, &str)> = entries
            .iter()
            .filter_map(|e| Some((e.target.field, e.remote.as_deref()?)))
            .collect();
        for pair in [
            ("name", "Name"),
            ("website", "Website"),
            ("industry", "Industry"),
            ("billing_country", "BillingCountry"),
            ("custom_value_dimensions.annual_revenue", "AnnualRevenue"),
            ("email", "Email"),
            ("first_name", "FirstName"),
            ("last_name", "LastName"),
        ] {
            assert!(mapped.contains(&pair), "{pair:?}");
        }
        assert_eq!(mapped.len(), 8);
    }
}
