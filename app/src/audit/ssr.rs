pub mod record;
pub mod repo;
