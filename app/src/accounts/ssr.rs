pub mod assign;
pub mod detail;
pub mod repo;
pub mod usage;
