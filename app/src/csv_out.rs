//! Every CSV Steward writes goes through here (API Upload's templates and error files, and
//! any export to come): fields quoted when they must be, and cells that a spreadsheet would
//! run as a formula neutralised.
//!
//! Formula injection (CSV injection): a cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with a single quote, so Excel, LibreOffice and Google Sheets
//! show it as text. A number such as `-5` is neutralised too; the quote is visible, which
//! is the accepted price (OWASP's advice).

/// The cell as it is safe to open in a spreadsheet.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// One CSV line (comma separated, CRLF ended), each cell neutralised and quoted when it
/// holds a comma, a quote or a line break.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = neutralise(cell.as_ref());
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_formula_cells_are_neutralised() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(neutralise("Acme"), "Acme");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn test_rows_quote_what_needs_quoting() {
        assert_eq!(
            row(&["a", "b,c", "say \"hi\"", "=cmd"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",'=cmd\r\n"
        );
        assert_eq!(row(&["\rx"]), "\"'\rx\"\r\n");
    }
}
