// The browser keeps the hashed bundle: a second visit loads no WASM or JS over the network,
// and a new build (new file names in the HTML) is fetched by the next page. Lazy pages
// (app/src/lazy_pages.rs) load their group's file once, named in the page's preload links.
//
// This spec runs its own Steward (port STEWARD_E2E_PORT + 11) on a copy of the built site,
// so it can put a "rebuilt" bundle on disk without touching the shared server's files.
import { randomBytes } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CDPSession, Page } from "@playwright/test";
import { buildHashFile, startSteward } from "../steward_server";
import { createAdministrator, expect, open, PORT, ROOT, test, uniqueEmail, watch } from "./support";

let scratch = "";
let base = "";
let stop = () => {};

test.beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "steward-cache-"));
  const site = path.join(scratch, "site");
  cpSync(path.join(ROOT, "target", "site"), site, { recursive: true });
  copyFileSync(buildHashFile, path.join(site, "hash.txt"));
  ({ base, stop } = await startSteward({ port: Number(PORT) + 11, scratch, site, hashFile: path.join(site, "hash.txt") }));
});

test.afterAll(async () => {
  stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

type Load = { url: string; fromNetwork: boolean; status: number };

/** Records how each WASM and JS file of the bundle reached the page: network or cache. */
async function bundleLoads(cdp: CDPSession, visit: () => Promise<void>): Promise<Load[]> {
  const urls = new Map<string, string>();
  const cached = new Set<string>();
  const loads: Load[] = [];
  const sent = (e: any) => urls.set(e.requestId, e.request.url);
  const fromCache = (e: any) => cached.add(e.requestId);
  const received = (e: any) => {
    const url: string = e.response.url;
    if (!/\/pkg\/.*\.(wasm|js)$/.test(new URL(url).pathname)) return;
    const fromCacheFlag = e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromServiceWorker;
    loads.push({ url, fromNetwork: !fromCacheFlag && !cached.has(e.requestId), status: e.response.status });
  };
  cdp.on("Network.requestWillBeSent", sent);
  cdp.on("Network.requestServedFromCache", fromCache);
  cdp.on("Network.responseReceived", received);
  await visit();
  cdp.off("Network.requestWillBeSent", sent);
  cdp.off("Network.requestServedFromCache", fromCache);
  cdp.off("Network.responseReceived", received);
  return loads;
}

async function visitSignIn(page: Page) {
  await page.goto(`${base}/sign-in`);
  await page.waitForLoadState("load");
  await page.locator("body[data-hydrated]").waitFor({ timeout: 15_000 });
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

test("a second visit takes the bundle from the cache; a new build is fetched", async ({ browser, errors }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the bundle is loaded only when JavaScript runs");
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  watch(page, errors);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");

  const first = await bundleLoads(cdp, () => visitSignIn(page));
  // The main bundle, the lazy-route loader (`__wasm_split.<hash>.js`) and any chunk all
  // carry a content hash in their names.
  const hashed = (load: Load) => /\/pkg\/[A-Za-z0-9_]+\.[A-Za-z0-9_-]{22}\.(wasm|js)$/.test(load.url);
  expect(first.filter((l) => l.url.endsWith(".wasm") && l.fromNetwork && l.status === 200).length, "first visit fetches the WASM").toBe(1);
  expect(first.filter((l) => l.url.endsWith(".js") && l.fromNetwork && l.status === 200).length, "first visit fetches the JS").toBeGreaterThan(0);
  expect(first.every(hashed), `hashed names: ${first.map((l) => l.url)}`).toBe(true);

  // A second page in the same browser: the hashed files are immutable for a year.
  const second = await bundleLoads(cdp, () => visitSignIn(page));
  expect(second.filter((l) => l.fromNetwork), "nothing of the bundle came over the network").toEqual([]);

  // A rebuilt bundle, as `cargo leptos build` leaves it: every file the hash file lists
  // under a new hash (the main JS and WASM, the CSS, the lazy-route loader and its
  // manifest), the files naming each other by their new names (the JS imports, and the
  // WASM's import module names: same length, so a byte swap keeps it valid), and the hash
  // file saying so. The next page names the new files and loads them.
  const site = path.join(scratch, "site");
  const pkg = path.join(site, "pkg");
  const hashFile = path.join(site, "hash.txt");
  let hashes = readFileSync(hashFile, "utf8");
  const renames = [...hashes.matchAll(/^(\w+):\s*(\S+)$/gm)].map((m) => [m[2], randomBytes(16).toString("base64url")]);
  expect(renames.length, "the hash file names at least js, wasm and css").toBeGreaterThanOrEqual(3);
  const rename = (text: string) => renames.reduce((t, [oldHash, newHash]) => t.replaceAll(oldHash, newHash), text);
  for (const name of readdirSync(pkg)) {
    // The rewritten files are served uncompressed: no .br/.gz for the new names.
    if (!renames.some(([oldHash]) => name.includes(oldHash)) || /\.(br|gz)$/.test(name)) continue;
    const bytes = readFileSync(path.join(pkg, name)).toString("latin1");
    writeFileSync(path.join(pkg, rename(name)), Buffer.from(rename(bytes), "latin1"));
  }
  hashes = rename(hashes);
  writeFileSync(hashFile, hashes);
  const oldHashes = renames.map(([oldHash]) => oldHash);
  const newHashes = renames.map(([, newHash]) => newHash);

  const third = await bundleLoads(cdp, () => visitSignIn(page));
  expect(third.filter((l) => oldHashes.some((h) => l.url.includes(h))), "the old bundle is not used").toEqual([]);
  const fresh = third.filter((l) => newHashes.some((h) => l.url.includes(h)) && l.fromNetwork && l.status === 200);
  expect(fresh.filter((l) => l.url.endsWith(".wasm")).length, "the new WASM came over the network").toBe(1);
  expect(fresh.filter((l) => l.url.endsWith(".js")).length, "the new JS came over the network").toBeGreaterThan(0);
  const newCss = hashes.match(/^css:\s*(\S+)$/m)![1];
  await expect(page.locator(`link[rel=stylesheet][href*="${newCss}"]`)).toHaveCount(1);

  expect(errors, "console and page errors").toEqual([]);
  await context.close();
});

test("a lazy page loads its group's files once, and the page names them for preloading", async ({ browser, errors }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the bundle is loaded only when JavaScript runs");
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  watch(page, errors);
  await createAdministrator(page, uniqueEmail("lazy"));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const group = /\/pkg\/split_it_administration_group_\w+\.[A-Za-z0-9_-]{22}\.wasm$/;

  // The first IT Administration page opened directly: its group's file comes over the
  // network, and the server-rendered page asked for it in a preload link.
  const first = await bundleLoads(cdp, () => open(page, "/settings/it/api-status"));
  await expect(page.getByRole("heading", { name: "API Status" })).toBeVisible();
  expect(first.filter((l) => group.test(l.url) && l.status === 200).length, `the group's file was loaded: ${first.map((l) => l.url)}`).toBeGreaterThan(0);
  const preloads = await page.locator("link[rel=preload][as=fetch]").evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
  expect(preloads.some((href) => group.test(href)), `preload links: ${preloads}`).toBe(true);

  // Another page of the same group, opened directly, and then the first one again by a link:
  // nothing of the bundle comes over the network.
  const second = await bundleLoads(cdp, () => open(page, "/settings/it/source-overview"));
  await expect(page.getByRole("heading", { name: "Source Overview" })).toBeVisible();
  expect(second.filter((l) => l.fromNetwork), "the group's file came from the cache").toEqual([]);
  const third = await bundleLoads(cdp, async () => {
    await page.goto(`${new URL(page.url()).origin}/settings/it/api-status`);
    await page.locator("body[data-hydrated]").waitFor({ timeout: 15_000 });
  });
  await expect(page.getByRole("heading", { name: "API Status" })).toBeVisible();
  expect(third.filter((l) => l.fromNetwork), "nothing came over the network").toEqual([]);

  expect(errors, "console and page errors").toEqual([]);
  await context.close();
});
