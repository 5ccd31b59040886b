//! Email Configuration (issue 15): the sending domain and From, the generated records,
//! Verify against a real DNS server on loopback (dnsmasq, started per test on a free port;
//! never the internet), and DKIM-signed sending checked by an independent verifier
//! (dkimpy) and by mail-auth's verifier against the key published in that DNS server.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use app::db::entities::email_domains;
use app::email_config::api::{GetEmailConfig, SendTestEmail, SetEmailDomain, VerifyEmailDomain};
use app::email_config::dto::{CheckOutcome, DomainStatus, EmailConfig, RecordKind};
use app::error::AppError;
use app::mail::ssr::queue::deliver_due;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::{free_tcp_port, listening, spawn_with, Browser, TestApp};

const INBOUND: &str = "in.steward.test";
const RELAY_SPF: &str = "ip4:127.0.0.1";
const INSTANCE_FROM: &str = "Steward <steward@steward.test>";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn free_port() -> u16 {
    // A UDP port that is free; dnsmasq also listens on TCP there.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// One record served by the test DNS server.
#[derive(Clone)]
pub(crate) enum Rr {
    /// A TXT record made of these character-strings.
    Txt(String, Vec<String>),
    Mx(String, String),
}

pub(crate) fn txt(name: &str, value: &str) -> Rr {
    // As DNS hosts store long values: 255-character strings.
    let strings = value
        .as_bytes()
        .chunks(255)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    Rr::Txt(name.to_owned(), strings)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// dnsmasq on 127.0.0.1:port, authoritative for `.test`, serving exactly the given records.
pub(crate) struct TestDns {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl TestDns {
    fn dnsmasq() -> PathBuf {
        ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("dnsmasq is missing: run `make test-tools` (scripts/install-test-tools.sh)")
    }

    pub(crate) async fn start(port: u16, records: &[Rr]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("steward-dns-{}", app::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut dns = Self {
            port,
            dir,
            child: None,
        };
        dns.serve(records).await;
        dns
    }

    /// (Re)starts the server with these records.
    async fn serve(&mut self, records: &[Rr]) {
        self.stop();
        let mut conf = format!(
            "port={}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-negcache\nlocal=/test/\n",
            self.port
        );
        for record in records {
            match record {
                Rr::Txt(name, strings) => {
                    let mut rdata = Vec::new();
                    for s in strings {
                        rdata.push(s.len() as u8);
                        rdata.extend_from_slice(s.as_bytes());
                    }
                    conf.push_str(&format!("dns-rr={name},16,{}\n", hex(&rdata)));
                }
                Rr::Mx(name, host) => conf.push_str(&format!("mx-host={name},{host},10\n")),
            }
        }
        let path = self.dir.join("dnsmasq.conf");
        std::fs::write(&path, conf).unwrap();
        let child = Command::new(Self::dnsmasq())
            .arg("-k")
            .arg(format!("--conf-file={}", path.display()))
            .arg("--pid-file=")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dnsmasq");
        self.child = Some(child);
        if listening(self.port, 100).await {
            return;
        }
        let mut child = self.child.take().unwrap();
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        panic!(
            "dnsmasq did not start on port {}: {}",
            self.port,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A DNS server that answers every query SERVFAIL (a resolver in trouble).
async fn servfail_server() -> u16 {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            if n < 12 {
                continue;
            }
            let mut reply = buf[..n].to_vec();
            reply[2] = 0x80 | (buf[2] & 0x01); // QR, keep RD
            reply[3] = 0x80 | 2; // RA, RCODE SERVFAIL
                                 // No answer, authority or additional records (drops any OPT record too).
            reply[6..12].fill(0);
            let question_end = 12
                + reply[12..]
                    .iter()
                    .position(|b| *b == 0)
                    .map_or(0, |p| p + 1 + 4);
            reply.truncate(question_end.min(n));
            let _ = socket.send_to(&reply, peer).await;
        }
    });
    port
}

/// An SMTP server keeping messages byte for byte (server/tests/tools/raw_smtp_sink.py).
struct RawSink {
    port: u16,
    dir: PathBuf,
    child: Child,
}

struct Received {
    mail_from: String,
    raw: Vec<u8>,
    path: PathBuf,
}

impl RawSink {
    async fn start() -> Self {
        let python = root().join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "aiosmtpd is missing: run `make test-tools` (it installs into .tools/venv)"
        );
        let port = free_tcp_port();
        let dir = std::env::temp_dir().join(format!(
            "steward-raw-mail-{}",
            app::crypto::short_reference()
        ));
        let mut child = Command::new(python)
            .arg(root().join("server/tests/tools/raw_smtp_sink.py"))
            .arg(port.to_string())
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the raw SMTP sink");
        if listening(port, 200).await {
            return Self { port, dir, child };
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the raw SMTP sink did not start on port {port}");
    }

    fn messages(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return vec![];
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| Received {
                mail_from: std::fs::read_to_string(path.with_extension("from")).unwrap(),
                raw: std::fs::read(&path).unwrap(),
                path,
            })
            .collect()
    }
}

impl Drop for RawSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// dkimpy's verdict on every signature of the message ("pass", "fail …").
fn dkimpy(message: &Path, mode: &str, arg: &str) -> (bool, String) {
    let output = Command::new("/usr/bin/python3")
        .arg(root().join("server/tests/tools/dkim_verify.py"))
        .arg(message)
        .arg(mode)
        .arg(arg)
        .output()
        .expect("run python3 (python3-dkim: `make test-tools`)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn app_with(dns_port: u16, relay_port: Option<u16>) -> TestApp {
    let dns = format!("127.0.0.1:{dns_port}");
    let relay_port = relay_port.map(|p| p.to_string());
    let mut env = vec![
        ("STEWARD_DNS_RESOLVER", dns.as_str()),
        ("STEWARD_MAIL_INBOUND_HOST", INBOUND),
        ("STEWARD_MAIL_RELAY_SPF", RELAY_SPF),
        ("STEWARD_MAIL_FROM", INSTANCE_FROM),
    ];
    if let Some(port) = relay_port.as_deref() {
        env.extend([
            ("STEWARD_MAIL_RELAY", "127.0.0.1"),
            ("STEWARD_MAIL_PORT", port),
            ("STEWARD_MAIL_SECURITY", "none"),
        ]);
    }
    spawn_with(&env).await
}

fn config(value: serde_json::Value) -> EmailConfig {
    serde_json::from_value(value).expect("an EmailConfig")
}

async fn set_domain(
    app: &TestApp,
    browser: &mut Browser,
    domain: &str,
    from: &str,
) -> Result<EmailConfig, AppError> {
    app.call::<SetEmailDomain>(browser, &[("domain", domain), ("from_address", from)])
        .await
        .map(config)
}

async fn verify(app: &TestApp, browser: &mut Browser) -> EmailConfig {
    config(
        app.call::<VerifyEmailDomain>(browser, &[])
            .await
            .expect("verify"),
    )
}

/// The records a correct set-up publishes for `config`'s domain.
fn correct_records(config: &EmailConfig) -> Vec<Rr> {
    let domain = config.domain.as_ref().unwrap();
    let value = |kind: RecordKind| {
        domain
            .records
            .iter()
            .find(|r| r.kind == kind)
            .unwrap()
            .clone()
    };
    let dkim = value(RecordKind::Dkim);
    let spf = value(RecordKind::BounceSpf);
    vec![
        txt(dkim.fqdn.trim_end_matches('.'), &dkim.value),
        Rr::Mx(format!("bounces.{}", domain.domain), INBOUND.to_owned()),
        txt(spf.fqdn.trim_end_matches('.'), &spf.value),
    ]
}

fn outcome(config: &EmailConfig, kind: RecordKind) -> (CheckOutcome, String, Vec<String>) {
    let check = config
        .domain
        .as_ref()
        .unwrap()
        .checks
        .iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no check for {kind:?}"))
        .clone();
    (check.outcome, check.explanation, check.found)
}

fn status(config: &EmailConfig) -> DomainStatus {
    config.domain.as_ref().unwrap().status
}

fn field_errors(error: AppError) -> Vec<(String, String)> {
    match error {
        AppError::Validation(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_email_domain_is_validated_and_gets_a_sealed_dkim_key() {
    let app = app_with(free_port(), None).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;

    let empty = config(app.call::<GetEmailConfig>(&mut admin, &[]).await.unwrap());
    assert!(empty.domain.is_none());
    assert_eq!(empty.instance_from, INSTANCE_FROM);

    let errors = field_errors(
        set_domain(&app, &mut admin, "https://mail.acme.test/", "x")
            .await
            .unwrap_err(),
    );
    assert_eq!(errors[0].0, "domain");
    assert!(errors[0].1.contains("without https://"), "{errors:?}");
    let errors = field_errors(
        set_domain(&app, &mut admin, "mail.acme.test", "success@acme.test")
            .await
            .unwrap_err(),
    );
    assert_eq!(errors[0].0, "from_address");
    assert!(
        errors[0]
            .1
            .contains("must be on the sending domain mail.acme.test"),
        "{errors:?}"
    );

    let set = set_domain(
        &app,
        &mut admin,
        " Mail.Acme.test ",
        "Acme Success <success@mail.acme.test>",
    )
    .await
    .unwrap();
    let domain = set.domain.clone().unwrap();
    assert_eq!(domain.domain, "mail.acme.test");
    assert_eq!(domain.from_address, "Acme Success <success@mail.acme.test>");
    assert_eq!(domain.status, DomainStatus::Pending);
    assert!(domain.selector.starts_with("stw20") && domain.selector.len() == 9);
    let dkim = &domain.records[0];
    assert_eq!(dkim.kind, RecordKind::Dkim);
    assert_eq!(
        dkim.fqdn,
        format!("{}._domainkey.mail.acme.test.", domain.selector)
    );
    assert_eq!(dkim.host, format!("{}._domainkey.mail", domain.selector));
    assert!(
        dkim.value.starts_with("v=DKIM1; k=rsa; p=MIIBIj"),
        "SPKI form"
    );
    assert!(dkim.value.len() > 255, "a 2048-bit key needs two strings");
    assert_eq!(dkim.quoted.matches("\" \"").count(), 1);
    assert_eq!(domain.records[1].value, format!("10 {INBOUND}."));
    assert_eq!(domain.records[1].fqdn, "bounces.mail.acme.test.");
    assert_eq!(domain.records[2].value, format!("v=spf1 {RELAY_SPF} -all"));
    assert!(domain.records[3]
        .value
        .starts_with("v=DMARC1; p=none; rua=mailto:success@mail.acme.test"));

    // The private key is sealed in the database and never in an answer.
    let row = email_domains::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sealed_private_key.starts_with("v1:"));
    let opened = app
        .state
        .secrets
        .open("dkim-key", &row.sealed_private_key)
        .unwrap();
    assert!(opened.len() > 1000, "a PKCS#8 RSA key");
    let reply = app
        .post_raw(
            &mut admin,
            <GetEmailConfig as leptos::server_fn::ServerFn>::PATH,
            &[],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert!(reply.status.is_success());
    assert!(!reply.body.contains(&row.sealed_private_key));
    assert!(!reply.body.contains("PRIVATE"));
    {
        use base64::Engine;
        let private_b64 = base64::engine::general_purpose::STANDARD.encode(&opened);
        assert!(!reply.body.contains(&private_b64[..60]));
    }

    // The same domain with another From keeps its key; another domain gets a new one.
    let again = set_domain(&app, &mut admin, "mail.acme.test", "hello@mail.acme.test")
        .await
        .unwrap();
    assert_eq!(again.domain.as_ref().unwrap().records[0].value, dkim.value);
    assert_eq!(
        again.domain.as_ref().unwrap().from_address,
        "hello@mail.acme.test"
    );
    let other = set_domain(&app, &mut admin, "news.acme.test", "news@news.acme.test")
        .await
        .unwrap();
    assert_ne!(other.domain.as_ref().unwrap().records[0].value, dkim.value);
    assert_eq!(
        email_domains::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        1,
        "one sending domain per organisation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_organisations_cannot_read_or_change_each_others_email_configuration() {
    let app = app_with(free_port(), None).await;
    let mut a = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut b = app.organisation_with_admin("Beta", "bob@beta.test").await;
    let a_config = set_domain(&app, &mut a, "acme.test", "ada@acme.test")
        .await
        .unwrap();

    let b_view = config(app.call::<GetEmailConfig>(&mut b, &[]).await.unwrap());
    assert!(b_view.domain.is_none(), "B sees nothing of A's domain");
    // B cannot verify A's domain nor send as it.
    assert!(matches!(
        app.call::<VerifyEmailDomain>(&mut b, &[]).await,
        Err(AppError::Invalid(_))
    ));
    set_domain(&app, &mut b, "beta.test", "bob@beta.test")
        .await
        .unwrap();
    let a_after = config(app.call::<GetEmailConfig>(&mut a, &[]).await.unwrap());
    assert_eq!(a_after, a_config, "B's change left A's configuration alone");
    let org_a = app.org_id_of("ada@acme.test").await;
    let org_b = app.org_id_of("bob@beta.test").await;
    for (org, domain) in [(org_a, "acme.test"), (org_b, "beta.test")] {
        let rows = email_domains::Entity::find()
            .filter(email_domains::Column::OrgId.eq(org))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].domain, domain);
    }

    // Without Configure Data Connectors: refused.
    app.add_user(org_a, "CSM", "casey@acme.test").await;
    let mut csm = app.signed_in("casey@acme.test").await;
    assert!(matches!(
        app.call::<GetEmailConfig>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        set_domain(&app, &mut csm, "evil.test", "x@evil.test").await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_verify_finds_every_record_then_notices_a_record_that_breaks() {
    let port = free_port();
    let app = app_with(port, None).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let set = set_domain(&app, &mut admin, "mail.acme.test", "ada@mail.acme.test")
        .await
        .unwrap();
    let records = correct_records(&set);
    let mut dns = TestDns::start(port, &records).await;

    let checked = verify(&app, &mut admin).await;
    for kind in [
        RecordKind::Dkim,
        RecordKind::BounceMx,
        RecordKind::BounceSpf,
    ] {
        let (outcome, explanation, _) = outcome(&checked, kind);
        assert_eq!(outcome, CheckOutcome::Ok, "{kind:?}: {explanation}");
    }
    let (_, dkim_says, _) = outcome(&checked, RecordKind::Dkim);
    assert!(
        dkim_says.contains("a test signature verifies"),
        "{dkim_says}"
    );
    let (dmarc, explanation, _) = outcome(&checked, RecordKind::Dmarc);
    assert_eq!(dmarc, CheckOutcome::Missing, "{explanation}");
    assert_eq!(status(&checked), DomainStatus::Verified);
    assert!(checked.domain.as_ref().unwrap().last_checked.is_some());

    // An existing DMARC record on the parent domain covers the sending subdomain.
    let mut with_dmarc = records.clone();
    with_dmarc.push(txt("_dmarc.acme.test", "v=DMARC1; p=quarantine"));
    dns.serve(&with_dmarc).await;
    let checked = verify(&app, &mut admin).await;
    let (dmarc, explanation, found) = outcome(&checked, RecordKind::Dmarc);
    assert_eq!(dmarc, CheckOutcome::Present, "{explanation}");
    assert_eq!(found, ["v=DMARC1; p=quarantine"]);

    // The DKIM record is removed after verification: failed, and sending falls back.
    dns.serve(&records[1..]).await;
    let checked = verify(&app, &mut admin).await;
    let (dkim, explanation, _) = outcome(&checked, RecordKind::Dkim);
    assert_eq!(dkim, CheckOutcome::Missing, "{explanation}");
    assert!(
        explanation.contains("Nothing found at stw"),
        "{explanation}"
    );
    assert_eq!(status(&checked), DomainStatus::Failed);
    let org = app.org_id_of("ada@acme.test").await;
    assert!(
        app::email_config::ssr::service::sending_identity(&app.state, org)
            .await
            .unwrap()
            .is_none(),
        "no longer sent as the domain"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_verify_names_each_common_mistake() {
    let port = free_port();
    let app = app_with(port, None).await;
    // One organisation per mistake, all answered by one DNS server.
    let cases = [
        "doubled", "quoted", "pieces", "twospf", "missing", "wrongmx", "keytype",
    ];
    let mut browsers = Vec::new();
    let mut served = Vec::new();
    for case in cases {
        let mut admin = app
            .organisation_with_admin(case, &format!("admin@{case}.test"))
            .await;
        let set = set_domain(
            &app,
            &mut admin,
            &format!("{case}.test"),
            &format!("hi@{case}.test"),
        )
        .await
        .unwrap();
        let mut records = correct_records(&set);
        let Rr::Txt(dkim_name, strings) = records[0].clone() else {
            unreachable!()
        };
        let dkim_value = strings.concat();
        match case {
            "doubled" => records[0] = txt(&format!("{dkim_name}.{case}.test"), &dkim_value),
            "quoted" => {
                // The Route 53 form pasted into a one-string field: quotes inside the value.
                let (first, rest) = dkim_value.split_at(250);
                let value = format!("{first}\" \"{rest}");
                records[0] = txt(&dkim_name, &value);
            }
            "pieces" => {
                // Each 255-character piece published as its own TXT record.
                let pieces: Vec<String> = dkim_value
                    .as_bytes()
                    .chunks(255)
                    .map(|c| String::from_utf8(c.to_vec()).unwrap())
                    .collect();
                records[0] = Rr::Txt(dkim_name.clone(), vec![pieces[0].clone()]);
                records.push(Rr::Txt(dkim_name.clone(), vec![pieces[1].clone()]));
            }
            "twospf" => records.push(txt(
                &format!("bounces.{case}.test"),
                "v=spf1 include:_spf.other.test ~all",
            )),
            "missing" => records.clear(),
            "wrongmx" => {
                records[1] = Rr::Mx(format!("bounces.{case}.test"), "mx.other.test".into())
            }
            // Steward's key under a tag receivers cannot use with it.
            "keytype" => records[0] = txt(&dkim_name, &dkim_value.replace("k=rsa", "k=ed25519")),
            _ => unreachable!(),
        }
        served.extend(records);
        browsers.push((case, admin));
    }
    let _dns = TestDns::start(port, &served).await;

    for (case, mut admin) in browsers {
        let checked = verify(&app, &mut admin).await;
        let (dkim, dkim_says, _) = outcome(&checked, RecordKind::Dkim);
        let (mx, mx_says, _) = outcome(&checked, RecordKind::BounceMx);
        let (spf, spf_says, spf_found) = outcome(&checked, RecordKind::BounceSpf);
        match case {
            "doubled" => {
                assert_eq!(dkim, CheckOutcome::DomainAppendedTwice, "{dkim_says}");
                assert!(dkim_says.contains("appended the domain"), "{dkim_says}");
                assert_eq!(status(&checked), DomainStatus::Failed);
            }
            "quoted" => {
                assert_eq!(dkim, CheckOutcome::KeySplitWrongly, "{dkim_says}");
                assert!(dkim_says.contains("quote marks"), "{dkim_says}");
                assert_eq!(status(&checked), DomainStatus::Failed);
            }
            "pieces" => {
                assert_eq!(dkim, CheckOutcome::KeySplitWrongly, "{dkim_says}");
                assert!(dkim_says.contains("2 separate TXT records"), "{dkim_says}");
            }
            "twospf" => {
                assert_eq!(dkim, CheckOutcome::Ok, "{dkim_says}");
                assert_eq!(spf, CheckOutcome::TwoSpfRecords, "{spf_says}");
                assert!(spf_says.contains("There are 2 SPF records"), "{spf_says}");
                assert_eq!(spf_found.len(), 2);
                assert_eq!(status(&checked), DomainStatus::Failed);
            }
            "missing" => {
                for (outcome, says) in [(dkim, &dkim_says), (mx, &mx_says), (spf, &spf_says)] {
                    assert_eq!(outcome, CheckOutcome::Missing, "{says}");
                }
                assert_eq!(
                    status(&checked),
                    DomainStatus::Pending,
                    "records not seen yet: still pending"
                );
            }
            "wrongmx" => {
                assert_eq!(mx, CheckOutcome::WrongValue, "{mx_says}");
                assert!(mx_says.contains(INBOUND), "{mx_says}");
            }
            "keytype" => {
                assert_eq!(dkim, CheckOutcome::WrongValue, "{dkim_says}");
                assert!(
                    dkim_says.contains("test signature does not verify"),
                    "{dkim_says}"
                );
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_dns_server_in_trouble_is_a_temporary_failure() {
    let port = servfail_server().await;
    let app = app_with(port, None).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    set_domain(&app, &mut admin, "acme.test", "ada@acme.test")
        .await
        .unwrap();
    let checked = verify(&app, &mut admin).await;
    for kind in RecordKind::ALL {
        let (outcome, explanation, _) = outcome(&checked, kind);
        assert_eq!(
            outcome,
            CheckOutcome::TemporaryFailure,
            "{kind:?}: {explanation}"
        );
        assert!(explanation.contains("try Verify again"), "{explanation}");
    }
    assert_eq!(status(&checked), DomainStatus::Pending, "nothing learned");
}

/// mail-auth's verifier, resolving the key in the test DNS server.
async fn mail_auth_verdict(raw: &[u8], dns_port: u16) -> Vec<String> {
    let auth = app::email_config::ssr::verify::resolver(Some(
        format!("127.0.0.1:{dns_port}").parse().unwrap(),
    ))
    .unwrap();
    let message = mail_auth::AuthenticatedMessage::parse(raw).expect("a message");
    auth.verify_dkim(&message)
        .await
        .iter()
        .map(|o| format!("{:?}", o.result()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_mail_from_a_verified_domain_is_dkim_signed_and_verifies_independently() {
    let port = free_port();
    let sink = RawSink::start().await;
    let app = app_with(port, Some(sink.port)).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;

    // Not verified yet: the test email goes out as the instance From, unsigned.
    let set = set_domain(
        &app,
        &mut admin,
        "mail.acme.test",
        "Acme Success <success@mail.acme.test>",
    )
    .await
    .unwrap();
    let sentence = app.call::<SendTestEmail>(&mut admin, &[]).await.unwrap();
    assert!(
        sentence.as_str().unwrap().contains("on its way"),
        "{sentence}"
    );
    assert_eq!(deliver_due(&app.state).await.unwrap().sent, 1);
    let first = &sink.messages()[0];
    let text = String::from_utf8_lossy(&first.raw).into_owned();
    assert!(
        text.contains("From: Steward <steward@steward.test>"),
        "{text}"
    );
    assert!(!text.contains("DKIM-Signature"), "{text}");
    assert!(text.contains("is not verified yet"), "{text}");

    let _dns = TestDns::start(port, &correct_records(&set)).await;
    assert_eq!(
        status(&verify(&app, &mut admin).await),
        DomainStatus::Verified
    );

    // Verified: a test email and an invitation, both signed for the domain.
    app.call::<SendTestEmail>(&mut admin, &[]).await.unwrap();
    let org = app.org_id_of("ada@acme.test").await;
    let invitation = app::mail::ssr::compose::invitation(
        "new@customer.test",
        "Acme",
        "Ada Admin",
        "http://127.0.0.1:3000/setup/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        7,
    );
    app::mail::ssr::queue::enqueue(&app.state, org, invitation)
        .await
        .unwrap();
    assert_eq!(deliver_due(&app.state).await.unwrap().sent, 2);
    let messages = sink.messages();
    assert_eq!(messages.len(), 3);
    for message in &messages[1..] {
        let text = String::from_utf8_lossy(&message.raw).into_owned();
        assert!(text.starts_with("DKIM-Signature:"), "{text}");
        assert!(
            text.contains("From: \"Acme Success\" <success@mail.acme.test>")
                || text.contains("From: Acme Success <success@mail.acme.test>"),
            "{text}"
        );
        assert_eq!(message.mail_from, "bounce@bounces.mail.acme.test");
        let (ok, verdict) = dkimpy(&message.path, "--dns", &port.to_string());
        assert!(ok, "dkimpy: {verdict}\n{text}");
        assert_eq!(
            mail_auth_verdict(&message.raw, port).await,
            ["Pass"],
            "mail-auth against the published key"
        );
        // A changed body no longer verifies.
        let tampered = text.replacen("Hello,", "Hellp,", 1);
        assert_ne!(tampered, text);
        let path = message.path.with_extension("tampered");
        std::fs::write(&path, tampered).unwrap();
        assert!(!dkimpy(&path, "--dns", &port.to_string()).0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_signatures_over_bodies_ending_in_blank_and_whitespace_only_lines_verify() {
    let key = app::email_config::ssr::dkim::generate().await.unwrap();
    let txt = format!("v=DKIM1; k=rsa; p={}", key.public_spki_b64);
    let dir = std::env::temp_dir().join(format!("steward-dkim-{}", app::crypto::short_reference()));
    std::fs::create_dir_all(&dir).unwrap();
    let headers = "From: Ann <ann@acme.test>\r\nTo: bob@example.test\r\nSubject: Blank lines\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@acme.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    let bodies = [
        "Hello\r\n \r\n\t\r\n",
        "Hello\r\n\r\n\r\n",
        "Hello\r\n",
        "Hello \t \r\nworld\r\n  \r\n",
        "a \r\n \r\nb\r\n\t \r\n",
        " \r\n\t\r\n",
        "",
        "no line end  ",
    ];
    for (i, body) in bodies.iter().enumerate() {
        let raw = format!("{headers}{body}");
        let signed = app::email_config::ssr::dkim::sign(
            raw.as_bytes(),
            "acme.test",
            "stw202611",
            &key.private_pkcs8,
        )
        .unwrap();
        let path = dir.join(format!("{i}.eml"));
        std::fs::write(&path, &signed).unwrap();
        let (ok, verdict) = dkimpy(&path, "--txt", &txt);
        assert!(ok, "body {body:?}: dkimpy says {verdict}");
        // What a relay might do to trailing blank lines: the signature still holds.
        let mut padded = signed.clone();
        padded.extend_from_slice(b"\r\n\r\n");
        std::fs::write(&path, &padded).unwrap();
        let (ok, verdict) = dkimpy(&path, "--txt", &txt);
        assert!(ok, "body {body:?} + blank lines: dkimpy says {verdict}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_email_configuration_page_shows_the_records_and_needs_the_permission() {
    let app = app_with(free_port(), None).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let page = app.get(&mut admin, "/settings/it/email").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Email Configuration"), "{}", page.body);
    assert!(page.body.contains("No sending domain yet"));
    let set = set_domain(&app, &mut admin, "mail.acme.test", "ada@mail.acme.test")
        .await
        .unwrap();
    let page = app.get(&mut admin, "/settings/it/email").await;
    assert_eq!(page.status, 200);
    let domain = set.domain.unwrap();
    assert!(
        page.body.contains(&domain.records[0].value),
        "the DKIM value"
    );
    assert!(page
        .body
        .contains(&format!("{}._domainkey.mail", domain.selector)));
    assert!(page.body.contains("Copy the DKIM key value"));
    assert!(page.body.contains("Send test email"));
    let row = email_domains::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!page.body.contains(&row.sealed_private_key));
    // Listed under IT Administration for those who may open it.
    let settings = app.get(&mut admin, "/settings").await;
    assert!(settings.body.contains("/settings/it/email"));

    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "CSM", "casey@acme.test").await;
    let mut csm = app.signed_in("casey@acme.test").await;
    let refused = app.get(&mut csm, "/settings/it/email").await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains(&domain.records[0].value));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_secret_rotation_reseals_the_dkim_key() {
    let old = app::crypto::SecretKey::generate_base64();
    let dns = format!("127.0.0.1:{}", free_port());
    let app = spawn_with(&[
        ("STEWARD_SECRET_KEY", old.as_str()),
        ("STEWARD_DNS_RESOLVER", dns.as_str()),
    ])
    .await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    set_domain(&app, &mut admin, "acme.test", "ada@acme.test")
        .await
        .unwrap();
    let before = email_domains::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let plain = app
        .state
        .secrets
        .open("dkim-key", &before.sealed_private_key)
        .unwrap();
    let new = app::crypto::SecretKey::generate_base64();
    let rotated = app::crypto::SecretBox::new(
        app::crypto::SecretKey::from_base64(&new).unwrap(),
        vec![app::crypto::SecretKey::from_base64(&old).unwrap()],
    );
    app::connections::ssr::rotate::rotate(&app.state.db, &rotated, |_, _| {})
        .await
        .unwrap();
    let after = email_domains::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(after.sealed_private_key, before.sealed_private_key);
    let only_new =
        app::crypto::SecretBox::new(app::crypto::SecretKey::from_base64(&new).unwrap(), vec![]);
    assert_eq!(
        only_new
            .open("dkim-key", &after.sealed_private_key)
            .unwrap(),
        plain
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_daily_recheck_fails_a_broken_domain_and_tells_the_admins_once() {
    use app::db::entities::outbound_mail;
    use app::email_config::ssr::service::recheck_verified;
    let port = free_port();
    let app = app_with(port, None).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "CSM", "casey@acme.test").await;
    let set = set_domain(&app, &mut admin, "acme.test", "ada@acme.test")
        .await
        .unwrap();
    let records = correct_records(&set);
    let mut dns = TestDns::start(port, &records).await;
    assert_eq!(
        status(&verify(&app, &mut admin).await),
        DomainStatus::Verified
    );
    let notices = || async {
        outbound_mail::Entity::find()
            .filter(outbound_mail::Column::Subject.contains("need attention"))
            .all(&app.state.db)
            .await
            .unwrap()
    };

    // Everything still right: nothing happens.
    assert_eq!(recheck_verified(&app.state).await.unwrap(), 0);
    // The DNS server does not answer: a temporary failure changes nothing.
    dns.stop();
    assert_eq!(recheck_verified(&app.state).await.unwrap(), 0);
    let seen = config(app.call::<GetEmailConfig>(&mut admin, &[]).await.unwrap());
    assert_eq!(status(&seen), DomainStatus::Verified);
    assert!(notices().await.is_empty());

    // Two SPF records now: failed, and the administrator (not the CSM) is told, once.
    let mut broken = records.clone();
    broken.push(txt(
        "bounces.acme.test",
        "v=spf1 include:_spf.other.test ~all",
    ));
    dns.serve(&broken).await;
    assert_eq!(recheck_verified(&app.state).await.unwrap(), 1);
    let seen = config(app.call::<GetEmailConfig>(&mut admin, &[]).await.unwrap());
    assert_eq!(status(&seen), DomainStatus::Failed);
    assert_eq!(
        outcome(&seen, RecordKind::BounceSpf).0,
        CheckOutcome::TwoSpfRecords
    );
    let sent = notices().await;
    assert_eq!(sent.len(), 1, "one notice");
    assert_eq!(sent[0].to_address, "ada@acme.test");
    assert_eq!(sent[0].org_id, org);
    let text = app::mail::ssr::queue::open_bodies(&app.state, &sent[0])
        .unwrap()
        .text;
    assert!(text.contains("Two SPF records"), "{text}");
    assert!(text.contains("/settings/it/email"), "{text}");
    assert_eq!(recheck_verified(&app.state).await.unwrap(), 0);
    assert_eq!(notices().await.len(), 1, "told once");
}

/// Mail of an organisation with an SMTP relay under Manage Credentials goes out through it,
/// even when the instance has none; another organisation's mail does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_organisations_own_smtp_relay_carries_its_mail_and_no_one_elses() {
    let sink = RawSink::start().await;
    // No instance relay.
    let app = app_with(free_port(), None).await;
    let mut acme = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let mut globex = app
        .organisation_with_admin("Globex", "gus@globex.test")
        .await;
    let waits = |sentence: serde_json::Value| {
        assert!(
            sentence.as_str().unwrap().contains("waits in the Outbox"),
            "{sentence}"
        )
    };
    waits(app.call::<SendTestEmail>(&mut acme, &[]).await.unwrap());
    let page = config(app.call::<GetEmailConfig>(&mut acme, &[]).await.unwrap());
    assert!(!page.relay_configured && !page.own_relay);

    let sink_port = sink.port.to_string();
    app.call::<app::connections::api::SaveCredentials>(
        &mut acme,
        &[
            ("system", "smtp_relay"),
            ("host", "127.0.0.1"),
            ("port", &sink_port),
            ("security", "none"),
        ],
    )
    .await
    .unwrap();
    let page = config(app.call::<GetEmailConfig>(&mut acme, &[]).await.unwrap());
    assert!(page.relay_configured && page.own_relay);
    let sentence = app.call::<SendTestEmail>(&mut acme, &[]).await.unwrap();
    assert!(
        sentence.as_str().unwrap().contains("on its way"),
        "{sentence}"
    );
    // Globex has no relay of its own: its mail still waits, and Acme's relay never sees it.
    waits(app.call::<SendTestEmail>(&mut globex, &[]).await.unwrap());
    let page = config(app.call::<GetEmailConfig>(&mut globex, &[]).await.unwrap());
    assert!(!page.relay_configured && !page.own_relay);

    assert_eq!(deliver_due(&app.state).await.unwrap().sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let text = String::from_utf8_lossy(&messages[0].raw).into_owned();
    assert!(text.contains("To: ada@acme.test"), "{text}");
    assert!(!text.contains("gus@globex.test"), "{text}");
    let statuses: Vec<(String, String)> = app::db::entities::outbound_mail::Entity::find()
        .order_by_asc(app::db::entities::outbound_mail::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.to_address, m.status))
        .collect();
    assert_eq!(
        statuses,
        [
            // Made before Acme had a relay: kept in the Outbox, as it said.
            ("ada@acme.test".to_owned(), "outbox".to_owned()),
            ("ada@acme.test".to_owned(), "sent".to_owned()),
            ("gus@globex.test".to_owned(), "outbox".to_owned()),
        ]
    );

    // A relay that refuses connections: the attempt fails, is retried later, and the Outbox
    // says why.
    let closed = free_tcp_port().to_string();
    app.call::<app::connections::api::SaveCredentials>(
        &mut acme,
        &[
            ("system", "smtp_relay"),
            ("host", "127.0.0.1"),
            ("port", &closed),
            ("security", "none"),
        ],
    )
    .await
    .unwrap();
    app.call::<SendTestEmail>(&mut acme, &[]).await.unwrap();
    let round = deliver_due(&app.state).await.unwrap();
    assert_eq!((round.sent, round.retrying), (0, 1));
    let last = app::db::entities::outbound_mail::Entity::find()
        .filter(app::db::entities::outbound_mail::Column::Status.eq("queued"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the retried message");
    assert!(last.last_error.is_some());
    assert_eq!(sink.messages().len(), 1);
}
