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

/// What a page region shows when its data could not be loaded. A refusal or a missing item
/// also becomes the page's HTTP status (403 / 404) when it is rendered on the server.
#[component]
pub fn LoadError(
    /// The error the load returned.
    error: AppError,
) -> impl IntoView {
    set_page_status(&error);
    let message = match error {
        AppError::Forbidden => {
            "Your role does not give you access to this page. Ask an administrator if you need it."
                .to_owned()
        }
        other => other.to_string(),
    };
    view! {
        <div class="alert alert-danger" role="alert">
            {message}
        </div>
    }
}

/// Answers the page being rendered on the server with the status of `error` when it is a
/// refusal (403) or a missing item (404); other errors leave the status alone. Does nothing
/// in the browser.
pub fn set_page_status(error: &AppError) {
    #[cfg(feature = "ssr")]
    if matches!(error, AppError::Forbidden | AppError::NotFound) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status_code());
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}
