use leptos::html::Details;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::auth::dto::CurrentUser;
use crate::auth::SignOutButton;
use crate::roles::permission::Permission;

/// Brand, main links, the Settings menu and the user's name with sign-out. The Settings
/// menu is a `<details>` element, so it opens without JavaScript too.
#[component]
pub fn TopNav(
    /// The signed-in user.
    user: CurrentUser,
) -> impl IntoView {
    let location = use_location();
    let settings_menu = NodeRef::<Details>::new();
    // Close the menu after following one of its links.
    let close_menu = move |_| {
        if let Some(menu) = settings_menu.get() {
            menu.set_open(false);
        }
    };
    let current = move |path: &'static str| {
        move || {
            if location.pathname.get() == path {
                Some("page")
            } else {
                None
            }
        }
    };
    // The list and every account page under it.
    let within = move |path: &'static str| {
        move || {
            let here = location.pathname.get();
            (here == path || here.starts_with(&format!("{path}/"))).then_some("page")
        }
    };
    view! {
        <header class="topnav">
            <a href="/" class="brand">
                "Steward"
            </a>
            <span class="topnav-org" title="Organisation">
                {user.org_name.clone()}
            </span>
            <nav class="topnav-links" aria-label="Main">
                <a href="/" aria-current=current("/")>
                    "Home"
                </a>
                <a href="/accounts" aria-current=within("/accounts")>
                    "Accounts"
                </a>
            </nav>
            <div class="topnav-right">
                <details class="menu" node_ref=settings_menu>
                    <summary class="btn btn-ghost">"Settings"</summary>
                    <div class="menu-panel" role="menu">
                        <p class="menu-heading">"Management Center"</p>
                        <a href="/settings" role="menuitem" on:click=close_menu aria-current=current("/settings")>
                            "Overview"
                        </a>
                        {user
                            .can(Permission::ConfigureUsers)
                            .then(|| {
                                view! {
                                    <a href="/settings/users" role="menuitem" on:click=close_menu aria-current=current("/settings/users")>
                                        "Users"
                                    </a>
                                }
                            })}
                        <a
                            href="/settings/profile"
                            role="menuitem"
                            on:click=close_menu
                            aria-current=current("/settings/profile")
                        >
                            "My Profile"
                        </a>
                    </div>
                </details>
                <span class="topnav-user" title=user.email.clone()>
                    {user.name.clone()}
                </span>
                <SignOutButton />
            </div>
        </header>
    }
}
