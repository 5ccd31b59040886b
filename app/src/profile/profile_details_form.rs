use leptos::prelude::*;

use crate::auth::use_session;
use crate::profile::api::{get_my_profile, UpdateMyProfile};
use crate::ui::{field_error, use_toasts, Badge, FormAlert, FormField, LoadError, Tone};

/// Your own name, title and phone (editable), and what only an administrator changes
/// (username, role). Works without JavaScript.
#[component]
pub fn ProfileDetailsForm() -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let update = ServerAction::<UpdateMyProfile>::new();
    // Reloaded only after a successful save, so a refused value stays in its field.
    let saved = RwSignal::new(0u32);
    let profile = crate::wire::resource(move || saved.get(), |_| get_my_profile());
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            saved.update(|n| *n += 1);
            session.user.refetch();
            toasts.success("Your details were saved.");
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let profile = match profile.await {
                    Ok(profile) => profile,
                    Err(error) => return view! { <LoadError error /> }.into_any(),
                };
                view! {
                    <div class="profile-grid">
                        <section class="card">
                            <h2>"Your details"</h2>
                            <ActionForm action=update>
                                <FormField
                                    label="Name"
                                    name="name"
                                    autocomplete="name"
                                    required=true
                                    value=profile.name.clone()
                                    error=field_error(error, "name")
                                />
                                <FormField
                                    label="Title"
                                    name="title"
                                    autocomplete="organization-title"
                                    value=profile.title.clone().unwrap_or_default()
                                    error=field_error(error, "title")
                                />
                                <FormField
                                    label="Phone"
                                    name="phone"
                                    kind="tel"
                                    autocomplete="tel"
                                    value=profile.phone.clone().unwrap_or_default()
                                    error=field_error(error, "phone")
                                />
                                <FormAlert error />
                                <button type="submit" class="btn btn-primary" disabled=move || update.pending().get()>
                                    "Save details"
                                </button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>"Account"</h2>
                            <dl class="details">
                                <dt>"Username (email)"</dt>
                                <dd>{profile.email.clone()}</dd>
                                <dt>"Role"</dt>
                                <dd>{profile.role_name.clone()}</dd>
                                <dt>"Organisation"</dt>
                                <dd>{profile.org_name.clone()}</dd>
                                <dt>"Two-factor sign-in"</dt>
                                <dd>
                                    {if profile.two_factor_enabled {
                                        view! { <Badge tone=Tone::Success>"On"</Badge> }
                                    } else {
                                        view! { <Badge tone=Tone::Warning>"Off"</Badge> }
                                    }}
                                </dd>
                            </dl>
                            <p class="muted">"Your username and role are changed by an administrator."</p>
                        </section>
                    </div>
                }
                    .into_any()
            })}
        </Transition>
    }
}
