//! The BCC address's SMTP listener (`inbound_smtp_address`): a small receive-only server
//! on tokio with Stalwart's `smtp-proto` parser. It runs on every instance (stateless: the
//! raw message goes to the shared database before the 250) and never relays: `RCPT TO` is
//! accepted only for an active BCC address of this instance's inbound domain, so an
//! unknown or retired address gets 550 at RCPT and nothing bounces later.
//!
//! EHLO advertises PIPELINING, SIZE, 8BITMIME and ENHANCEDSTATUSCODES. Limits: sessions at
//! once, recipients per message, messages per session, the idle time between reads, and
//! the message size (552 at MAIL when SIZE= says so, else at the end of DATA; the bytes
//! past the limit are read and dropped, never kept). The end of DATA is CRLF "." CRLF only:
//! a bare-LF "." line does not end the message (SMTP smuggling). STARTTLS is not offered
//! (yet): run the listener behind a TLS-terminating proxy or accept plaintext on port 25.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use smtp_proto::{Error as ParseError, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use app::bcc_email::ssr::address::{lookup_recipient, Lookup};
use app::bcc_email::ssr::pipeline::{self, Door};
use app::bcc_email::ssr::sender_auth::SmtpPeer;
use app::state::AppState;

/// The listener's limits.
#[derive(Clone, Debug)]
pub struct SmtpLimits {
    pub max_sessions: usize,
    pub max_recipients: usize,
    pub max_messages_per_session: usize,
    pub idle: Duration,
    pub max_message_bytes: usize,
}

impl SmtpLimits {
    pub fn from_state(state: &AppState) -> Self {
        Self {
            max_sessions: 64,
            max_recipients: 100,
            max_messages_per_session: 100,
            idle: Duration::from_secs(120),
            max_message_bytes: state.settings.inbound.max_message_bytes,
        }
    }
}

/// Accepts sessions on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, state: AppState, limits: SmtpLimits) {
    let sessions = Arc::new(Semaphore::new(limits.max_sessions));
    let limits = Arc::new(limits);
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "SMTP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = sessions.clone().try_acquire_owned() else {
            let _ = stream
                .write_all(b"421 4.3.2 Too many connections, try again later\r\n")
                .await;
            continue;
        };
        let (state, limits) = (state.clone(), limits.clone());
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(error) = Session::new(&state, &limits, peer).run(stream).await {
                tracing::debug!(%error, %peer, "SMTP session ended");
            }
        });
    }
}

/// Binds `inbound_smtp_address` (when set) and serves it in the background.
pub async fn start(state: &AppState) -> Result<Option<SocketAddr>, String> {
    let Some(address) = state.settings.inbound.smtp_address else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address).await.map_err(|e| {
        format!("cannot listen for SMTP on {address}: {e}. Set STEWARD_INBOUND_SMTP_ADDRESS to another address, or to nothing to turn the listener off.")
    })?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(serve(
        listener,
        state.clone(),
        SmtpLimits::from_state(state),
    ));
    Ok(Some(bound))
}

struct Session<'a> {
    state: &'a AppState,
    limits: &'a SmtpLimits,
    ip: IpAddr,
    helo: Option<String>,
    mail_from: Option<String>,
    /// Organisations named by the accepted recipients, in order, once each.
    orgs: Vec<i32>,
    recipients: usize,
    messages: usize,
}

enum Step {
    Continue,
    Data,
    Quit,
}

