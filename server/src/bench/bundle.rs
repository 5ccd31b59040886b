//! The browser bundle: sizes of the release build's WASM, JS and CSS (raw, and the gzip and
//! brotli files `cargo leptos build --release --precompress --split` writes beside them) against the
//! budget, then what the WASM is made of.
//!
//! The contributors are read from the name section of the WASM as rustc left it
//! (`target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm`, before wasm-bindgen and
//! wasm-opt, which drop the names), like `twiggy top`: the code size of each function,
//! summed by crate and by kind of code. Those sizes are before wasm-opt, so they weigh the
//! parts; the shipped figures are the ones above.
use std::collections::HashMap;
use std::path::Path;

/// Issue 16's budget for today's features (brotli).
const BUDGET_BROTLI_KIB: f64 = 450.0;
const UNOPTIMISED: &str = "target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm";

pub fn run() {
    let site = std::env::var("STEWARD_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let pkg = Path::new(&site).join("pkg");
    println!();
    println!("Browser bundle ({})", pkg.display());
    let Ok(entries) = std::fs::read_dir(&pkg) else {
        println!("  no build at {}: run `make build` first", pkg.display());
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wasm") || n.ends_with(".js") || n.ends_with(".css"))
        .collect();
    names.sort();
    let size = |name: &str, suffix: &str| {
        std::fs::metadata(pkg.join(format!("{name}{suffix}")))
            .map(|m| m.len())
            .ok()
    };
    let kib = |bytes: Option<u64>| {
        bytes
            .map(|b| format!("{:.1}", b as f64 / 1024.0))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "  {:<42} {:>10} {:>10} {:>10}",
        "file", "raw KiB", "gzip KiB", "brotli KiB"
    );
    // The main bundle, loaded by every page: what the budget is about.
    let (main, lazy): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| n.starts_with("steward."));
    for name in &main {
        println!(
            "  {:<42} {:>10} {:>10} {:>10}",
            name,
            kib(size(name, "")),
            kib(size(name, ".gz")),
            kib(size(name, ".br"))
        );
        if name.ends_with(".wasm") {
            match size(name, ".br") {
                Some(bytes) => {
                    let kib = bytes as f64 / 1024.0;
                    println!(
                        "  {:<42} {:>32}",
                        "  main WASM brotli against the budget",
                        format!(
                            "{kib:.1} / {BUDGET_BROTLI_KIB:.0} KiB ({:.0} %) {}",
                            kib / BUDGET_BROTLI_KIB * 100.0,
                            if kib <= BUDGET_BROTLI_KIB {
                                "within"
                            } else {
                                "OVER"
                            }
                        )
                    );
                }
                None => println!(
                    "  (no .br/.gz files: build with `cargo leptos build --release --precompress --split`)"
                ),
            }
        }
    }
    // The lazy-route files (`app/src/lazy_pages.rs`): loaded with the first page of a group.
    let total = |files: &[&String], suffix: &str| -> u64 {
        files.iter().filter_map(|f| size(f, suffix)).sum()
    };
    println!(
        "  {:<42} {:>10} {:>10} {:>10}",
        format!("lazy files ({})", lazy.len()),
        kib(Some(total(&lazy, ""))),
        kib(Some(total(&lazy, ".gz"))),
        kib(Some(total(&lazy, ".br")))
    );
    for (group, files) in lazy_groups(&pkg, &names) {
        let files: Vec<&String> = files.iter().collect();
        println!(
            "  {:<42} {:>10} {:>10} {:>10}",
            format!("  group {group} ({} files)", files.len()),
            kib(Some(total(&files, ""))),
            kib(Some(total(&files, ".gz"))),
            kib(Some(total(&files, ".br")))
        );
    }
    contributors(Path::new(UNOPTIMISED));
}

/// Each lazy group's files, from the split manifest (`__wasm_split_manifest.<hash>.json`:
/// split name -> the files it needs, its own `split_<split name>.<hash>.wasm` among them
/// in cargo-leptos 0.3.11; added when a version leaves it out).
fn lazy_groups(pkg: &Path, names: &[String]) -> Vec<(String, Vec<String>)> {
    let Some(manifest) = std::fs::read_dir(pkg).ok().and_then(|entries| {
        entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("__wasm_split_manifest") && name.ends_with(".json")
        })
    }) else {
        return Vec::new();
    };
    let Ok(manifest) = std::fs::read_to_string(&manifest)
        .map_err(|_| ())
        .and_then(|text| {
            serde_json::from_str::<HashMap<String, Vec<String>>>(&text).map_err(|_| ())
        })
    else {
        return Vec::new();
    };
    let mut groups: Vec<(String, Vec<String>)> = manifest
        .into_iter()
        .map(|(split, chunks)| {
            let own = format!("split_{split}.");
            let mut files: Vec<String> = chunks.iter().map(|c| format!("{c}.wasm")).collect();
            files.extend(names.iter().filter(|n| n.starts_with(&own)).cloned());
            files.sort();
            files.dedup();
            // `__accounts_group_<hash>` -> `accounts_group`
            let group = split.trim_start_matches('_');
            let group = group.rsplit_once('_').map(|(g, _)| g).unwrap_or(group);
            (group.to_owned(), files)
        })
        .collect();
    groups.sort();
    groups
}

