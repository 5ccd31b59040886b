//! BCC email (issue 15, items 4-7): each organisation's unguessable BCC address
//! (`ssr/address.rs`), two doors into one pipeline (the SMTP listener in `server/src/smtp`
//! and `POST /api/inbound-mail/{token}` in `ssr/routes.rs`; both call `ssr/pipeline.rs`,
//! which stores the raw message before it is acknowledged, then parses and matches it), the
//! sender checks (`ssr/sender_auth.rs`), and the unmatched queue (IT Administration →
//! Unmatched email, `ssr/queue.rs`).
pub mod api;
mod bcc_card;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod ssr;
mod unmatched_page;

pub use bcc_card::BccAddressCard;
pub use unmatched_page::UnmatchedEmailPage;
