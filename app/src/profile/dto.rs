use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;

/// What My Profile → Details shows and edits. Holds no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyProfile {
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub role_name: String,
    pub org_name: String,
    pub two_factor_enabled: bool,
}

/// One signed-in session of the caller, as My Profile → Sessions lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySession {
    pub id: i32,
    /// "Chrome on Linux", or "Unknown device".
    pub device: String,
    /// The client address it signed in from, when known.
    pub address: Option<String>,
    pub signed_in: TimeLabel,
    pub last_seen: TimeLabel,
    /// The session making this request.
    pub current: bool,
}
