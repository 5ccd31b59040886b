pub mod incremental;
pub mod reader;
