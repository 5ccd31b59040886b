use leptos::prelude::*;

/// A button that copies `text` to the clipboard and then says "Copied". Without JavaScript
/// (and on the server) it only renders; the text beside it can still be selected by hand.
#[component]
pub fn CopyButton(
    /// What to copy.
    text: String,
    /// What the button copies, for screen readers when a page has several ("Copy the DKIM
    /// key value"); without it the visible text is the name.
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" class="btn btn-primary" aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy to clipboard" }}
        </button>
    }
}
