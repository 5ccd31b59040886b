//! The columns of each API's upload, from the same field list as the OpenAPI document
//! (`api_docs::ssr::record_fields`): the field table, the template (header row and one
//! example row, which the upload recognises and skips), column matching, and how a cell
//! becomes the API's JSON value.
//!
//! Cells: an empty cell leaves the field out of the record (unchanged on update). Dates
//! are epoch milliseconds, ISO 8601 (`2024-01-31T09:30:00Z`, an offset, or no zone = UTC)
//! or `YYYY-MM-DD` (midnight UTC). Booleans as Natero's API takes them — `true`/`false`
//! and integers (0 is false) — plus `yes`/`no`; anything else is refused rather than read
//! as false. Numbers take a decimal comma in semicolon-separated files. Nested objects:
//! dimensions are columns named `custom_label_dimensions.<key>`,
//! `custom_value_dimensions.<key>` and `custom_event_dimensions.<key>` (the Account API's
//! property names, a dot, then the key as written); `assigned_csms` is a list of emails
//! separated by `;` or `,`; `documents`, `stage_history`, `nps_history` and an event's
//! `details` take the API's JSON in the cell.
use serde_json::{json, Map, Value as Json};

use crate::account_api::fields::invalid_type;
use crate::api_docs::ssr::record_fields::{
    Field, ACCOUNT, CONTACT_EXTRA, EVENT, F, INTERACTION, METRIC, PERSON_COMMON, USER_EXTRA,
};
use crate::time::DAY_MS;
use crate::upload::dto::{RowFailure, UploadApi, UploadField};
use crate::upload::ssr::reader::column_key;

/// The API's record fields, as the OpenAPI document lists them.
fn record_fields(api: UploadApi) -> Vec<Field> {
    let lists: &[&[Field]] = match api {
        UploadApi::Accounts => &[ACCOUNT],
        UploadApi::AccountUsers => &[PERSON_COMMON, USER_EXTRA],
        UploadApi::AccountContacts => &[PERSON_COMMON, CONTACT_EXTRA],
        UploadApi::Metrics => &[METRIC],
        UploadApi::Interactions => &[INTERACTION],
        UploadApi::Events => &[EVENT],
    };
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}

/// How a column's cells are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Text,
    Date,
    Integer,
    Number,
    Boolean,
    Emails,
    Json,
}

impl Cell {
    fn label(self) -> &'static str {
        match self {
            Cell::Text => "text",
            Cell::Date => "date",
            Cell::Integer => "integer",
            Cell::Number => "number",
            Cell::Boolean => "boolean",
            Cell::Emails => "emails",
            Cell::Json => "JSON",
        }
    }
}

/// The dimension families and the cell type of their values.
const DIMENSIONS: &[(F, &str, Cell, &str, &str)] = &[
    (
        F::LabelDims,
        "custom_label_dimensions",
        Cell::Text,
        "plan",
        "Gold",
    ),
    (
        F::ValueDims,
        "custom_value_dimensions",
        Cell::Number,
        "seats",
        "25",
    ),
    (
        F::EventDims,
        "custom_event_dimensions",
        Cell::Date,
        "kickoff",
        "2024-02-15",
    ),
];

/// One column an upload reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub cell: Cell,
    pub required: bool,
    pub description: String,
    pub example: String,
    /// In the template (JSON columns and the flat metric's list form are not).
    pub in_template: bool,
    /// A dimension family: the column is `name.<key>`.
    pub dimension: bool,
}

fn example(api: UploadApi, name: &str, cell: Cell) -> String {
    let by_name = match (api, name) {
        (_, "account_id") => "example-account-1",
        (_, "user_id") => "example-user-1",
        (UploadApi::Accounts, "name") => "Example Corp",
        (UploadApi::Metrics, "name") => "product_db.num_invited_users",
        (_, "email" | "contact_email" | "sales_rep_email") => "ann@example.com",
        (_, "assigned_csms") => "csm@example.com",
        (_, "first_name") => "Ann",
        (_, "last_name") => "Example",
        (_, "interaction_id") => "example-interaction-1",
        (_, "type") => "meeting",
        (_, "description") => "Quarterly review",
        (_, "action") => "feature",
        (_, "created_at") => "2024-01-31T09:30:00Z",
        (_, "module") => "Reports",
        (_, "feature") => "Create report",
        (_, "csm_score") => "80",
        (_, "website") => "https://example.com",
        _ => "",
    };
    if !by_name.is_empty() {
        return by_name.to_owned();
    }
    match cell {
        Cell::Text => "text".to_owned(),
        Cell::Date => "2024-01-31".to_owned(),
        Cell::Integer => "10".to_owned(),
        Cell::Number => "12.5".to_owned(),
        Cell::Boolean => "false".to_owned(),
        Cell::Emails => "csm@example.com".to_owned(),
        Cell::Json => String::new(),
    }
}

