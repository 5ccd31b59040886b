use leptos::html::Main;
use leptos::prelude::*;
use leptos_router::components::Outlet;

use crate::auth::{use_session, Session};
use crate::error::AppError;
use crate::shell::TopNav;
use crate::ui::LoadError;

/// A skip link and the top navigation above the page. Visitors without a session are sent
/// to sign in, with the page they asked for kept as `?next=`.
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
                    Ok(None) | Err(AppError::Unauthenticated) => send_to_sign_in(session),
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

/// On the server: a `303 See Other` to `/sign-in?next=<this page>`. In the browser (the
/// session ended while the app was open): the same, as a client-side navigation, except
/// right after signing out, which needs no way back.
fn send_to_sign_in(session: Session) -> AnyView {
    #[cfg(feature = "ssr")]
    {
        let _ = session;
        use crate::auth::ssr::context;
        let requested = context::requested_path().unwrap_or_default();
        context::see_other(&crate::auth::next::sign_in_path(&requested));
        ().into_any()
    }
    #[cfg(not(feature = "ssr"))]
    {
        use leptos_router::components::Redirect;
        let location = leptos_router::hooks::use_location();
        let target = if session.sign_out.version().get_untracked() > 0 {
            "/sign-in".to_owned()
        } else {
            let search = location.search.get_untracked();
            let requested = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            crate::auth::next::sign_in_path(&requested)
        };
        view! { <Redirect path=target /> }.into_any()
    }
}