impl<'a> Session<'a> {
    fn new(state: &'a AppState, limits: &'a SmtpLimits, peer: SocketAddr) -> Self {
        Self {
            state,
            limits,
            ip: peer.ip(),
            helo: None,
            mail_from: None,
            orgs: vec![],
            recipients: 0,
            messages: 0,
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.orgs.clear();
        self.recipients = 0;
    }

    async fn run(mut self, mut stream: TcpStream) -> std::io::Result<()> {
        let domain = self.state.settings.inbound.domain.clone();
        stream
            .write_all(format!("220 {domain} Steward ESMTP ready\r\n").as_bytes())
            .await?;
        let mut receiver = RequestReceiver::default();
        let mut data: Option<(DataReceiver, Vec<u8>, bool)> = None;
        let mut buf = vec![0u8; 16 * 1024];
        let mut out = Vec::new();
        loop {
            let read = match tokio::time::timeout(self.limits.idle, stream.read(&mut buf)).await {
                Ok(read) => read?,
                Err(_) => {
                    stream
                        .write_all(b"421 4.4.2 Idle too long, closing\r\n")
                        .await?;
                    return Ok(());
                }
            };
            if read == 0 {
                return Ok(());
            }
            let mut bytes = buf[..read].iter();
            loop {
                if let Some((receiver, message, oversize)) = &mut data {
                    let done = receiver.ingest(&mut bytes, message);
                    if message.len() > self.limits.max_message_bytes {
                        *oversize = true;
                        message.clear();
                        message.shrink_to(64 * 1024);
                    }
                    if !done {
                        break;
                    }
                    let (_, message, oversize) = data.take().expect("in DATA");
                    let reply = self.finish_data(message, oversize).await;
                    out.extend_from_slice(reply.as_bytes());
                    continue;
                }
                if bytes.as_slice().is_empty() {
                    break;
                }
                let step = match receiver.ingest(&mut bytes) {
                    Ok(request) => {
                        let request = request.into_owned();
                        self.command(request, &domain, &mut out).await
                    }
                    Err(ParseError::NeedsMoreData { .. }) => break,
                    Err(error) => {
                        out.extend_from_slice(parse_error(&error).as_bytes());
                        Step::Continue
                    }
                };
                match step {
                    Step::Continue => {}
                    Step::Quit => {
                        stream.write_all(&out).await?;
                        return Ok(());
                    }
                    Step::Data => {
                        let mut receiver = DataReceiver::new();
                        // Start as after a CRLF, so a "." first line ends an empty message.
                        let mut scratch = Vec::new();
                        receiver.ingest(&mut b"\r\n".iter(), &mut scratch);
                        data = Some((receiver, Vec::new(), false));
                    }
                }
            }
            if !out.is_empty() {
                stream.write_all(&out).await?;
                out.clear();
            }
        }
    }

    async fn command(&mut self, request: Request<String>, domain: &str, out: &mut Vec<u8>) -> Step {
        let mut reply = |text: &str| out.extend_from_slice(text.as_bytes());
        match request {
            Request::Ehlo { host } => {
                self.helo = Some(host);
                self.reset();
                reply(&format!(
                    "250-{domain} at your service\r\n250-PIPELINING\r\n250-SIZE {}\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
                    self.limits.max_message_bytes
                ));
            }
            Request::Helo { host } | Request::Lhlo { host } => {
                self.helo = Some(host);
                self.reset();
                reply(&format!("250 {domain}\r\n"));
            }
            Request::Mail { from } => {
                if self.helo.is_none() {
                    reply("503 5.5.1 Say EHLO first\r\n");
                } else if self.mail_from.is_some() {
                    reply("503 5.5.1 Sender already given\r\n");
                } else if self.messages >= self.limits.max_messages_per_session {
                    reply("452 4.5.3 Too many messages in this session, reconnect\r\n");
                } else if from.size > self.limits.max_message_bytes {
                    reply(&format!(
                        "552 5.3.4 Message too big: the limit is {} bytes\r\n",
                        self.limits.max_message_bytes
                    ));
                } else {
                    self.mail_from = Some(from.address.to_ascii_lowercase());
                    reply("250 2.1.0 OK\r\n");
                }
            }
            Request::Rcpt { to } => {
                if self.mail_from.is_none() {
                    reply("503 5.5.1 MAIL first\r\n");
                } else if self.recipients >= self.limits.max_recipients {
                    reply("452 4.5.3 Too many recipients\r\n");
                } else {
                    match lookup_recipient(&self.state.db, &self.state.settings, &to.address).await
                    {
                        Ok(Lookup::Active { org_id }) => {
                            self.recipients += 1;
                            if !self.orgs.contains(&org_id) {
                                self.orgs.push(org_id);
                            }
                            reply("250 2.1.5 OK\r\n");
                        }
                        Ok(_) => reply(
                            "550 5.1.1 No such BCC address here (this server does not relay)\r\n",
                        ),
                        Err(error) => {
                            tracing::warn!(%error, "SMTP recipient lookup failed");
                            reply("451 4.3.0 Temporary failure, try again later\r\n");
                        }
                    }
                }
            }
            Request::Data => {
                if self.mail_from.is_none() || self.orgs.is_empty() {
                    reply("503 5.5.1 No valid recipients\r\n");
                } else {
                    reply("354 Send the message, end with <CRLF>.<CRLF>\r\n");
                    return Step::Data;
                }
            }
            Request::Rset => {
                self.reset();
                reply("250 2.0.0 OK\r\n");
            }
            Request::Noop { .. } => reply("250 2.0.0 OK\r\n"),
            Request::Quit => {
                reply("221 2.0.0 Bye\r\n");
                return Step::Quit;
            }
            Request::Vrfy { .. } => reply("252 2.5.0 Cannot verify, send the message\r\n"),
            _ => reply("502 5.5.1 Command not implemented\r\n"),
        }
        Step::Continue
    }

    async fn finish_data(&mut self, message: Vec<u8>, oversize: bool) -> String {
        let orgs = std::mem::take(&mut self.orgs);
        let mail_from = self.mail_from.take().unwrap_or_default();
        self.recipients = 0;
        if oversize {
            return format!(
                "552 5.3.4 Message too big: the limit is {} bytes\r\n",
                self.limits.max_message_bytes
            );
        }
        self.messages += 1;
        let peer = SmtpPeer {
            ip: self.ip,
            helo: self.helo.clone().unwrap_or_default(),
            mail_from,
        };
        for org_id in orgs {
            if let Err(error) =
                pipeline::receive(self.state, org_id, Door::Smtp, Some(&peer), &message).await
            {
                tracing::warn!(%error, "SMTP message could not be stored");
                return "451 4.3.0 Could not store the message, try again later\r\n".into();
            }
        }
        "250 2.0.0 Stored\r\n".into()
    }
}

fn parse_error(error: &ParseError) -> String {
    match error {
        ParseError::UnknownCommand => "500 5.5.1 Unknown command\r\n".into(),
        ParseError::InvalidSenderAddress => "501 5.1.7 Bad sender address\r\n".into(),
        ParseError::InvalidRecipientAddress => "501 5.1.3 Bad recipient address\r\n".into(),
        ParseError::SyntaxError { syntax } => format!("501 5.5.4 Syntax: {syntax}\r\n"),
        ParseError::InvalidParameter { param } => format!("501 5.5.4 Bad parameter {param}\r\n"),
        ParseError::UnsupportedParameter { .. } => "504 5.5.4 Parameter not supported\r\n".into(),
        ParseError::ResponseTooLong => "500 5.5.2 Line too long\r\n".into(),
        _ => "500 5.5.1 Syntax error\r\n".into(),
    }
}