/// The columns of `api`, in the order of the API's fields.
pub fn columns(api: UploadApi) -> Vec<Column> {
    let mut out = Vec::new();
    for (name, kind, text) in record_fields(api) {
        if text.starts_with("Read-only") {
            continue;
        }
        let required = text.starts_with("Required");
        if let Some((_, family, cell, key, value)) = DIMENSIONS
            .iter()
            .find(|(f, ..)| std::mem::discriminant(f) == std::mem::discriminant(&kind))
        {
            out.push(Column {
                name: format!("{family}.{key}"),
                cell: *cell,
                required: false,
                description: format!(
                    "One column per dimension: {family}.<key>, e.g. {family}.{key} ({}). {text}",
                    cell.label()
                ),
                example: (*value).to_owned(),
                in_template: true,
                dimension: true,
            });
            continue;
        }
        let (cell, in_template) = match kind {
            F::Str | F::Key | F::Action => (Cell::Text, true),
            F::Ms | F::CreatedAt => (Cell::Date, true),
            F::Int => (Cell::Integer, true),
            F::Num | F::Amount => (Cell::Number, true),
            F::Bool => (Cell::Boolean, true),
            F::Csms => (Cell::Emails, true),
            // The flat form (timestamp + value) is the metric's row.
            F::MetricPoints => continue,
            F::Stages | F::Nps | F::Documents | F::AnyObject => (Cell::Json, false),
            F::LabelDims | F::ValueDims | F::EventDims => continue,
        };
        let required =
            required || (api == UploadApi::Metrics && matches!(name, "timestamp" | "value"));
        let description = match cell {
            Cell::Date => format!("Epoch milliseconds, ISO 8601 or YYYY-MM-DD. {text}"),
            Cell::Boolean => format!("true/false, yes/no, or 1/0. {text}"),
            Cell::Emails => format!("Emails separated by ; or , — {text}"),
            Cell::Json => format!("The API's JSON, as in the JSON API. {text}"),
            _ => text.to_owned(),
        };
        out.push(Column {
            name: name.to_owned(),
            cell,
            required,
            description: description.trim().to_owned(),
            example: example(api, name, cell),
            in_template,
            dimension: false,
        });
    }
    out
}

/// The field table of the page.
pub fn field_table(api: UploadApi) -> Vec<UploadField> {
    columns(api)
        .into_iter()
        .map(|c| UploadField {
            name: if c.dimension {
                format!("{}.<key>", c.name.split('.').next().unwrap_or_default())
            } else {
                c.name.clone()
            },
            kind: c.cell.label().to_owned(),
            required: c.required,
            description: c.description,
            example: c.example,
        })
        .collect()
}

/// The template: the header row and one example row (which an upload skips).
pub fn template_csv(api: UploadApi) -> String {
    let columns: Vec<Column> = columns(api).into_iter().filter(|c| c.in_template).collect();
    let header: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let example: Vec<String> = columns.iter().map(|c| c.example.clone()).collect();
    let mut out = String::new();
    for row in [header, example] {
        out.push_str(&crate::csv_out::row(&row));
    }
    out
}

/// Where each header column goes: a field (by index into `columns`, plus the dimension key
/// for a dimension column), or nowhere.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Field(usize),
    Dimension(usize, String),
    Ignored,
}

/// The header matched to `api`'s columns (ignoring case, spaces, underscores and hyphens;
/// `stage` for `current_stage` as the API takes it). `chosen` maps a normalised header
/// name to a field name picked on the page (remembered per organisation and API); an
/// empty field name ignores the column. Answers the targets, or the refusal naming the
/// required columns missing.
pub fn match_header(
    api: UploadApi,
    headers: &[String],
    chosen: &std::collections::HashMap<String, String>,
) -> Result<Vec<Target>, String> {
    let targets = match_targets(api, headers, chosen);
    match missing_required(api, &targets) {
        Some(message) => Err(message),
        None => Ok(targets),
    }
}

