//! Integration tests: every server function through the real axum router, on SQLite by
//! default or on PostgreSQL when STEWARD_TEST_DATABASE_URL names one (a fresh database
//! per test). One binary, one module per feature.
#![recursion_limit = "512"]

mod common;

mod account_api;
mod account_api_people;
mod account_api_props;
mod accounts;
mod api_docs;
mod api_keys;
mod api_status;
mod assets;
mod audit;
mod auth;
mod bcc_email;
mod body_budget;
mod cli;
mod connections;
mod email_config;
mod event_api;
mod hardening;
mod invite;
mod isolation;
mod jobs;
mod mail;
mod manage;
mod outbox;
mod page_status;
mod password_reset;
mod profile;
mod roles;
mod salesforce_runs;
mod salesforce_sync;
mod security;
mod setup;
mod sign_in_next;
mod source_mapping;
mod standin;
mod storage;
mod two_factor;
mod upload;
mod upload_page;
mod usage;
mod users;
mod wire;
