//! Sends a file (or its start) from the browser to the page's routes with
//! `XMLHttpRequest`, the one browser API that reports upload progress; the browser streams
//! the file from disk, so it is never read into memory here. Compiled only into the WASM
//! (`hydrate`); on the server the page renders without it.
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

/// What came back: the HTTP status (0 when the request never completed) and the body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// POSTs `body` to `url`; `progress(sent, total)` while it goes, `done` once at the end.
/// Answers the request, so that the caller can abort it.
pub fn post_blob(
    url: &str,
    body: &Blob,
    progress: impl Fn(f64, f64) + 'static,
    done: impl FnOnce(Answer) + 'static,
) -> Result<XmlHttpRequest, String> {
    let failed = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", url).map_err(failed)?;
    xhr.set_request_header("Content-Type", "text/csv")
        .map_err(failed)?;
    let on_progress = Closure::<dyn Fn(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() {
            progress(e.loaded(), e.total());
        }
    });
    xhr.upload()
        .map_err(failed)?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // `loadend` fires once whatever happened (load, error, abort, timeout).
    let request = xhr.clone();
    let on_end = Closure::once(move |_: ProgressEvent| {
        done(Answer {
            status: request.status().unwrap_or(0),
            body: request.response_text().ok().flatten().unwrap_or_default(),
        })
    });
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    // The request owns its handlers from here; each upload leaks these two closures (a
    // few bytes), which is how wasm-bindgen hands callbacks to the browser.
    on_progress.forget();
    on_end.forget();
    xhr.send_with_opt_blob(Some(body)).map_err(failed)?;
    Ok(xhr)
}