/// Where each header column goes (see `match_header`), whether or not a required column
/// is missing.
pub fn match_targets(
    api: UploadApi,
    headers: &[String],
    chosen: &std::collections::HashMap<String, String>,
) -> Vec<Target> {
    let columns = columns(api);
    let find = |name: &str| -> Target {
        let key = column_key(name);
        if let Some((head, dim_key)) = key.split_once('.') {
            if let Some(i) = columns.iter().position(|c| {
                c.dimension && column_key(c.name.split('.').next().unwrap_or_default()) == head
            }) {
                if !dim_key.is_empty() {
                    return Target::Dimension(i, dim_key.to_owned());
                }
            }
        }
        let key = if api == UploadApi::Accounts && key == "stage" {
            "currentstage".to_owned()
        } else {
            key
        };
        columns
            .iter()
            .position(|c| !c.dimension && column_key(&c.name) == key)
            .map_or(Target::Ignored, Target::Field)
    };
    headers
        .iter()
        .map(|h| match chosen.get(&column_key(h)) {
            Some(field) if field.is_empty() => Target::Ignored,
            Some(field) => match find(field) {
                Target::Ignored => find(h),
                t => t,
            },
            None => find(h),
        })
        .collect()
}

/// The refusal naming the required columns no header column feeds, if any.
pub fn missing_required(api: UploadApi, targets: &[Target]) -> Option<String> {
    let columns = columns(api);
    let missing: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.required && !targets.contains(&Target::Field(*i)))
        .map(|(_, c)| format!("'{}'", c.name))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "Required column{} missing from the header row: {}. Download the template for the exact names, or map your columns to them.",
            if missing.len() == 1 { " is" } else { "s are" },
            missing.join(", ")
        )
    })
}

/// The field name a target feeds ("" when ignored; `family.<key>` for a dimension).
pub fn target_field(columns: &[Column], target: &Target) -> String {
    match target {
        Target::Field(i) => columns[*i].name.clone(),
        Target::Dimension(i, key) => format!(
            "{}.{key}",
            columns[*i].name.split('.').next().unwrap_or_default()
        ),
        Target::Ignored => String::new(),
    }
}

/// Up to three fields a column that matched none could be meant for, closest first (by
/// Jaro-Winkler similarity of the normalised names).
pub fn suggestions(columns: &[Column], header: &str) -> Vec<String> {
    let key = column_key(header);
    let mut scored: Vec<(f64, String)> = columns
        .iter()
        .map(|c| {
            let name = if c.dimension {
                format!("{}.{key}", c.name.split('.').next().unwrap_or_default())
            } else {
                c.name.clone()
            };
            let base = column_key(c.name.split('.').next().unwrap_or_default());
            let score = strsim::jaro_winkler(&key, &base).max(
                if base.contains(&key) || key.contains(&base) {
                    0.85
                } else {
                    0.0
                },
            );
            (score, name)
        })
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

/// Parses a date cell to epoch ms.
pub fn parse_date(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty()
        && t.trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return t.parse().ok();
    }
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(&t[0..4])?, num(&t[5..7])?, num(&t[8..10])?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * DAY_MS;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // HH:MM[:SS[.fff]] then Z, ±HH:MM, ±HHMM or nothing (UTC).
    let zone_at = rest
        .find(['Z', 'z', '+'])
        .or_else(|| rest.rfind('-'))
        .unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let mut parts = time.split(':');
    let hours = num(parts.next()?)?;
    let minutes = num(parts.next()?)?;
    let (seconds, millis) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once(['.', ',']).unwrap_or((s, ""));
            let fraction: String = fraction.chars().chain("000".chars()).take(3).collect();
            (num(whole)?, num(&fraction)?)
        }
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    ms += ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
    let offset = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 {
                return None;
            }
            let (h, m) = (num(&digits[..2])?, num(&digits[2..])?);
            sign * (h * 60 + m) * 60_000
        }
    };
    Some(ms - offset)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Natero's booleans (true/false, integers: 0 is false) and yes/no; anything else is None.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "true" | "yes" | "y" => Some(true),
        "false" | "no" | "n" => Some(false),
        _ => t.parse::<i64>().ok().map(|n| n != 0),
    }
}

