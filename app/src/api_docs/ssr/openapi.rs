//! The OpenAPI 3.1 document of the Account API v2 and the Event API, built with `utoipa`'s
//! builder types from the endpoint table (`api_docs::endpoints`) and the record schemas
//! below. Served at `GET /api/openapi.json`; the server URL is Steward's public URL.
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaType, Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths,
    RefOr, Required, ServerBuilder,
};

use crate::api_docs::endpoints::{
    path_parameters, query_parameter, Answer, Body, Endpoint, ENDPOINTS, TAG_ACCOUNTS,
    TAG_CONTACTS, TAG_EVENTS, TAG_INTERACTIONS, TAG_METRICS, TAG_USERS,
};
use crate::api_docs::ssr::record_fields::{
    Field, ACCOUNT, CONTACT_EXTRA, EVENT, F, INTERACTION, METRIC, PERSON_COMMON, USER_EXTRA,
};
use crate::event_api::parse::{ACTIONS, MIN_CREATED_AT};
use crate::public_api::limits::{MAX_BODY_BYTES, MAX_PAGE_SIZE, MAX_RECORDS};

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A path or query text: any characters but NUL, which Steward refuses in an address (400).
fn address_text() -> ObjectBuilder {
    string().pattern(Some(r"^[^\x00]*$"))
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).format(Some(
        utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
    ))
}

fn number() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Number)
}

fn boolean() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Boolean)
}

/// An integer, or null when there is none.
fn integer_or_null() -> ObjectBuilder {
    integer().schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
}

/// A string, or null when there is none.
fn string_or_null() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]))
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

fn array_of(item: impl Into<RefOr<Schema>>) -> ArrayBuilder {
    ArrayBuilder::new().items(item.into())
}

/// Dimensions: `[{key, value}]` (how answers carry them), or in a request a `{key: value}`
/// map too, or null (no change). A null or absent value removes the dimension.
fn dimensions(value: Type, description: Option<String>) -> RefOr<Schema> {
    let value =
        || ObjectBuilder::new().schema_type(SchemaType::from_iter([value.clone(), Type::Null]));
    let pairs = array_of(
        ObjectBuilder::new()
            .property("key", string().pattern(Some(r"\S")))
            .property("value", value())
            .required("key")
            .additional_properties(Some(AdditionalProperties::FreeForm(false))),
    );
    let map = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(RefOr::T(Schema::Object(value().build()))))
        .property_names(Some(string().pattern(Some(r"\S"))));
    OneOfBuilder::new()
        .item(pairs)
        .item(map)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(description)
        .into()
}

fn field_schema(kind: F, description: &str) -> RefOr<Schema> {
    let description = (!description.is_empty()).then(|| description.to_owned());
    let nullable = |b: ObjectBuilder| {
        b.schema_type(SchemaType::from_iter([
            match kind {
                F::Str => Type::String,
                F::Ms | F::Int => Type::Integer,
                F::Num | F::Amount => Type::Number,
                F::Bool => Type::Boolean,
                _ => Type::Object,
            },
            Type::Null,
        ]))
        .description(description.clone())
    };
    // Lists: null in a request clears the list.
    let list = |b: ArrayBuilder| -> RefOr<Schema> {
        b.schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
            .description(description.clone())
            .into()
    };
    match kind {
        F::Str => nullable(string()).into(),
        F::Ms => nullable(integer())
            .description(Some(format!(
                "Epoch milliseconds. {}",
                description.clone().unwrap_or_default()
            )))
            .into(),
        F::Int => nullable(integer()).into(),
        F::Num => nullable(number()).into(),
        F::Bool => nullable(boolean()).into(),
        F::LabelDims => dimensions(Type::String, description),
        F::ValueDims => dimensions(Type::Number, description),
        F::EventDims => dimensions(Type::Integer, description),
        F::Csms => list(array_of(
            ObjectBuilder::new()
                .property("email", string())
                .required("email"),
        )),
        F::Stages => list(array_of(schema_ref("StageHistoryEntry"))),
        F::Nps => list(array_of(schema_ref("NpsHistoryEntry"))),
        F::Documents => list(array_of(
            ObjectBuilder::new()
                .property("name", string_or_null())
                .property("url", string_or_null())
                .property("description", string_or_null()),
        )),
        F::MetricPoints => array_of(schema_ref("MetricPoint"))
            .description(description)
            .into(),
        F::AnyObject => ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .description(description)
            .into(),
        F::Action => string()
            .enum_values(Some(ACTIONS))
            .description(description)
            .into(),
        F::Key => string()
            .pattern(Some(r"\S"))
            .description(description)
            .into(),
        F::CreatedAt => integer()
            .minimum(Some(MIN_CREATED_AT))
            .description(description)
            .into(),
        F::Amount => nullable(number()).minimum(Some(0.0)).into(),
    }
}

