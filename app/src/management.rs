//! Settings → Management Center: the overview of settings the user may change, and the list
//! of settings pages (with the permission each needs) that it and the Settings menu share.
mod management_center_page;
mod roles_summary;
mod settings_pages;

pub use management_center_page::ManagementCenterPage;
pub use roles_summary::RolesSummary;
pub use settings_pages::{settings_pages_for, SettingsGroup, SettingsPage, SETTINGS_PAGES};
