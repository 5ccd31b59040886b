//! Settings → My Profile: the signed-in user's details and two-factor sign-in.
mod profile_page;
mod recovery_codes_list;
mod two_factor_panel;

pub use profile_page::ProfilePage;
pub use recovery_codes_list::RecoveryCodesList;
pub use two_factor_panel::TwoFactorPanel;