fn record_schema(description: &str, fields: &[&[Field]]) -> Schema {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description));
    for (name, kind, text) in fields.iter().flat_map(|f| f.iter()) {
        let mut schema = field_schema(*kind, text);
        if text.starts_with("Read-only") {
            // Answers carry it; a request's value is ignored.
            if let RefOr::T(Schema::Object(field)) = &mut schema {
                field.read_only = Some(true);
            }
        }
        object = object.property(*name, schema);
        if text.starts_with("Required.") {
            object = object.required(*name);
        }
    }
    object.build().into()
}

/// An answer's JSON object with `status_is_ok`, always `ok` for this kind of answer.
fn envelope_with(ok: bool, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property("status_is_ok", boolean().enum_values(Some([ok])))
        .required("status_is_ok")
}

/// A successful answer (`status_is_ok: true`).
fn envelope(description: &str) -> ObjectBuilder {
    envelope_with(true, description)
}

fn components() -> utoipa::openapi::Components {
    let failed_result = ObjectBuilder::new()
        .description(Some("One record that failed; the others were written."))
        .property(
            "record",
            integer().description(Some("0-based index into `records`.")),
        )
        .property(
            "account_id",
            string_or_null().description(Some("The record's `account_id`; null when it has none.")),
        )
        .property(
            "user_id",
            string_or_null().description(Some(
                "For product users and contacts: the record's `user_id`, null when it has none.",
            )),
        )
        .property(
            "message",
            string().description(Some("Why the record failed.")),
        )
        .required("record")
        .required("message");
    let line_failure = ObjectBuilder::new()
        .property("line", integer().description(Some("1-based line number.")))
        .property("message", string())
        .required("line")
        .required("message");
    ComponentsBuilder::new()
        .schema(
            "Account",
            record_schema(
                "An account. Dates are epoch milliseconds; ids are case-sensitive strings.",
                &[ACCOUNT],
            ),
        )
        .schema(
            "AccountUser",
            record_schema(
                "A product user (`/account_users`).",
                &[PERSON_COMMON, USER_EXTRA],
            ),
        )
        .schema(
            "AccountContact",
            record_schema(
                "A CRM contact (`/account_contacts`).",
                &[PERSON_COMMON, CONTACT_EXTRA],
            ),
        )
        .schema(
            "CustomMetric",
            record_schema("Daily values of a numeric metric of an account.", &[METRIC]),
        )
        .schema(
            "Interaction",
            record_schema(
                "An interaction with an account (Steward's addition).",
                &[INTERACTION],
            ),
        )
        .schema(
            "Event",
            record_schema("One usage event: one line of the Event API body.", &[EVENT]),
        )
        .schema(
            "ApiCall",
            ObjectBuilder::new()
                .description(Some("One call in API Status (paths with keys redacted)."))
                .property("id", integer())
                .property("time", integer().description(Some("Epoch ms.")))
                .property(
                    "api",
                    string().description(Some("account, event or upload")),
                )
                .property("method", string())
                .property("path", string())
                .property("endpoint", string())
                .property(
                    "status",
                    string().description(Some("Success, Partial or Failure")),
                )
                .property("http_status", integer())
                .property("records_received", integer())
                .property("records_failed", integer())
                .property("duration_ms", integer())
                .property(
                    "key_name",
                    string_or_null().description(Some("Null when the key could not be named.")),
                )
                .property(
                    "message",
                    string_or_null().description(Some(
                        "Why the call failed as a whole; null when it did not.",
                    )),
                )
                .property(
                    "failed_results",
                    array_of(
                        ObjectBuilder::new()
                            .property("record", integer())
                            .property("id", string_or_null())
                            .property("message", string())
                            .required("record")
                            .required("message"),
                    ),
                )
                .required("id")
                .required("time")
                .required("api")
                .required("method")
                .required("path")
                .required("endpoint")
                .required("status")
                .required("http_status")
                .required("failed_results"),
        )
        .schema(
            "Empty",
            ObjectBuilder::new().description(Some("Never returned: the list is always empty.")),
        )
        .schema(
            "MetricPoint",
            ObjectBuilder::new()
                .property(
                    "timestamp",
                    integer().description(Some("Epoch ms; the UTC day counts.")),
                )
                .property("value", number())
                .required("timestamp")
                .required("value"),
        )
        .schema(
            "StageHistoryEntry",
            ObjectBuilder::new()
                .property("name", string())
                .property("start_date", integer().description(Some("Epoch ms.")))
                .property(
                    "end_date",
                    integer_or_null().description(Some("Epoch ms; null while the stage lasts.")),
                )
                .required("name")
                .required("start_date"),
        )
        .schema(
            "NpsHistoryEntry",
            ObjectBuilder::new()
                .property("nps_score", number())
                .property("date", integer().description(Some("Epoch ms.")))
                .property("username", string_or_null())
                .property("survey_name", string_or_null())
                .property("comments", string_or_null())
                .required("nps_score")
                .required("date"),
        )
        .schema(
            "Error",
            envelope_with(
                false,
                "A refused request: `status_is_ok` false and a message naming the problem. \
                 As Natero does, a request that was understood but refused (body not JSON, no \
                 `records` array, too many records, an unknown `order_by`, a PUT that fails \
                 validation, …) comes back with HTTP 200; bad keys with 401, \
                 unknown records with 404, oversized bodies with 413, unsupported \
                 Content-Encoding with 415, unexpected errors with 500 and a reference.",
            )
            .property("message", string())
            .required("message"),
        )
        .schema("FailedResult", failed_result)
        .schema(
            "BulkResult",
            envelope(
                "The batch passed validation; check `failed_results` for records that did not.",
            )
            .property("failed_results", array_of(schema_ref("FailedResult")))
            .required("failed_results"),
        )
        .schema("LineFailure", line_failure)
        .schema(
            "EventResult",
            envelope("What happened to each line: at least one event was stored.")
                .property(
                    "received",
                    integer().description(Some("Lines with an event.")),
                )
                .property("accepted", integer().description(Some("Events stored.")))
                .property("failed_results", array_of(schema_ref("LineFailure")))
                .required("received")
                .required("accepted")
                .required("failed_results"),
        )
        .schema(
            "EventRefusal",
            envelope_with(
                false,
                "Nothing was stored. When every line was read but none was valid, \
                 `received`, `accepted` (0) and `failed_results` say why per line; when the \
                 body as a whole was refused (a JSON array, an empty body, bad gzip) only \
                 `message` does.",
            )
            .property("message", string())
            .property(
                "received",
                integer().description(Some("Lines with an event.")),
            )
            .property("accepted", integer().description(Some("Always 0.")))
            .property("failed_results", array_of(schema_ref("LineFailure")))
            .required("message"),
        )
        .security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "api_key",
                "The Account API key (`stw_acct_…`) from IT Administration → Source Overview.",
            ))),
        )
        .security_scheme(
            "basic",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "HTTP Basic with user name `api` and the Account API key as password.",
                    ))
                    .build(),
            ),
        )
        .build()
}

