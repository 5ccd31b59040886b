//! The columns each resource stores and how a JSON property becomes a column value:
//! strict types (epoch-ms integers for dates, strings for ids), explicit `null` clears an
//! optional field, and every problem is a message that names the property. Pure code: the
//! record parsers are property-tested (random JSON never panics and always names a field).
use sea_orm::Value;
use serde_json::Value as Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// Epoch milliseconds (i64). A float without a fraction (1.4e12) is accepted.
    Ms,
    BigInt,
    Int,
    Number,
    Bool,
}

impl FieldType {
    pub fn expecting(self) -> &'static str {
        match self {
            FieldType::Text => "string",
            FieldType::Ms => "timestamp",
            FieldType::BigInt | FieldType::Int => "integer",
            FieldType::Number => "number",
            FieldType::Bool => "boolean",
        }
    }

    /// A typed SQL NULL (PostgreSQL refuses a NULL of the wrong type).
    pub fn null(self) -> Value {
        match self {
            FieldType::Text => Value::String(None),
            FieldType::Ms | FieldType::BigInt => Value::BigInt(None),
            FieldType::Int => Value::Int(None),
            FieldType::Number => Value::Double(None),
            FieldType::Bool => Value::Bool(None),
        }
    }

    /// The column value of a non-null JSON value, or None when its type is wrong.
    pub fn parse(self, json: &Json) -> Option<Value> {
        match self {
            FieldType::Text => json.as_str().map(|s| Value::String(Some(s.to_owned()))),
            FieldType::Ms | FieldType::BigInt => whole(json).map(|n| Value::BigInt(Some(n))),
            FieldType::Int => whole(json)
                .and_then(|n| i32::try_from(n).ok())
                .map(|n| Value::Int(Some(n))),
            FieldType::Number => json
                .as_f64()
                .filter(|n| n.is_finite())
                .map(|n| Value::Double(Some(n))),
            FieldType::Bool => json.as_bool().map(|b| Value::Bool(Some(b))),
        }
    }
}

/// A JSON number that is a whole number within i64 (integers, or floats without fraction).
pub fn whole(json: &Json) -> Option<i64> {
    if let Some(n) = json.as_i64() {
        return Some(n);
    }
    let f = json.as_f64()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
}

/// One stored column. `api` columns are written by clients; the others (`org_id`,
/// `is_active`, timestamps) are the server's.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub api: bool,
    /// Required (non-null) whenever a record is stored.
    pub required: bool,
}

const fn api(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        api: true,
        required: false,
    }
}

const fn required(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        api: true,
        required: true,
    }
}

const fn system(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        api: false,
        required: false,
    }
}

use FieldType::*;

/// A table written by the API: its columns (without `id`, which is ours) and the columns
/// of its unique key.
pub struct Table {
    pub name: &'static str,
    pub fields: &'static [Field],
    pub key: &'static [&'static str],
    /// The entity's name in Natero's messages ("Accounts", "Account users").
    pub label: &'static str,
    /// `dimension_values.owner_type` of its rows.
    pub owner_type: &'static str,
}

impl Table {
    pub fn index(&self, column: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == column)
    }

    pub fn col(&self, column: &str) -> usize {
        self.index(column)
            .unwrap_or_else(|| panic!("{} has no column {column}", self.name))
    }
}

pub static ACCOUNTS: Table = Table {
    name: "accounts",
    label: "Accounts",
    owner_type: "account",
    key: &["org_id", "account_id"],
    fields: &[
        system("org_id", Int),
        required("account_id", Text),
        required("name", Text),
        required("join_date", Ms),
        api("renewal_date", Ms),
        api("billing_account_id", Text),
        api("support_account_id", Text),
        api("crm_account_id", Text),
        api("billing_street", Text),
        api("billing_city", Text),
        api("billing_postal_code", Text),
        api("billing_state", Text),
        api("billing_country", Text),
        api("phone", Text),
        api("employees", BigInt),
        api("industry", Text),
        api("tier", Text),
        api("source", Text),
        api("csm_score", Int),
        api("current_nps_score", Number),
        api("current_mrr", Number),
        api("sales_rep_name", Text),
        api("sales_rep_email", Text),
        api("current_stage", Text),
        api("website", Text),
        api("description", Text),
        api("state", Text),
        api("region", Text),
        api("is_deleted", Bool),
        api("is_churned", Bool),
        api("inactive_time", Ms),
        api("inactive_reason", Text),
        api("parent_account_id", Text),
        api("hierarchy_label", Text),
        api("latest_status_title", Text),
        api("latest_status_details", Text),
        api("latest_status_date", Ms),
        // JSON text, written through the `documents` array.
        system("documents", Text),
        system("is_active", Bool),
        system("created_at", BigInt),
        system("updated_at", BigInt),
    ],
};

