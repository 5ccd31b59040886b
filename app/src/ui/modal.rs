use leptos::prelude::*;

/// A dialog over the page. Closes with its close button, a click outside, or Escape.
#[component]
pub fn Modal(
    /// Heading of the dialog.
    #[prop(into)]
    title: String,
    /// Whether the dialog is shown; the modal sets it to false when closed.
    open: RwSignal<bool>,
    /// Dialog content.
    children: ChildrenFn,
) -> impl IntoView {
    let title_id = format!(
        "modal-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    let children = StoredValue::new(children);
    // Escape closes the dialog wherever the focus is.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && open.get_untracked() {
                open.set(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <Show when=move || open.get()>
            <div class="modal-backdrop" on:click=move |_| open.set(false)>
                <div
                    class="modal"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby=title_id.clone()
                    on:click=|ev| ev.stop_propagation()
                >
                    <header class="modal-header">
                        <h2 id=title_id.clone()>{title.clone()}</h2>
                        <button
                            type="button"
                            class="btn btn-ghost btn-icon"
                            aria-label="Close"
                            on:click=move |_| open.set(false)
                        >
                            "×"
                        </button>
                    </header>
                    <div class="modal-body">{children.with_value(|c| c())}</div>
                </div>
            </div>
        </Show>
    }
}
