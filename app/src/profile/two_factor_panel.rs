use leptos::prelude::*;

use crate::profile::{CurrentPasswordField, RecoveryCodesList};
use crate::two_factor::api::{
    get_two_factor_status, BeginTwoFactorSetup, ConfirmTwoFactorSetup, DisableTwoFactor,
    RegenerateRecoveryCodes,
};
use crate::two_factor::dto::TwoFactorStatus;
use crate::ui::{
    field_error, use_toasts, Badge, EmptyState, FormAlert, FormField, LoadError, Modal, Tone,
};

/// Turn two-factor sign-in on (password → scan → confirm with a code → recovery codes),
/// re-seed it, or turn it off. Needs JavaScript: the new secret and the recovery codes
/// are shown only in the response that creates them.
#[component]
pub fn TwoFactorPanel() -> impl IntoView {
    let toasts = use_toasts();
    let begin = ServerAction::<BeginTwoFactorSetup>::new();
    let confirm = ServerAction::<ConfirmTwoFactorSetup>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let status = crate::wire::resource(
        move || {
            (
                confirm.version().get(),
                disable.version().get(),
                regenerate.version().get(),
            )
        },
        |_| get_two_factor_status(),
    );

    let begin_error = Signal::derive(move || begin.value().get().and_then(Result::err));
    let confirm_error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let disable_error = Signal::derive(move || disable.value().get().and_then(Result::err));
    let regenerate_error = Signal::derive(move || regenerate.value().get().and_then(Result::err));
    // The codes to show: the newest of set-up and replacement, until "I have saved these".
    let shown_codes = RwSignal::new(None::<Vec<String>>);
    let enrolment = Signal::derive(move || begin.value().get().and_then(Result::ok));
    let reseed_open = RwSignal::new(false);
    let disable_open = RwSignal::new(false);
    let regenerate_open = RwSignal::new(false);

    // React to completed actions: close dialogs, reveal codes, confirm with a toast.
    Effect::new(move |_| {
        if let Some(Ok(codes)) = confirm.value().get() {
            shown_codes.set(Some(codes));
            begin.value().set(None);
            toasts.success("Two-factor sign-in is on.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = disable.value().get() {
            disable_open.set(false);
            begin.value().set(None);
            toasts.success("Two-factor sign-in is off.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(codes)) = regenerate.value().get() {
            regenerate_open.set(false);
            shown_codes.set(Some(codes));
            toasts.success("New recovery codes are ready; the old ones no longer work.");
        }
    });
    Effect::new(move |_| {
        if enrolment.get().is_some() {
            reseed_open.set(false);
        }
    });

    let password_form = move |submit_label: &'static str| {
        view! {
            <ActionForm action=begin>
                <CurrentPasswordField error=begin_error />
                <FormAlert error=begin_error />
                <button type="submit" class="btn btn-primary" disabled=move || begin.pending().get()>
                    {submit_label}
                </button>
            </ActionForm>
        }
    };

    view! {
        <section class="card" id="two-factor">
            <h2>"Two-factor sign-in"</h2>
            <noscript>
                <div class="alert alert-info">"Changing two-factor sign-in needs JavaScript turned on."</div>
            </noscript>
            {move || {
                shown_codes
                    .get()
                    .map(|codes| {
                        view! { <RecoveryCodesList codes on_done=Callback::new(move |_| shown_codes.set(None)) /> }
                    })
            }}
            {move || {
                enrolment
                    .get()
                    .map(|enrolment| {
                        view! {
                            <div class="enrolment">
                                <p class="enrolment-step">
                                    "1. Scan this code with your authenticator app (Google Authenticator, Microsoft Authenticator, Duo Mobile…)."
                                </p>
                                <div class="qr" inner_html=enrolment.qr_svg.clone()></div>
                                <p class="enrolment-step">"2. Or type this key into the app:"</p>
                                <p class="secret" data-testid="totp-secret">
                                    <code>{enrolment.secret.clone()}</code>
                                </p>
                                <p class="enrolment-step">"3. Enter the 6-digit code the app shows."</p>
                                <ActionForm action=confirm>
                                    <FormField
                                        label="Code from the app"
                                        name="code"
                                        autocomplete="one-time-code"
                                        inputmode="numeric"
                                        required=true
                                        error=field_error(confirm_error, "code")
                                    />
                                    <FormAlert error=confirm_error />
                                    <div class="form-actions">
                                        <button type="submit" class="btn btn-primary" disabled=move || confirm.pending().get()>
                                            "Enable two-factor sign-in"
                                        </button>
                                        <button type="button" class="btn btn-ghost" on:click=move |_| begin.value().set(None)>
                                            "Cancel"
                                        </button>
                                    </div>
                                </ActionForm>
                            </div>
                        }
                    })
            }}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(TwoFactorStatus { enabled: true, recovery_codes_left }) => {
                            view! {
                                <div class="two-factor-on">
                                    <p>
                                        <Badge tone=Tone::Success>"On"</Badge>
                                        " Sign-in asks for a code from your authenticator app. "
                                        {format!("{recovery_codes_left} of 10 recovery codes left.")}
                                    </p>
                                    <div class="form-actions">
                                        <button
                                            type="button"
                                            class="btn btn-secondary"
                                            on:click=move |_| {
                                                // A fresh dialog: no answer left from the last time.
                                                begin.value().set(None);
                                                reseed_open.set(true);
                                            }
                                        >
                                            "Reset authenticator"
                                        </button>
                                        <button
                                            type="button"
                                            class="btn btn-secondary"
                                            on:click=move |_| {
                                                // A fresh dialog: no answer left from the last time.
                                                regenerate.value().set(None);
                                                regenerate_open.set(true);
                                            }
                                        >
                                            "New recovery codes"
                                        </button>
                                        <button
                                            type="button"
                                            class="btn btn-danger"
                                            on:click=move |_| {
                                                disable.value().set(None);
                                                disable_open.set(true);
                                            }
                                        >
                                            "Turn off"
                                        </button>
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            view! {
                                <Show when=move || enrolment.get().is_none()>
                                    <EmptyState title="Two-factor sign-in is off">
                                        <p>
                                            "With it on, signing in also needs a code from an app on your phone, so a stolen password is not enough."
                                        </p>
                                        {password_form("Set up two-factor sign-in")}
                                    </EmptyState>
                                </Show>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <LoadError error /> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
        <Modal title="Reset authenticator" open=reseed_open>
            <p>"You will scan a new code. Your current authenticator keeps working until you confirm the new one."</p>
            {password_form("Continue")}
        </Modal>
        <Modal title="New recovery codes" open=regenerate_open>
            <p>"You get ten new codes. The codes you have now stop working at once."</p>
            <ActionForm action=regenerate>
                <CurrentPasswordField error=regenerate_error />
                <FormAlert error=regenerate_error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || regenerate.pending().get()>
                        "Make new codes"
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| regenerate_open.set(false)>
                        "Cancel"
                    </button>
                </div>
            </ActionForm>
        </Modal>
        <Modal title="Turn off two-factor sign-in" open=disable_open>
            <p>"Signing in will need only your password. Your recovery codes stop working."</p>
            <ActionForm action=disable>
                <CurrentPasswordField error=disable_error />
                <FormAlert error=disable_error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-danger" disabled=move || disable.pending().get()>
                        "Turn off"
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| disable_open.set(false)>
                        "Keep it on"
                    </button>
                </div>
            </ActionForm>
        </Modal>
    }
}