/// Product users and contacts share one shape; some columns belong to one of them only.
macro_rules! people_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            system("org_id", Int),
            system("account_pk", Int),
            required("account_id", Text),
            required("user_id", Text),
            api("first_name", Text),
            api("last_name", Text),
            api("email", Text),
            api("phone", Text),
            api("salutation", Text),
            api("title", Text),
            api("role", Text),
            api("department", Text),
            api("source", Text),
            api("lead_source", Text),
            api("mailing_street", Text),
            api("mailing_city", Text),
            api("mailing_state", Text),
            api("mailing_postal_code", Text),
            api("mailing_country", Text),
            $($extra,)*
            system("is_active", Bool),
            system("created_at", BigInt),
            system("updated_at", BigInt),
        ]
    };
}

pub static ACCOUNT_USERS: Table = Table {
    name: "account_users",
    label: "Account users",
    owner_type: "account_user",
    key: &["org_id", "user_id", "account_id"],
    fields: people_fields![
        api("mobile_phone", Text),
        api("contact_user_id", Text),
        api("product_join_date", Ms),
    ],
};

pub static ACCOUNT_CONTACTS: Table = Table {
    name: "account_contacts",
    label: "Account contacts",
    owner_type: "account_contact",
    key: &["org_id", "user_id", "account_id"],
    fields: people_fields![
        api("mobile_phone", Text),
        api("is_primary", Bool),
        api("email_opt_out", Bool),
        api("crm_account_user_id", Text),
    ],
};

/// Properties a client may send but that only the server sets: accepted and ignored.
pub const READ_ONLY: &[&str] = &[
    "id",
    "is_active",
    "is_leaf",
    "current_health_score",
    "created_at",
    "updated_at",
];

/// A record's problem, in Natero's words where Natero has words for it.
pub fn invalid_type(property: &str, expecting: &str) -> String {
    format!("Invalid type for property: {property} (expecting {expecting})")
}

pub fn missing_required(table: &Table, action: &str, fields: &[&str]) -> String {
    let names: Vec<String> = fields.iter().map(|f| format!("'{f}'")).collect();
    format!(
        "Missing/invalid required field(s) for {} {action}: {}",
        table.label,
        names.join(", ")
    )
}

pub fn unknown_property(property: &str) -> String {
    format!("Unknown property: '{property}'")
}

/// Dimension kinds as stored (`dimension_values.kind`) and as named in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DimKind {
    Label,
    Value,
    Event,
}

impl DimKind {
    pub const ALL: [DimKind; 3] = [DimKind::Label, DimKind::Value, DimKind::Event];

    pub fn key(self) -> &'static str {
        match self {
            DimKind::Label => "label",
            DimKind::Value => "value",
            DimKind::Event => "event",
        }
    }

    pub fn property(self) -> &'static str {
        match self {
            DimKind::Label => "custom_label_dimensions",
            DimKind::Value => "custom_value_dimensions",
            DimKind::Event => "custom_event_dimensions",
        }
    }

    pub fn from_property(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.property() == name)
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    fn value_type(self) -> FieldType {
        match self {
            DimKind::Label => Text,
            DimKind::Value => Number,
            DimKind::Event => Ms,
        }
    }
}

/// One dimension write: `None` removes the key.
#[derive(Clone, Debug, PartialEq)]
pub struct DimWrite {
    pub kind: DimKind,
    pub key: String,
    pub value: Option<Value>,
}

