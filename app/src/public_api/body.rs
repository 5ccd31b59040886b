//! Reading a public API request body within `MAX_BODY_BYTES`, before and after gzip
//! decompression. The body is read chunk by chunk and decoded as it arrives, so a client
//! that sends more (or a small gzip bomb) is refused with 413 as soon as the limit is
//! passed, never held whole. A declared `Content-Length` over the limit is refused before
//! anything is read.
//!
//! Large bodies also draw on a server-wide budget (`BodyBudget`, `large_body_budget_mb`):
//! a request holds as many bytes of it as its body has (decompressed) until its answer is
//! ready, because parsing and storing a body costs memory in proportion to it. When the
//! budget is spent a request waits up to `large_body_wait_seconds` for room, then gets 503
//! with `Retry-After`, so memory stays bounded however many large requests arrive at once.
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::public_api::limits::MAX_BODY_BYTES;

/// Bodies smaller than this never wait for the budget: their cost is small and bounded by
/// the connection limit.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;
/// The budget is taken in steps of this many bytes as a body of unknown size grows.
const BUDGET_STEP: usize = 1024 * 1024;
/// Seconds a client is told to wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The server-wide budget of large request bodies in flight, in bytes.
#[derive(Clone, Debug)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    capacity: usize,
    wait: Duration,
}

impl BodyBudget {
    /// A budget of `capacity` bytes (at least one largest body, so any single request can
    /// run alone); a request waits at most `wait` for room.
    pub fn new(capacity: usize, wait: Duration) -> Self {
        let capacity = capacity.clamp(MAX_BODY_BYTES, Semaphore::MAX_PERMITS);
        Self {
            bytes: Arc::new(Semaphore::new(capacity)),
            capacity,
            wait,
        }
    }

    /// Bytes of the budget not held by any request now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes `bytes` more of the budget into `held`, waiting at most `wait`.
    async fn take(
        &self,
        held: &mut Option<OwnedSemaphorePermit>,
        bytes: usize,
    ) -> Result<(), BodyError> {
        let bytes = u32::try_from(bytes.min(self.capacity)).unwrap_or(u32::MAX);
        let permit = match self.bytes.clone().try_acquire_many_owned(bytes) {
            Ok(permit) => permit,
            Err(_) => tokio::time::timeout(self.wait, self.bytes.clone().acquire_many_owned(bytes))
                .await
                .map_err(|_| BodyError::Busy)?
                .map_err(|_| BodyError::Busy)?,
        };
        match held {
            Some(existing) => existing.merge(permit),
            None => *held = Some(permit),
        }
        Ok(())
    }
}

/// What a request holds of the budget; released when dropped (keep it until the answer
/// is ready).
#[derive(Debug, Default)]
pub struct BudgetHold(Option<OwnedSemaphorePermit>);

impl BudgetHold {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |p| p.num_permits())
    }
}

/// A body read within the limits, and the budget it holds.
#[derive(Debug)]
pub struct ReadBody {
    pub bytes: Vec<u8>,
    pub hold: BudgetHold,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Over `MAX_BODY_BYTES` (compressed or decompressed): HTTP 413.
    TooLarge,
    /// `Content-Encoding: gzip` but the bytes are not valid gzip: HTTP 400.
    BadGzip(String),
    /// A `Content-Encoding` other than gzip or identity: HTTP 415.
    UnsupportedEncoding(String),
    /// The connection broke while the body was read: HTTP 400.
    Interrupted,
    /// The budget of large bodies stayed spent for the whole wait: HTTP 503 with
    /// `Retry-After`.
    Busy,
}

impl BodyError {
    pub fn http_status(&self) -> u16 {
        match self {
            BodyError::TooLarge => 413,
            BodyError::UnsupportedEncoding(_) => 415,
            BodyError::BadGzip(_) | BodyError::Interrupted => 400,
            BodyError::Busy => 503,
        }
    }

    /// The message the client sees.
    pub fn message(&self) -> String {
        match self {
            BodyError::TooLarge => format!(
                "The request body is larger than {} MB (after decompression). Send fewer records per request.",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
            BodyError::BadGzip(why) => format!("The body is marked Content-Encoding: gzip but is not valid gzip ({why})."),
            BodyError::UnsupportedEncoding(name) => {
                format!("Content-Encoding '{name}' is not supported; send the body as is or gzip-compressed.")
            }
            BodyError::Interrupted => "The request body could not be read completely.".to_owned(),
            BodyError::Busy => format!(
                "Steward is busy with other large requests; retry in {RETRY_AFTER_SECONDS} s (see Retry-After)."
            ),
        }
    }
}

/// A `Vec` that refuses to grow past the limit (the decoder writes into it).
struct LimitedBuffer {
    bytes: Vec<u8>,
}

impl Write for LimitedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + data.len() > MAX_BODY_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::OutOfMemory,
                "body limit",
            ));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Sink {
    Plain(LimitedBuffer),
    Gzip(Box<flate2::write::GzDecoder<LimitedBuffer>>),
}

