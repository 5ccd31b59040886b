use leptos::html::{Details, Summary};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys;
use leptos_router::hooks::use_location;

use crate::auth::dto::CurrentUser;
use crate::auth::SignOutButton;
use crate::management::{settings_pages_for, SettingsGroup};

/// Brand, main links, the Settings menu and the user's name (a link to My Profile) with
/// sign-out. The Settings menu lists every settings page the user may open; it is a
/// `<details>` element, so it opens without JavaScript too. With JavaScript, Escape closes
/// it (focus back on "Settings") and the arrow keys move between its links.
#[component]
pub fn TopNav(
    /// The signed-in user.
    user: CurrentUser,
) -> impl IntoView {
    let location = use_location();
    let settings_menu = NodeRef::<Details>::new();
    let settings_button = NodeRef::<Summary>::new();
    // Close the menu after following one of its links.
    let close_menu = move |_| {
        if let Some(menu) = settings_menu.get() {
            menu.set_open(false);
        }
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(menu) = settings_menu.get() else {
            return;
        };
        if !menu.open() {
            return;
        }
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                menu.set_open(false);
                if let Some(button) = settings_button.get() {
                    let _ = button.focus();
                }
            }
            key @ ("ArrowDown" | "ArrowUp") => {
                ev.prevent_default();
                move_focus(&menu, key == "ArrowDown");
            }
            _ => {}
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
    let groups = SettingsGroup::ALL
        .into_iter()
        .filter_map(|group| {
            let mut links = settings_pages_for(&user)
                .filter(|page| page.group == group)
                .map(|page| {
                    view! {
                        <a href=page.href role="menuitem" on:click=close_menu aria-current=current(page.href)>
                            {page.name}
                        </a>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>();
            if group == SettingsGroup::ManagementCenter {
                links.insert(
                    0,
                    view! {
                        <a href="/settings" role="menuitem" on:click=close_menu aria-current=current("/settings")>
                            "Overview"
                        </a>
                    }
                    .into_any(),
                );
            }
            if links.is_empty() {
                return None;
            }
            let heading_id = format!("menu-group-{}", group.label().to_lowercase().replace(' ', "-"));
            let labelled_by = heading_id.clone();
            Some(view! {
                <div role="group" aria-labelledby=labelled_by>
                    <p class="menu-heading" id=heading_id>{group.label()}</p>
                    {links}
                </div>
            })
        })
        .collect_view();
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
                <details class="menu" node_ref=settings_menu on:keydown=on_menu_key>
                    <summary class="btn btn-ghost" node_ref=settings_button>"Settings"</summary>
                    <div class="menu-panel" role="menu" aria-label="Settings">
                        {groups}
                    </div>
                </details>
                <a
                    class="topnav-user"
                    href="/settings/profile"
                    title=format!("{} · My Profile", user.email)
                    aria-label=format!("{} · My Profile", user.name)
                    aria-current=current("/settings/profile")
                >
                    <span class="topnav-user-name">{user.name.clone()}</span>
                    <span class="topnav-initials" aria-hidden="true">{initials(&user.name)}</span>
                </a>
                <SignOutButton />
            </div>
        </header>
    }
}

/// "Ada Lovelace" → "AL": shown instead of the name at phone width.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// Moves the focus to the next (or previous) link of the open menu, wrapping around.
fn move_focus(menu: &web_sys::HtmlDetailsElement, forward: bool) {
    let links = menu.get_elements_by_tag_name("a");
    let count = links.length();
    if count == 0 {
        return;
    }
    let active = document().active_element();
    let at = (0..count).find(|&i| links.item(i).is_some() && links.item(i) == active);
    let next = match (at, forward) {
        (None, true) => 0,
        (None, false) => count - 1,
        (Some(i), true) => (i + 1) % count,
        (Some(i), false) => (i + count - 1) % count,
    };
    if let Some(link) = links
        .item(next)
        .and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = link.focus();
    }
}
