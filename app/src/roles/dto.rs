use serde::{Deserialize, Serialize};

use crate::roles::permission::{LandingPage, Permission};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSummary {
    pub id: i32,
    pub name: String,
    pub landing: LandingPage,
    pub permissions: Vec<Permission>,
    /// Active and pending users holding the role.
    pub user_count: u64,
}

impl RoleSummary {
    pub fn is_csm_seat(&self) -> bool {
        self.permissions.contains(&Permission::CsmSeat)
    }
}
