//! The SOQL subset a sync connector uses (salesforce-reference.md §3.3.4, §8.1):
//! `SELECT a, b, Rel.c FROM Object [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n]`, where the
//! condition has AND / OR / NOT / parentheses, `= != <> < <= > >=`, `[NOT] IN (…)`, `LIKE`,
//! and literals: 'quoted strings', numbers, true / false / null, unquoted date and datetime
//! literals (`2026-11-01`, `2026-11-01T09:00:00Z`, `…+0000`, `…+00:00`). Names are
//! case-insensitive. Anything else is a MALFORMED_QUERY, so a connector never silently gets
//! unfiltered rows. An unencoded `+` in a datetime arrives as a space and fails here as it
//! does on Salesforce.
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
    /// Milliseconds since the epoch (UTC).
    DateTime(i64),
    /// A date: milliseconds of its midnight, UTC.
    Date(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare(String, &'static str, Literal),
    In(String, bool, Vec<Literal>),
    Like(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub field: String,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub fields: Vec<String>,
    pub object: String,
    pub condition: Option<Condition>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    DateTime(i64),
    Date(i64),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokens(q: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == ',' {
            out.push(Token::Comma);
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string literal".into()),
                    Some('\\') => {
                        text.push(*chars.get(i + 1).ok_or("unterminated string literal")?);
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        text.push(*c);
                        i += 1;
                    }
                }
            }
            out.push(Token::Text(text));
        } else if "=!<>".contains(c) {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = match two.as_str() {
                "!=" => "!=",
                "<>" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match c {
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    _ => return Err(format!("no viable alternative at character '{c}'")),
                },
            };
            i += if op.len() == 2 || two == "<>" { 2 } else { 1 };
            out.push(Token::Op(op));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".:+-".contains(chars[i]))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(literal_token(&word)?);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            return Err(format!("no viable alternative at character '{c}'"));
        }
    }
    Ok(out)
}

