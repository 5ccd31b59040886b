// `steward-bench hydration` (part of `make bench`): time from navigation to the app's
// `data-hydrated` mark in headless Chromium, for the sign-in page and the Users page, on a
// first visit (empty cache) and a repeat visit (same browser), beside a static HTML page of
// the same server loaded the same way. Prints figures, asserts nothing.
//
// Runs the release build (STEWARD_BIN, default target/release/steward) on a copy of the
// built site with a fresh SQLite database, on 127.0.0.1:STEWARD_BENCH_PORT (default 3190).
const { chromium } = require("@playwright/test");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { ROOT, buildHashFile, startSteward } = require("../steward_server");

const RUNS = Number(process.env.STEWARD_BENCH_RUNS ?? 5);
const port = Number(process.env.STEWARD_BENCH_PORT ?? 3190);
let base = "";
const PASSWORD = "quiet lantern orbit meadow";
const launch = {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

// Before any script of the page: note when <body> gets data-hydrated (ms since navigation start).
const HOOK = `(() => {
  new MutationObserver((_, observer) => {
    if (document.body && document.body.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
})();`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function hydratedAt(page, url) {
  await page.goto(base + url);
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => window.__hydratedAt);
}

async function loadedAt(page, url) {
  await page.goto(base + url);
  await page.waitForLoadState("load");
  return page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd);
}

/** First and repeat visit, RUNS times each in a fresh browser context (empty cache). */
async function measure(browser, storageState, visit) {
  const first = [], repeat = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ storageState });
    await context.addInitScript(HOOK);
    const page = await context.newPage();
    first.push(await visit(page));
    repeat.push(await visit(page));
    await context.close();
  }
  return [median(first), median(repeat)];
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "steward-hydration-"));
  const site = path.join(scratch, "site");
  fs.cpSync(path.join(ROOT, "target", "site"), site, { recursive: true });
  const css = fs.readdirSync(path.join(site, "pkg")).find((n) => n.endsWith(".css"));
  fs.writeFileSync(path.join(site, "static.html"),
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Static</title>` +
    `<link rel="stylesheet" href="/pkg/${css}"></head><body><main><h1>Static page</h1>` +
    `<p>The same server, no WASM.</p></main></body></html>`);
  const server = await startSteward({ port, scratch, site, hashFile: fs.existsSync(buildHashFile) ? buildHashFile : "" });
  base = server.base;
  const log = server.log;
  const browser = await chromium.launch(launch);
  try {
    let link;
    for (let i = 0; i < 150 && !link; i++) {
      await new Promise((r) => setTimeout(r, 200));
      link = fs.readFileSync(log, "utf8").match(new RegExp(`${base}/setup/\\S+`))?.[0];
    }
    if (!link) throw new Error(`no setup link in the server log:\n${fs.readFileSync(log, "utf8")}`);

    // An administrator, signed in: the Users page needs a session.
    const setup = await browser.newContext();
    const page = await setup.newPage();
    await page.goto(link);
    await page.locator("body[data-hydrated]").waitFor();
    await page.getByLabel("Organisation name").fill("Bench");
    await page.getByLabel("Your email").fill("bench@example.com");
    await page.getByLabel("Your name").fill("Bench Admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Finish set-up" }).click();
    await page.getByRole("heading", { name: "Management Center" }).waitFor();
    const signedIn = await setup.storageState();
    await setup.close();

    const rows = [
      ["static HTML page (load event)", await measure(browser, undefined, (p) => loadedAt(p, "/static.html")), "(baseline)"],
      ["sign-in page (data-hydrated)", await measure(browser, undefined, (p) => hydratedAt(p, "/sign-in")), ""],
      ["Users page (data-hydrated)", await measure(browser, signedIn, (p) => hydratedAt(p, "/settings/users")), ""],
    ];
    const staticFirst = rows[0][1][0], staticRepeat = rows[0][1][1];
    console.log(`\nPage load to hydration in headless Chromium (loopback, median of ${RUNS} fresh browser contexts)`);
    console.log(`  ${"".padEnd(34)} ${"first visit".padStart(12)} ${"repeat visit".padStart(13)}`);
    for (const [name, [first, repeat], note] of rows) {
      const ratio = note ? note : `ratio ${(first / staticFirst).toFixed(1)}x / ${(repeat / staticRepeat).toFixed(1)}x`;
      console.log(`  ${name.padEnd(34)} ${first.toFixed(1).padStart(9)} ms ${repeat.toFixed(1).padStart(10)} ms   ${ratio}`);
    }
  } finally {
    await browser.close();
    server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
