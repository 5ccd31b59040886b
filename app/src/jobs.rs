//! Background work that must run exactly once even when several Steward instances share
//! one database (server only).
//!
//! Each job has a row in `job_leases`. An instance runs a job only after winning a
//! conditional UPDATE that succeeds when the job is due (`last_run_at + interval <= now`)
//! and nobody holds a live lease. The database decides the winner, so the rule holds on
//! SQLite and on PostgreSQL alike; a crashed holder's lease simply runs out.
pub mod lease;
pub mod runner;

pub use runner::{spawn_scheduler, Job};
pub mod housekeeping;

/// This process's name in leases (job leases, upload leases): host, process id and a
/// random suffix, the same for the whole life of the process.
pub fn instance_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_else(|_| "host".into());
        format!(
            "{}-{}-{}",
            host.trim(),
            std::process::id(),
            crate::crypto::short_reference()
        )
    })
}
