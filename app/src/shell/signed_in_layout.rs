use leptos::html::Main;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

use crate::auth::use_session;
use crate::error::AppError;
use crate::shell::TopNav;
use crate::ui::LoadError;

/// A skip link and the top navigation above the page. Visitors without a session are sent
/// to sign in.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let session = use_session();
    let main = NodeRef::<Main>::new();
    // The router takes over in-page links and would only scroll: move the focus too, so the
    // next Tab starts in the page. Without JavaScript the browser does both.
    let skip_to_main = move |ev: leptos::ev::MouseEvent| {
        if let Some(main) = main.get() {
            ev.prevent_default();
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>
            "Skip to main content"
        </a>
        <Transition fallback=|| view! { <header class="topnav topnav-placeholder"></header> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(user)) => view! { <TopNav user /> }.into_any(),
                    Ok(None) | Err(AppError::Unauthenticated) => view! { <Redirect path="/sign-in" /> }.into_any(),
                    Err(error) => {
                        view! { <LoadError error /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <main class="page" id="main" tabindex="-1" node_ref=main>
            <Outlet />
        </main>
    }
}
