//! Roles and the fixed set of permissions they grant; Settings → Management Center → Roles.
pub mod api;
mod delete_role_dialog;
pub mod dto;
pub mod permission;
mod role_dialog;
mod roles_page;
mod roles_table;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use delete_role_dialog::DeleteRoleDialog;
pub use role_dialog::RoleDialog;
pub use roles_page::RolesPage;
pub use roles_table::RolesTable;