/// Dimensions are sent as `[{"key":…,"value":…}]` (a `{key: value}` map is accepted too).
pub fn parse_dimensions(kind: DimKind, json: &Json) -> Result<Vec<DimWrite>, String> {
    let property = kind.property();
    let problem = || {
        format!(
            "Invalid type for property: {property} (expecting an array of {{\"key\": string, \"value\": {}}})",
            kind.value_type().expecting()
        )
    };
    let pairs: Vec<(String, &Json)> = match json {
        Json::Null => vec![],
        Json::Array(items) => {
            let mut pairs = Vec::with_capacity(items.len());
            for item in items {
                let object = item.as_object().ok_or_else(problem)?;
                if let Some(other) = object.keys().find(|k| *k != "key" && *k != "value") {
                    return Err(unknown_property(&format!("{property}.{other}")));
                }
                let key = object
                    .get("key")
                    .and_then(Json::as_str)
                    .filter(|k| !k.trim().is_empty())
                    .ok_or_else(problem)?;
                pairs.push((key.to_owned(), object.get("value").unwrap_or(&Json::Null)));
            }
            pairs
        }
        Json::Object(map) => {
            // A blank key is refused in the map form as in the array form.
            if map.keys().any(|k| k.trim().is_empty()) {
                return Err(problem());
            }
            map.iter().map(|(k, v)| (k.clone(), v)).collect()
        }
        _ => return Err(problem()),
    };
    pairs
        .into_iter()
        .map(|(key, value)| {
            let value = if value.is_null() {
                None
            } else {
                Some(kind.value_type().parse(value).ok_or_else(|| {
                    invalid_type(
                        &format!("{property}['{key}']"),
                        kind.value_type().expecting(),
                    )
                })?)
            };
            Ok(DimWrite { kind, key, value })
        })
        .collect()
}

/// The fields of a list element (`stage_history[i]` …): each checked against its type;
/// unknown names are refused.
fn element_fields(
    property: &str,
    index: usize,
    json: &Json,
    fields: &[(&'static str, FieldType, bool)],
) -> Result<Vec<Value>, String> {
    let at = format!("{property}[{index}]");
    let object = json
        .as_object()
        .ok_or_else(|| invalid_type(&at, "object"))?;
    if let Some(other) = object
        .keys()
        .find(|k| !fields.iter().any(|(name, _, _)| name == k))
    {
        return Err(unknown_property(&format!("{at}.{other}")));
    }
    fields
        .iter()
        .map(|(name, ty, required)| match object.get(*name) {
            None | Some(Json::Null) if *required => Err(format!(
                "Missing/invalid required field(s) for {property}: '{name}' ({at})"
            )),
            None | Some(Json::Null) => Ok(ty.null()),
            Some(value) => ty
                .parse(value)
                .ok_or_else(|| invalid_type(&format!("{at}.{name}"), ty.expecting())),
        })
        .collect()
}

fn elements<'a>(property: &str, json: &'a Json) -> Result<&'a [Json], String> {
    match json {
        Json::Array(items) => Ok(items),
        _ => Err(invalid_type(property, "array")),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageEntry {
    pub name: String,
    pub start_date: i64,
    pub end_date: Option<i64>,
}

pub fn parse_stage_history(json: &Json) -> Result<Vec<StageEntry>, String> {
    const FIELDS: &[(&str, FieldType, bool)] = &[
        ("name", Text, true),
        ("start_date", Ms, true),
        ("end_date", Ms, false),
    ];
    elements("stage_history", json)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let values = element_fields("stage_history", i, item, FIELDS)?;
            Ok(StageEntry {
                name: text(&values[0]).unwrap_or_default(),
                start_date: big(&values[1]).unwrap_or_default(),
                end_date: big(&values[2]),
            })
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct NpsEntry {
    pub nps_score: f64,
    pub date: i64,
    pub username: Option<String>,
    pub survey_name: Option<String>,
    pub comments: Option<String>,
}

pub fn parse_nps_history(json: &Json) -> Result<Vec<NpsEntry>, String> {
    const FIELDS: &[(&str, FieldType, bool)] = &[
        ("nps_score", Number, true),
        ("date", Ms, true),
        ("username", Text, false),
        ("survey_name", Text, false),
        ("comments", Text, false),
    ];
    elements("nps_history", json)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let values = element_fields("nps_history", i, item, FIELDS)?;
            Ok(NpsEntry {
                nps_score: match values[0] {
                    Value::Double(Some(n)) => n,
                    _ => 0.0,
                },
                date: big(&values[1]).unwrap_or_default(),
                username: text(&values[2]),
                survey_name: text(&values[3]),
                comments: text(&values[4]),
            })
        })
        .collect()
}

/// Documents are kept as given: a JSON array of `{name, url, description}` strings.
pub fn parse_documents(json: &Json) -> Result<Option<String>, String> {
    const FIELDS: &[(&str, FieldType, bool)] = &[
        ("name", Text, false),
        ("url", Text, false),
        ("description", Text, false),
    ];
    if json.is_null() {
        return Ok(None);
    }
    for (i, item) in elements("documents", json)?.iter().enumerate() {
        element_fields("documents", i, item, FIELDS)?;
    }
    Ok(Some(json.to_string()))
}

/// `assigned_csms: [{"email": …}]` (plain strings are accepted too). Emails are compared
/// without regard to case.
pub fn parse_csms(json: &Json) -> Result<Vec<String>, String> {
    let problem = || invalid_type("assigned_csms", "an array of {\"email\": string}");
    match json {
        Json::Null => Ok(vec![]),
        Json::Array(items) => items
            .iter()
            .map(|item| {
                let email = match item {
                    Json::String(s) => Some(s.as_str()),
                    Json::Object(o) => {
                        if let Some(other) = o.keys().find(|k| *k != "email") {
                            return Err(unknown_property(&format!("assigned_csms.{other}")));
                        }
                        o.get("email").and_then(Json::as_str)
                    }
                    _ => None,
                };
                email
                    .map(|e| e.trim().to_lowercase())
                    .filter(|e| !e.is_empty())
                    .ok_or_else(problem)
            })
            .collect(),
        _ => Err(problem()),
    }
}

pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(Some(s)) => Some(s.to_string()),
        _ => None,
    }
}

