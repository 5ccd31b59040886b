//! Case-insensitive "contains" search, the same on SQLite and PostgreSQL.
use sea_orm::sea_query::LikeExpr;

/// `%text%` for LIKE on a lower-cased column: the text is lower-cased and its `\`, `%`
/// and `_` are escaped, so what people type matches literally.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
