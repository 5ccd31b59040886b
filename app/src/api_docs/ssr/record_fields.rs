//! The fields of every record the public APIs write: name, type and description. One list
//! feeds the OpenAPI document (`openapi.rs`) and API Upload's templates, field table and
//! column matching (`upload::ssr::columns`), so they never disagree.

/// A field's type in a record schema.
#[derive(Clone, Copy)]
pub enum F {
    Str,
    /// Epoch milliseconds (integer; a float with no fraction is accepted).
    Ms,
    Int,
    Num,
    Bool,
    LabelDims,
    ValueDims,
    EventDims,
    Csms,
    Stages,
    Nps,
    Documents,
    MetricPoints,
    AnyObject,
    /// An event's `action`: one of `event_api::parse::ACTIONS`.
    Action,
    /// A required id of an event: a string with something other than spaces in it.
    Key,
    /// An event's `created_at`: epoch ms from 2000-01-01.
    CreatedAt,
    /// A number of zero or more, or null.
    Amount,
}

/// (name, type, description). Descriptions start with "Required" when the field is.
pub type Field = (&'static str, F, &'static str);

pub const ACCOUNT: &[Field] = &[
    ("account_id", F::Str, "Required. Your id of the account; a case-sensitive string."),
    ("name", F::Str, "Required for a new account."),
    ("join_date", F::Ms, "Required for a new account."),
    ("renewal_date", F::Ms, ""),
    ("billing_account_id", F::Str, "The account's id in the billing system."),
    ("support_account_id", F::Str, "The account's id in the support system."),
    ("crm_account_id", F::Str, "The account's id in the CRM (e.g. Salesforce Account.Id)."),
    ("billing_street", F::Str, ""),
    ("billing_city", F::Str, ""),
    ("billing_postal_code", F::Str, ""),
    ("billing_state", F::Str, ""),
    ("billing_country", F::Str, ""),
    ("phone", F::Str, ""),
    ("employees", F::Int, ""),
    ("industry", F::Str, ""),
    ("tier", F::Str, ""),
    ("source", F::Str, ""),
    ("csm_score", F::Int, "0 to 100."),
    ("current_nps_score", F::Num, ""),
    ("current_mrr", F::Num, ""),
    ("sales_rep_name", F::Str, ""),
    ("sales_rep_email", F::Str, ""),
    ("current_stage", F::Str, "`stage` is accepted as another name for it."),
    ("website", F::Str, ""),
    ("description", F::Str, ""),
    ("state", F::Str, ""),
    ("region", F::Str, ""),
    ("is_deleted", F::Bool, ""),
    ("is_churned", F::Bool, ""),
    ("inactive_time", F::Ms, "When the account churned."),
    ("inactive_reason", F::Str, ""),
    ("parent_account_id", F::Str, "The parent in an account hierarchy."),
    ("hierarchy_label", F::Str, ""),
    ("latest_status_title", F::Str, ""),
    ("latest_status_details", F::Str, ""),
    ("latest_status_date", F::Ms, ""),
    ("documents", F::Documents, ""),
    ("assigned_csms", F::Csms, "Each email must be an active Steward user of the organisation whose role has the CSM seat; otherwise the record fails. Replaces the assignments made through the API; assignments made by hand in Steward are kept."),
    ("custom_label_dimensions", F::LabelDims, "Textual dimensions."),
    ("custom_value_dimensions", F::ValueDims, "Numeric dimensions."),
    ("custom_event_dimensions", F::EventDims, "Date dimensions (epoch ms)."),
    ("stage_history", F::Stages, ""),
    ("nps_history", F::Nps, ""),
    ("is_active", F::Bool, "Read-only: false once deactivated (DELETE)."),
    ("is_leaf", F::Bool, "Read-only: true when no account names this one as its parent."),
    ("current_health_score", F::Num, "Read-only."),
    ("id", F::Int, "Read-only: Steward's own id of the record (an integer)."),
];