/// The whole body, decompressed, holding its share of `budget`, or why not.
pub async fn read_limited(
    budget: &BodyBudget,
    headers: &HeaderMap,
    body: Body,
) -> Result<ReadBody, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(BodyError::TooLarge);
    }
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    // A declared large body waits for its room before anything is read; a body that
    // grows (no length, or gzip) takes more as it grows.
    let mut held = None;
    let declared = declared.unwrap_or(0) as usize;
    if declared >= SMALL_BODY_BYTES {
        budget.take(&mut held, declared).await?;
    }
    let buffer = LimitedBuffer {
        bytes: Vec::with_capacity(declared.min(MAX_BODY_BYTES)),
    };
    let mut sink = match encoding.as_str() {
        "" | "identity" => Sink::Plain(buffer),
        "gzip" | "x-gzip" => Sink::Gzip(Box::new(flate2::write::GzDecoder::new(buffer))),
        other => return Err(BodyError::UnsupportedEncoding(other.to_owned())),
    };
    let mut received = 0usize;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Interrupted)?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        received += chunk.len();
        if received > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        match &mut sink {
            Sink::Plain(buffer) => buffer.write_all(&chunk).map_err(|_| BodyError::TooLarge)?,
            Sink::Gzip(decoder) => decoder.write_all(&chunk).map_err(|e| gzip_error(&e))?,
        }
        let size = match &sink {
            Sink::Plain(buffer) => buffer.bytes.len(),
            Sink::Gzip(decoder) => decoder.get_ref().bytes.len(),
        };
        let holding = held
            .as_ref()
            .map_or(0, |p: &OwnedSemaphorePermit| p.num_permits());
        if size >= SMALL_BODY_BYTES && size > holding {
            budget
                .take(&mut held, (size - holding).max(BUDGET_STEP))
                .await?;
        }
    }
    let bytes = match sink {
        Sink::Plain(buffer) => buffer.bytes,
        Sink::Gzip(decoder) => decoder
            .finish()
            .map(|buffer| buffer.bytes)
            .map_err(|e| gzip_error(&e))?,
    };
    Ok(ReadBody {
        bytes,
        hold: BudgetHold(held),
    })
}

fn gzip_error(error: &std::io::Error) -> BodyError {
    if error.kind() == std::io::ErrorKind::OutOfMemory {
        BodyError::TooLarge
    } else {
        BodyError::BadGzip(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    async fn read(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, BodyError> {
        let budget = BodyBudget::new(MAX_BODY_BYTES, Duration::ZERO);
        read_limited(&budget, headers, body).await.map(|b| b.bytes)
    }

    #[tokio::test]
    async fn test_large_bodies_hold_the_budget_until_dropped() {
        let budget = BodyBudget::new(MAX_BODY_BYTES, Duration::ZERO);
        let big = vec![b' '; MAX_BODY_BYTES / 2 + 1];
        let first = read_limited(&budget, &HeaderMap::new(), Body::from(big.clone()))
            .await
            .unwrap();
        assert!(first.hold.bytes() >= big.len());
        // No room for a second one while the first is held, and no wait configured.
        assert_eq!(
            read_limited(&budget, &HeaderMap::new(), Body::from(big.clone()))
                .await
                .unwrap_err(),
            BodyError::Busy
        );
        // Small bodies never wait.
        assert!(read_limited(&budget, &HeaderMap::new(), Body::from("{}"))
            .await
            .is_ok());
        drop(first);
        assert_eq!(budget.available(), budget.capacity());
        assert!(read_limited(&budget, &HeaderMap::new(), Body::from(big))
            .await
            .is_ok());
    }

    fn gzip_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers
    }

    #[tokio::test]
    async fn test_plain_and_gzip_bodies_read_the_same() {
        let data = b"{\"a\":1}\n{\"b\":2}\n".repeat(100);
        assert_eq!(
            read(&HeaderMap::new(), Body::from(data.clone()))
                .await
                .unwrap(),
            data
        );
        assert_eq!(
            read(&gzip_headers(), Body::from(gzip(&data)))
                .await
                .unwrap(),
            data
        );
    }

    #[tokio::test]
    async fn test_over_the_limit_is_refused_before_and_after_decompression() {
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            read(&HeaderMap::new(), Body::from(big.clone())).await,
            Err(BodyError::TooLarge)
        );
        // A few KB of gzip that expand past the limit: refused while decoding.
        let bomb = gzip(&big);
        assert!(bomb.len() < 100_000);
        assert_eq!(
            read(&gzip_headers(), Body::from(bomb)).await,
            Err(BodyError::TooLarge)
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("99999999999"),
        );
        assert_eq!(
            read(&headers, Body::from("x")).await,
            Err(BodyError::TooLarge)
        );
    }

    #[tokio::test]
    async fn test_bad_gzip_and_unknown_encodings_say_so() {
        assert!(matches!(
            read(&gzip_headers(), Body::from("not gzip")).await,
            Err(BodyError::BadGzip(_))
        ));
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert_eq!(
            read(&headers, Body::from("x")).await,
            Err(BodyError::UnsupportedEncoding("br".into()))
        );
    }
}
