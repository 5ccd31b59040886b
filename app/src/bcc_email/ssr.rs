pub mod address;
pub mod parse;
pub mod pipeline;
pub mod queue;
pub mod routes;
pub mod sender_auth;