fn contributors(path: &Path) {
    let Ok(bytes) = std::fs::read(path) else {
        println!("  no {} to attribute sizes from", path.display());
        return;
    };
    let Some(functions) = function_sizes(&bytes) else {
        println!(
            "  {} has no name section to attribute sizes from",
            path.display()
        );
        return;
    };
    let total: usize = functions.iter().map(|(_, size)| size).sum();
    println!();
    println!(
        "WASM code by crate, before wasm-opt ({} functions, {:.0} KiB of code)",
        functions.len(),
        total as f64 / 1024.0
    );
    let mut by_crate: HashMap<String, (usize, usize)> = HashMap::new();
    let mut by_kind: HashMap<&'static str, usize> = HashMap::new();
    for (name, size) in &functions {
        let name = demangle(name);
        let entry = by_crate.entry(crate_of(&name)).or_default();
        entry.0 += size;
        entry.1 += 1;
        *by_kind.entry(kind_of(&name)).or_default() += size;
    }
    let mut crates: Vec<_> = by_crate.into_iter().collect();
    crates.sort_by_key(|(_, (size, _))| std::cmp::Reverse(*size));
    for (name, (size, count)) in crates.iter().take(15) {
        println!(
            "  {:<28} {:>8.1} KiB {:>5.1} %  {:>6} functions",
            name,
            *size as f64 / 1024.0,
            *size as f64 / total as f64 * 100.0,
            count
        );
    }
    println!("WASM code by kind (view methods of tachys, serde, ...)");
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    for (kind, size) in kinds {
        println!(
            "  {:<28} {:>8.1} KiB {:>5.1} %",
            kind,
            size as f64 / 1024.0,
            size as f64 / total as f64 * 100.0
        );
    }
    println!("Largest functions");
    let mut largest = functions.clone();
    largest.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    for (name, size) in largest.iter().take(12) {
        let name = demangle(name);
        let short: String = name.chars().take(110).collect();
        println!("  {:>8.1} KiB  {short}", *size as f64 / 1024.0);
    }
}

/// What the function does, by the method or crate in its path.
fn kind_of(name: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("::hydrate_async", "view: hydrate_async"),
        ("::hydrate", "view: hydrate"),
        ("::rebuild", "view: rebuild"),
        ("::build", "view: build"),
        ("serde", "serde (codecs)"),
        ("reactive_graph::", "reactive graph"),
        ("core::fmt", "formatting"),
        ("alloc::", "alloc"),
        ("core::", "core"),
        ("wasm_bindgen", "wasm-bindgen"),
        ("web_sys", "web-sys"),
    ];
    KINDS
        .iter()
        .find(|(needle, _)| name.contains(needle))
        .map(|(_, kind)| *kind)
        .unwrap_or("other")
}

/// The crate a (demangled) path belongs to: the first path segment, looking through
/// `<T as Trait>` to the implementing type.
fn crate_of(name: &str) -> String {
    let mut rest = name.trim_start_matches(['<', '&', '*', ' ']);
    rest = rest.trim_start_matches("mut ").trim_start_matches("dyn ");
    // `<T as tachys::view::Render>::build`: a generic type parameter, so the trait's crate.
    if let Some((ty, tail)) = rest.split_once(" as ") {
        if ty.len() <= 2 && ty.chars().all(|c| c.is_ascii_uppercase()) {
            rest = tail;
        }
    }
    if rest.starts_with('(') || rest.starts_with('[') {
        return "(tuples, slices)".into();
    }
    rest.split("::")
        .next()
        .unwrap_or("?")
        .split(['<', ' ', '>', '('])
        .next()
        .unwrap_or("?")
        .to_owned()
}

