use serde::{Deserialize, Serialize};

/// What a setup link is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupInfo {
    /// The first-run link: creates an organisation and its administrator.
    NewOrganisation,
    /// An invitation into an existing organisation, for this email.
    JoinOrganisation { org_name: String, email: String },
}
