//! The Salesforce stand-in (`salesforce-standin` in this workspace), started on a free
//! loopback port for a test and stopped when dropped. Built on first use if missing.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

pub struct Standin {
    pub url: String,
    child: Child,
}

static BUILD: Mutex<()> = Mutex::new(());

fn binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let path = target.join("debug/salesforce-standin");
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "salesforce-standin"])
            .current_dir(&root)
            .status()
            .expect("run cargo build -p salesforce-standin");
        assert!(status.success(), "the stand-in builds");
    }
    path
}

impl Standin {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(binary())
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the Salesforce stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .expect("the stand-in prints its URL")
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        Self { url, child }
    }

    fn client() -> reqwest::Client {
        // Installs the process's TLS provider (ring), as Steward does before its first call.
        let _ = app::connections::ssr::salesforce::http();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Flips failure switches (`refresh=refuse`, `rotation=on`, `expire_sessions=1`, …).
    pub async fn control(&self, form: &[(&str, &str)]) {
        let response = Self::client()
            .post(format!("{}/__standin/control", self.url))
            .form(form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "control {form:?}");
    }

    /// Creates or changes records of `object` in the stand-in org; answers their ids.
    pub async fn change(&self, object: &str, records: serde_json::Value) -> Vec<String> {
        let response = Self::client()
            .post(format!("{}/__standin/records/{object}", self.url))
            .json(&records)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "change {object}: {records}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_owned())
            .collect()
    }

    /// Soft-deletes a record (an Account's Contacts go with it).
    pub async fn delete(&self, object: &str, id: &str) {
        let response = Self::client()
            .post(format!(
                "{}/__standin/records/{object}/{id}/delete",
                self.url
            ))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "delete {object} {id}");
    }

    pub async fn state(&self) -> serde_json::Value {
        Self::client()
            .get(format!("{}/__standin/state", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Plays the user on the stand-in's authorize page: answers the Location it redirects
    /// to (the callback) for `decision` `allow` or `deny`.
    pub async fn decide(&self, authorize_url: &str, decision: &str) -> String {
        let url = url::Url::parse(authorize_url).unwrap();
        let page = Self::client().get(url.clone()).send().await.unwrap();
        assert!(page.status().is_success(), "the authorize page opens");
        let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        form.push(("username".into(), "admin@standin.example".into()));
        form.push(("password".into(), "standin-password".into()));
        form.push(("decision".into(), decision.into()));
        let answer = Self::client()
            .post(format!("{}/services/oauth2/authorize", self.url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.status(),
            303,
            "the stand-in redirects to the callback"
        );
        answer.headers()["location"].to_str().unwrap().to_owned()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
