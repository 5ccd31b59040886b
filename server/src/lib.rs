#![recursion_limit = "512"]
//! The axum host: configuration and logging at start-up, the HTTP router with its
//! security layer, the background scheduler, and the operator commands. Features live in
//! `app/`; this crate only wires them together.
pub mod cli;
pub mod http;
pub mod smtp;
pub mod startup;
pub mod telemetry;
