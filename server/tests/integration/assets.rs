//! Built assets: content-hashed names cached for a year, precompressed brotli and gzip
//! variants, and pages that are revalidated and name the files of the build on disk.
//! The site is a small one made here (a hash file and files under `pkg/`): what is tested is
//! the serving, not the bundle.
use std::io::{Read, Write};
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;

use crate::common::{spawn_with, Browser, TestApp};

const HASH: &str = "AAAAAAAAAAAAAAAAAAAAAA";
const NEW_HASH: &str = "Zm9yLWEtbmV3LWJ1aWxkLQ";

/// Writes `pkg/steward.<hash>.{wasm,js,css}` with `.br` and `.gz` beside each, like
/// `cargo leptos build --release --precompress --split` with `hash-files = true`, and the hash file.
fn write_build(site: &Path, hash: &str) -> Vec<u8> {
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain(hash.bytes().cycle().take(4000))
        .collect();
    let files: [(&str, Vec<u8>); 3] = [
        ("wasm", wasm.clone()),
        (
            "js",
            format!("export default function init() {{ /* {hash} */ }}\n")
                .repeat(40)
                .into_bytes(),
        ),
        (
            "css",
            format!("body {{ color: black; }} /* {hash} */\n")
                .repeat(40)
                .into_bytes(),
        ),
    ];
    for (ext, content) in files {
        let name = format!("steward.{hash}.{ext}");
        std::fs::write(pkg.join(&name), &content).unwrap();
        let mut br = Vec::new();
        brotli::BrotliCompress(
            &mut content.as_slice(),
            &mut br,
            &brotli::enc::BrotliEncoderParams::default(),
        )
        .unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), br).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&content).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), gz.finish().unwrap()).unwrap();
    }
    std::fs::write(
        site.join("hash.txt"),
        format!("js: {hash}\nwasm: {hash}\ncss: {hash}\n"),
    )
    .unwrap();
    wasm
}

async fn site_app() -> (TestApp, std::path::PathBuf, Vec<u8>) {
    let site = std::env::temp_dir().join(format!(
        "steward-site-{}",
        app::crypto::random_token()[..12].to_lowercase()
    ));
    let wasm = write_build(&site, HASH);
    let app = spawn_with(&[
        ("STEWARD_SITE_ROOT", &site.display().to_string()),
        (
            "STEWARD_HASH_FILE",
            &site.join("hash.txt").display().to_string(),
        ),
    ])
    .await;
    (app, site, wasm)
}

struct Raw {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Raw {
    let mut request = Request::get(path).header("x-forwarded-for", "203.0.113.10");
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap()
        .to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

fn header_of(raw: &Raw, name: header::HeaderName) -> &str {
    raw.headers
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_hashed_assets_are_immutable_and_served_precompressed() {
    let (app, site, wasm) = site_app().await;
    let path = format!("/pkg/steward.{HASH}.wasm");

    let br = fetch(&app, &path, Some("gzip, deflate, br")).await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(header_of(&br, header::CONTENT_ENCODING), "br");
    assert_eq!(
        header_of(&br, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header_of(&br, header::VARY)
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert_eq!(header_of(&br, header::CONTENT_TYPE), "application/wasm");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(br.body.as_slice(), 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, wasm, "the brotli answer is the file");
    assert_eq!(
        br.body,
        std::fs::read(site.join(format!("pkg/steward.{HASH}.wasm.br"))).unwrap(),
        "the precompressed file is sent, not compressed again"
    );

    let gz = fetch(&app, &path, Some("gzip")).await;
    assert_eq!(header_of(&gz, header::CONTENT_ENCODING), "gzip");
    assert_eq!(
        header_of(&gz, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gz.body.as_slice())
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, wasm);

    let plain = fetch(&app, &path, None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");
    assert_eq!(plain.body, wasm);

    for ext in ["js", "css"] {
        let asset = fetch(&app, &format!("/pkg/steward.{HASH}.{ext}"), Some("br")).await;
        assert_eq!(asset.status, StatusCode::OK, "{ext}");
        assert_eq!(header_of(&asset, header::CONTENT_ENCODING), "br", "{ext}");
        assert_eq!(
            header_of(&asset, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{ext}"
        );
    }

    // A name that is not a content hash may change under the same URL: revalidated.
    std::fs::write(site.join("pkg/steward.wasm"), &wasm).unwrap();
    let unhashed = fetch(&app, "/pkg/steward.wasm", Some("br")).await;
    assert_eq!(unhashed.status, StatusCode::OK);
    assert_eq!(header_of(&unhashed, header::CACHE_CONTROL), "no-cache");

    // A file of another build is not there, and its answer is not cached.
    let gone = fetch(&app, &format!("/pkg/steward.{NEW_HASH}.wasm"), Some("br")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(!header_of(&gone, header::CACHE_CONTROL).contains("immutable"));
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_are_revalidated_and_name_the_current_build() {
    let (app, site, _) = site_app().await;
    let page = app.get(&mut Browser::default(), "/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    let cache = page
        .headers
        .get(header::CACHE_CONTROL)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cache.split(',').any(|d| d.trim() == "no-cache"),
        "HTML is revalidated: {cache}"
    );
    assert!(!cache.contains("max-age") && !cache.contains("immutable"));
    for ext in ["wasm", "js", "css"] {
        assert!(
            page.body.contains(&format!("/pkg/steward.{HASH}.{ext}")),
            "the page names the hashed {ext}"
        );
    }
    assert!(!page.body.contains("/pkg/steward.wasm"));

    // A new build on disk (new names, new hash file): the next page names it, at once.
    write_build(&site, NEW_HASH);
    let page = app.get(&mut Browser::default(), "/sign-in").await;
    for ext in ["wasm", "js", "css"] {
        assert!(page
            .body
            .contains(&format!("/pkg/steward.{NEW_HASH}.{ext}")));
    }
    assert!(!page.body.contains(HASH));
    let _ = std::fs::remove_dir_all(site);
}
