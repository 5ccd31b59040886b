use serde::{Deserialize, Serialize};

use crate::roles::permission::{LandingPage, Permission};

/// The signed-in user as the browser sees them. Holds no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i32,
    pub org_id: i32,
    pub org_name: String,
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub role_name: String,
    pub landing: LandingPage,
    pub permissions: Vec<Permission>,
    pub two_factor_enabled: bool,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// What the password reset page shows about its link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetInfo {
    pub email: String,
    pub org_name: String,
}
