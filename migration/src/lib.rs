//! Database schema for Steward. Migrations use sea-query builders only, so the same
//! migration runs on SQLite and PostgreSQL. One file per change, listed in order below.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_organisations_and_roles;
mod m20261122_000002_create_users_and_sessions;
mod m20261122_000003_create_system_tables;
mod m20261122_000004_create_outbound_mail;
mod m20261122_000005_index_users_by_status;
mod m20261122_000006_create_audit_events;
mod m20261122_000007_create_api_keys;
mod m20261122_000008_create_accounts;
mod m20261122_000009_create_usage_events;
mod m20261122_000010_create_api_calls;
mod m20261130_000011_track_link_endings;
mod m20261130_000020_create_usage_daily_users;
mod m20261130_000021_create_password_reset_requests;
mod m20261130_000030_create_connections;
mod m20261130_000040_create_uploads;
mod m20261130_000041_lease_uploads;
mod m20261130_000050_create_sync_runs;
mod m20261130_000060_create_email_domains;
mod m20261130_000070_create_inbound_mail;
mod m20261130_000080_create_sync_field_mappings;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_organisations_and_roles::Migration),
            Box::new(m20261122_000002_create_users_and_sessions::Migration),
            Box::new(m20261122_000003_create_system_tables::Migration),
            Box::new(m20261122_000004_create_outbound_mail::Migration),
            Box::new(m20261122_000005_index_users_by_status::Migration),
            Box::new(m20261122_000006_create_audit_events::Migration),
            Box::new(m20261122_000007_create_api_keys::Migration),
            Box::new(m20261122_000008_create_accounts::Migration),
            Box::new(m20261122_000009_create_usage_events::Migration),
            Box::new(m20261122_000010_create_api_calls::Migration),
            Box::new(m20261130_000011_track_link_endings::Migration),
            Box::new(m20261130_000020_create_usage_daily_users::Migration),
            Box::new(m20261130_000021_create_password_reset_requests::Migration),
            Box::new(m20261130_000030_create_connections::Migration),
            Box::new(m20261130_000040_create_uploads::Migration),
            Box::new(m20261130_000041_lease_uploads::Migration),
            Box::new(m20261130_000050_create_sync_runs::Migration),
            Box::new(m20261130_000060_create_email_domains::Migration),
            Box::new(m20261130_000070_create_inbound_mail::Migration),
            Box::new(m20261130_000080_create_sync_field_mappings::Migration),
        ]
    }
}
