pub mod csm;
pub mod incremental;
pub mod reader;
pub mod run;
pub mod schedule;
pub mod service;
