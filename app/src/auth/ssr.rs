//! Server-only parts of signing in.
pub mod context;
pub mod password;
pub mod service;
pub mod session;
pub mod throttle;
