pub mod compose;
pub mod queue;
pub mod transport;
