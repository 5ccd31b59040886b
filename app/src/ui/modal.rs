use leptos::html::Dialog;
use leptos::prelude::*;

/// A dialog over the page: a native `<dialog>` opened with `showModal()`, so the browser
/// moves the focus into it, keeps the focus inside while it is open (the rest of the page is
/// inert), closes it on Escape and gives the focus back to the control that opened it.
/// It also closes with its close button and a click on the backdrop.
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
    let dialog = NodeRef::<Dialog>::new();
    // The signal drives the element: open it as a modal, or close it (Effects run only in
    // the browser, after the content below is rendered).
    Effect::new(move |_| {
        let (Some(dialog), wanted) = (dialog.get(), open.get()) else {
            return;
        };
        if wanted && !dialog.open() {
            let _ = dialog.show_modal();
        } else if !wanted && dialog.open() {
            dialog.close();
        }
    });
    // Escape (the browser's `cancel`, then `close`) and `close()` both end here.
    let on_close = move |_| {
        if open.get_untracked() {
            open.set(false);
        }
    };
    // A click on the backdrop lands on the <dialog> itself; the content fills the box.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if ev.target() == ev.current_target() {
            open.set(false);
        }
    };
    let labelled_by = title_id.clone();
    view! {
        <dialog class="modal" node_ref=dialog aria-labelledby=labelled_by on:close=on_close on:click=on_click>
            <Show when=move || open.get()>
                <div class="modal-content">
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
            </Show>
        </dialog>
    }
}
