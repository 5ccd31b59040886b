//! The stand-in org's data: Account, Contact and User with the fields a CSM connector maps
//! (§6), their describe, SOQL evaluation over them (with one-level parent paths such as
//! `Owner.Email` or `CSM_User__r.Email`, §3.3.3), and the changes tests make through
//! `/__standin/records` (new and changed records get a fresh `SystemModstamp`, deletes are
//! soft and cascade from Account to its Contacts, §8.2).
use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::soql;

pub struct Field {
    pub name: &'static str,
    pub kind: &'static str,
    /// For references: the parent object and the relationship's name.
    pub parent: Option<(&'static str, &'static str)>,
}

const fn f(name: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        kind,
        parent: None,
    }
}

const fn r(name: &'static str, object: &'static str, relationship: &'static str) -> Field {
    Field {
        name,
        kind: "reference",
        parent: Some((object, relationship)),
    }
}

const ACCOUNT: &[Field] = &[
    f("Id", "id"),
    f("Name", "string"),
    f("Website", "url"),
    f("Industry", "picklist"),
    f("BillingCountry", "string"),
    f("AnnualRevenue", "currency"),
    f("NumberOfEmployees", "int"),
    r("OwnerId", "User", "Owner"),
    f("CSM__c", "email"),
    r("CSM_User__c", "User", "CSM_User__r"),
    f("IsDeleted", "boolean"),
    f("CreatedDate", "datetime"),
    f("LastModifiedDate", "datetime"),
    f("SystemModstamp", "datetime"),
];

const CONTACT: &[Field] = &[
    f("Id", "id"),
    r("AccountId", "Account", "Account"),
    f("Email", "email"),
    f("FirstName", "string"),
    f("LastName", "string"),
    f("Name", "string"),
    f("Title", "string"),
    f("Phone", "phone"),
    r("OwnerId", "User", "Owner"),
    f("IsDeleted", "boolean"),
    f("CreatedDate", "datetime"),
    f("LastModifiedDate", "datetime"),
    f("SystemModstamp", "datetime"),
];

const USER: &[Field] = &[
    f("Id", "id"),
    f("Username", "string"),
    f("Email", "email"),
    f("Name", "string"),
    f("IsActive", "boolean"),
    f("UserType", "picklist"),
    f("CreatedDate", "datetime"),
    f("LastModifiedDate", "datetime"),
    f("SystemModstamp", "datetime"),
];

/// The object's canonical name, whatever the case it was asked in.
pub fn canonical(object: &str) -> Option<&'static str> {
    ["Account", "Contact", "User"]
        .into_iter()
        .find(|o| o.eq_ignore_ascii_case(object))
}

pub fn fields(object: &str) -> &'static [Field] {
    match object {
        "Account" => ACCOUNT,
        "Contact" => CONTACT,
        _ => USER,
    }
}

pub fn key_prefix(object: &str) -> &'static str {
    match object {
        "Account" => "001",
        "Contact" => "003",
        _ => "005",
    }
}

/// Fields hidden from the connecting user by field-level security, as `Object.Field`.
pub type Hidden = HashSet<String>;

fn visible<'a>(object: &str, hidden: &Hidden, name: &str) -> Option<&'a Field>
where
    'static: 'a,
{
    fields(object)
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .filter(|f| !hidden.contains(&format!("{object}.{}", f.name)))
}

/// The describe of an object as the connecting user sees it (hidden fields are absent).
pub fn describe(object: &'static str, version: &str, hidden: &Hidden) -> Value {
    let fields: Vec<Value> = fields(object)
        .iter()
        .filter(|f| !hidden.contains(&format!("{object}.{}", f.name)))
        .map(|field| {
            let (reference_to, relationship) = match field.parent {
                Some((parent, relationship)) => (json!([parent]), json!(relationship)),
                None => (json!([]), Value::Null),
            };
            json!({
                "name": field.name, "label": field.name.trim_end_matches("__c").replace('_', " "),
                "type": field.kind, "custom": field.name.ends_with("__c"),
                "nillable": !matches!(field.kind, "id" | "boolean"),
                "updateable": !matches!(field.kind, "id" | "datetime"),
                "createable": !matches!(field.kind, "id" | "datetime"),
                "length": match field.kind { "id" | "reference" => 18, "string" | "url" | "email" | "phone" | "picklist" => 255, _ => 0 },
                "referenceTo": reference_to, "relationshipName": relationship,
                "calculated": false,
            })
        })
        .collect();
    json!({
        "name": object, "label": object, "custom": false, "queryable": true, "replicateable": true,
        "keyPrefix": key_prefix(object),
        "fields": fields,
        "urls": {"describe": format!("/services/data/v{version}/sobjects/{object}/describe")},
    })
}

