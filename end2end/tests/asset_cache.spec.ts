// The browser keeps the hashed bundle: a second visit loads no WASM or JS over the network,
// and a new build (new file names in the HTML) is fetched by the next page.
//
// This spec runs its own Steward (port STEWARD_E2E_PORT + 11) on a copy of the built site,
// so it can put a "rebuilt" bundle on disk without touching the shared server's files.
import { randomBytes } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CDPSession, Page } from "@playwright/test";
import { buildHashFile, startSteward } from "../steward_server";
import { expect, PORT, ROOT, test, watch } from "./support";

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
  const hashed = (load: Load) => /\/pkg\/steward\.[A-Za-z0-9_-]{22}\.(wasm|js)$/.test(load.url);
  expect(first.filter((l) => l.url.endsWith(".wasm") && l.fromNetwork && l.status === 200).length, "first visit fetches the WASM").toBe(1);
  expect(first.filter((l) => l.url.endsWith(".js") && l.fromNetwork && l.status === 200).length, "first visit fetches the JS").toBeGreaterThan(0);
  expect(first.every(hashed), `hashed names: ${first.map((l) => l.url)}`).toBe(true);

  // A second page in the same browser: the hashed files are immutable for a year.
  const second = await bundleLoads(cdp, () => visitSignIn(page));
  expect(second.filter((l) => l.fromNetwork), "nothing of the bundle came over the network").toEqual([]);

  // A rebuilt bundle: the same files under a new hash, and the hash file saying so, as
  // `cargo leptos build` leaves them. The next page names the new files and loads them.
  const site = path.join(scratch, "site");
  const hashFile = path.join(site, "hash.txt");
  let hashes = readFileSync(hashFile, "utf8");
  const renames = [...hashes.matchAll(/^(js|wasm|css):\s*(\S+)$/gm)].map((m) => [m[2], randomBytes(16).toString("base64url")]);
  expect(renames.length, "the hash file names js, wasm and css").toBe(3);
  for (const [oldHash, newHash] of renames) {
    for (const name of readdirSync(path.join(site, "pkg"))) {
      if (name.includes(oldHash)) copyFileSync(path.join(site, "pkg", name), path.join(site, "pkg", name.replace(oldHash, newHash)));
    }
    hashes = hashes.replaceAll(oldHash, newHash);
  }
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