fn literal_token(word: &str) -> Result<Token, String> {
    if word.len() >= 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-' {
        if word.len() == 10 {
            return parse_datetime(&format!("{word}T00:00:00Z"))
                .map(Token::Date)
                .ok_or_else(|| format!("invalid date: {word}"));
        }
        return parse_datetime(word)
            .map(Token::DateTime)
            .ok_or_else(|| format!("line 1: unexpected token: '{word}'"));
    }
    word.parse::<f64>()
        .map(Token::Number)
        .map_err(|_| format!("unexpected token: '{word}'"))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HHMM|±HH:MM)` → epoch milliseconds.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4
                || !digits.chars().all(|c| c.is_ascii_digit())
                || rest[1..].len() > 5
            {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi - offset_minutes) * 60_000 + s * 1000 + millis)
}

/// Salesforce's datetime format in JSON: `2026-11-01T09:00:00.000+0000`.
pub fn format_datetime(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+0000",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn unexpected(&self) -> String {
        match self.peek() {
            None => "unexpected end of query".into(),
            Some(t) => format!("unexpected token: {}", describe(t)),
        }
    }
    fn name(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Token::Word(w)) if !is_reserved(w) => {
                let w = w.clone();
                self.at += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }
    fn number(&mut self) -> Result<usize, String> {
        match self.next() {
            Some(Token::Number(n)) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            _ => {
                self.at -= 1;
                Err(self.unexpected())
            }
        }
    }
    fn literal(&mut self) -> Result<Literal, String> {
        let literal = match self.peek() {
            Some(Token::Text(t)) => Literal::Text(t.clone()),
            Some(Token::Number(n)) => Literal::Number(*n),
            Some(Token::DateTime(ms)) => Literal::DateTime(*ms),
            Some(Token::Date(ms)) => Literal::Date(*ms),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(literal)
    }
    fn condition(&mut self) -> Result<Condition, String> {
        let mut left = self.conjunction()?;
        while self.keyword("OR") {
            left = Condition::Or(Box::new(left), Box::new(self.conjunction()?));
        }
        Ok(left)
    }
    fn conjunction(&mut self) -> Result<Condition, String> {
        let mut left = self.negation()?;
        while self.keyword("AND") {
            left = Condition::And(Box::new(left), Box::new(self.negation()?));
        }
        Ok(left)
    }
    fn negation(&mut self) -> Result<Condition, String> {
        if self.keyword("NOT") {
            return Ok(Condition::Not(Box::new(self.negation()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.condition()?;
            if self.next() != Some(Token::Close) {
                self.at -= 1;
                return Err(self.unexpected());
            }
            return Ok(inner);
        }
        let field = self.name()?;
        if let Some(Token::Op(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            return Ok(Condition::Compare(field, op, self.literal()?));
        }
        if self.keyword("LIKE") {
            return match self.literal()? {
                Literal::Text(pattern) => Ok(Condition::Like(field, pattern)),
                _ => Err("LIKE needs a quoted pattern".into()),
            };
        }
        let negated = self.keyword("NOT");
        if !self.keyword("IN") {
            return Err(self.unexpected());
        }
        if self.next() != Some(Token::Open) {
            self.at -= 1;
            return Err(self.unexpected());
        }
        let mut values = vec![self.literal()?];
        while self.peek() == Some(&Token::Comma) {
            self.at += 1;
            values.push(self.literal()?);
        }
        if self.next() != Some(Token::Close) {
            self.at -= 1;
            return Err(self.unexpected());
        }
        Ok(Condition::In(field, negated, values))
    }
}

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
    "ASC", "DESC", "NULLS", "FIRST", "LAST", "TRUE", "FALSE", "NULL",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => w.clone(),
        Token::Text(t) => format!("'{t}'"),
        Token::Number(n) => n.to_string(),
        Token::DateTime(ms) | Token::Date(ms) => format_datetime(*ms),
        Token::Op(op) => (*op).to_owned(),
        Token::Open => "(".into(),
        Token::Close => ")".into(),
        Token::Comma => ",".into(),
    }
}

pub fn parse(q: &str) -> Result<Query, String> {
    let mut p = Parser {
        tokens: tokens(q)?,
        at: 0,
    };
    if !p.keyword("SELECT") {
        return Err("unexpected token: SELECT expected".into());
    }
    let mut fields = vec![p.name()?];
    while p.peek() == Some(&Token::Comma) {
        p.at += 1;
        fields.push(p.name()?);
    }
    if !p.keyword("FROM") {
        return Err(p.unexpected());
    }
    let object = p.name()?;
    let condition = if p.keyword("WHERE") {
        Some(p.condition()?)
    } else {
        None
    };
    let mut order = Vec::new();
    if p.keyword("ORDER") {
        if !p.keyword("BY") {
            return Err(p.unexpected());
        }
        loop {
            let field = p.name()?;
            let descending = if p.keyword("DESC") {
                true
            } else {
                p.keyword("ASC");
                false
            };
            // Salesforce sorts nulls first ascending and last descending unless told.
            let mut nulls_last = descending;
            if p.keyword("NULLS") {
                nulls_last = if p.keyword("LAST") {
                    true
                } else if p.keyword("FIRST") {
                    false
                } else {
                    return Err(p.unexpected());
                };
            }
            order.push(Order {
                field,
                descending,
                nulls_last,
            });
            if p.peek() != Some(&Token::Comma) {
                break;
            }
            p.at += 1;
        }
    }
    let limit = if p.keyword("LIMIT") {
        Some(p.number()?)
    } else {
        None
    };
    let offset = if p.keyword("OFFSET") {
        Some(p.number()?)
    } else {
        None
    };
    if p.peek().is_some() {
        return Err(p.unexpected());
    }
    Ok(Query {
        fields,
        object,
        condition,
        order,
        limit,
        offset,
    })
}

/// Every field a condition or an ordering names (to check them against the schema).
pub fn named_fields(query: &Query) -> Vec<&str> {
    fn walk<'a>(c: &'a Condition, out: &mut Vec<&'a str>) {
        match c {
            Condition::And(a, b) | Condition::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Condition::Not(a) => walk(a, out),
            Condition::Compare(f, _, _) | Condition::In(f, _, _) | Condition::Like(f, _) => {
                out.push(f)
            }
        }
    }
    let mut out: Vec<&str> = query.fields.iter().map(String::as_str).collect();
    if let Some(c) = &query.condition {
        walk(c, &mut out);
    }
    out.extend(query.order.iter().map(|o| o.field.as_str()));
    out
}

/// Compares a stored value with a literal; `None` when they cannot be compared (a null
/// value, or types that do not meet), which makes every comparison but `= null` false.
fn compare(value: &Value, literal: &Literal) -> Option<std::cmp::Ordering> {
    match (value, literal) {
        (Value::Null, _) | (_, Literal::Null) => None,
        (Value::String(s), Literal::Text(t)) => Some(s.to_lowercase().cmp(&t.to_lowercase())),
        (Value::String(s), Literal::DateTime(ms)) => parse_datetime(s)
            .or_else(|| parse_datetime(&format!("{s}T00:00:00Z")))
            .map(|v| v.cmp(ms)),
        (Value::String(s), Literal::Date(ms)) => parse_datetime(s)
            .or_else(|| parse_datetime(&format!("{s}T00:00:00Z")))
            .map(|v| (v.div_euclid(86_400_000) * 86_400_000).cmp(ms)),
        (Value::Number(n), Literal::Number(l)) => n.as_f64()?.partial_cmp(l),
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        _ => None,
    }
}

fn like(value: &str, pattern: &str) -> bool {
    fn go(v: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('%', rest)) => (0..=v.len()).any(|i| go(&v[i..], rest)),
            Some(('_', rest)) => !v.is_empty() && go(&v[1..], rest),
            Some((c, rest)) => v.first() == Some(c) && go(&v[1..], rest),
        }
    }
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&v, &p)
}

/// Whether a row matches, `field` giving a row's value of a (possibly dotted) field.
pub fn matches(condition: &Condition, field: &dyn Fn(&str) -> Value) -> bool {
    use std::cmp::Ordering::*;
    match condition {
        Condition::And(a, b) => matches(a, field) && matches(b, field),
        Condition::Or(a, b) => matches(a, field) || matches(b, field),
        Condition::Not(a) => !matches(a, field),
        Condition::Compare(name, op, literal) => {
            let value = field(name);
            if *literal == Literal::Null || value.is_null() {
                let both_null = value.is_null() && *literal == Literal::Null;
                return match *op {
                    "=" => both_null,
                    "!=" => !both_null,
                    _ => false,
                };
            }
            let Some(order) = compare(&value, literal) else {
                return false;
            };
            match *op {
                "=" => order == Equal,
                "!=" => order != Equal,
                "<" => order == Less,
                "<=" => order != Greater,
                ">" => order == Greater,
                _ => order != Less,
            }
        }
        Condition::In(name, negated, values) => {
            let value = field(name);
            let found = values.iter().any(|l| compare(&value, l) == Some(Equal));
            found != *negated
        }
        Condition::Like(name, pattern) => match field(name) {
            Value::String(s) => like(&s, pattern),
            _ => false,
        },
    }
}

/// Orders two rows by `order` (values compared as Salesforce would: text without case,
/// datetimes by time, nulls first ascending unless told otherwise).
pub fn ordering(
    order: &[Order],
    a: &dyn Fn(&str) -> Value,
    b: &dyn Fn(&str) -> Value,
) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    for o in order {
        let (x, y) = (a(&o.field), b(&o.field));
        let by = match (x.is_null(), y.is_null()) {
            (true, true) => Equal,
            (true, false) => {
                if o.nulls_last {
                    Greater
                } else {
                    Less
                }
            }
            (false, true) => {
                if o.nulls_last {
                    Less
                } else {
                    Greater
                }
            }
            (false, false) => {
                let plain = match (&x, &y) {
                    (Value::String(s), Value::String(t)) => {
                        match (parse_datetime(s), parse_datetime(t)) {
                            (Some(p), Some(q)) => p.cmp(&q),
                            _ => s.to_lowercase().cmp(&t.to_lowercase()),
                        }
                    }
                    (Value::Number(m), Value::Number(n)) => {
                        m.as_f64().partial_cmp(&n.as_f64()).unwrap_or(Equal)
                    }
                    (Value::Bool(p), Value::Bool(q)) => p.cmp(q),
                    _ => Equal,
                };
                if o.descending {
                    plain.reverse()
                } else {
                    plain
                }
            }
        };
        if by != Equal {
            return by;
        }
    }
    Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> impl Fn(&str) -> Value {
        move |f: &str| {
            v.as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        }
    }

    #[test]
    fn datetimes_round_trip_in_every_accepted_form() {
        let ms = parse_datetime("2026-11-01T09:00:00.000+0000").unwrap();
        assert_eq!(format_datetime(ms), "2026-11-01T09:00:00.000+0000");
        assert_eq!(parse_datetime("2026-11-01T09:00:00Z"), Some(ms));
        assert_eq!(parse_datetime("2026-11-01T10:00:00+01:00"), Some(ms));
        assert_eq!(parse_datetime("2026-11-01T04:00:00.000-0500"), Some(ms));
        assert_eq!(parse_datetime("2026-11-01T09:00:00 00:00"), None);
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00.000+0000");
    }

    #[test]
    fn an_incremental_query_parses_and_filters() {
        let q = parse("SELECT Id, Name, Owner.Email FROM Account WHERE SystemModstamp >= 2026-11-01T09:00:00.000+0000 AND (IsDeleted = false OR Name LIKE 'acme%') ORDER BY SystemModstamp ASC, Id LIMIT 10").unwrap();
        assert_eq!(q.fields, ["Id", "Name", "Owner.Email"]);
        assert_eq!(q.object, "Account");
        assert_eq!(q.limit, Some(10));
        assert_eq!(q.order.len(), 2);
        let c = q.condition.unwrap();
        let late = row(
            json!({"SystemModstamp": "2026-11-02T00:00:00.000+0000", "IsDeleted": false, "Name": "X"}),
        );
        let early = row(
            json!({"SystemModstamp": "2026-10-31T00:00:00.000+0000", "IsDeleted": false, "Name": "X"}),
        );
        let deleted = row(
            json!({"SystemModstamp": "2026-11-02T00:00:00.000+0000", "IsDeleted": true, "Name": "ACME Ltd"}),
        );
        assert!(matches(&c, &late));
        assert!(!matches(&c, &early));
        assert!(matches(&c, &deleted));
    }

    #[test]
    fn an_unencoded_plus_is_malformed() {
        let e = parse("SELECT Id FROM Account WHERE SystemModstamp > 2026-11-01T09:00:00 00:00")
            .unwrap_err();
        assert!(e.contains("unexpected"), "{e}");
        assert!(parse("SELECT Id FROM Account WHERE").is_err());
        assert!(parse("SELECT Id FROM Account GROUP BY Name").is_err());
        assert!(parse("SELECT FROM Account").is_err());
    }

    #[test]
    fn in_null_and_text_comparisons_follow_soql() {
        let c = parse(
            "SELECT Id FROM Contact WHERE Email IN ('A@x.com', 'b@x.com') AND AccountId != null",
        )
        .unwrap()
        .condition
        .unwrap();
        assert!(matches(
            &c,
            &row(json!({"Email": "a@X.com", "AccountId": "001"}))
        ));
        assert!(!matches(
            &c,
            &row(json!({"Email": "a@x.com", "AccountId": null}))
        ));
        let c = parse("SELECT Id FROM Contact WHERE Email NOT IN ('a@x.com')")
            .unwrap()
            .condition
            .unwrap();
        assert!(!matches(&c, &row(json!({"Email": "A@x.com"}))));
        let c = parse("SELECT Id FROM Account WHERE AnnualRevenue > 9.5E6")
            .unwrap()
            .condition
            .unwrap();
        assert!(matches(&c, &row(json!({"AnnualRevenue": 9.9213206e7}))));
    }

    #[test]
    fn ordering_puts_nulls_first_ascending_and_compares_times() {
        let order = parse("SELECT Id FROM Account ORDER BY Name NULLS LAST, SystemModstamp DESC")
            .unwrap()
            .order;
        let a = row(json!({"Name": "b", "SystemModstamp": "2026-11-01T09:00:00.000+0000"}));
        let b = row(json!({"Name": "B", "SystemModstamp": "2026-11-02T09:00:00.000+0000"}));
        let c = row(json!({"Name": null}));
        assert_eq!(ordering(&order, &a, &b), std::cmp::Ordering::Greater);
        assert_eq!(ordering(&order, &c, &a), std::cmp::Ordering::Greater);
    }
}
