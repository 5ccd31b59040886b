//! Steward's application: pages, components and server functions, compiled twice — to
//! WASM for the browser (`hydrate`) and into the server (`ssr`), where the server-only
//! services sit behind `#[cfg(feature = "ssr")]`.
//!
//! One folder per feature slice: `auth/` (sign-in, sessions), `two_factor/`, `orgs/`
//! (organisations and setup links), `roles/`, `profile/`, `management/`; `shell/` is the
//! frame around pages and `ui/` the shared components.
#![recursion_limit = "256"]

// The server renders and the browser hydrates the same views only if both are built in the
// same mode; every build erases components (`.cargo/config.toml`, issue 16). A RUSTFLAGS set
// in the environment replaces that file's flags, so say so here rather than panic at hydration.
#[cfg(not(erase_components))]
compile_error!(
    "Steward is built with `--cfg erase_components` (see .cargo/config.toml); \
     a RUSTFLAGS environment variable replaces those flags: add `--cfg erase_components` \
     to it or unset it"
);

pub mod accounts;
pub mod api_docs;
pub mod api_keys;
pub mod api_status;
pub mod audit;
pub mod auth;
pub mod bcc_email;
pub mod connections;
pub mod csv_out;
pub mod email_config;
pub mod error;
pub mod lazy_pages;
pub mod limits;
pub mod mail;
pub mod management;
pub mod orgs;
pub mod profile;
pub mod roles;
pub mod salesforce_sync;
pub mod shell;
pub mod source_mapping;
pub mod time_label;
pub mod two_factor;
pub mod ui;
pub mod upload;
pub mod usage;
pub mod users;
pub mod validation;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod account_api;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod event_api;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod public_api;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod time;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::auth::{
    provide_session, ForgotPasswordPage, ResetPasswordPage, SecondFactorPage, SignInPage,
};
use crate::lazy_pages::*;
use crate::orgs::SetupPage;
use crate::shell::{HomePage, NotFoundPage, SignedInLayout};
use leptos_router::Lazy;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                // Both name the hashed files of the build (`hash.txt`): cached for a year.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    ui::provide_toasts();
    // `body[data-hydrated]`, which browser tests wait for, is set by the frontend crate once
    // hydration, lazy routes included, has finished.

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Steward".to_owned() } else { format!("{text} · Steward") } />
        <Router>
            <AppRoutes />
        </Router>
        <ui::ToastRegion />
    }
}

/// The routes. Every page sits under `SessionRoot`, which `<Routes>` renders: the session's
/// actions must be created there to see the error that a form post without JavaScript
/// brings back in the URL.
#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFoundPage /> }>
            <ParentRoute path=path!("") view=SessionRoot ssr=SsrMode::Async>
                <Route path=path!("sign-in") view=SignInPage ssr=SsrMode::Async />
                <Route path=path!("sign-in/verify") view=SecondFactorPage ssr=SsrMode::Async />
                <Route path=path!("sign-in/forgot") view=ForgotPasswordPage ssr=SsrMode::Async />
                <Route path=path!("reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async />
                <Route path=path!("setup/:token") view=SetupPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("accounts") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("accounts/:account_pk") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings") view={Lazy::<ManagementCenterRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/roles") view={Lazy::<RolesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/audit") view={Lazy::<AuditLogRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/outbox") view={Lazy::<OutboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/source-overview") view={Lazy::<SourceOverviewRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/source-mapping") view={Lazy::<SourceMappingRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/oauth") view={Lazy::<OAuthRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/credentials") view={Lazy::<CredentialsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/api-upload") view={Lazy::<ApiUploadRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/email") view={Lazy::<EmailConfigRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/api-status") view={Lazy::<ApiStatusRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/unmatched-email") view={Lazy::<UnmatchedEmailRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/it/api") view={Lazy::<ApiDocsRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </ParentRoute>
        </Routes>
    }
}

/// Provides the session (signed-in user and the actions that change it) to every page.
#[component]
fn SessionRoot() -> impl IntoView {
    provide_session();
    view! { <Outlet /> }
}
