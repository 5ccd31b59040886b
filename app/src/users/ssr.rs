pub mod invite;
pub mod repo;