/// Legacy Rust mangling (`_ZN…E`: length-prefixed segments, `$LT$`-style escapes) made
/// readable enough to group by crate; other names are kept as they are.
fn demangle(name: &str) -> String {
    let Some(mut rest) = name.strip_prefix("_ZN") else {
        return name.to_owned();
    };
    let mut parts = Vec::new();
    while let Some(digits) = rest.find(|c: char| !c.is_ascii_digit()).filter(|&n| n > 0) {
        let Ok(len) = rest[..digits].parse::<usize>() else {
            break;
        };
        let Some(part) = rest.get(digits..digits + len) else {
            break;
        };
        if !(part.starts_with('h') && part.len() == 17) {
            parts.push(part);
        }
        rest = &rest[digits + len..];
    }
    let mut joined = parts.join("::");
    for (from, to) in [
        ("$LT$", "<"),
        ("$GT$", ">"),
        ("$u20$", " "),
        ("$RF$", "&"),
        ("$BP$", "*"),
        ("$C$", ","),
        ("$LP$", "("),
        ("$RP$", ")"),
        ("$u7b$", "{"),
        ("$u7d$", "}"),
        ("$u27$", "'"),
        ("$u5b$", "["),
        ("$u5d$", "]"),
        ("..", "::"),
    ] {
        joined = joined.replace(from, to);
    }
    joined.trim_start_matches('_').to_owned()
}

fn leb(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let (mut value, mut shift) = (0usize, 0);
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= ((byte & 0x7f) as usize) << shift;
        shift += 7;
        if byte < 0x80 {
            return Some(value);
        }
    }
}

/// (name, body size) of every function defined in the module, from its code and name
/// sections; `None` without names.
fn function_sizes(bytes: &[u8]) -> Option<Vec<(String, usize)>> {
    let mut at = 8;
    let mut imported_functions = 0;
    let mut bodies = Vec::new();
    let mut names = HashMap::new();
    while at < bytes.len() {
        let id = bytes[at];
        at += 1;
        let len = leb(bytes, &mut at)?;
        let (start, end) = (at, at + len);
        let mut p = start;
        match id {
            2 => {
                for _ in 0..leb(bytes, &mut p)? {
                    for _ in 0..2 {
                        let l = leb(bytes, &mut p)?;
                        p += l;
                    }
                    let kind = bytes[p];
                    p += 1;
                    match kind {
                        0 => {
                            leb(bytes, &mut p)?;
                            imported_functions += 1;
                        }
                        1 => {
                            p += 1;
                            let flags = bytes[p];
                            p += 1;
                            leb(bytes, &mut p)?;
                            if flags & 1 == 1 {
                                leb(bytes, &mut p)?;
                            }
                        }
                        2 => {
                            let flags = bytes[p];
                            p += 1;
                            leb(bytes, &mut p)?;
                            if flags & 1 == 1 {
                                leb(bytes, &mut p)?;
                            }
                        }
                        _ => p += 2,
                    }
                }
            }
            10 => {
                for _ in 0..leb(bytes, &mut p)? {
                    let body_start = p;
                    let size = leb(bytes, &mut p)?;
                    p += size;
                    bodies.push(p - body_start);
                }
            }
            0 => {
                let name_len = leb(bytes, &mut p)?;
                if bytes.get(p..p + name_len) == Some(b"name") {
                    p += name_len;
                    while p < end {
                        let sub = bytes[p];
                        p += 1;
                        let sub_len = leb(bytes, &mut p)?;
                        let sub_end = p + sub_len;
                        if sub == 1 {
                            for _ in 0..leb(bytes, &mut p)? {
                                let index = leb(bytes, &mut p)?;
                                let l = leb(bytes, &mut p)?;
                                let name = String::from_utf8_lossy(bytes.get(p..p + l)?);
                                names.insert(index, name.into_owned());
                                p += l;
                            }
                        }
                        p = sub_end;
                    }
                }
            }
            _ => {}
        }
        at = end;
    }
    if names.is_empty() {
        return None;
    }
    Some(
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, size)| {
                let name = names
                    .remove(&(i + imported_functions))
                    .unwrap_or_else(|| format!("function {i}"));
                (name, size)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_demangle_groups_by_crate() {
        let name = demangle("_ZN14reactive_graph5owner5Owner4with17h0123456789abcdefE");
        assert_eq!(name, "reactive_graph::owner::Owner::with");
        assert_eq!(crate_of(&name), "reactive_graph");
        let name = demangle("_ZN53_$LT$T$u20$as$u20$tachys..view..any_view..IntoAny$GT$8into_any17h0123456789abcdefE");
        assert_eq!(name, "<T as tachys::view::any_view::IntoAny>::into_any");
        assert_eq!(crate_of(&name), "tachys");
        assert_eq!(crate_of("<app::users::X as serde::Deserialize>::f"), "app");
    }
}
