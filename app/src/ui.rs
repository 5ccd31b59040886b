//! The small set of components every page is built from. Their look lives in
//! `style/main.css` under the same names (`.badge`, `.field`, `.modal`, …).
mod badge;
mod copy_button;
mod data_table;
mod empty_state;
mod form_alert;
mod form_field;
mod modal;
mod page_header;
mod pagination;
mod tabs;
mod toast;

pub use badge::{Badge, Tone};
pub use copy_button::CopyButton;
pub use data_table::{Column, DataTable};
pub use empty_state::EmptyState;
pub use form_alert::{set_page_status, FormAlert, LoadError};
pub use form_field::{field_error, FormField};
pub use modal::Modal;
pub use page_header::PageHeader;
pub use pagination::pagination;
pub use tabs::Tabs;
pub use toast::{provide_toasts, use_toasts, ToastRegion, Toasts};
