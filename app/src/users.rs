//! Settings → Management Center → Users: the people of the organisation, by state.
pub mod api;
pub mod dto;
mod new_users_dialog;
#[cfg(feature = "ssr")]
pub mod ssr;
mod user_actions;
mod users_page;
mod users_table;

pub use new_users_dialog::{NewUsersButton, NewUsersDialog};
pub use user_actions::{BulkBar, RowActions, UserActionDialog, UserActions};
pub use users_page::UsersPage;
pub use users_table::UsersTable;
