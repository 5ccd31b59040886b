//! Settings → My Profile: your details, password, signed-in sessions and two-factor sign-in.
pub mod api;
mod change_password_form;
mod current_password_field;
pub mod dto;
mod profile_details_form;
mod profile_page;
mod recovery_codes_list;
mod sessions_panel;
#[cfg(feature = "ssr")]
pub mod ssr;
mod two_factor_panel;

pub use change_password_form::ChangePasswordForm;
pub use current_password_field::CurrentPasswordField;
pub use profile_details_form::ProfileDetailsForm;
pub use profile_page::ProfilePage;
pub use recovery_codes_list::RecoveryCodesList;
pub use sessions_panel::SessionsPanel;
pub use two_factor_panel::TwoFactorPanel;
