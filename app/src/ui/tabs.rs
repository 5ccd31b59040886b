use leptos::prelude::*;

/// Tabs as links carrying `?tab=<key>`, so the URL always says which tab is shown and the
/// tabs work without JavaScript.
#[component]
pub fn Tabs(
    /// (key, label) pairs in display order.
    tabs: Vec<(&'static str, &'static str)>,
    /// The key of the tab being shown.
    #[prop(into)]
    active: Signal<String>,
    /// The page path the tabs belong to.
    #[prop(into)]
    base: String,
) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Sections">
            {tabs
                .into_iter()
                .map(|(key, label)| {
                    let href = format!("{base}?tab={key}");
                    let is_active = move || active.get() == key;
                    view! {
                        <a
                            href=href
                            class="tab"
                            class:tab-active=is_active
                            aria-current=move || if is_active() { Some("page") } else { None }
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
