//! Signing in and out: the pages, the session state the app shares, the server functions,
//! and (server only) passwords, sessions and throttling.
pub mod api;
pub mod dto;
mod forgot_password_page;
pub mod next;
mod reset_password_page;
mod second_factor_page;
mod session_context;
mod sign_in_page;
mod sign_out_button;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use forgot_password_page::ForgotPasswordPage;
pub use reset_password_page::ResetPasswordPage;
pub use second_factor_page::SecondFactorPage;
pub use session_context::{provide_session, use_session, Session};
pub use sign_in_page::SignInPage;
pub use sign_out_button::SignOutButton;
