//! Recovery codes: ten per user, 80 random bits each, shown once, stored as SHA-256.
use rand::RngCore;

pub const COUNT: usize = 10;

/// A new code formatted for reading: four groups of four base32 characters.
pub fn new_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string();
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// What the user typed, reduced to the canonical form that was hashed, if it can be a code.
pub fn normalise(input: &str) -> Option<String> {
    let cleaned: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (cleaned.len() == 16).then_some(cleaned)
}

pub fn hash(normalised: &str) -> String {
    crate::crypto::token_hash(&format!("recovery-code:{normalised}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_codes_are_grouped_and_normalise_forgivingly() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise(&typed), normalise(&code));
        assert_eq!(
            hash(&normalise(&typed).unwrap()),
            hash(&normalise(&code).unwrap())
        );
        assert_eq!(normalise("123456"), None);
    }
}
