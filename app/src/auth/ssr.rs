//! Server-only parts of signing in.
pub mod context;
pub mod one_time;
pub mod password;
pub mod password_reset;
pub mod service;
pub mod session;
pub mod throttle;
