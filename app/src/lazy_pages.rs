//! Pages the browser loads only when they are shown (issue 16).
//!
//! The first download (`pkg/steward.<hash>.wasm`) holds the frame, the sign-in pages and the
//! home page. Every other page belongs to one of three groups, each a `#[lazy]` function that
//! `cargo leptos build --split` cuts into its own WASM file: Accounts, Settings (people and
//! security) and IT Administration. A page's code arrives with the first page of its group
//! that someone opens; the rest of the group is then already there.
//!
//! Why groups and not one file per page: the splitter puts code shared by several split
//! points into chunks of its own, one per combination of users, so fifteen split points made
//! 257 files and a page needed up to 130 requests. Three groups leave a handful of files per
//! page, which matters more on a slow link than the few KiB a page of the same group brings
//! along. The server names the files of the page it renders in `<link rel="preload">`, so a
//! page opened directly loads them beside the main bundle; all of them have hashed names and
//! are cached for a year (`server/src/http/cache.rs`).
//!
//! A page's data (resources, actions) is created inside its view, so `data()` has nothing to
//! do. A new page joins a group by a variant here and a route in `lib.rs`.
use std::future::Future;

use leptos::lazy;
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Pages of the Accounts group.
#[derive(Clone, Copy)]
pub enum AccountsLazyPage {
    List,
    Detail,
}

/// Pages of the Settings group: the Management Center and its people and security pages.
#[derive(Clone, Copy)]
pub enum SettingsLazyPage {
    ManagementCenter,
    Profile,
    Users,
    Roles,
    AuditLog,
    Outbox,
}

/// Pages of the IT Administration group.
#[derive(Clone, Copy)]
pub enum ItLazyPage {
    SourceOverview,
    SourceMapping,
    OAuth,
    Credentials,
    ApiUpload,
    EmailConfig,
    ApiStatus,
    UnmatchedEmail,
    ApiDocs,
}

#[lazy]
fn accounts_group(page: AccountsLazyPage) -> AnyView {
    match page {
        AccountsLazyPage::List => crate::accounts::AccountsPage().into_any(),
        AccountsLazyPage::Detail => crate::accounts::AccountPage().into_any(),
    }
}

#[lazy]
fn settings_group(page: SettingsLazyPage) -> AnyView {
    match page {
        SettingsLazyPage::ManagementCenter => crate::management::ManagementCenterPage().into_any(),
        SettingsLazyPage::Profile => crate::profile::ProfilePage().into_any(),
        SettingsLazyPage::Users => crate::users::UsersPage().into_any(),
        SettingsLazyPage::Roles => crate::roles::RolesPage().into_any(),
        SettingsLazyPage::AuditLog => crate::audit::AuditLogPage().into_any(),
        SettingsLazyPage::Outbox => crate::mail::OutboxPage().into_any(),
    }
}

#[lazy]
fn it_administration_group(page: ItLazyPage) -> AnyView {
    match page {
        ItLazyPage::SourceOverview => crate::api_keys::SourceOverviewPage().into_any(),
        ItLazyPage::SourceMapping => crate::source_mapping::SourceMappingPage().into_any(),
        ItLazyPage::OAuth => crate::connections::OAuthPage().into_any(),
        ItLazyPage::Credentials => crate::connections::CredentialsPage().into_any(),
        ItLazyPage::ApiUpload => crate::upload::ApiUploadPage().into_any(),
        ItLazyPage::EmailConfig => crate::email_config::EmailConfigPage().into_any(),
        ItLazyPage::ApiStatus => crate::api_status::ApiStatusPage().into_any(),
        ItLazyPage::UnmatchedEmail => crate::bcc_email::UnmatchedEmailPage().into_any(),
        ItLazyPage::ApiDocs => crate::api_docs::ApiPage().into_any(),
    }
}

/// Names the files of a lazy group in `<link rel="preload">` tags of the page being rendered,
/// so the browser fetches them beside the main bundle instead of after it has started.
///
/// leptos_integration_utils 0.8.9 means to do this itself, but it looks the split manifest
/// up outside any reactive owner, where the context is never found, so no page got the tags.
/// The route's `data()` runs inside the page's owner on the server, below `HydrationScripts`
/// which provides the manifest. `crossorigin="anonymous"` matches the loader's plain
/// `fetch()`, so the browser uses the preloaded response.
#[cfg(feature = "ssr")]
fn preload_group(group: &str) {
    use leptos_meta::Link;

    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg_path, splits, loader) = &*manifest;
    // Keys are `<function>_<hash of its source location>`.
    let prefix = format!("{group}_");
    let files = splits
        .iter()
        .filter(|(split, _)| split.starts_with(&prefix))
        .flat_map(|(_, files)| files);
    for file in files {
        // `to_html` on a leptos_meta tag adds it to the page's <head>.
        let _ = view! {
            <Link
                rel="preload"
                href=format!("{pkg_path}/{file}.wasm")
                as_="fetch"
                type_="application/wasm"
                crossorigin="anonymous"
            />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{pkg_path}/{loader}") /> }.to_html();
}

/// One zero-sized route type per page; its view is its group's lazy function.
macro_rules! lazy_routes {
    ($($route:ident => $group:ident($page:expr), $preload:ident;)*) => {
        $(
            #[doc = concat!("Lazy route of `", stringify!($page), "`.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    #[cfg(feature = "ssr")]
                    preload_group(stringify!($group));
                    $route
                }

                fn view(_this: Self) -> impl Future<Output = AnyView> {
                    $group($page)
                }

                // Lets the router fetch the group's files before it needs them.
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

lazy_routes! {
    AccountsRoute => accounts_group(AccountsLazyPage::List), __preload_accounts_group;
    AccountRoute => accounts_group(AccountsLazyPage::Detail), __preload_accounts_group;
    ManagementCenterRoute => settings_group(SettingsLazyPage::ManagementCenter), __preload_settings_group;
    ProfileRoute => settings_group(SettingsLazyPage::Profile), __preload_settings_group;
    UsersRoute => settings_group(SettingsLazyPage::Users), __preload_settings_group;
    RolesRoute => settings_group(SettingsLazyPage::Roles), __preload_settings_group;
    AuditLogRoute => settings_group(SettingsLazyPage::AuditLog), __preload_settings_group;
    OutboxRoute => settings_group(SettingsLazyPage::Outbox), __preload_settings_group;
    SourceOverviewRoute => it_administration_group(ItLazyPage::SourceOverview), __preload_it_administration_group;
    SourceMappingRoute => it_administration_group(ItLazyPage::SourceMapping), __preload_it_administration_group;
    OAuthRoute => it_administration_group(ItLazyPage::OAuth), __preload_it_administration_group;
    CredentialsRoute => it_administration_group(ItLazyPage::Credentials), __preload_it_administration_group;
    ApiUploadRoute => it_administration_group(ItLazyPage::ApiUpload), __preload_it_administration_group;
    EmailConfigRoute => it_administration_group(ItLazyPage::EmailConfig), __preload_it_administration_group;
    ApiStatusRoute => it_administration_group(ItLazyPage::ApiStatus), __preload_it_administration_group;
    UnmatchedEmailRoute => it_administration_group(ItLazyPage::UnmatchedEmail), __preload_it_administration_group;
    ApiDocsRoute => it_administration_group(ItLazyPage::ApiDocs), __preload_it_administration_group;
}