fn results_schema(answer: Answer) -> RefOr<Schema> {
    match answer {
        Answer::List(name) => envelope("A page of results.")
            .property("results", array_of(schema_ref(name)))
            .property(
                "current_page",
                integer().description(Some("The page returned (0-based).")),
            )
            .property(
                "max_page_size",
                integer().description(Some(format!(
                    "Most results a page holds ({MAX_PAGE_SIZE}); a shorter page is the last."
                ))),
            )
            .property("order_by", string().description(Some("Echoed when given.")))
            .property(
                "direction",
                string().description(Some("Echoed when given.")),
            )
            .required("results")
            .into(),
        Answer::One(name) => envelope("The record.")
            .property("results", array_of(schema_ref(name)))
            .required("results")
            .into(),
        Answer::Bulk => schema_ref("BulkResult"),
        Answer::Done => envelope("Done.").into(),
        Answer::Events => schema_ref("EventResult"),
    }
}

fn json_content(schema: RefOr<Schema>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", json_content(schema_ref("Error")))
        .build()
}

fn operation(endpoint: &Endpoint) -> utoipa::openapi::path::Operation {
    let is_event = endpoint.tag == TAG_EVENTS;
    let mut op = OperationBuilder::new()
        .tag(endpoint.tag)
        .summary(Some(endpoint.summary))
        .operation_id(Some(operation_id(endpoint)));
    if !endpoint.description.is_empty() {
        op = op.description(Some(endpoint.description));
    }
    for name in path_parameters(endpoint.path) {
        let description = match name {
            "authKey" => "The event source's auth key (`stw_evauth_…`).",
            "apiKey" => "The event source's api key (`stw_evapi_…`).",
            "timestamp" => "Epoch milliseconds.",
            "email" => "The CSM's email; percent-encode it.",
            _ => "Case-sensitive; percent-encode characters that are not URL-safe.",
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(address_text())),
        );
    }
    for name in endpoint.query {
        let (kind, description) = query_parameter(name);
        let schema = match kind {
            "integer" => integer(),
            "boolean" => {
                address_text().description(Some("Natero boolean: true/false or an integer."))
            }
            _ => address_text(),
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema)),
        );
    }
    match endpoint.body {
        Body::None => {}
        Body::Records(name) => {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description(Some(format!(
                        "`{{\"records\":[…]}}`, at most {MAX_RECORDS} records and {} MB (after gzip decoding too).",
                        MAX_BODY_BYTES / 1_000_000
                    )))
                    .content(
                        "application/json",
                        json_content(
                            ObjectBuilder::new()
                                .property("records", array_of(schema_ref(name)))
                                .required("records")
                                .into(),
                        ),
                    )
                    .build(),
            ));
        }
        Body::One(name) => {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description(Some(
                        "`{\"data\":{…}}` or the bare object; only the fields given change.",
                    ))
                    .content(
                        "application/json",
                        json_content(
                            ObjectBuilder::new()
                                .property("data", schema_ref(name))
                                .into(),
                        ),
                    )
                    .build(),
            ));
        }
        Body::Events => {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description(Some(format!(
                        "One JSON event per line (`Event`), not a JSON array. At most {MAX_RECORDS} events and {} MB (after gzip decoding too).",
                        MAX_BODY_BYTES / 1_000_000
                    )))
                    .content(
                        "application/x-ndjson",
                        ContentBuilder::new()
                            .item_schema(Some(schema_ref("Event")))
                            .build(),
                    )
                    .content("application/json", json_content(schema_ref("Event")))
                    .build(),
            ));
        }
    }
    let ok = if is_event {
        ResponseBuilder::new()
            .description("At least one event was stored.")
            .content(
                "application/json",
                json_content(results_schema(endpoint.answer)),
            )
            .build()
    } else {
        // Natero's refusal envelope: a request understood but refused answers 200 too.
        let done_or_refused = OneOfBuilder::new()
            .item(results_schema(endpoint.answer))
            .item(schema_ref("Error"));
        ResponseBuilder::new()
            .description(
                "`status_is_ok` says whether the request was done: true with the answer below, \
                 or false with a `message` (`Error`) when the request was understood but \
                 refused, as Natero answers (e.g. invalid JSON, no `records` array, too many \
                 records, an unknown `order_by` or page, a PUT that fails validation).",
            )
            .content("application/json", json_content(done_or_refused.into()))
            .build()
    };
    op = op
        .response("200", ok)
        .response(
            "401",
            error_response(if is_event {
                "The key pair is missing, unknown, revoked or expired."
            } else {
                "The key is missing, not recognised, revoked or expired, an Event API key, or Basic auth with a user other than `api`."
            }),
        )
        .response("500", error_response("Unexpected error; the message carries a reference for the server log."));
    if !is_event {
        op = op.response(
            "400",
            error_response(
                "The address (path or query string) contains a NUL character, which Steward \
                 does not accept.",
            ),
        );
    }
    if is_event {
        op = op.response(
            "400",
            ResponseBuilder::new()
                .description(
                    "Nothing was stored: no line was valid, or the body is a JSON array, \
                     empty or not valid gzip.",
                )
                .content("application/json", json_content(schema_ref("EventRefusal")))
                .build(),
        );
    }
    if !path_parameters(endpoint.path).is_empty() && !is_event {
        op = op.response(
            "404",
            error_response("No such record (e.g. `Account not found`)."),
        );
    }
    if endpoint.body != Body::None {
        op = op
            .response(
                "413",
                error_response(
                    "The body is over 10 MB (after gzip decoding too), or has too many records.",
                ),
            )
            .response(
                "415",
                error_response("Content-Encoding other than gzip or identity."),
            )
            .response(
                "503",
                ResponseBuilder::new()
                    .description(
                        "Too many large bodies (64 KB or more) are being handled at once \
                         (`large_body_budget_mb`) and no room came within \
                         `large_body_wait_seconds`: retry after `Retry-After` seconds.",
                    )
                    .header(
                        "Retry-After",
                        utoipa::openapi::HeaderBuilder::new()
                            .schema(Some(integer()))
                            .description(Some("Seconds to wait before retrying."))
                            .build(),
                    )
                    .content("application/json", json_content(schema_ref("Error")))
                    .build(),
            );
        // Gzip request bodies are accepted.
    }
    if is_event {
        op = op.securities(Some(Vec::<SecurityRequirement>::new()));
    }
    op.build()
}

