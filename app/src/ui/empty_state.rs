use leptos::prelude::*;

/// What a section shows when it has nothing yet, with the next step to take.
#[component]
pub fn EmptyState(
    /// One line saying what is missing.
    #[prop(into)]
    title: String,
    /// Explanation and the action to take.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-state-title">{title}</p>
            <div class="empty-state-body">{children()}</div>
        </div>
    }
}