fn parse_number(text: &str, decimal_comma: bool) -> Option<f64> {
    let t = text.trim();
    let t = if decimal_comma && t.matches(',').count() == 1 && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_owned()
    };
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// One cell as the API's JSON value, or the message naming the column.
pub fn cell_json(
    cell: Cell,
    property: &str,
    text: &str,
    decimal_comma: bool,
) -> Result<Json, String> {
    let t = text.trim();
    Ok(match cell {
        Cell::Text => Json::String(t.to_owned()),
        Cell::Date => Json::from(parse_date(t).ok_or_else(|| {
            format!(
                "Invalid type for property: {property} (expecting timestamp: epoch milliseconds, ISO 8601 or YYYY-MM-DD, got '{}')",
                crate::limits::quoted(t)
            )
        })?),
        Cell::Integer => Json::from(
            t.parse::<i64>()
                .ok()
                .or_else(|| parse_number(t, decimal_comma).filter(|n| n.fract() == 0.0 && n.abs() < 9.0e18).map(|n| n as i64))
                .ok_or_else(|| invalid_type(property, "integer"))?,
        ),
        Cell::Number => serde_json::Number::from_f64(
            parse_number(t, decimal_comma).ok_or_else(|| invalid_type(property, "number"))?,
        )
        .map(Json::Number)
        .unwrap_or(Json::Null),
        Cell::Boolean => Json::Bool(parse_bool(t).ok_or_else(|| {
            format!("Invalid type for property: {property} (expecting boolean: true/false, yes/no or 1/0)")
        })?),
        Cell::Emails => Json::Array(
            t.split([';', ','])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| json!({ "email": e }))
                .collect(),
        ),
        Cell::Json => serde_json::from_str(t)
            .map_err(|e| format!("Invalid JSON for property: {property} ({e})"))?,
    })
}

/// A row as the API's JSON record. Answers None for the template's example row.
pub fn row_record(
    columns: &[Column],
    headers: &[String],
    targets: &[Target],
    cells: &[String],
    line: u64,
    decimal_comma: bool,
) -> Result<Option<Json>, RowFailure> {
    let mapped: Vec<(usize, &Target)> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| **t != Target::Ignored)
        .collect();
    let is_example = !mapped.is_empty()
        && mapped.iter().all(|(i, t)| {
            let example = match t {
                Target::Field(f) => &columns[*f].example,
                Target::Dimension(f, _) => &columns[*f].example,
                Target::Ignored => return true,
            };
            cells[*i].trim() == example
        });
    if is_example {
        return Ok(None);
    }
    let mut record = Map::new();
    let mut dimensions: Vec<(&str, Json)> = Vec::new();
    for (i, target) in mapped {
        let text = &cells[i];
        if text.trim().is_empty() {
            continue;
        }
        let fail = |message: String| RowFailure {
            line,
            column: Some(headers[i].clone()),
            message,
        };
        match target {
            Target::Field(f) => {
                let column = &columns[*f];
                let value =
                    cell_json(column.cell, &column.name, text, decimal_comma).map_err(fail)?;
                record.insert(column.name.clone(), value);
            }
            Target::Dimension(f, key) => {
                let column = &columns[*f];
                let family = column.name.split('.').next().unwrap_or_default();
                let value = cell_json(
                    column.cell,
                    &format!("{family}['{key}']"),
                    text,
                    decimal_comma,
                )
                .map_err(fail)?;
                dimensions.push((family, json!({"key": key, "value": value})));
            }
            Target::Ignored => {}
        }
    }
    for (family, entry) in dimensions {
        if let Json::Array(list) = record
            .entry(family.to_owned())
            .or_insert_with(|| Json::Array(vec![]))
        {
            list.push(entry);
        }
    }
    Ok(Some(Json::Object(record)))
}

