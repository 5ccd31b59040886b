use leptos::prelude::*;

use crate::email_config::api::{
    get_email_config, SendTestEmail, SetEmailDomain, VerifyEmailDomain,
};
use crate::email_config::dto::{
    CheckOutcome, DnsRecord, DomainStatus, EmailConfig, EmailDomain, RecordCheck,
};
use crate::ui::{
    field_error, Badge, CopyButton, FormAlert, FormField, LoadError, PageHeader, Tone,
};

/// IT Administration → Email Configuration: the sending domain and default From, the DNS
/// records to publish (with copy buttons and registrar hints), Verify with found vs expected
/// per record, the status, and Send test email. Needs Configure Data Connectors (checked by
/// the server). Every form posts without JavaScript too.
#[component]
pub fn EmailConfigPage() -> impl IntoView {
    let set = ServerAction::<SetEmailDomain>::new();
    let verify = ServerAction::<VerifyEmailDomain>::new();
    let test = ServerAction::<SendTestEmail>::new();
    // Reloaded after a successful change; a refused form keeps its values and errors.
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        let saved = matches!(set.value().get(), Some(Ok(_)));
        let verified = matches!(verify.value().get(), Some(Ok(_)));
        if saved || verified {
            reload.update(|n| *n += 1);
        }
    });
    let config = crate::wire::resource(move || reload.get(), |_| get_email_config());
    view! {
        <PageHeader title="Email Configuration" />
        <p class="muted page-intro">
            "Provide a domain and default From address to get started, then add the DNS records we generate to your domain's records. "
            "Once Verify finds them, Steward sends your organisation's mail from your domain, signed with DKIM."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading Email Configuration…"</p> }>
            {move || Suspend::new(async move {
                match config.await {
                    Ok(config) => view! { <EmailConfigBody config set verify test /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EmailConfigBody(
    /// The organisation's configuration.
    config: EmailConfig,
    /// Set domain and From.
    set: ServerAction<SetEmailDomain>,
    /// Verify.
    verify: ServerAction<VerifyEmailDomain>,
    /// Send test email.
    test: ServerAction<SendTestEmail>,
) -> impl IntoView {
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    let domain = config.domain.clone();
    let (domain_value, from_value) = match &domain {
        Some(d) => (Some(d.domain.clone()), Some(d.from_address.clone())),
        None => (None, None),
    };
    let sending = match &domain {
        Some(d) if d.status == DomainStatus::Verified => format!(
            "Steward sends your organisation's mail from {}, signed with DKIM for {}.",
            d.from_address, d.domain
        ),
        Some(d) => format!(
            "{} is not verified, so Steward sends from its own address {} for now.",
            d.domain, config.instance_from
        ),
        None => format!(
            "No sending domain yet: Steward sends from its own address {}.",
            config.instance_from
        ),
    };
    view! {
        <section class="card" aria-labelledby="email-domain-title">
            <h2 id="email-domain-title">"Sending domain"</h2>
            <p data-testid="email-sending">{sending}</p>
            {if config.own_relay {
                view! { <p data-testid="email-relay">"Mail leaves through your organisation's SMTP relay (Manage Credentials)."</p> }.into_any()
            } else if config.relay_configured {
                view! { <p data-testid="email-relay">"Mail leaves through this Steward's relay. An SMTP relay saved under Manage Credentials would be used instead."</p> }.into_any()
            } else {
                view! { <p class="alert alert-warning" role="status">"No mail relay is configured, on this Steward or under Manage Credentials: mail waits in the Outbox."</p> }.into_any()
            }}
            {move || set.value().get().and_then(Result::ok).map(|_| view! {
                <div class="alert alert-success" role="status">"Saved. Publish the records below, then select Verify."</div>
            })}
            <ActionForm action=set>
                <FormField
                    label="Domain"
                    name="domain"
                    autocomplete="off"
                    required=true
                    value=domain_value.unwrap_or_default()
                    hint="The domain Steward sends from, such as mail.acme.com (a subdomain keeps it apart from your own mail). A new domain gets a new DKIM key."
                    error=field_error(error, "domain")
                />
                <FormField
                    label="Default From address"
                    name="from_address"
                    autocomplete="off"
                    required=true
                    value=from_value.unwrap_or_default()
                    hint="On the domain above, such as Acme Success <success@mail.acme.com>."
                    error=field_error(error, "from_address")
                />
                <FormAlert error />
                <button type="submit" class="btn btn-primary" disabled=move || set.pending().get()>"Save"</button>
            </ActionForm>
        </section>
        {domain.map(|d| view! { <DomainRecords domain=d verify test /> })}
    }
}

fn status_tone(status: DomainStatus) -> Tone {
    match status {
        DomainStatus::Verified => Tone::Success,
        DomainStatus::Pending => Tone::Warning,
        DomainStatus::Failed => Tone::Danger,
    }
}

fn outcome_tone(outcome: CheckOutcome) -> Tone {
    match outcome {
        CheckOutcome::Ok | CheckOutcome::Present => Tone::Success,
        CheckOutcome::TemporaryFailure => Tone::Info,
        CheckOutcome::Missing => Tone::Warning,
        _ => Tone::Danger,
    }
}

#[component]
fn DomainRecords(
    /// The domain with its records and last check.
    domain: EmailDomain,
    /// Verify.
    verify: ServerAction<VerifyEmailDomain>,
    /// Send test email.
    test: ServerAction<SendTestEmail>,
) -> impl IntoView {
    let checks = domain.checks.clone();
    let verify_error = Signal::derive(move || verify.value().get().and_then(Result::err));
    let test_error = Signal::derive(move || test.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="email-records-title">
            <h2 id="email-records-title">
                "DNS records for " {domain.domain.clone()} " "
                <Badge tone=status_tone(domain.status)>
                    <span data-testid="email-status">{domain.status.label()}</span>
                </Badge>
            </h2>
            <p class="muted">
                "DKIM selector " <code>{domain.selector.clone()}</code> ". Set by " {domain.set_by.clone()} ". "
                {match domain.last_checked.clone() {
                    Some(at) => format!("Last checked {at}."),
                    None => "Not checked yet.".to_owned(),
                }}
            </p>
            <p class="field-hint">
                "Hosts are shown relative to the zone " <code>{domain.records.first().map(|r| r.zone.clone()).unwrap_or_default()}</code>
                ", as most DNS hosts ask for them; the fully qualified name ends with a dot. Turn proxying off where your DNS host offers it."
            </p>
            {domain.records.into_iter().map(|record| {
                let check = checks.iter().find(|c| c.kind == record.kind).cloned();
                view! { <RecordRow record check /> }
            }).collect_view()}
            <div class="email-actions">
                <ActionForm action=verify>
                    <button type="submit" class="btn btn-primary" disabled=move || verify.pending().get()>
                        {move || if verify.pending().get() { "Verifying…" } else { "Verify" }}
                    </button>
                </ActionForm>
                <ActionForm action=test>
                    <button type="submit" class="btn" disabled=move || test.pending().get()>"Send test email"</button>
                </ActionForm>
            </div>
            <FormAlert error=verify_error />
            <FormAlert error=test_error />
            {move || test.value().get().and_then(Result::ok).map(|sentence| view! {
                <div class="alert alert-success" role="status" data-testid="email-test-sent">{sentence}</div>
            })}
        </section>
    }
}

#[component]
fn RecordRow(
    /// The record to publish.
    record: DnsRecord,
    /// What the last check found for it.
    check: Option<RecordCheck>,
) -> impl IntoView {
    let long = record.quoted != record.value;
    let label = record.kind.label();
    let badge = check.as_ref().map(|c| c.outcome);
    view! {
        <div class="email-record" data-testid="email-record">
            <h3>
                {label} " "
                <span class="muted">{record.record_type.clone()}</span>
                {badge.map(|outcome| view! {
                    " " <Badge tone=outcome_tone(outcome)>{outcome.label()}</Badge>
                })}
            </h3>
            <dl class="details">
                <dt>"Host"</dt>
                <dd>
                    <code>{record.host.clone()}</code> " "
                    <CopyButton text=record.host.clone() label=format!("Copy the {label} host") />
                    <span class="field-hint">" Fully qualified: " <code>{record.fqdn.clone()}</code></span>
                </dd>
                <dt>"Value"</dt>
                <dd>
                    <code class="email-value">{record.value.clone()}</code> " "
                    <CopyButton text=record.value.clone() label=format!("Copy the {label} value") />
                </dd>
                {long.then(|| view! {
                    <dt>"Value as strings"</dt>
                    <dd>
                        <code class="email-value">{record.quoted.clone()}</code> " "
                        <CopyButton text=record.quoted.clone() label=format!("Copy the {label} value as strings") />
                        <span class="field-hint">" For Route 53, BIND and Windows DNS, which take values over 255 characters as quoted strings."</span>
                    </dd>
                })}
                <dt>"Zone file"</dt>
                <dd><code class="email-value">{record.zone_line.clone()}</code></dd>
                {check.map(|c| view! {
                    <dt>"Found"</dt>
                    <dd data-testid="email-found">
                        {if c.found.is_empty() {
                            view! { <span class="muted">"nothing"</span> }.into_any()
                        } else {
                            c.found.into_iter().map(|f| view! { <code class="email-value">{f}</code><br /> }).collect_view().into_any()
                        }}
                    </dd>
                    <dt>"Check"</dt>
                    <dd data-testid="email-explanation">{c.explanation}</dd>
                })}
            </dl>
            <p class="field-hint">{record.hint}</p>
        </div>
    }
}
