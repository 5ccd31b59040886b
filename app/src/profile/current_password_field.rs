use leptos::prelude::*;

use crate::error::AppError;
use crate::ui::{field_error, FormField};

/// "Current password", asked again before a security change, with its error from the
/// action's last answer.
#[component]
pub fn CurrentPasswordField(
    /// The last error of the action the field belongs to.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <FormField
            label="Current password"
            name="current_password"
            kind="password"
            autocomplete="current-password"
            required=true
            error=field_error(error, "current_password")
        />
    }
}