/// The column a message of the API's validation is about: the header whose field the
/// message names (the longest name found as a word), if any. `fed` pairs each header with
/// the field it feeds ("" when ignored; `custom_label_dimensions.<key>` for dimensions).
pub fn column_named_in(message: &str, fed: &[(String, String)]) -> Option<String> {
    let mut best: Option<(&str, &str)> = None;
    for (header, field) in fed {
        let name = field.split('.').next().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let found = message.match_indices(name).any(|(at, _)| {
            let before = message[..at].chars().next_back();
            let after = message[at + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            word(before) && word(after)
        });
        if found && best.is_none_or(|(_, b)| name.len() > b.len()) {
            best = Some((header, name));
        }
    }
    if best.is_none() && message.starts_with("Unknown CSM") {
        return fed
            .iter()
            .find(|(_, f)| f == "assigned_csms")
            .map(|(h, _)| h.clone());
    }
    best.map(|(h, _)| h.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn test_dates_take_ms_iso_8601_and_plain_days() {
        assert_eq!(parse_date("1400000000000"), Some(1_400_000_000_000));
        assert_eq!(parse_date("1970-01-02"), Some(DAY_MS));
        assert_eq!(parse_date("2024-01-31T09:30:00Z"), Some(1_706_693_400_000));
        assert_eq!(
            parse_date("2024-01-31 10:30:00+01:00"),
            Some(1_706_693_400_000)
        );
        assert_eq!(
            parse_date("2024-01-31T09:30:00.250"),
            Some(1_706_693_400_250)
        );
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("31/01/2024"), None);
    }

    #[test]
    fn test_booleans_as_natero_takes_them_and_nothing_is_guessed() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("2"), Some(true));
        assert_eq!(parse_bool("no"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn test_every_api_has_a_template_with_its_required_columns() {
        for api in UploadApi::ALL {
            let template = template_csv(api);
            let header: Vec<String> = template
                .lines()
                .next()
                .unwrap()
                .split(',')
                .map(str::to_owned)
                .collect();
            let targets = match_header(api, &header, &HashMap::new()).unwrap();
            assert!(targets.iter().all(|t| *t != Target::Ignored), "{api:?}");
            // The example row is recognised.
            let example: Vec<String> = template
                .lines()
                .nth(1)
                .unwrap()
                .split(',')
                .map(str::to_owned)
                .collect();
            let cols = columns(api);
            assert_eq!(
                row_record(&cols, &header, &targets, &example, 2, false),
                Ok(None)
            );
        }
    }

    #[test]
    fn test_columns_match_loosely_and_required_ones_are_named() {
        let headers: Vec<String> = [
            "Account ID",
            "Name",
            "JOIN-DATE",
            "Stage",
            "custom_label_dimensions.Plan",
            "notes",
        ]
        .map(str::to_owned)
        .to_vec();
        let targets = match_header(UploadApi::Accounts, &headers, &HashMap::new()).unwrap();
        assert!(matches!(targets[3], Target::Field(_)));
        assert_eq!(
            targets[4],
            Target::Dimension(match_dim(&targets[4]), "Plan".into())
        );
        assert_eq!(targets[5], Target::Ignored);
        let cols = columns(UploadApi::Accounts);
        let cells = ["a1", "Acme", "2024-01-31", "Onboarding", "Gold", "x"].map(str::to_owned);
        let record = row_record(&cols, &headers, &targets, &cells, 2, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            record,
            json!({"account_id": "a1", "name": "Acme", "join_date": 1_706_659_200_000i64,
                   "current_stage": "Onboarding",
                   "custom_label_dimensions": [{"key": "Plan", "value": "Gold"}]})
        );
        let err = match_header(UploadApi::Accounts, &headers[..1], &HashMap::new()).unwrap_err();
        assert!(err.contains("'name', 'join_date'"), "{err}");
        let bad = ["a1", "Acme", "31/01/2024", "", "", ""].map(str::to_owned);
        let failure = row_record(&cols, &headers, &targets, &bad, 7, false).unwrap_err();
        assert_eq!(failure.line, 7);
        assert_eq!(failure.column.as_deref(), Some("JOIN-DATE"));
    }

    #[test]
    fn test_api_messages_are_pinned_to_the_column_they_name() {
        let fed: Vec<(String, String)> = [
            ("Account", "account_id"),
            ("Joined", "join_date"),
            ("CSMs", "assigned_csms"),
        ]
        .map(|(h, f)| (h.to_owned(), f.to_owned()))
        .to_vec();
        assert_eq!(
            column_named_in(
                "Missing/invalid required field(s) for Accounts insert: 'join_date'",
                &fed
            )
            .as_deref(),
            Some("Joined")
        );
        assert_eq!(
            column_named_in("Unknown CSM: 'x@y.z' is not…", &fed).as_deref(),
            Some("CSMs")
        );
        assert_eq!(column_named_in("Account not found", &fed), None);
    }

    fn match_dim(t: &Target) -> usize {
        match t {
            Target::Dimension(i, _) => *i,
            _ => usize::MAX,
        }
    }
}
