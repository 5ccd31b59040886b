use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

use crate::auth::use_session;
use crate::error::AppError;
use crate::shell::TopNav;
use crate::ui::LoadError;

/// Top navigation above the page. Visitors without a session are sent to sign in.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let session = use_session();
    view! {
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
        <main class="page">
            <Outlet />
        </main>
    }
}
