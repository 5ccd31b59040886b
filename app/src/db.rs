//! Database access shared by every slice: connection set-up and the SeaORM entities.
//! Entities mirror the migrations one table a file; hand-written queries live in each
//! slice's `ssr/repo.rs`, never here.
pub mod connect;
pub mod entities;
pub mod search;
pub mod write_turn;

pub use write_turn::{begin_write, write_turn, WriteTransaction};
