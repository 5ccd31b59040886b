//! What a copy of the SQLite file would give away: no password, TOTP seed, recovery code
//! session token or API key in clear.
use app::api_keys::api::CreateApiKey;
use app::auth::api::{SignIn, VerifySecondFactor};

use crate::common::{base32_decode, spawn, totp_code, Browser, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_database_file_holds_no_secret_in_clear() {
    let app = spawn().await;
    if !app.database_url.starts_with("sqlite") {
        return; // the property is about the embedded SQLite file
    }
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (secret, recovery) = crate::two_factor::enable(&app, &mut admin).await;
    let mut browser = Browser::default();
    app.call::<SignIn>(
        &mut browser,
        &[("email", "ada@acme.test"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    app.call::<VerifySecondFactor>(&mut browser, &[("code", &totp_code(&secret, 1))])
        .await
        .unwrap();
    let session_token = browser.cookie.clone().unwrap();
    let mut api_keys = Vec::new();
    for kind in ["account", "event"] {
        let key = app
            .call::<CreateApiKey>(&mut browser, &[("kind", kind), ("name", "Sync")])
            .await
            .unwrap();
        for field in ["api_key", "auth_key"] {
            if let Some(secret) = key[field].as_str() {
                api_keys.push(secret.to_owned());
            }
        }
    }
    assert_eq!(api_keys.len(), 3);

    let mut bytes = Vec::new();
    for name in ["steward.db", "steward.db-wal"] {
        if let Ok(content) = std::fs::read(app.dir.join(name)) {
            bytes.extend(content);
        }
    }
    assert!(bytes.len() > 10_000);
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(PASSWORD.as_bytes()), "password");
    let seed_base32 = secret.replace(' ', "");
    assert!(!contains(seed_base32.as_bytes()), "TOTP seed (base32)");
    assert!(!contains(&base32_decode(&seed_base32)), "TOTP seed (raw)");
    for code in &recovery {
        assert!(
            !contains(code.as_bytes()) && !contains(code.replace('-', "").as_bytes()),
            "recovery code"
        );
    }
    assert!(!contains(session_token.as_bytes()), "session token");
    for key in &api_keys {
        // The part after the `stw_<kind>_` prefix (it may itself contain '_').
        let random = key.splitn(3, '_').nth(2).unwrap();
        assert!(
            !contains(key.as_bytes()) && !contains(random.as_bytes()),
            "API key"
        );
    }
}
