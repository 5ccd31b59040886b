//! Limits of the public APIs, documented in README.md ("API limits"). They protect memory:
//! a body is read in chunks and refused with 413 as soon as it passes the limit, before or
//! after decompression, so no request is ever held whole beyond this size.

/// Largest request body, counted after gzip decompression too.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Most records (Account API `records`) or events (Event API lines) in one request.
pub const MAX_RECORDS: usize = 10_000;

/// Rows per page of an Account API list (Natero's `max_page_size`).
pub const MAX_PAGE_SIZE: u64 = 1000;
