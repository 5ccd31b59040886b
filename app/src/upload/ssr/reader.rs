//! The upload reader: CSV parsed with `csv-async` as the bytes arrive, never the whole file
//! in memory. It is forgiving of real spreadsheet exports and strict about what could
//! corrupt data:
//!
//! - a UTF-8 byte order mark is dropped; CRLF, LF and mixed line endings are read alike;
//! - the delimiter is taken from the header line (comma, semicolon or tab, the most
//!   frequent outside quotes) and reported;
//! - a cell that is not valid UTF-8 is read as Windows-1252 (what Excel writes on Windows)
//!   and the file is reported as such;
//! - refused as a whole, with the line (header = 1) and column where there is one: binary
//!   data (NUL bytes, a ZIP/.xlsx, .xls, PDF or gzip signature) as "not a CSV file", an
//!   empty file, a header without data rows, blank or duplicate header names, a quote never
//!   closed, more than `MAX_UPLOAD_BYTES` or `MAX_UPLOAD_ROWS`;
//! - refused per row (the others go on): a row with more fields than the header (unless the
//!   extra ones are empty, as spreadsheets leave them) or fewer.
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use csv_async::{AsyncReaderBuilder, ByteRecord};
use futures::io::{AsyncRead, AsyncReadExt};
use futures::{Stream, StreamExt};

use crate::upload::dto::RowFailure;

