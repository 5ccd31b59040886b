pub mod compose;
pub mod outbox;
pub mod queue;
pub mod transport;
