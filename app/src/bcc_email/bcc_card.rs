use leptos::prelude::*;

use crate::bcc_email::api::{get_bcc_address, RegenerateBccAddress};
use crate::roles::permission::Permission;
use crate::shell::IfAllowed;
use crate::ui::{CopyButton, FormAlert, LoadError, Modal};

/// Source Overview's BCC email card: the organisation's address with a copy button, and
/// Regenerate (behind a confirmation; the old address is refused from then on).
#[component]
pub fn BccAddressCard() -> impl IntoView {
    let regenerate = ServerAction::<RegenerateBccAddress>::new();
    let open = RwSignal::new(false);
    let address = crate::wire::resource(move || regenerate.version().get(), |_| get_bcc_address());
    let error = Signal::derive(move || regenerate.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(_)) = regenerate.value().get() {
            open.set(false);
        }
    });
    let ask = move |_| {
        regenerate.value().set(None);
        open.set(true);
    };
    view! {
        <section class="card" aria-labelledby="bcc-title">
            <h2 id="bcc-title">"BCC email"</h2>
            <p class="muted">
                "Add this address as BCC on any customer email you'd like to sync over as an account interaction. "
                "Mail counts only from Steward users of your organisation, and is matched to accounts by contact email; "
                "the rest waits in IT Administration → Unmatched email."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading the BCC address…"</p> }>
                {move || Suspend::new(async move {
                    match address.await {
                        Ok(bcc) => view! {
                            <p class="copy-row">
                                <code data-testid="bcc-address">{bcc.address.clone()}</code>
                                " "
                                <CopyButton text=bcc.address.clone() label="Copy the BCC address" />
                            </p>
                            <p class="muted">
                                "Made " {bcc.created} ". Mail services and forwarders can also post the raw message (Content-Type message/rfc822) to "
                                <code>{bcc.http_url}</code> "."
                                {(!bcc.smtp_listening).then_some(" This Steward's SMTP listener is off, so only that address receives mail.")}
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
            <IfAllowed permission=Permission::ConfigureDataConnectors>
                <button type="button" class="btn btn-ghost" on:click=ask>"Regenerate"</button>
            </IfAllowed>
        </section>
        <Modal title="Regenerate the BCC address" open>
            <p>
                "Make a new BCC address? The current one is retired: mail sent to it is refused from now on, "
                "so everyone who saved it needs the new one."
            </p>
            <ActionForm action=regenerate>
                <FormAlert error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-danger" disabled=move || regenerate.pending().get()>
                        {move || if regenerate.pending().get() { "Regenerating…" } else { "Regenerate address" }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </ActionForm>
        </Modal>
    }
}
