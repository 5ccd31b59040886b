//! Server-only parts of My Profile.
pub mod details;
pub mod device;
pub mod password;
pub mod sessions;
