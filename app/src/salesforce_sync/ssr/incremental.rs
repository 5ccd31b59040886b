//! Reads one object incrementally and resumably (shared/salesforce-reference.md §5.7):
//! `ORDER BY SystemModstamp, Id` with a keyset condition, so the checkpoint is simply the
//! last applied `(SystemModstamp, Id)`. A first read takes everything; a later one starts a
//! lookback window before the checkpoint (records committed late with an older stamp,
//! §5.1; the upsert makes re-reading them harmless). When the cursor dies mid-read
//! (`INVALID_QUERY_LOCATOR`, a refreshed session) the query is run again from the last
//! applied record: nothing is lost and nothing applied twice.
use std::future::Future;

use serde_json::Value;

use super::reader::{self, ReadError, Retry};
use crate::state::AppState;

/// The last record applied: everything up to and including it is done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Its `SystemModstamp`, epoch milliseconds.
    pub stamp_ms: Option<i64>,
    pub id: Option<String>,
}

/// What reading one object took.
#[derive(Debug, Default)]
pub struct Progress {
    pub records: u64,
    pub pages: u64,
    /// Queries run again after their cursor died.
    pub restarts: u32,
    /// The org's daily API usage last reported, `(used, max)`.
    pub api_usage: Option<(u64, u64)>,
}

/// What to read.
pub struct ObjectRead<'a> {
    pub object: &'a str,
    /// Fields to select besides `Id` and `SystemModstamp` (always selected).
    pub fields: &'a [String],
    /// `queryAll`, so soft deletes come as `IsDeleted = true` (not for User).
    pub with_deleted: bool,
    /// How far before the checkpoint an incremental read starts.
    pub lookback_ms: i64,
    /// The read continues one that was interrupted (server stopped, limit reached): it
    /// starts strictly after the checkpoint, without the lookback.
    pub resume: bool,
}

/// Restarts allowed per object before the read gives up.
const MAX_RESTARTS: u32 = 5;

/// SOQL wants `2026-11-01T09:00:00Z`: unquoted, seconds (Salesforce keeps no finer time).
pub fn soql_datetime(ms: i64) -> String {
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let date = &crate::time_label::exact_utc(ms)[..10];
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `2026-11-01T09:00:00.000+0000` (also `Z`, `+00:00`, no fraction) → epoch milliseconds.
pub fn parse_stamp(text: &str) -> Option<i64> {
    let day = crate::time_label::date_start_ms(text.get(..10)?)?;
    let time = text.get(10..)?.strip_prefix('T')?;
    let field = |r: std::ops::Range<usize>| time.get(r)?.parse::<i64>().ok();
    let (h, m, s) = (field(0..2)?, field(3..5)?, field(6..8)?);
    let mut rest = time.get(8..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        millis = format!("{:0<3}", &fraction[..digits.min(3)]).parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset_min = match rest {
        "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = rest[1..].replace(':', "");
            if digits.len() != 4 {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?)
        }
    };
    Some(day + ((h * 60 + m - offset_min) * 60 + s) * 1000 + millis)
}

fn soql(read: &ObjectRead<'_>, from: &Checkpoint, resume: bool) -> String {
    let mut fields = vec!["Id".to_owned(), "SystemModstamp".to_owned()];
    for field in read.fields {
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(field)) {
            fields.push(field.clone());
        }
    }
    let condition = match (from.stamp_ms, &from.id) {
        (None, _) => String::new(),
        // After a dead cursor: strictly after the last applied record.
        (Some(stamp), Some(id)) if resume => {
            let at = soql_datetime(stamp);
            let id = id.replace('\\', "\\\\").replace('\'', "\\'");
            format!(" WHERE (SystemModstamp > {at} OR (SystemModstamp = {at} AND Id > '{id}'))")
        }
        (Some(stamp), _) => format!(
            " WHERE SystemModstamp >= {}",
            soql_datetime(stamp - read.lookback_ms)
        ),
    };
    format!(
        "SELECT {} FROM {}{condition} ORDER BY SystemModstamp ASC, Id ASC",
        fields.join(", "),
        read.object
    )
}

/// Reads `read.object` from `start`, handing each page to `apply` in order; the checkpoint
/// moves only after `apply` succeeded. Answers the final checkpoint, or the error with the
/// checkpoint reached (to save and resume from at the next run).
pub async fn read_object<F, Fut>(
    state: &AppState,
    org_id: i32,
    read: &ObjectRead<'_>,
    start: Checkpoint,
    retry: Retry,
    mut apply: F,
) -> Result<(Checkpoint, Progress), (ReadError, Checkpoint, Progress)>
where
    F: FnMut(Vec<Value>, Checkpoint) -> Fut,
    Fut: Future<Output = Result<(), ReadError>>,
{
    let mut progress = Progress::default();
    let mut checkpoint = start;
    let mut query = soql(read, &checkpoint, read.resume);
    loop {
        let mut page = match reader::query(state, org_id, &query, read.with_deleted, retry).await {
            Ok(page) => page,
            Err(error) => return Err((error, checkpoint, progress)),
        };
        let restarted = loop {
            progress.pages += 1;
            progress.api_usage = page.api_usage.or(progress.api_usage);
            let next = page.next.take();
            if let Some(last) = page.records.last() {
                let reached = Checkpoint {
                    stamp_ms: last["SystemModstamp"].as_str().and_then(parse_stamp),
                    id: last["Id"].as_str().map(str::to_owned),
                };
                progress.records += page.records.len() as u64;
                if let Err(error) = apply(page.records, reached.clone()).await {
                    return Err((error, checkpoint, progress));
                }
                checkpoint = reached;
            }
            let Some(next) = next else {
                break false;
            };
            match reader::more(state, org_id, &next, retry).await {
                Ok(more) => page = more,
                Err(ReadError::CursorGone(reason)) if progress.restarts < MAX_RESTARTS => {
                    tracing::info!(org_id, object = read.object, %reason, "query cursor gone; restarting from the checkpoint");
                    break true;
                }
                Err(error) => return Err((error, checkpoint, progress)),
            }
        };
        if !restarted {
            return Ok((checkpoint, progress));
        }
        progress.restarts += 1;
        query = soql(read, &checkpoint, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_queries_are_what_salesforce_expects() {
        let ms = parse_stamp("2026-11-01T09:00:00.000+0000").unwrap();
        assert_eq!(parse_stamp("2026-11-01T09:00:00Z"), Some(ms));
        assert_eq!(soql_datetime(ms), "2026-11-01T09:00:00Z");
        let fields = vec!["Name".to_owned(), "id".to_owned()];
        let read = ObjectRead {
            object: "Account",
            fields: &fields,
            with_deleted: true,
            lookback_ms: 600_000,
            resume: false,
        };
        assert_eq!(
            soql(&read, &Checkpoint::default(), false),
            "SELECT Id, SystemModstamp, Name FROM Account ORDER BY SystemModstamp ASC, Id ASC"
        );
        let at = Checkpoint {
            stamp_ms: Some(ms),
            id: Some("001x'1".into()),
        };
        assert_eq!(
            soql(&read, &at, false),
            "SELECT Id, SystemModstamp, Name FROM Account WHERE SystemModstamp >= 2026-11-01T08:50:00Z ORDER BY SystemModstamp ASC, Id ASC"
        );
        assert!(soql(&read, &at, true).contains(
            "WHERE (SystemModstamp > 2026-11-01T09:00:00Z OR (SystemModstamp = 2026-11-01T09:00:00Z AND Id > '001x\\'1'))"
        ));
    }
}
