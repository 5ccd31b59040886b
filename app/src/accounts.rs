//! Accounts: the list of customer accounts (views All, Active, Churned, Unassigned, My)
//! and the account page, with manual CSM assignment. Users with View All Accounts see
//! every account of their organisation; others see the accounts assigned to them.
mod account_page;
mod accounts_page;
mod accounts_table;
pub mod api;
mod csm_panel;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod ssr;
mod usage_panel;

pub use account_page::AccountPage;
pub use accounts_page::AccountsPage;
pub use accounts_table::AccountsTable;
pub use csm_panel::CsmPanel;
pub use usage_panel::UsagePanel;
