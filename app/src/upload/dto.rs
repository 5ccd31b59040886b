//! Wire types of API Upload, shared by server and browser.
use serde::{Deserialize, Serialize};

/// The largest file taken: 100 MB (decompressed, when sent gzipped).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;
/// The most data rows taken from one file.
pub const MAX_UPLOAD_ROWS: u64 = 1_000_000;
/// The most of a file the page sends for a preview (its first rows).
pub const PREVIEW_BYTES: usize = 256 * 1024;

/// The write APIs a CSV file can be uploaded into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UploadApi {
    Accounts,
    AccountUsers,
    AccountContacts,
    Metrics,
    Interactions,
    Events,
}

impl UploadApi {
    pub const ALL: [UploadApi; 6] = [
        UploadApi::Accounts,
        UploadApi::AccountUsers,
        UploadApi::AccountContacts,
        UploadApi::Metrics,
        UploadApi::Interactions,
        UploadApi::Events,
    ];

    /// As in the path `/api/v2/upload/{api}`.
    pub fn key(self) -> &'static str {
        match self {
            UploadApi::Accounts => "accounts",
            UploadApi::AccountUsers => "account_users",
            UploadApi::AccountContacts => "account_contacts",
            UploadApi::Metrics => "metrics",
            UploadApi::Interactions => "interactions",
            UploadApi::Events => "events",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UploadApi::Accounts => "Accounts",
            UploadApi::AccountUsers => "Account users (product users)",
            UploadApi::AccountContacts => "Account contacts",
            UploadApi::Metrics => "Custom metrics",
            UploadApi::Interactions => "Interactions",
            UploadApi::Events => "Usage events",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// Uploads whose apply can be undone (records with a stored key whose fields we can
    /// put back).
    pub fn undoable(self) -> bool {
        matches!(
            self,
            UploadApi::Accounts | UploadApi::AccountUsers | UploadApi::AccountContacts
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadStatus {
    Running,
    DryRun,
    Applied,
    Cancelled,
    Undone,
    Failed,
}

impl UploadStatus {
    pub const ALL: [UploadStatus; 6] = [
        UploadStatus::Running,
        UploadStatus::DryRun,
        UploadStatus::Applied,
        UploadStatus::Cancelled,
        UploadStatus::Undone,
        UploadStatus::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UploadStatus::Running => "running",
            UploadStatus::DryRun => "dry_run",
            UploadStatus::Applied => "applied",
            UploadStatus::Cancelled => "cancelled",
            UploadStatus::Undone => "undone",
            UploadStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UploadStatus::Running => "Running",
            UploadStatus::DryRun => "Dry run",
            UploadStatus::Applied => "Applied",
            UploadStatus::Cancelled => "Cancelled",
            UploadStatus::Undone => "Undone",
            UploadStatus::Failed => "Failed",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One failed row: its line in the file (header = 1), the column when one is to blame,
/// and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFailure {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

/// One upload as the history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSummary {
    pub id: i32,
    pub api: UploadApi,
    pub file_name: String,
    pub by: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub status: UploadStatus,
    pub dry_run: bool,
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub rows: u64,
    pub applied: u64,
    pub failed: u64,
    pub message: Option<String>,
    pub undone_at: Option<i64>,
    /// Until when (epoch ms) an undo is possible; None when it never is (a dry run, a
    /// failed or undone upload, an API undo does not cover).
    pub undo_until: Option<i64>,
}

/// A record changed again since the upload: undo left it alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoConflict {
    pub record: String,
    pub field: Option<String>,
    pub message: String,
}

/// What an undo did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoReport {
    pub removed: u64,
    pub restored: u64,
    pub conflicts: Vec<UndoConflict>,
}

/// One field of an API as the page's field table and the template show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadField {
    /// The column name; dimension columns are `custom_label_dimensions.<key>` and so on.
    pub name: String,
    /// "text", "date", "integer", "number", "boolean", "emails", "JSON".
    pub kind: String,
    pub required: bool,
    pub description: String,
    pub example: String,
}

/// How a column of a file was matched to a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchedBy {
    /// Its header names the field (ignoring case, spaces, underscores and hyphens).
    Name,
    /// The organisation chose it for this header before (or chose to ignore the column).
    Remembered,
    /// Nothing matched: the column is ignored unless a field is picked.
    Unmatched,
}

/// One column of a previewed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewColumn {
    pub header: String,
    /// The field it feeds, "" when ignored; `family.<key>` for a dimension.
    pub field: String,
    pub matched_by: MatchedBy,
    /// For an unmatched column: the closest fields, best first.
    pub suggestions: Vec<String>,
}

/// One row of a previewed file as the API will read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: u64,
    pub cells: Vec<String>,
    /// Why the row would fail, when it already can be told.
    pub error: Option<String>,
    /// The template's example row: recognised and skipped.
    pub example: bool,
}

/// The start of a file, read by the same reader the upload uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPreview {
    /// "comma", "semicolon" or "tab".
    pub delimiter: String,
    /// "utf-8" or "windows-1252".
    pub encoding: String,
    pub columns: Vec<PreviewColumn>,
    pub rows: Vec<PreviewRow>,
    /// The refusal an upload would meet: required columns that no column feeds.
    pub missing: Option<String>,
}

/// What a preview comes to; both answered with 200, as every refusal a person can act on
/// (see `crate::wire`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewAnswer {
    Read(UploadPreview),
    Refused(FileRefusal),
}

/// A file (or its start) refused as a whole, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRefusal {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

/// What the page's upload answers: the upload now running in the background, or why the
/// file was refused as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStarted {
    pub upload_id: i32,
    pub refusal: Option<FileRefusal>,
}
