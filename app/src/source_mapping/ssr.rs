pub mod catalogue;
pub mod mapping;
pub mod origins;
pub mod service;