fn operation_id(endpoint: &Endpoint) -> String {
    let mut id = endpoint.method.to_ascii_lowercase();
    for segment in endpoint.path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.push_str(segment.trim_start_matches('{').trim_end_matches('}'));
    }
    id
}

fn http_method(method: &str) -> HttpMethod {
    match method {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// The document, with `base_url` (no trailing slash) as its server.
const TAG_UPLOAD: &str = "Upload";

/// An operation of API Upload (plain axum routes beside the endpoint table).
fn upload_operation(
    id: &str,
    summary: &str,
    description: &str,
    path_parameter: (&str, ObjectBuilder, &str),
) -> OperationBuilder {
    let (name, schema, text) = path_parameter;
    OperationBuilder::new()
        .tag(TAG_UPLOAD)
        .operation_id(Some(id))
        .summary(Some(summary))
        .description(Some(description))
        .parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(text))
                .schema(Some(schema)),
        )
        .response(
            "400",
            error_response(
                "The address (path or query string) contains a NUL character, which Steward \
                 does not accept.",
            ),
        )
        .response(
            "401",
            error_response("The API key is missing, unknown, revoked or not an Account API key."),
        )
        .response(
            "404",
            error_response("Unknown API or upload (uploads of other organisations are not found)."),
        )
        .response(
            "500",
            error_response("Unexpected error (with a reference)."),
        )
        .response(
            "503",
            error_response("Storage busy; retry after Retry-After."),
        )
}

