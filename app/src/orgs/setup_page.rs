use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::auth::use_session;
use crate::orgs::api::setup_link_info;
use crate::orgs::dto::SetupInfo;
use crate::ui::{field_error, FormAlert, FormField, LoadError};

/// Where a setup link lands: create the first organisation and its administrator, or
/// finish an invitation. Works without JavaScript.
#[component]
pub fn SetupPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = crate::wire::resource(token, setup_link_info);
    let action = session.complete_setup;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let pending = action.pending();

    view! {
        <Title text="Set up your account" />
        <main class="auth-page">
            <div class="auth-card auth-card-wide">
                <p class="brand brand-large">"Steward"</p>
                <Transition fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        let info = match info.await {
                            Ok(info) => info,
                            Err(error) => {
                                return view! {
                                    <h1>"This link cannot be used"</h1>
                                    <LoadError error />
                                    <p><a href="/sign-in">"Go to sign-in"</a></p>
                                }
                                    .into_any();
                            }
                        };
                        let joining = matches!(info, SetupInfo::JoinOrganisation { .. });
                        let (heading, intro) = match &info {
                            SetupInfo::NewOrganisation => (
                                "Create your organisation".to_owned(),
                                "You will be its first administrator (CSM Manager). There is no default password: choose yours now.".to_owned(),
                            ),
                            SetupInfo::JoinOrganisation { org_name, email } => (
                                format!("Join {org_name}"),
                                format!("You were invited as {email}. Choose your name and password to finish."),
                            ),
                        };
                        view! {
                            <h1>{heading}</h1>
                            <p class="muted">{intro}</p>
                            <FormAlert error />
                            <ActionForm action>
                                <input type="hidden" name="token" value=token() />
                                {(!joining)
                                    .then(|| {
                                        view! {
                                            <FormField
                                                label="Organisation name"
                                                name="organisation"
                                                autocomplete="organization"
                                                required=true
                                                error=field_error(error, "organisation")
                                            />
                                        }
                                    })}
                                <FormField
                                    label="Your name"
                                    name="name"
                                    autocomplete="name"
                                    required=true
                                    error=field_error(error, "name")
                                />
                                {(!joining)
                                    .then(|| {
                                        view! {
                                            <FormField
                                                label="Your email"
                                                name="email"
                                                kind="email"
                                                autocomplete="username"
                                                hint="You sign in with this address."
                                                required=true
                                                error=field_error(error, "email")
                                            />
                                        }
                                    })}
                                <FormField
                                    label="Password"
                                    name="password"
                                    kind="password"
                                    autocomplete="new-password"
                                    hint="At least 8 characters. A few unrelated words make a strong password."
                                    required=true
                                    error=field_error(error, "password")
                                />
                                <FormField
                                    label="Title (optional)"
                                    name="title"
                                    autocomplete="organization-title"
                                    error=field_error(error, "title")
                                />
                                <label class="checkbox">
                                    <input type="checkbox" name="set_up_two_factor" value="yes" />
                                    " Set up two-factor sign-in next"
                                </label>
                                <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                                    {move || if pending.get() { "Setting up…" } else { "Finish set-up" }}
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    })}
                </Transition>
            </div>
        </main>
    }
}
