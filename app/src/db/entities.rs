//! One module per table, matching `migration/`. Times are epoch milliseconds (i64), the
//! unit the Natero APIs use, and they compare the same way on SQLite and PostgreSQL.
pub mod api_keys;
pub mod audit_events;
pub mod job_leases;
pub mod one_time_tokens;
pub mod outbound_mail;
pub mod organisations;
pub mod permissions;
pub mod recovery_codes;
pub mod role_permissions;
pub mod roles;
pub mod sessions;
pub mod sign_in_throttle;
pub mod users;
