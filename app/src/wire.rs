//! How server-function answers reach the browser.
//!
//! Every server function names [`StewardClient`] and [`Json`]
//! (`#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]`).
//! It is the browser's `fetch` client plus one request header, `X-Steward-Refusals: in-body`,
//! which tells the server that this caller reads refusals out of the body.
//!
//! The choice (README "Errors"): a **refusal** is an answer the person can act on — a wrong
//! password, a weak password, a name already taken, a field that needs fixing, "wait a
//! minute" ([`AppError::is_refusal`]). For our own client it is answered `200 OK` with the
//! `AppError` as the body and `X-Steward-Refusal: 1`; this client reads that header and hands
//! the body to the server-function machinery as the error it is. Chromium logs every 4xx
//! `fetch` as a console error ("Failed to load resource"), so answering refusals with 4xx
//! made ordinary mistakes look like faults in the console. **Faults** — not signed in, not
//! allowed, not found, something broke — keep their real statuses (401, 403, 404, 500).
//! Any other caller (curl, scripts, tests) gets real statuses for refusals too (400, 409,
//! 429), so nothing changes for them.
use server_fn::client::browser::BrowserClient;
use server_fn::client::Client;
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;
use server_fn::response::ClientRes;
use server_fn::Bytes;
use std::future::Future;

/// The request header by which our client asks for refusals in a `200` body.
pub const REFUSALS_REQUEST_HEADER: &str = "x-steward-refusals";
/// Its one value.
pub const REFUSALS_IN_BODY: &str = "in-body";
/// The response header that marks a `200` body as a refusal (an `AppError`).
pub const REFUSAL_RESPONSE_HEADER: &str = "x-steward-refusal";

/// The status the server-function machinery is shown for a refusal answered in a 200
/// body: any 4xx makes it decode the body as the error.
const REFUSAL_STATUS: u16 = 400;

/// The browser `fetch` client that asks for refusals in the body (see the module docs).
pub struct StewardClient;

impl<E, I, O> Client<E, I, O> for StewardClient
where
    E: FromServerFnError,
    I: FromServerFnError,
    O: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = StewardResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        // A Request's headers stay writable until it is sent (Fetch's "request" guard).
        req.headers().set(REFUSALS_REQUEST_HEADER, REFUSALS_IN_BODY);
        let sent = <BrowserClient as Client<E, I, O>>::send(req);
        async move {
            let response = sent.await?;
            let refused = response
                .generate_headers()
                .contains_key(REFUSAL_RESPONSE_HEADER);
            Ok(StewardResponse { response, refused })
        }
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl futures::Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, I, O>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, I, O>>::spawn(future)
    }
}

/// A browser response that reports a refusal (200 + `X-Steward-Refusal`) as a 4xx status.
pub struct StewardResponse {
    response: BrowserResponse,
    refused: bool,
}

impl<E: FromServerFnError> ClientRes<E> for StewardResponse {
    fn try_into_string(self) -> impl Future<Output = Result<String, E>> + Send {
        <BrowserResponse as ClientRes<E>>::try_into_string(self.response)
    }

    fn try_into_bytes(self) -> impl Future<Output = Result<Bytes, E>> + Send {
        <BrowserResponse as ClientRes<E>>::try_into_bytes(self.response)
    }

    fn try_into_stream(
        self,
    ) -> Result<impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + Sync + 'static, E> {
        <BrowserResponse as ClientRes<E>>::try_into_stream(self.response)
    }

    fn status(&self) -> u16 {
        if self.refused {
            REFUSAL_STATUS
        } else {
            <BrowserResponse as ClientRes<E>>::status(&self.response)
        }
    }

    fn status_text(&self) -> String {
        <BrowserResponse as ClientRes<E>>::status_text(&self.response)
    }

    fn location(&self) -> String {
        <BrowserResponse as ClientRes<E>>::location(&self.response)
    }

    fn has_redirect(&self) -> bool {
        <BrowserResponse as ClientRes<E>>::has_redirect(&self.response)
    }
}

/// The answers of every server function: JSON, exactly as server_fn's `Json`, but decoded
/// in the browser from text with [`decode_json`], like the resources the server renders
/// into the page ([`PageJson`]). Each answer type then has one JSON decoder in the WASM
/// instead of two (from bytes and from text); those decoders were about a tenth of the
/// bundle, most of them twice (README, Benchmark).
/// Named by every server function: `#[server(client = …, output = crate::wire::Json)]`.
pub struct JsonText;

/// `POST` with URL-encoded arguments (`<ActionForm>` without JavaScript) and [`JsonText`]
/// answers.
pub type Json = server_fn::codec::Post<JsonText>;

impl server_fn::ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl server_fn::FormatType for JsonText {
    const FORMAT_TYPE: server_fn::Format = server_fn::Format::Text;
}

impl<T: serde::Serialize> server_fn::Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: serde::de::DeserializeOwned> server_fn::Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        decode_json(text)
    }
}

/// Decodes JSON text in two steps: into a [`serde_json::Value`], then into `T`. The parser
/// is then compiled into the WASM once, and each answer type only walks a parsed tree;
/// `serde_json::from_str::<T>` inlines the text parser (whitespace, escapes, error
/// positions) into every type's decoder, and those decoders were the largest part of the
/// bundle after the view code (issue 16, README "Browser bundle").
pub fn decode_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).and_then(serde_json::from_value)
}

/// The resources' codec: JSON written by the server into the page as `serde_json` writes
/// it, read in the browser with [`decode_json`], like the server functions' answers, so
/// each type has one decoder.
pub struct PageJson;

impl<T: serde::Serialize> codee::Encoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: serde::de::DeserializeOwned> codee::Decoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        decode_json(text)
    }
}

/// A resource read and written with [`PageJson`]; every page's resource is one.
pub type PageResource<T> = leptos::prelude::Resource<T, PageJson>;

/// `Resource::new` with the [`PageJson`] codec (see there).
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageResource<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    leptos::prelude::Resource::new_with_options(source, fetcher, false)
}
