//! Server side of API Status: writing the log (`recorder`).
pub mod recorder;
