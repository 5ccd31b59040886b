//! Outgoing mail: plain-text and HTML templates carrying the organisation's name, a queue
//! in the database (bodies sealed, since they carry one-time links), and delivery over SMTP
//! with retries and backoff, or to the outbox when no relay is configured. The Outbox page
//! (Management Center → Outbox) shows the queue and opens a message's text.
pub mod api;
pub mod dto;
mod no_relay_banner;
mod outbox_note;
mod outbox_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use no_relay_banner::{NoRelayBanner, OUTBOX_KEPT};
pub use outbox_note::{kept_in_outbox, OutboxNote};
pub use outbox_page::OutboxPage;
