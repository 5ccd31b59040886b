pub mod recovery;
pub mod service;
pub mod totp;