/// Salesforce's 18-character id: the 15-character id and a 3-letter case checksum (§1.4).
pub fn id18(id15: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut suffix = String::new();
    for chunk in id15.as_bytes().chunks(5) {
        let mut bits = 0;
        for (i, c) in chunk.iter().enumerate() {
            if c.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        suffix.push(ALPHABET[bits] as char);
    }
    format!("{id15}{suffix}")
}

pub const ADMIN_ID: &str = "0055g00000XYZ12AAA";

/// The demo org: an admin and three CSM users; `accounts` Accounts (every seventh soft
/// deleted) whose CSM is named both by email (`CSM__c`) and by lookup (`CSM_User__c`);
/// two Contacts per Account. Account i was last changed i minutes after
/// 2026-11-01T00:00:00Z (its Contacts too), so incremental reads have distinct stamps.
pub fn demo_data(accounts: usize) -> HashMap<&'static str, Vec<Value>> {
    let stamp = "2026-11-01T09:00:00.000+0000";
    let mut users = vec![
        json!({"Id": ADMIN_ID, "Username": "admin@standin.example", "Email": "admin@standin.example",
        "Name": "Stand-in Admin", "IsActive": true, "UserType": "Standard",
        "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}),
    ];
    for i in 1..=3 {
        users.push(json!({"Id": id18(&format!("0055g00000CSM{i:02}")), "Username": format!("csm{i}@standin.example.sandbox"),
            "Email": format!("csm{i}@standin.example"), "Name": format!("CSM {i}"), "IsActive": true,
            "UserType": "Standard", "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}));
    }
    let industries = ["Technology", "Manufacturing", "Retail", "Healthcare"];
    let mut account_rows = Vec::new();
    let mut contact_rows = Vec::new();
    let base = crate::soql::parse_datetime("2026-11-01T00:00:00Z").expect("a datetime");
    for i in 0..accounts {
        let stamp = crate::soql::format_datetime(base + i as i64 * 60_000);
        let stamp = stamp.as_str();
        let account_id = id18(&format!("0015g00000A{i:04}"));
        let csm = &users[1 + i % 3];
        account_rows.push(
            json!({"Id": account_id, "Name": format!("Stand-in Account {}", i + 1),
            "Website": format!("https://customer{i}.example"), "Industry": industries[i % 4],
            "BillingCountry": "Germany", "AnnualRevenue": 1_000_000.0 * (i % 50 + 1) as f64,
            "NumberOfEmployees": 10 * (i % 30 + 1), "OwnerId": ADMIN_ID,
            "CSM__c": csm["Email"], "CSM_User__c": csm["Id"], "IsDeleted": i % 7 == 6,
            "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}),
        );
        for j in 0..2 {
            contact_rows.push(json!({"Id": id18(&format!("0035g00000C{:04}", i * 2 + j)),
                "AccountId": account_id, "Email": format!("person{j}@customer{i}.example"),
                "FirstName": "Person", "LastName": format!("{i}-{j}"), "Name": format!("Person {i}-{j}"),
                "Title": "Buyer", "Phone": null, "OwnerId": ADMIN_ID, "IsDeleted": false,
                "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}));
        }
    }
    HashMap::from([
        ("Account", account_rows),
        ("Contact", contact_rows),
        ("User", users),
    ])
}

pub type Data = HashMap<&'static str, Vec<Value>>;

/// A row's value of `path` on `object`: a field, or `Relationship.Field` one level up.
fn value_of(data: &Data, object: &str, row: &Value, path: &str) -> Value {
    match path.split_once('.') {
        None => fields(object)
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(path))
            .and_then(|f| row.get(f.name).cloned())
            .unwrap_or(Value::Null),
        Some((relationship, rest)) => match parent_row(data, object, row, relationship) {
            Some((parent, parent_row)) => value_of(data, parent, parent_row, rest),
            None => Value::Null,
        },
    }
}

fn parent_row<'d>(
    data: &'d Data,
    object: &str,
    row: &Value,
    relationship: &str,
) -> Option<(&'static str, &'d Value)> {
    let field = fields(object).iter().find(|f| {
        f.parent
            .is_some_and(|(_, name)| name.eq_ignore_ascii_case(relationship))
    })?;
    let (parent, _) = field.parent?;
    let id = row.get(field.name)?.as_str()?;
    data.get(parent)?
        .iter()
        .find(|p| p["Id"].as_str() == Some(id))
        .map(|p| (parent, p))
}

/// Why a named field cannot be selected: unknown, or hidden by field-level security
/// (the same answer on Salesforce, §4.4).
pub fn check_field(object: &'static str, path: &str, hidden: &Hidden) -> Result<(), String> {
    let known = match path.split_once('.') {
        None => visible(object, hidden, path).is_some(),
        Some((relationship, rest)) => fields(object)
            .iter()
            .filter(|f| !hidden.contains(&format!("{object}.{}", f.name)))
            .find_map(|f| {
                f.parent
                    .filter(|(_, name)| name.eq_ignore_ascii_case(relationship))
            })
            .is_some_and(|(parent, _)| {
                !rest.contains('.') && visible(parent, hidden, rest).is_some()
            }),
    };
    if known {
        Ok(())
    } else {
        Err(path.to_owned())
    }
}

/// The rows a query selects, ordered, offset and limited, projected to its fields with
/// `attributes` (and parent objects with their own `attributes`, or `null`).
pub fn run(
    data: &Data,
    object: &'static str,
    query: &soql::Query,
    all: bool,
    version: &str,
) -> Vec<Value> {
    let mut rows: Vec<&Value> = data[object]
        .iter()
        .filter(|row| all || !row["IsDeleted"].as_bool().unwrap_or(false))
        .filter(|row| {
            query
                .condition
                .as_ref()
                .is_none_or(|c| soql::matches(c, &|p| value_of(data, object, row, p)))
        })
        .collect();
    if !query.order.is_empty() {
        rows.sort_by(|a, b| {
            soql::ordering(&query.order, &|p| value_of(data, object, a, p), &|p| {
                value_of(data, object, b, p)
            })
        });
    }
    let offset = query.offset.unwrap_or(0).min(rows.len());
    let rows = &rows[offset..];
    let rows = &rows[..query.limit.unwrap_or(usize::MAX).min(rows.len())];
    rows.iter()
        .map(|row| project(data, object, row, &query.fields, version))
        .collect()
}

fn attributes(object: &str, row: &Value, version: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/v{version}/sobjects/{object}/{}", row["Id"].as_str().unwrap_or(""))})
}

fn project(
    data: &Data,
    object: &'static str,
    row: &Value,
    paths: &[String],
    version: &str,
) -> Value {
    let mut out = Map::new();
    out.insert("attributes".into(), attributes(object, row, version));
    for path in paths {
        match path.split_once('.') {
            None => {
                let name = fields(object)
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(path))
                    .map_or(path.as_str(), |f| f.name);
                out.insert(name.into(), row.get(name).cloned().unwrap_or(Value::Null));
            }
            Some((relationship, rest)) => {
                let field = fields(object)
                    .iter()
                    .find(|f| {
                        f.parent
                            .is_some_and(|(_, n)| n.eq_ignore_ascii_case(relationship))
                    })
                    .expect("checked before the query ran");
                let (_, name) = field.parent.unwrap();
                match parent_row(data, object, row, relationship) {
                    None => {
                        out.insert(name.into(), Value::Null);
                    }
                    Some((parent, parent_row)) => {
                        let entry = out.entry(name).or_insert_with(|| {
                            let mut nested = Map::new();
                            nested.insert(
                                "attributes".into(),
                                attributes(parent, parent_row, version),
                            );
                            Value::Object(nested)
                        });
                        let rest_name = fields(parent)
                            .iter()
                            .find(|f| f.name.eq_ignore_ascii_case(rest))
                            .map_or(rest, |f| f.name);
                        if let Value::Object(nested) = entry {
                            nested.insert(
                                rest_name.into(),
                                parent_row.get(rest_name).cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                }
            }
        }
    }
    Value::Object(out)
}

/// Creates or changes records (matched by `Id`). Each gets `SystemModstamp` and
/// `LastModifiedDate` = `now` unless it brings its own (a "late commit", §5.1). Answers
/// the ids in order.
pub fn upsert(
    data: &mut Data,
    object: &'static str,
    records: Vec<Value>,
    now: &str,
    next_id: &mut u64,
) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for record in records {
        let Value::Object(given) = record else {
            return Err("each record must be a JSON object".into());
        };
        for key in given.keys() {
            if !fields(object).iter().any(|f| f.name == key) {
                return Err(format!("unknown field {object}.{key}"));
            }
        }
        let stamp = given
            .get("SystemModstamp")
            .cloned()
            .unwrap_or_else(|| json!(now));
        let rows = data.get_mut(object).expect("known object");
        let id = given.get("Id").and_then(Value::as_str).map(str::to_owned);
        let position = id
            .as_ref()
            .and_then(|id| rows.iter().position(|r| r["Id"].as_str() == Some(id)));
        let row = match position {
            Some(i) => &mut rows[i],
            None => {
                *next_id += 1;
                let id = id.unwrap_or_else(|| {
                    id18(&format!("{}5g00000N{:04}", key_prefix(object), next_id))
                });
                let mut fresh = Map::new();
                for field in fields(object) {
                    fresh.insert(field.name.into(), Value::Null);
                }
                fresh.insert("Id".into(), json!(id));
                fresh.insert("IsDeleted".into(), json!(false));
                fresh.insert("CreatedDate".into(), stamp.clone());
                if object == "User" {
                    fresh.insert("IsActive".into(), json!(true));
                }
                rows.push(Value::Object(fresh));
                rows.last_mut().unwrap()
            }
        };
        for (key, value) in given {
            row[key.as_str()] = value;
        }
        row["SystemModstamp"] = stamp.clone();
        row["LastModifiedDate"] = stamp;
        ids.push(row["Id"].as_str().unwrap_or_default().to_owned());
    }
    Ok(ids)
}

/// Soft-deletes a record (an Account takes its Contacts with it); Users cannot be deleted.
pub fn delete(data: &mut Data, object: &'static str, id: &str, now: &str) -> Result<(), String> {
    if object == "User" {
        return Err("Users cannot be deleted; set IsActive to false".into());
    }
    let row = data
        .get_mut(object)
        .and_then(|rows| rows.iter_mut().find(|r| r["Id"].as_str() == Some(id)))
        .ok_or_else(|| format!("no {object} {id}"))?;
    row["IsDeleted"] = json!(true);
    row["SystemModstamp"] = json!(now);
    if object == "Account" {
        for contact in data.get_mut("Contact").unwrap().iter_mut() {
            if contact["AccountId"].as_str() == Some(id) {
                contact["IsDeleted"] = json!(true);
                contact["SystemModstamp"] = json!(now);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_paths_project_nested_objects_or_null() {
        let mut data = demo_data(2);
        data.get_mut("Account").unwrap()[1]["CSM_User__c"] = Value::Null;
        let q = soql::parse("SELECT Id, CSM_User__r.Email, Owner.Name FROM Account ORDER BY Id")
            .unwrap();
        let rows = run(&data, "Account", &q, false, "62.0");
        assert_eq!(rows[0]["CSM_User__r"]["Email"], "csm1@standin.example");
        assert_eq!(rows[0]["CSM_User__r"]["attributes"]["type"], "User");
        assert_eq!(rows[0]["Owner"]["Name"], "Stand-in Admin");
        assert_eq!(rows[1]["CSM_User__r"], Value::Null);
    }

    #[test]
    fn hidden_fields_are_unknown_and_absent_from_describe() {
        let hidden: Hidden = ["Account.CSM__c".to_owned()].into();
        assert!(check_field("Account", "CSM__c", &hidden).is_err());
        assert!(check_field("Account", "csm__C", &Hidden::new()).is_ok());
        assert!(check_field("Account", "Owner.Email", &hidden).is_ok());
        assert!(check_field("Account", "Owner.Nope", &hidden).is_err());
        let described = describe("Account", "62.0", &hidden);
        assert!(!described["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "CSM__c"));
    }

    #[test]
    fn changes_bump_the_stamp_and_deletes_cascade() {
        let mut data = demo_data(1);
        let mut next = 0;
        let account = data["Account"][0]["Id"].as_str().unwrap().to_owned();
        upsert(
            &mut data,
            "Account",
            vec![json!({"Id": account, "Name": "Renamed"})],
            "2026-12-01T00:00:00.000+0000",
            &mut next,
        )
        .unwrap();
        assert_eq!(
            data["Account"][0]["SystemModstamp"],
            "2026-12-01T00:00:00.000+0000"
        );
        let ids = upsert(
            &mut data,
            "Account",
            vec![json!({"Name": "New", "SystemModstamp": "2026-10-01T00:00:00.000+0000"})],
            "2026-12-01T00:00:00.000+0000",
            &mut next,
        )
        .unwrap();
        assert_eq!(ids[0].len(), 18);
        assert_eq!(
            data["Account"][1]["SystemModstamp"],
            "2026-10-01T00:00:00.000+0000"
        );
        delete(
            &mut data,
            "Account",
            &account,
            "2026-12-02T00:00:00.000+0000",
        )
        .unwrap();
        assert!(data["Contact"].iter().all(|c| c["IsDeleted"] == true));
        assert!(upsert(
            &mut data,
            "Account",
            vec![json!({"Nope": 1})],
            "x",
            &mut next
        )
        .is_err());
    }
}