pub const PERSON_COMMON: &[Field] = &[
    (
        "user_id",
        F::Str,
        "Required. Your id of the person; a case-sensitive string.",
    ),
    (
        "account_id",
        F::Str,
        "Required. The account, which must exist (else `Account not found`).",
    ),
    ("first_name", F::Str, ""),
    ("last_name", F::Str, ""),
    ("email", F::Str, ""),
    ("phone", F::Str, ""),
    ("salutation", F::Str, ""),
    ("title", F::Str, ""),
    ("role", F::Str, ""),
    ("department", F::Str, ""),
    ("source", F::Str, ""),
    ("lead_source", F::Str, ""),
    ("mailing_street", F::Str, ""),
    ("mailing_city", F::Str, ""),
    ("mailing_state", F::Str, ""),
    ("mailing_postal_code", F::Str, ""),
    ("mailing_country", F::Str, ""),
    ("custom_label_dimensions", F::LabelDims, ""),
    ("custom_value_dimensions", F::ValueDims, ""),
    ("custom_event_dimensions", F::EventDims, ""),
    ("is_active", F::Bool, "Read-only: false once deactivated."),
];

pub const USER_EXTRA: &[Field] = &[
    ("mobile_phone", F::Str, ""),
    (
        "contact_user_id",
        F::Str,
        "The matching CRM contact's user_id.",
    ),
    ("product_join_date", F::Ms, ""),
];

pub const CONTACT_EXTRA: &[Field] = &[
    ("is_primary", F::Bool, ""),
    ("email_opt_out", F::Bool, ""),
    (
        "crm_account_user_id",
        F::Str,
        "The contact's id in the CRM (e.g. Salesforce Contact.Id).",
    ),
];

pub const METRIC: &[Field] = &[
    ("account_id", F::Str, "Required."),
    (
        "name",
        F::Str,
        "Required. The metric's name, e.g. `product_db.num_invited_users`.",
    ),
    (
        "metrics",
        F::MetricPoints,
        "The values; or give one value flat with `timestamp` and `value`.",
    ),
    (
        "timestamp",
        F::Ms,
        "Flat form (without `metrics`): the day of the value.",
    ),
    ("value", F::Num, "Flat form (without `metrics`): the value."),
];

pub const INTERACTION: &[Field] = &[
    (
        "interaction_id",
        F::Str,
        "Your id of the interaction; upserts by it when given.",
    ),
    ("account_id", F::Str, "Required."),
    ("date", F::Ms, "Required."),
    (
        "type",
        F::Str,
        "Required. Free text, e.g. `email`, `phone`, `meeting`.",
    ),
    ("description", F::Str, "Required."),
    ("subject", F::Str, ""),
    ("contact_email", F::Str, ""),
    ("added_by", F::Str, "Who recorded it."),
];

pub const EVENT: &[Field] = &[
    ("action", F::Action, "Required. One of identifyUser, identifyAccount, sessionSync, moduleEnd, feature, sessionIdle, pageViewEnd."),
    ("account_id", F::Key, "Required. Non-empty."),
    ("user_id", F::Key, "Required. Non-empty."),
    ("created_at", F::CreatedAt, "Required. An integer of epoch milliseconds after 2000-01-01 and before a day from now."),
    ("session_id", F::Str, "Optional. Without it sessions are estimated: a gap of more than 30 minutes between a user's events starts a new session."),
    ("product", F::Str, "Optional product id."),
    ("details", F::AnyObject, "For identifyUser and identifyAccount: properties of the user or account."),
    ("active_duration", F::Amount, "For sessionSync: active time in milliseconds."),
    ("module", F::Str, "For moduleEnd and feature; required for moduleEnd."),
    ("time_spent", F::Amount, "For moduleEnd: milliseconds spent in the module."),
    ("feature", F::Str, "For feature: the feature used; required for feature."),
    ("total", F::Amount, "For feature: how many times."),
];
