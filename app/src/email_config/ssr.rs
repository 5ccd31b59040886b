pub mod dkim;
pub mod records;
pub mod service;
pub mod verify;
