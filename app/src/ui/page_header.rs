use leptos::prelude::*;
use leptos_meta::Title;

/// The heading of a Management Center page: the document title, the way back to the
/// Management Center, and the page's name.
#[component]
pub fn PageHeader(
    /// The page's name, used for the heading and the document title.
    title: &'static str,
) -> impl IntoView {
    view! {
        <Title text=title />
        <header class="page-header">
            <p class="breadcrumb">
                <a href="/settings">"Management Center"</a>
                {format!(" / {title}")}
            </p>
            <h1>{title}</h1>
        </header>
    }
}
