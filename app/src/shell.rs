//! The frame around signed-in pages (top navigation, Settings menu), the home page and 404.
mod home_page;
mod if_allowed;
mod not_found_page;
mod signed_in_layout;
mod top_nav;

pub use home_page::HomePage;
pub use if_allowed::IfAllowed;
pub use not_found_page::NotFoundPage;
pub use signed_in_layout::SignedInLayout;
pub use top_nav::TopNav;
