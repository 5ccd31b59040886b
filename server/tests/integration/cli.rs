//! The `steward` binary as operators use it.
use std::process::Command;

use crate::common::test_env;

/// Runs the built `steward` with exactly `env`; answers success, stdout and stderr.
pub fn steward(
    env: &std::collections::BTreeMap<String, String>,
    args: &[&str],
) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .output()
        .expect("run steward");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_org_create_prints_the_setup_link_last() {
    let (env, _) = test_env(&[("STEWARD_PUBLIC_URL", "https://cs.example.com")]).await;
    let (ok, stdout, stderr) = steward(
        &env,
        &[
            "org",
            "create",
            "--name",
            "Acme Analytics",
            "--admin-email",
            "Ada@Acme.test",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(last.starts_with("https://cs.example.com/setup/"), "{last}");
    assert!(last.len() > "https://cs.example.com/setup/".len() + 40);

    let (ok, _, stderr) = steward(
        &env,
        &[
            "org",
            "create",
            "--name",
            "Acme",
            "--admin-email",
            "not an email",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("email"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_help_migrate_and_unknown_settings() {
    let (env, _) = test_env(&[("STEWARD_LISTEN_ADRESS", "typo")]).await;
    let (ok, stdout, _) = steward(&env, &["--help"]);
    assert!(ok);
    for command in ["serve", "migrate", "org"] {
        assert!(stdout.contains(command), "{stdout}");
    }
    let (ok, stdout, stderr) = steward(&env, &["migrate"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("up to date"));
    assert!(
        stderr.contains("STEWARD_LISTEN_ADRESS"),
        "unknown keys are warned about: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_postgres_without_a_secret_key_stops_with_instructions() {
    let (mut env, _) = test_env(&[]).await;
    env.remove("STEWARD_SECRET_KEY");
    env.insert(
        "STEWARD_DATABASE_URL".into(),
        "postgres://127.0.0.1:1/none".into(),
    );
    let (ok, _, stderr) = steward(&env, &["migrate"]);
    assert!(!ok);
    assert!(stderr.contains("STEWARD_SECRET_KEY"), "{stderr}");
}
