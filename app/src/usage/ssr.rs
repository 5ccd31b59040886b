//! Server side of usage: the rollup job and the summary query.
pub mod rollup;
pub mod summary;

pub use summary::summary;
