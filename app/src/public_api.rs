//! What the public HTTP APIs (Account API v2 under `/api/v2/`, Event API under `/v1/`)
//! share: their limits and the redaction of keys from paths before anything is logged.
//! Server only. The APIs themselves live in `account_api/` and `event_api/`.
pub mod body;
pub mod limits;
pub mod redact;
