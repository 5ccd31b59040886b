use leptos::prelude::*;

use crate::connections::api::{DeleteCredentials, SaveCredentials};
use crate::connections::dto::{CredentialStatus, CredentialSystem};
use crate::ui::{field_error, FormAlert, FormField};

/// One system's card on Manage Credentials: who set it and when, fingerprints, and a form
/// that saves (or overwrites) every field at once, plus Delete. Values are never shown: the
/// inputs start empty and are drawn again empty after each answer.
#[component]
pub fn CredentialForm(
    /// What is stored for this system.
    status: CredentialStatus,
    /// The page's save action (shared, so the list reloads after any save).
    save: ServerAction<SaveCredentials>,
    /// The page's delete action.
    delete: ServerAction<DeleteCredentials>,
    /// The system whose form was submitted last.
    last: RwSignal<Option<String>>,
) -> impl IntoView {
    let system: CredentialSystem = status.system;
    let key = system.key();
    // Errors belong to the form that was submitted last (`last`, kept by the page).
    let here = move || last.get().as_deref() == Some(key);
    let error = Signal::derive(move || {
        if here() {
            save.value().get().and_then(Result::err)
        } else {
            None
        }
    });
    let mine = move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .is_some_and(|s| s.system == system)
    };
    let set = status.set.clone();
    let has_set = status.set.is_some();
    let id = format!("credentials-{key}");
    let label = system.label();
    view! {
        <section class="card credential-card" id=id.clone() aria-labelledby=format!("{id}-title")>
            <h2 id=format!("{id}-title")>{system.label()}</h2>
            <p class="muted">{system.purpose()}</p>
            {match set {
                Some(set) => view! {
                    <p class="credential-set" data-testid="credential-set">
                        "Set by " {set.set_by} " on " {set.set_at} "."
                        {(!set.fingerprints.is_empty()).then(|| view! {
                            <span class="credential-prints">
                                {set.fingerprints.into_iter().map(|(label, print)| view! {
                                    " " {label} ": " <code>{print}</code>
                                }).collect_view()}
                            </span>
                        })}
                    </p>
                }.into_any(),
                None => view! { <p class="muted" data-testid="credential-unset">"Not set."</p> }.into_any(),
            }}
            {move || mine().then(|| view! {
                <div class="alert alert-success" role="status">"Saved. The values are stored encrypted and will not be shown again."</div>
            })}
            {move || {
                save.version().get();
                view! {
                    <ActionForm action=save>
                        <input type="hidden" name="system" value=key />
                        {system.fields().iter().map(|f| view! {
                            <FormField
                                label=f.label
                                name=f.name
                                kind=if f.secret { "password" } else { "text" }
                                autocomplete="off"
                                required=f.required
                                hint=f.hint
                                error=field_error(error, f.name)
                            />
                        }).collect_view()}
                        <FormAlert error />
                        <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                            {if has_set { "Overwrite" } else { "Save" }}
                        </button>
                    </ActionForm>
                }
            }}
            // Deleting cannot be undone (the values were never shown), so it asks first. A
            // native disclosure: the question works with and without JavaScript.
            {has_set.then(|| view! {
                <details class="credential-delete">
                    <summary class="btn btn-danger">{format!("Delete {label} credentials")}</summary>
                    <div class="credential-delete-confirm" role="group" aria-label=format!("Confirm deleting the {label} credentials")>
                        <p>
                            "Steward will stop using the " {label} " credentials. They cannot be shown or "
                            "restored: to use " {label} " again, enter them anew."
                        </p>
                        <ActionForm action=delete>
                            <input type="hidden" name="system" value=key />
                            <button type="submit" class="btn btn-danger" disabled=move || delete.pending().get()>
                                {move || if delete.pending().get() { "Deleting…" } else { "Delete credentials" }}
                            </button>
                        </ActionForm>
                    </div>
                </details>
            })}
        </section>
    }
}