pub use crate::upload::dto::{MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS};
/// How much of the start of a file is looked at for its kind and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// A file refused as a whole: nothing of it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl Refusal {
    fn file(message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    fn at(line: u64, column: Option<String>, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            column,
            message: message.into(),
        }
    }

    pub fn too_large() -> Self {
        Self::file(format!(
            "The file is larger than {} MB ({MAX_UPLOAD_BYTES} bytes), the most one upload takes; split it into smaller files.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ))
    }

    fn too_many_rows() -> Self {
        Self::file(format!(
            "The file has more than {} data rows, the most one upload takes; split it into smaller files.",
            thousands(MAX_UPLOAD_ROWS)
        ))
    }

    pub fn not_csv(what: &str) -> Self {
        Self::file(format!(
            "This is not a CSV file ({what}). Save the sheet as CSV (comma, semicolon or tab separated) and upload that."
        ))
    }

    /// "Line 3, column 'name': …" or the message alone.
    pub fn describe(&self) -> String {
        match (&self.line, &self.column) {
            (Some(line), Some(column)) => {
                format!("Line {line}, column '{column}': {}", self.message)
            }
            (Some(line), None) => format!("Line {line}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

impl Encoding {
    pub fn key(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// A data row: its line in the file (where the record starts; header = 1) and its cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A row refused on its own (cells as read, for the error CSV).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    pub failure: RowFailure,
    pub cells: Vec<String>,
}

/// Where the byte scanner is within a record (as csv-core reads quotes: a quote opens a
/// quoted field only at the start of a field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Sits between the source and csv-async: serves the sniffed prefix first, then the rest;
/// counts bytes, refuses NUL bytes, and follows quotes to tell an unterminated one.
struct Guard<R> {
    inner: R,
    prefix: Vec<u8>,
    prefix_at: usize,
    served: u64,
    delimiter: u8,
    scan: Scan,
    line: u64,
    quote_line: u64,
    refusal: Option<Refusal>,
    /// Line breaks served but not yet behind a record: (first byte, end) offsets. A CRLF
    /// is one break, and so are a lone LF and a lone CR. Bounded by csv-async's buffer.
    breaks: VecDeque<(u64, u64)>,
    /// Breaks behind the records read so far.
    counted: u64,
    previous: u8,
}

impl<R> Guard<R> {
    /// The line of a record that starts at byte `start` (csv-async's record position; its
    /// own line count runs late on CRLF files): the breaks before it, and the blank lines
    /// (or the LF of a CRLF) it starts with.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut cursor = start;
        while let Some(&(first, end)) = self.breaks.front() {
            if first < start || first == cursor {
                self.counted += 1;
                cursor = cursor.max(end);
                self.breaks.pop_front();
            } else {
                break;
            }
        }
        1 + self.counted
    }

    fn follow(&mut self, bytes: &[u8]) -> Result<(), Refusal> {
        let offset = self.served;
        self.served += bytes.len() as u64;
        if self.served > MAX_UPLOAD_BYTES {
            return Err(Refusal::too_large());
        }
        for (i, &b) in bytes.iter().enumerate() {
            let at = offset + i as u64;
            match b {
                b'\r' => {
                    self.breaks.push_back((at, at + 1));
                    self.line += 1;
                }
                b'\n' if self.previous == b'\r' => {
                    if let Some(last) = self.breaks.back_mut() {
                        last.1 = at + 1;
                    }
                }
                b'\n' => {
                    self.breaks.push_back((at, at + 1));
                    self.line += 1;
                }
                _ => {}
            }
            self.previous = b;
            if b == 0 {
                return Err(Refusal::not_csv(&format!(
                    "it holds binary data: a NUL byte on line {}",
                    self.line
                )));
            }
            let newline = b == b'\n' || b == b'\r';
            self.scan = match (self.scan, b) {
                (Scan::Quoted, b'"') => Scan::QuoteInQuoted,
                (Scan::Quoted, _) => Scan::Quoted,
                (Scan::QuoteInQuoted, b'"') => Scan::Quoted,
                (Scan::FieldStart, b'"') => {
                    self.quote_line = self.line;
                    Scan::Quoted
                }
                (_, b) if b == self.delimiter || newline => Scan::FieldStart,
                _ => Scan::Unquoted,
            };
        }
        Ok(())
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Guard<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.refusal.is_some() {
            return Poll::Ready(Err(io::Error::other("refused")));
        }
        let n = if this.prefix_at < this.prefix.len() {
            let n = buf.len().min(this.prefix.len() - this.prefix_at);
            buf[..n].copy_from_slice(&this.prefix[this.prefix_at..this.prefix_at + n]);
            this.prefix_at += n;
            if this.prefix_at == this.prefix.len() {
                this.prefix = Vec::new();
                this.prefix_at = 0;
            }
            n
        } else {
            match Pin::new(&mut this.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(n)) => n,
                other => return other,
            }
        };
        if let Err(refusal) = this.follow(&buf[..n]) {
            this.refusal = Some(refusal);
            return Poll::Ready(Err(io::Error::other("refused")));
        }
        Poll::Ready(Ok(n))
    }
}

/// The kind of a file that is not text, from its first bytes.
fn binary_kind(prefix: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (
            b"PK\x03\x04",
            "it is a ZIP archive, such as an Excel .xlsx workbook",
        ),
        (b"\xD0\xCF\x11\xE0", "it is an old Excel .xls workbook"),
        (b"%PDF", "it is a PDF document"),
        (
            b"\x1F\x8B",
            "it is gzip-compressed; send it with Content-Encoding: gzip or unpacked",
        ),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| prefix.starts_with(sig)) {
        return Some(what);
    }
    if prefix.contains(&0) {
        return Some("it holds binary data (NUL bytes)");
    }
    let control = prefix
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    (control * 20 > prefix.len().max(1)).then_some("it holds binary data")
}

/// The delimiter of the header line: the most frequent of comma, semicolon and tab outside
/// quotes; comma when none is there.
fn detect_delimiter(prefix: &[u8]) -> Delimiter {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in prefix {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab]
        .into_iter()
        .zip(counts)
        .max_by_key(|(d, n)| (*n, *d == Delimiter::Comma))
        .map(|(d, _)| d)
        .unwrap_or(Delimiter::Comma)
}

/// Decodes a cell: UTF-8, else Windows-1252 (and says so).
fn decode(bytes: &[u8], fell_back: &mut bool) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            *fell_back = true;
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()
        }
    }
}

/// Column names are matched ignoring case, spaces, underscores and hyphens.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A CSV file being read.
pub struct CsvReader<R: AsyncRead + Unpin + Send> {
    csv: csv_async::AsyncReader<Guard<R>>,
    headers: Vec<String>,
    delimiter: Delimiter,
    fell_back: bool,
    rows: u64,
    record: ByteRecord,
}

