use leptos::prelude::*;

use crate::mail::OUTBOX_KEPT;

/// Said where Steward would have emailed someone but no relay is configured: what was kept,
/// and a link to the Outbox where it waits.
#[component]
pub fn OutboxNote(
    /// The whole sentence ("The new invitation for ada@example.com was not sent: …").
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! {
        <p class="alert alert-info" role="status" data-testid="outbox-note">
            {message}
            " "
            <a href=OUTBOX_KEPT>"Open the Outbox"</a>
        </p>
    }
}

/// "… was not sent: no mail relay is configured. It waits in the Outbox …" for `what`.
pub fn kept_in_outbox(what: &str) -> String {
    format!("{what} was not sent: no mail relay is configured. It waits in the Outbox, where you can open it and pass the link on yourself.")
}