fn api_parameter() -> (&'static str, ObjectBuilder, &'static str) {
    (
        "api",
        string().enum_values(Some(crate::upload::dto::UploadApi::ALL.map(|a| a.key()))),
        "The write API the rows go to.",
    )
}

fn upload_id_parameter() -> (&'static str, ObjectBuilder, &'static str) {
    (
        "upload_id",
        integer().minimum(Some(1.0)),
        "The `upload_id` an upload answered.",
    )
}

fn csv_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "text/csv",
            ContentBuilder::new().schema(Some(string())).build(),
        )
        .build()
}

/// `/api/v2/upload/…`: upload, template, error CSV, undo.
fn upload_paths(paths: &mut Paths) {
    use crate::upload::ssr::reader::{MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS};
    let row_failure = ObjectBuilder::new()
        .property(
            "line",
            integer_or_null().description(Some(
                "Line in the file; the header is line 1. Null for the file as a whole.",
            )),
        )
        .property(
            "column",
            string_or_null().description(Some("The column (as in the header) to blame, or null.")),
        )
        .property("message", string())
        .required("line")
        .required("column")
        .required("message");
    let answer = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("status_is_ok", boolean())
        .property("upload_id", integer())
        .property(
            "received",
            integer().description(Some(
                "Data rows read (the template's example row is skipped).",
            )),
        )
        .property(
            "applied",
            integer().description(Some("Rows written (0 for a dry run).")),
        )
        .property(
            "would_apply",
            integer().description(Some("Dry run: rows that passed every check.")),
        )
        .property("failed", integer())
        .property(
            "delimiter",
            string_or_null().description(Some("comma, semicolon or tab, as detected.")),
        )
        .property(
            "encoding",
            string_or_null().description(Some("utf-8, or windows-1252 when cells were not UTF-8.")),
        )
        .property(
            "failed_results",
            array_of(row_failure).description(Some(
                "The failed rows (the first 10,000; all are in the error CSV).",
            )),
        )
        .property(
            "message",
            string().description(Some("Why a file was refused as a whole.")),
        )
        .required("status_is_ok");
    let post = upload_operation(
        "upload_csv",
        "Upload a CSV file into an API",
        &format!(
            "The body is the CSV file (`Content-Encoding: gzip` accepted), up to {} MB and {MAX_UPLOAD_ROWS} data rows. \
             Header row first; columns match field names ignoring case, spaces, underscores and hyphens; \
             dimensions are `custom_label_dimensions.<key>` (value, event likewise). Comma, semicolon or tab \
             delimited; UTF-8 (with or without BOM) or Windows-1252. Every row goes through the same checks \
             and upsert as the JSON API. A file refused as a whole (not a CSV, empty, header only, bad header, \
             unclosed quote) answers `status_is_ok: false` and writes nothing.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ),
        api_parameter(),
    )
    .parameter(
        ParameterBuilder::new()
            .name("dry_run")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some("true: check every row, write nothing."))
            .schema(Some(address_text())),
    )
    .parameter(
        ParameterBuilder::new()
            .name("file_name")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some("The name shown in the upload history."))
            .schema(Some(address_text())),
    )
    .request_body(Some(
        RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("text/csv", ContentBuilder::new().schema(Some(string())).build())
            .build(),
    ))
    .response(
        "200",
        ResponseBuilder::new()
            .description("The upload's results; `status_is_ok: false` when the file was refused as a whole.")
            .content("application/json", json_content(answer.into()))
            .build(),
    )
    .response("413", error_response("Over the size limit (from Content-Length, before reading)."))
    .response("415", error_response("An unknown Content-Encoding."))
    .build();
    let template = upload_operation(
        "upload_template",
        "Download the CSV template of an API",
        "The header row the upload reads and one example row, which an upload recognises and skips.",
        api_parameter(),
    )
    .response("200", csv_response("The template."))
    .build();
    let errors = upload_operation(
        "upload_errors",
        "Download the error CSV of an upload",
        "The failed rows as uploaded, plus `line` and `error` columns. Cells starting with =, +, -, @, tab or CR are prefixed with a quote.",
        upload_id_parameter(),
    )
    .response("200", csv_response("The error CSV."))
    .build();
    let undo_answer = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("status_is_ok", boolean())
        .property("upload_id", integer())
        .property("removed", integer())
        .property("restored", integer())
        .property(
            "conflicts",
            array_of(
                ObjectBuilder::new()
                    .property("record", string())
                    .property("field", string_or_null())
                    .property("message", string()),
            ),
        )
        .property("message", string())
        .required("status_is_ok");
    let undo = upload_operation(
        "upload_undo",
        "Undo an upload",
        "For 7 days after an apply of accounts, product users or contacts: records it created are removed and fields it changed get their previous values, except fields changed again since (listed in `conflicts`, left alone). Audited.",
        upload_id_parameter(),
    )
    .response(
        "200",
        ResponseBuilder::new()
            .description("What was undone; `status_is_ok: false` with a message when it cannot be (already undone, a dry run, too old).")
            .content("application/json", json_content(undo_answer.into()))
            .build(),
    )
    .build();
    for (path, method, op) in [
        ("/api/v2/upload/{api}", HttpMethod::Post, post),
        ("/api/v2/upload/{api}/template", HttpMethod::Get, template),
        ("/api/v2/upload/{upload_id}/errors", HttpMethod::Get, errors),
        ("/api/v2/upload/{upload_id}/undo", HttpMethod::Post, undo),
    ] {
        paths
            .paths
            .insert(path.to_owned(), PathItem::new(method, op));
    }
}

