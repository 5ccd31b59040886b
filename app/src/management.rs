//! Settings → Management Center: the overview of settings the user may change. Later
//! slices (Users, Roles, IT Administration) add their sections here.
mod management_center_page;
mod roles_summary;

pub use management_center_page::ManagementCenterPage;
pub use roles_summary::RolesSummary;
