pub mod guard;
pub mod invite;
pub mod repo;
