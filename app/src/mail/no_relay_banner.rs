use leptos::prelude::*;

/// Shown on the Users and Outbox pages while no mail relay is configured: nothing Steward
/// "sends" leaves it, so people need to know where the messages are.
#[component]
pub fn NoRelayBanner(
    /// Whether to link to the Outbox (left out on the Outbox page itself).
    #[prop(optional)]
    outbox_link: bool,
) -> impl IntoView {
    view! {
        <div class="alert alert-info no-relay-banner" role="note" data-testid="no-relay-banner">
            <strong>"No mail relay is configured, so Steward sends no email."</strong>
            " Invitations, password reset links and notices wait in the Outbox, where you can open each one and pass its link on yourself. To send them, set "
            <code>"relay"</code>
            " in the "
            <code>"[mail]"</code>
            " section of Leptos.toml (or "
            <code>"STEWARD_MAIL_RELAY"</code>
            ") and restart Steward."
            {outbox_link.then(|| view! { " " <a href=OUTBOX_KEPT>"Open the Outbox"</a> })}
        </div>
    }
}

/// The Outbox filtered to the messages kept because no relay is configured.
pub const OUTBOX_KEPT: &str = "/settings/outbox?status=outbox";
