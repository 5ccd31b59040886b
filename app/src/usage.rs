//! Product usage per account: daily rollups of the Event API's events (active users,
//! sessions, session time, events, feature uses, module time) and the 30-day summary the
//! account page shows.
//!
//! Sessions: events with a `session_id` are grouped by it; events without one are split
//! per user into sessions by the 30-minute inactivity rule (a gap over 30 minutes starts a
//! new session). Rollups are per UTC day, so a session that crosses midnight counts on
//! both days. A session lasts from its first to its last event, or the sum of its
//! `sessionSync` `active_duration`s when that is larger.
pub mod dto;

#[cfg(feature = "ssr")]
pub mod ssr;
