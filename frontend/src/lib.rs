#![recursion_limit = "512"]
//! The browser entry point: hydrates the server-rendered page into the live app.
//!
//! Hydration is asynchronous because most pages are lazy routes (`app::lazy_pages`): the
//! router first loads the WASM chunk of the page on screen, then hydrates it. Browser tests
//! wait for `body[data-hydrated]`, so it is set only once the whole page has hydrated.
use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = document().body().expect("the page has a <body>");
        // Sets up Leptos' executor on wasm-bindgen's before anything is spawned.
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
