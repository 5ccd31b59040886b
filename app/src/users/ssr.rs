pub mod bulk;
pub mod guard;
pub mod invite;
pub mod manage;
pub mod repo;