pub fn document(base_url: &str) -> OpenApi {
    let mut paths = Paths::new();
    for endpoint in ENDPOINTS {
        let item = PathItem::new(http_method(endpoint.method), operation(endpoint));
        match paths.paths.get_mut(endpoint.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(endpoint.path.to_owned(), item);
            }
        }
    }
    upload_paths(&mut paths);
    let description = format!(
        "Steward's Account API v2 and Event API, compatible with Natero's: a client written for \
         Natero works by changing the host and the keys.\n\n\
         **Authentication.** Account API: `?api_key=KEY` or HTTP Basic with user `api` and the key \
         as password. Event API: both keys of an event source in the path, \
         `/v1/{{authKey}}/{{apiKey}}`. Keys are created under IT Administration → Source Overview.\n\n\
         **Envelope.** Every answer is JSON with `status_is_ok`; errors carry `message`. POST bulk \
         upserts answer 200 with `failed_results` (each record is written whole or not at all).\n\n\
         **Conventions.** Paths work with or without a trailing slash; percent-encoded segments are \
         decoded. Dates are epoch milliseconds. Ids are case-sensitive strings. Lists are paged \
         from 0 with `page`, {MAX_PAGE_SIZE} results a page.\n\n\
         **Limits.** Request bodies up to {} MB, after gzip decoding too (`Content-Encoding: gzip` \
         is accepted): larger ones get 413 without being read whole. At most {MAX_RECORDS} records \
         (or events) per request. Every call is recorded, keys redacted, under IT Administration → \
         API Status.",
        MAX_BODY_BYTES / 1_000_000
    );
    let mut tags = Vec::new();
    for (name, text) in [
        (TAG_ACCOUNTS, "Accounts and what hangs off them."),
        (
            TAG_USERS,
            "Product users: the people who use your product, as in the event data.",
        ),
        (TAG_CONTACTS, "CRM contacts of accounts."),
        (TAG_METRICS, "Daily numeric time series per account."),
        (
            TAG_INTERACTIONS,
            "Emails, calls and meetings with an account (Steward's addition).",
        ),
        (TAG_EVENTS, "Usage events from your product."),
        (
            TAG_UPLOAD,
            "CSV files into any write API (API Upload): the same checks and writes as the JSON \
             APIs, with a dry run, per-row results by line and column, an error CSV and undo.",
        ),
    ] {
        tags.push(TagBuilder::new().name(name).description(Some(text)).build());
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Steward Account API v2 and Event API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(description))
                .build(),
        )
        .servers(Some([ServerBuilder::new().url(base_url).build()]))
        .paths(paths)
        .components(Some(components()))
        .security(Some([
            SecurityRequirement::new("api_key", Vec::<String>::new()),
            SecurityRequirement::new("basic", Vec::<String>::new()),
        ]))
        .tags(Some(tags))
        .build()
}