pub fn big(value: &Value) -> Option<i64> {
    match value {
        Value::BigInt(Some(n)) => Some(*n),
        Value::Int(Some(n)) => Some(i64::from(*n)),
        _ => None,
    }
}

/// A column value as JSON for a GET answer.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::String(Some(s)) => Json::String(s.to_string()),
        Value::BigInt(Some(n)) => Json::from(*n),
        Value::Int(Some(n)) => Json::from(*n),
        Value::Double(Some(n)) => serde_json::Number::from_f64(*n)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Bool(Some(b)) => Json::Bool(*b),
        _ => Json::Null,
    }
}

/// A client record split into its column values and its child lists. Absent properties
/// are not in `sets` (unchanged on update); explicit nulls are typed NULLs (cleared).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedRecord {
    pub sets: Vec<(usize, Value)>,
    pub dimensions: Vec<DimWrite>,
    /// `Some` when `assigned_csms` was sent: the API's list replaces the API's assignments.
    pub csms: Option<Vec<String>>,
    pub stages: Vec<StageEntry>,
    pub nps: Vec<NpsEntry>,
    /// `Some(json or null)` when `documents` was sent.
    pub documents: Option<Option<String>>,
}

impl ParsedRecord {
    pub fn get(&self, column: usize) -> Option<&Value> {
        self.sets
            .iter()
            .rev()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v)
    }
}

/// What a record of `table` may carry besides its columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extras {
    /// Accounts: dimensions, CSMs, histories, documents.
    Account,
    /// Users and contacts: dimensions.
    Person,
}

/// Parses one record of a bulk upsert or PUT. The first problem found is the answer.
pub fn parse_record(table: &Table, extras: Extras, json: &Json) -> Result<ParsedRecord, String> {
    let object = json
        .as_object()
        .ok_or_else(|| format!("Each record must be a JSON object, not {}", kind_of(json)))?;
    crate::limits::check_api_record(json)?;
    let mut parsed = ParsedRecord::default();
    for (name, value) in object {
        // Natero's gem writes `stage`; the other clients `current_stage`.
        let column_name = if table.name == "accounts" && name == "stage" {
            "current_stage"
        } else {
            name.as_str()
        };
        if let Some(index) = table.index(column_name).filter(|i| table.fields[*i].api) {
            let field = table.fields[index];
            let value = if value.is_null() {
                field.ty.null()
            } else {
                field
                    .ty
                    .parse(value)
                    .ok_or_else(|| invalid_type(name, field.ty.expecting()))?
            };
            if field.name == "csm_score" {
                if let Value::Int(Some(score)) = value {
                    if !(0..=100).contains(&score) {
                        return Err(format!(
                            "Invalid value for property: csm_score (expecting an integer from 0 to 100, got {score})"
                        ));
                    }
                }
            }
            parsed.sets.push((index, value));
        } else if READ_ONLY.contains(&name.as_str()) {
            continue;
        } else if let Some(kind) = DimKind::from_property(name) {
            parsed.dimensions.extend(parse_dimensions(kind, value)?);
        } else if extras == Extras::Account {
            match name.as_str() {
                "assigned_csms" => parsed.csms = Some(parse_csms(value)?),
                "stage_history" if !value.is_null() => parsed.stages = parse_stage_history(value)?,
                "nps_history" if !value.is_null() => parsed.nps = parse_nps_history(value)?,
                "stage_history" | "nps_history" => {}
                "documents" => parsed.documents = Some(parse_documents(value)?),
                _ => return Err(unknown_property(name)),
            }
        } else {
            return Err(unknown_property(name));
        }
    }
    Ok(parsed)
}

