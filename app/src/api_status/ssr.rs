//! Server side of API Status: writing the log (`recorder`) and reading it (`repo`).
pub mod recorder;
pub mod repo;
