//! The seed's table ("Steward field · Remote source · Remote object · Remote field") for
//! every source: the Account API's record fields (the list the OpenAPI document is built
//! from), the CSV upload's columns (API Upload's own column list) and the organisation's
//! Salesforce mapping, with the fields the connector always fills.
use crate::api_docs::ssr::record_fields::{
    Field, ACCOUNT, CONTACT_EXTRA, INTERACTION, METRIC, PERSON_COMMON, USER_EXTRA,
};
use crate::salesforce_sync::ssr::csm::CsmField;
use crate::source_mapping::dto::{ownership_label, MappingRow};
use crate::source_mapping::ssr::mapping::Entry;
use crate::upload::dto::UploadApi;

fn row(source: &str, remote_source: &str, object: &str, steward: &str, remote: &str) -> MappingRow {
    MappingRow {
        source: source.to_owned(),
        steward_field: steward.to_owned(),
        remote_source: remote_source.to_owned(),
        remote_object: object.to_owned(),
        remote_field: remote.to_owned(),
        ownership: String::new(),
    }
}

/// The Account API: each record property fills the Steward field of the same name.
pub fn account_api() -> Vec<MappingRow> {
    let objects: [(&str, &[&[Field]]); 5] = [
        ("accounts", &[ACCOUNT]),
        ("account users", &[PERSON_COMMON, USER_EXTRA]),
        ("account contacts", &[PERSON_COMMON, CONTACT_EXTRA]),
        ("metrics", &[METRIC]),
        ("interactions", &[INTERACTION]),
    ];
    let mut out = Vec::new();
    for (object, lists) in objects {
        for (name, _, text) in lists.iter().flat_map(|l| l.iter()) {
            if text.starts_with("Read-only") {
                continue;
            }
            out.push(row("account_api", "Account API", object, name, name));
        }
    }
    out
}

/// CSV upload: each column fills the field it is named after (a column can also be
/// matched by hand on API Upload).
pub fn csv_upload() -> Vec<MappingRow> {
    let mut out = Vec::new();
    for api in UploadApi::ALL {
        let object = format!("{} CSV", api.label());
        for column in crate::upload::ssr::columns::columns(api) {
            let name = if column.dimension {
                format!(
                    "{}.<key>",
                    column.name.split('.').next().unwrap_or_default()
                )
            } else {
                column.name.clone()
            };
            out.push(row("csv_upload", "CSV upload", &object, &name, &name));
        }
    }
    out
}

/// Salesforce: the fields the connector always fills, the mapping, and the CSM field.
pub fn salesforce(entries: &[Entry], csm: Option<&CsmField>) -> Vec<MappingRow> {
    let fixed = |object: &str, steward: &str, remote: &str| {
        let mut r = row("salesforce", "Salesforce", object, steward, remote);
        r.ownership = "Always synced".to_owned();
        r
    };
    let mut out = vec![
        fixed(
            "Account",
            "account_id",
            "Id (or the account already linked by crm_account_id)",
        ),
        fixed("Account", "crm_account_id", "Id"),
        fixed("Account", "join_date", "CreatedDate"),
        fixed("Account", "is_deleted", "IsDeleted"),
    ];
    for entry in entries.iter().filter(|e| e.target.object == "Account") {
        out.push(mapped(entry));
    }
    let mut csm_row = row(
        "salesforce",
        "Salesforce",
        "Account",
        "assigned_csms",
        &match csm {
            Some(field)
                if field.kind == crate::salesforce_sync::ssr::csm::CsmFieldKind::UserLookup =>
            {
                format!("{} → User.Email", field.name)
            }
            Some(field) => field.name.clone(),
            None => String::new(),
        },
    );
    csm_row.ownership = "Steward wins once changed by hand".to_owned();
    out.push(csm_row);
    out.push(fixed("Contact", "user_id", "Id"));
    out.push(fixed("Contact", "account_id", "AccountId"));
    for entry in entries.iter().filter(|e| e.target.object == "Contact") {
        out.push(mapped(entry));
    }
    out
}

fn mapped(entry: &Entry) -> MappingRow {
    let mut r = row(
        "salesforce",
        "Salesforce",
        entry.target.object,
        entry.target.field,
        entry.remote.as_deref().unwrap_or_default(),
    );
    r.ownership = if entry.remote.is_some() {
        ownership_label(entry.ownership.key()).to_owned()
    } else {
        "Not mapped".to_owned()
    };
    r
}
