use leptos::prelude::*;

use crate::error::AppError;

/// The error about a whole form (field errors show beside their fields instead).
#[component]
pub fn FormAlert(
    /// The last error of the form's action.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.form_message()).map(|message| {
            view! {
                <div class="alert alert-danger" role="alert">
                    {message}
                </div>
            }
        })
    }
}

/// What a page region shows when its data could not be loaded.
#[component]
pub fn LoadError(
    /// The error the load returned.
    error: AppError,
) -> impl IntoView {
    view! {
        <div class="alert alert-danger" role="alert">
            {error.to_string()}
        </div>
    }
}
