use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys;

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
    // Tab and Shift+Tab wrap around inside the dialog instead of leaving for the browser's
    // own controls (the page behind is inert, so that is the only way out).
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(dialog) = dialog.get() else { return };
        let stops = focus_stops(&dialog);
        let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
            return;
        };
        let active = document().active_element();
        let is =
            |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(el)));
        if ev.shift_key() && is(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && is(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    view! {
        <dialog class="modal" node_ref=dialog aria-labelledby=labelled_by on:close=on_close on:click=on_click on:keydown=on_keydown>
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

/// The elements of the dialog that Tab stops at, in document order.
fn focus_stops(dialog: &web_sys::HtmlDialogElement) -> Vec<web_sys::HtmlElement> {
    let all = dialog.get_elements_by_tag_name("*");
    (0..all.length())
        .filter_map(|i| all.item(i))
        .filter(|el| {
            let tabindex = el.get_attribute("tabindex");
            if tabindex.as_deref() == Some("-1") || el.has_attribute("disabled") {
                return false;
            }
            match el.tag_name().to_ascii_lowercase().as_str() {
                "button" | "select" | "textarea" => true,
                "input" => el.get_attribute("type").as_deref() != Some("hidden"),
                "a" => el.has_attribute("href"),
                _ => tabindex.is_some(),
            }
        })
        .filter_map(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some())
        .collect()
}