impl<R: AsyncRead + Unpin + Send> CsvReader<R> {
    /// Looks at the start of the file and reads its header line.
    pub async fn open(mut source: R) -> Result<Self, Refusal> {
        let mut prefix = Vec::with_capacity(8 * 1024);
        let mut chunk = vec![0u8; 8 * 1024];
        while prefix.len() < SNIFF_BYTES {
            let n = source
                .read(&mut chunk)
                .await
                .map_err(|e| Refusal::file(format!("The upload was interrupted: {e}")))?;
            if n == 0 {
                break;
            }
            prefix.extend_from_slice(&chunk[..n]);
            if prefix.len() as u64 > MAX_UPLOAD_BYTES {
                return Err(Refusal::too_large());
            }
            if chunk[..n].contains(&b'\n') {
                break;
            }
        }
        if prefix.starts_with(b"\xEF\xBB\xBF") {
            prefix.drain(..3);
        }
        if prefix.iter().all(u8::is_ascii_whitespace) && prefix.len() < SNIFF_BYTES {
            // Nothing but blank lines so far: read to the end to be sure.
            let mut more = [0u8; 1024];
            loop {
                let n = source
                    .read(&mut more)
                    .await
                    .map_err(|e| Refusal::file(format!("The upload was interrupted: {e}")))?;
                if n == 0 {
                    return Err(Refusal::file(
                        "The file is empty: it needs a header row and at least one data row.",
                    ));
                }
                prefix.extend_from_slice(&more[..n]);
                if !prefix.iter().all(u8::is_ascii_whitespace) || prefix.len() >= SNIFF_BYTES {
                    break;
                }
            }
        }
        if let Some(what) = binary_kind(&prefix) {
            return Err(Refusal::not_csv(what));
        }
        let delimiter = detect_delimiter(&prefix);
        let guard = Guard {
            inner: source,
            prefix,
            prefix_at: 0,
            served: 0,
            delimiter: delimiter.byte(),
            scan: Scan::FieldStart,
            line: 1,
            quote_line: 1,
            refusal: None,
            breaks: VecDeque::new(),
            counted: 0,
            previous: 0,
        };
        let mut csv = AsyncReaderBuilder::new()
            .delimiter(delimiter.byte())
            .flexible(true)
            .has_headers(true)
            .create_reader(guard);
        let raw = match csv.byte_headers().await {
            Ok(h) => h.clone(),
            Err(e) => return Err(Self::refusal_of(csv.get_ref(), e)),
        };
        let mut fell_back = false;
        let headers: Vec<String> = raw
            .iter()
            .map(|h| decode(h, &mut fell_back).trim().to_owned())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(Refusal::at(
                1,
                None,
                "The header row is empty: the first line must name the columns.",
            ));
        }
        for (i, name) in headers.iter().enumerate() {
            if name.is_empty() {
                return Err(Refusal::at(
                    1,
                    Some(format!("#{}", i + 1)),
                    format!(
                        "Column {} of the header row has no name: name every column, or delete the empty column.",
                        i + 1
                    ),
                ));
            }
            if let Some(first) = headers[..i]
                .iter()
                .position(|h| column_key(h) == column_key(name))
            {
                return Err(Refusal::at(
                    1,
                    Some(name.clone()),
                    format!(
                        "Column {} ('{name}') repeats column {} ('{}'): each column may appear once.",
                        i + 1,
                        first + 1,
                        headers[first]
                    ),
                ));
            }
        }
        Ok(Self {
            csv,
            headers,
            delimiter,
            fell_back,
            rows: 0,
            record: ByteRecord::new(),
        })
    }

    fn refusal_of(guard: &Guard<R>, error: csv_async::Error) -> Refusal {
        guard
            .refusal
            .clone()
            .unwrap_or_else(|| Refusal::file(format!("The upload was interrupted: {error}")))
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// Windows-1252 once any cell so far needed it.
    pub fn encoding(&self) -> Encoding {
        if self.fell_back {
            Encoding::Windows1252
        } else {
            Encoding::Utf8
        }
    }

    /// Bytes read so far (progress).
    pub fn bytes_read(&self) -> u64 {
        self.csv.get_ref().served
    }

    /// The next data row, a row refused on its own, or the end. A refusal of the whole file
    /// can still come at the end (a quote never closed) or midway (a limit, a NUL byte).
    pub async fn next_row(&mut self) -> Result<Option<Result<Row, BadRow>>, Refusal> {
        let more = match self.csv.read_byte_record(&mut self.record).await {
            Ok(more) => more,
            Err(e) => return Err(Self::refusal_of(self.csv.get_ref(), e)),
        };
        if !more {
            let guard = self.csv.get_ref();
            if guard.scan == Scan::Quoted {
                return Err(Refusal::at(
                    guard.quote_line,
                    None,
                    "A quoted cell starting on this line is never closed (a \" is missing), so the rest of the file would be read as one cell.",
                ));
            }
            if self.rows == 0 {
                return Err(Refusal::at(
                    1,
                    None,
                    "The file has a header row but no data rows.",
                ));
            }
            return Ok(None);
        }
        self.rows += 1;
        if self.rows > MAX_UPLOAD_ROWS {
            return Err(Refusal::too_many_rows());
        }
        let start = self.record.position().map_or(0, |p| p.byte());
        let line = self.csv.get_mut().line_at(start);
        let width = self.headers.len();
        let fields = self.record.len();
        if fields > width
            && self
                .record
                .iter()
                .skip(width)
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            self.record.truncate(width);
        }
        let cells: Vec<String> = self
            .record
            .iter()
            .map(|f| decode(f, &mut self.fell_back))
            .collect();
        if cells.len() != width {
            return Ok(Some(Err(BadRow {
                failure: RowFailure {
                    line,
                    column: None,
                    message: format!(
                        "This line has {fields} cells but the header has {width}: check the delimiter ({}) and the quotes on this line.",
                        self.delimiter.key()
                    ),
                },
                cells,
            })));
        }
        Ok(Some(Ok(Row { line, cells })))
    }
}

