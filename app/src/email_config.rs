//! Email Configuration (IT Administration, issue 15): an organisation's sending domain and
//! default From, the DKIM key Steward generates for it (private key sealed, never sent to the
//! browser), the DNS records to publish (DKIM TXT, bounce subdomain MX and SPF, a DMARC
//! suggestion), Verify against DNS, and the identity the mail queue signs with once the
//! domain is verified (`ssr/service.rs::sending_identity`; `mail/ssr/queue.rs` uses it).
pub mod api;
pub mod dto;
mod email_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use email_page::EmailConfigPage;
