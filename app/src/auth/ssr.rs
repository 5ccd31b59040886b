//! Server-only parts of signing in.
pub mod context;
pub mod one_time;
pub mod password_reset;
pub mod password;
pub mod service;
pub mod session;
pub mod throttle;
