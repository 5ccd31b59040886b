//! What the Source Mapping page shows and sends.
use serde::{Deserialize, Serialize};

/// One row of the seed's table: a Steward field and where a source fills it from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    /// `account_api` | `csv_upload` | `salesforce`
    pub source: String,
    pub steward_field: String,
    /// "Account API", "CSV upload", "Salesforce".
    pub remote_source: String,
    pub remote_object: String,
    /// Empty: not mapped.
    pub remote_field: String,
    /// Salesforce only: "Salesforce wins", "Steward wins", "Don't sync".
    pub ownership: String,
}

/// A choice in a picker: the value sent and what the admin reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// One Steward field of the Salesforce mapping, as the editor shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorField {
    /// The form key of its pickers (`r…` for the field, `o…` for the ownership).
    pub key: String,
    /// Account | Contact
    pub object: String,
    pub steward_field: String,
    pub label: String,
    /// "text", "email", "number", "integer", "date".
    pub kind: String,
    /// The Salesforce field or path, empty when not mapped.
    pub remote: String,
    /// `salesforce_wins` | `steward_wins` | `dont_sync`
    pub ownership: String,
    /// Type-compatible Salesforce fields from the org's describe (empty when Salesforce
    /// could not be asked).
    pub choices: Vec<Choice>,
}

/// The Salesforce mapping editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceEditor {
    pub fields: Vec<EditorField>,
    /// The Account field holding the CSM (empty: no CSM sync).
    pub csm_field: String,
    /// Email fields and Lookups to User on Account.
    pub csm_choices: Vec<Choice>,
    /// Why the pickers are empty (not connected, describe failed), if they are.
    pub describe_error: Option<String>,
    /// Whether the organisation saved a mapping (else these are the defaults).
    pub saved: bool,
}

/// The page: the table and the editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMappingView {
    pub rows: Vec<MappingRow>,
    pub editor: SalesforceEditor,
}

/// The sources the table can be filtered by: (query value, label).
pub const SOURCES: [(&str, &str); 3] = [
    ("account_api", "Account API"),
    ("csv_upload", "CSV upload"),
    ("salesforce", "Salesforce"),
];

/// Ownership choices: (value, label).
pub const OWNERSHIP: [(&str, &str); 3] = [
    ("salesforce_wins", "Salesforce wins"),
    ("steward_wins", "Steward wins"),
    ("dont_sync", "Don't sync"),
];

pub fn ownership_label(value: &str) -> &'static str {
    match value {
        "steward_wins" => "Steward wins",
        "dont_sync" => "Don't sync",
        _ => "Salesforce wins",
    }
}
