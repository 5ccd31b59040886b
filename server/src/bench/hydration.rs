//! Page load to hydration in headless Chromium: `end2end/bench/hydration.js` (Playwright,
//! from the end-to-end packages) drives the browser against the release build; this section
//! only runs it. Prints figures; asserts nothing.
pub fn run() {
    let status = std::process::Command::new("node")
        .arg("bench/hydration.js")
        .current_dir("end2end")
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            println!("  hydration timing failed ({s}); needs `make build` and `make test-tools`")
        }
        Err(e) => println!("  hydration timing not run: node: {e}"),
    }
}
