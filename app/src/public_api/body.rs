//! Reading a public API request body within `MAX_BODY_BYTES`, before and after gzip
//! decompression. The body is read chunk by chunk and decoded as it arrives, so a client
//! that sends more (or a small gzip bomb) is refused with 413 as soon as the limit is
//! passed, never held whole. A declared `Content-Length` over the limit is refused before
//! anything is read.
use std::io::Write;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;

use crate::public_api::limits::MAX_BODY_BYTES;

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
}

impl BodyError {
    pub fn http_status(&self) -> u16 {
        match self {
            BodyError::TooLarge => 413,
            BodyError::UnsupportedEncoding(_) => 415,
            BodyError::BadGzip(_) | BodyError::Interrupted => 400,
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

/// The whole body, decompressed, or why not.
pub async fn read_limited(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, BodyError> {
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
    let buffer = LimitedBuffer {
        bytes: Vec::with_capacity(declared.unwrap_or(0).min(1 << 20) as usize),
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
    }
    match sink {
        Sink::Plain(buffer) => Ok(buffer.bytes),
        Sink::Gzip(decoder) => decoder
            .finish()
            .map(|buffer| buffer.bytes)
            .map_err(|e| gzip_error(&e)),
    }
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

    fn gzip_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers
    }

    #[tokio::test]
    async fn test_plain_and_gzip_bodies_read_the_same() {
        let data = b"{\"a\":1}\n{\"b\":2}\n".repeat(100);
        assert_eq!(
            read_limited(&HeaderMap::new(), Body::from(data.clone()))
                .await
                .unwrap(),
            data
        );
        assert_eq!(
            read_limited(&gzip_headers(), Body::from(gzip(&data)))
                .await
                .unwrap(),
            data
        );
    }

    #[tokio::test]
    async fn test_over_the_limit_is_refused_before_and_after_decompression() {
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            read_limited(&HeaderMap::new(), Body::from(big.clone())).await,
            Err(BodyError::TooLarge)
        );
        // A few KB of gzip that expand past the limit: refused while decoding.
        let bomb = gzip(&big);
        assert!(bomb.len() < 100_000);
        assert_eq!(
            read_limited(&gzip_headers(), Body::from(bomb)).await,
            Err(BodyError::TooLarge)
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("99999999999"),
        );
        assert_eq!(
            read_limited(&headers, Body::from("x")).await,
            Err(BodyError::TooLarge)
        );
    }

    #[tokio::test]
    async fn test_bad_gzip_and_unknown_encodings_say_so() {
        assert!(matches!(
            read_limited(&gzip_headers(), Body::from("not gzip")).await,
            Err(BodyError::BadGzip(_))
        ));
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert_eq!(
            read_limited(&headers, Body::from("x")).await,
            Err(BodyError::UnsupportedEncoding("br".into()))
        );
    }
}