/// The key a column name is matched by: the part before a `.` normalised (ignoring case,
/// spaces, underscores and hyphens), the dimension key after it kept as written.
pub fn column_key(name: &str) -> String {
    match name.split_once('.') {
        Some((head, key)) => format!("{}.{}", normalise(head), key.trim()),
        None => normalise(name),
    }
}

/// The request body as an `AsyncRead`, gunzipped as it arrives when `gzip`; the
/// decompressed size counts against `MAX_UPLOAD_BYTES` (in the reader).
pub fn body_reader<S, B, E>(stream: S, gzip: bool) -> impl AsyncRead + Unpin + Send
where
    S: Stream<Item = Result<B, E>> + Send + Unpin + 'static,
    B: AsRef<[u8]> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    use futures::TryStreamExt;
    let plain = stream.map_err(|e| io::Error::other(e.to_string()));
    let decoded: Pin<Box<dyn Stream<Item = io::Result<Vec<u8>>> + Send>> = if gzip {
        let mut decoder = Some(flate2::write::GzDecoder::new(Vec::new()));
        Box::pin(
            plain
                .map(Some)
                .chain(futures::stream::once(async { None }))
                .map(move |item| {
                    use std::io::Write;
                    let Some(d) = decoder.as_mut() else {
                        return Ok(Vec::new());
                    };
                    match item {
                        Some(chunk) => {
                            let chunk = chunk?;
                            d.write_all(chunk.as_ref()).map_err(|e| {
                                io::Error::other(format!("the gzip body is damaged: {e}"))
                            })?;
                            Ok(std::mem::take(d.get_mut()))
                        }
                        None => {
                            let mut done = decoder.take().expect("decoder");
                            done.try_finish().map_err(|e| {
                                io::Error::other(format!("the gzip body ends early: {e}"))
                            })?;
                            Ok(std::mem::take(done.get_mut()))
                        }
                    }
                }),
        )
    } else {
        Box::pin(plain.map_ok(|b| b.as_ref().to_vec()))
    };
    decoded.into_async_read()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(
        bytes: &[u8],
    ) -> Result<(CsvReader<&[u8]>, Vec<Result<Row, BadRow>>), Refusal> {
        let mut reader = CsvReader::open(bytes).await?;
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row().await? {
            rows.push(row);
        }
        Ok((reader, rows))
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        futures::executor::block_on(f)
    }

    #[test]
    fn test_bom_crlf_lf_and_mixed_endings_are_read_alike() {
        let (reader, rows) = block(read_all(b"\xEF\xBB\xBFa,b\r\n1,2\n3,4\r\n5,6")).unwrap();
        assert_eq!(reader.headers(), ["a", "b"]);
        let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(rows[2].as_ref().unwrap().cells, ["5", "6"]);
        // Blank lines and line breaks inside quotes count as lines.
        let (_, rows) = block(read_all(b"a,b\r\n\r\n1,\"x\r\ny\"\r\n2,3\r\n")).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().line).collect();
        assert_eq!(lines, [3, 5]);
    }

    #[test]
    fn test_semicolon_and_tab_are_detected() {
        let (reader, rows) = block(read_all(b"a;b;c\n1;\"x;y\";3\n")).unwrap();
        assert_eq!(reader.delimiter(), Delimiter::Semicolon);
        assert_eq!(rows[0].as_ref().unwrap().cells, ["1", "x;y", "3"]);
        let (reader, _) = block(read_all(b"a\tb\n1,5\t2\n")).unwrap();
        assert_eq!(reader.delimiter(), Delimiter::Tab);
    }

    #[test]
    fn test_windows_1252_is_decoded_and_reported() {
        let (reader, rows) = block(read_all(b"name\nM\xfcller\n")).unwrap();
        assert_eq!(reader.encoding(), Encoding::Windows1252);
        assert_eq!(rows[0].as_ref().unwrap().cells, ["Müller"]);
        let (reader, _) = block(read_all("name\nMüller\n".as_bytes())).unwrap();
        assert_eq!(reader.encoding(), Encoding::Utf8);
    }

    #[test]
    fn test_files_refused_as_a_whole_say_why() {
        let refused = |bytes: &[u8]| block(read_all(bytes)).err().expect("refused").describe();
        assert!(refused(b"").contains("empty"));
        assert!(refused(b"\r\n\n").contains("empty"));
        assert!(refused(b"a,b\n").contains("no data rows"));
        assert!(refused(b"PK\x03\x04\x14\x00rest").contains("not a CSV file"));
        assert!(refused(b"a,b\n1,\x002\n").contains("not a CSV file"));
        let blank = refused(b"a,,c\n1,2,3\n");
        assert!(blank.starts_with("Line 1, column '#2'"), "{blank}");
        let duplicate = refused(b"Account ID,name,account_id\n1,2,3\n");
        assert!(
            duplicate.starts_with("Line 1, column 'account_id'"),
            "{duplicate}"
        );
        let open = refused(b"a,b\n1,2\n3,\"four\n5,6\n");
        assert!(
            open.starts_with("Line 3:") && open.contains("never closed"),
            "{open}"
        );
    }

    #[test]
    fn test_a_quote_inside_an_unquoted_cell_is_text() {
        let (_, rows) = block(read_all(b"a,b\n5\" screen,2\n\"x \"\"y\"\"\",3\n")).unwrap();
        assert_eq!(rows[0].as_ref().unwrap().cells, ["5\" screen", "2"]);
        assert_eq!(rows[1].as_ref().unwrap().cells, ["x \"y\"", "3"]);
    }

    #[test]
    fn test_ragged_rows_fail_on_their_own() {
        let (_, rows) = block(read_all(b"a,b\n1,2,3\n4\n5,6,,\n7,8\n")).unwrap();
        let failure = &rows[0].as_ref().unwrap_err().failure;
        assert_eq!(failure.line, 2);
        assert!(failure.message.contains("3 cells but the header has 2"));
        assert_eq!(rows[1].as_ref().unwrap_err().failure.line, 3);
        // Empty trailing cells, as spreadsheets leave them, are dropped.
        assert_eq!(rows[2].as_ref().unwrap().cells, ["5", "6"]);
        assert_eq!(rows[3].as_ref().unwrap().line, 5);
    }

    #[test]
    fn test_column_names_match_loosely_but_dimension_keys_exactly() {
        assert_eq!(column_key("Account ID"), "accountid");
        assert_eq!(column_key("account-id"), column_key("ACCOUNT_ID"));
        assert_eq!(
            column_key("Custom Label Dimensions.Plan Name"),
            "customlabeldimensions.Plan Name"
        );
    }

    #[test]
    fn test_gzip_bodies_are_unpacked_as_they_stream() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a,b\n1,2\n").unwrap();
        let packed = gz.finish().unwrap();
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            packed.chunks(5).map(|c| Ok(c.to_vec())).collect();
        let reader = body_reader(futures::stream::iter(chunks), true);
        let rows = block(async move {
            let mut csv = CsvReader::open(reader).await.unwrap();
            let mut rows = Vec::new();
            while let Some(row) = csv.next_row().await.unwrap() {
                rows.push(row.unwrap().cells);
            }
            rows
        });
        assert_eq!(rows, [["1", "2"]]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn csvish() -> impl Strategy<Value = Vec<u8>> {
            prop::collection::vec(
                prop_oneof![
                    Just(b','),
                    Just(b';'),
                    Just(b'\t'),
                    Just(b'"'),
                    Just(b'\n'),
                    Just(b'\r'),
                    Just(b'a'),
                    Just(0xFCu8),
                    any::<u8>(),
                ],
                0..300,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            #[test]
            fn prop_random_bytes_never_panic_the_reader(bytes in csvish()) {
                match block(read_all(&bytes)) {
                    Ok((reader, rows)) => {
                        for row in rows {
                            match row {
                                Ok(row) => prop_assert_eq!(row.cells.len(), reader.headers().len()),
                                Err(bad) => prop_assert!(!bad.failure.message.is_empty()),
                            }
                        }
                    }
                    Err(refusal) => prop_assert!(!refusal.message.is_empty()),
                }
            }
        }
    }
}
