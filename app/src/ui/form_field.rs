use leptos::prelude::*;

use crate::error::AppError;

/// The message for one field out of a form's last error.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(field)))
}

/// A labelled input with an optional hint and its inline error. `name` must match the
/// server function's argument so the form also works without JavaScript.
#[component]
pub fn FormField(
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Input name (the server function argument).
    #[prop(into)]
    name: String,
    /// Input type: text, email, password, …
    #[prop(into, default = "text".into())]
    kind: String,
    /// Browser autofill hint.
    #[prop(optional, into)]
    autocomplete: Option<String>,
    /// Help shown under the input.
    #[prop(optional, into)]
    hint: Option<String>,
    /// Whether the field must be filled.
    #[prop(optional)]
    required: bool,
    /// Initial value.
    #[prop(optional, into)]
    value: Option<String>,
    /// Mobile keyboard hint (`numeric`, `email`, …).
    #[prop(optional, into)]
    inputmode: Option<String>,
    /// The error for this field, if any.
    #[prop(into, default = Signal::derive(|| None))]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = match &hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    // An error stops showing once the field is edited; the next submission's error shows.
    let edited = RwSignal::new(false);
    Effect::new(move |_| {
        error.track();
        edited.set(false);
    });
    let error = Signal::derive(move || if edited.get() { None } else { error.get() });
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                value=value
                aria-describedby=described_by
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:input=move |_| edited.set(true)
            />
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}