/// The record's key values as strings (`account_id`, `user_id`) when present and valid,
/// for echoing in `failed_results`.
pub fn key_string(json: &Json, property: &str) -> Option<String> {
    json.get(property)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_dates_are_whole_milliseconds() {
        assert_eq!(
            Ms.parse(&json!(1_400_000_000_000i64)),
            Some(Value::BigInt(Some(1_400_000_000_000)))
        );
        assert_eq!(
            Ms.parse(&json!(1.4e12)),
            Some(Value::BigInt(Some(1_400_000_000_000)))
        );
        assert_eq!(Ms.parse(&json!(1.5)), None);
        assert_eq!(Ms.parse(&json!("1400000000000")), None);
    }

    #[test]
    fn test_record_messages_name_the_property() {
        let err = parse_record(
            &ACCOUNTS,
            Extras::Account,
            &json!({"account_id":"a","join_date":"x"}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Invalid type for property: join_date (expecting timestamp)"
        );
        let err = parse_record(
            &ACCOUNTS,
            Extras::Account,
            &json!({"account_id":"a","nmae":"x"}),
        )
        .unwrap_err();
        assert_eq!(err, "Unknown property: 'nmae'");
        let ok = parse_record(
            &ACCOUNTS,
            Extras::Account,
            &json!({"account_id":"a","id":5,"is_active":false,"stage":"Onboarding","tier":null}),
        )
        .unwrap();
        assert_eq!(ok.sets.len(), 3);
        assert_eq!(ok.get(ACCOUNTS.col("tier")), Some(&Value::String(None)));
    }

    #[test]
    fn test_dimensions_accept_arrays_and_maps() {
        let array = parse_dimensions(DimKind::Value, &json!([{"key":"seats","value":4}])).unwrap();
        let map = parse_dimensions(DimKind::Value, &json!({"seats":4})).unwrap();
        assert_eq!(array, map);
        // A blank key is refused in either form.
        assert!(parse_dimensions(DimKind::Label, &json!({" ": "x"})).is_err());
        assert!(parse_dimensions(DimKind::Label, &json!([{"key":" ","value":"x"}])).is_err());
        assert!(
            parse_dimensions(DimKind::Value, &json!([{"key":"seats","value":"4"}]))
                .unwrap_err()
                .contains("custom_value_dimensions['seats']")
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;
        use serde_json::json;

        fn any_json() -> impl Strategy<Value = Json> {
            let leaf = prop_oneof![
                Just(Json::Null),
                any::<bool>().prop_map(Json::Bool),
                any::<i64>().prop_map(Json::from),
                any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
                    .map(Json::Number)
                    .unwrap_or(Json::Null)),
                ".{0,12}".prop_map(Json::String),
            ];
            leaf.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
                    prop::collection::btree_map("[a-z_]{1,24}", inner, 0..6)
                        .prop_map(|m| Json::Object(m.into_iter().collect())),
                ]
            })
        }

        /// Property names clients really send, and some they mistype.
        fn property() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(
                    ACCOUNTS
                        .fields
                        .iter()
                        .map(|f| f.name.to_owned())
                        .chain(
                            [
                                "custom_label_dimensions",
                                "custom_value_dimensions",
                                "custom_event_dimensions",
                                "stage_history",
                                "nps_history",
                                "documents",
                                "assigned_csms",
                                "user_id",
                                "email",
                            ]
                            .map(str::to_owned)
                        )
                        .collect::<Vec<_>>()
                ),
                "[a-z_]{1,16}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn prop_random_json_never_panics_and_errors_say_something(json in any_json()) {
                for (table, extras) in [
                    (&ACCOUNTS, Extras::Account),
                    (&ACCOUNT_USERS, Extras::Person),
                    (&ACCOUNT_CONTACTS, Extras::Person),
                ] {
                    if let Err(message) = parse_record(table, extras, &json) {
                        prop_assert!(!message.is_empty());
                    }
                }
            }

            #[test]
            fn prop_a_bad_property_is_named_in_the_message(name in property(), value in any_json()) {
                let mut record = json!({"account_id": "a1", "name": "A", "join_date": 1});
                record[&name] = value;
                if let Err(message) = parse_record(&ACCOUNTS, Extras::Account, &record) {
                    let shown = if name == "stage" { "stage" } else { name.as_str() };
                    prop_assert!(
                        message.contains(shown),
                        "{} does not name {}", message, name
                    );
                }
            }
        }
    }
}
