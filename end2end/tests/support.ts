// Shared helpers for the browser tests: error watching, hydration, setup links, TOTP.
import { test as base, expect, type Page, type Browser } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STATE = path.join(ROOT, "end2end", ".state");
/** The e2e server's port (scripts/e2e-server.sh): STEWARD_E2E_PORT, default 3100. */
export const PORT = process.env.STEWARD_E2E_PORT ?? "3100";
export const BASE_URL = `http://127.0.0.1:${PORT}`;
export const PASSWORD = "quiet lantern orbit meadow";

// Chromium logs every non-2xx fetch as a console error. Refusals a person can act on
// (wrong password, weak password, a taken name, "wait a minute") reach our client as 200
// (app/src/wire.rs), so a 400, 409 or 429 here is a fault and fails the test. Faults the
// tests provoke on purpose (a session that ended: 401; a refused page: 403; a missing one:
// 404) are expected. Anything else, 500s and hydration panics included, fails.
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of (401|403|404)/;

/** Collects console errors and page errors of `page` into `errors`. */
export function watch(page: Page, errors: string[]) {
  page.on("console", (message) => {
    if (message.type() === "error" && !EXPECTED_CONSOLE.test(message.text())) errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
}

/** Every test fails on any console or page error. */
export const test = base.extend<{ errors: string[] }>({
  errors: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, errors }, use) => {
    watch(page, errors);
    await use(page);
    expect(errors, "console and page errors").toEqual([]);
  },
});
export { expect };

/** Opens `url` and, when JavaScript runs, waits until the app has hydrated. */
export async function open(page: Page, url: string) {
  await page.goto(url);
  await settle(page);
}

/** Pages opened by `hydratedPage` run JavaScript whatever the project says. */
const hydratedPages = new WeakSet<Page>();

function runsJavaScript(page: Page) {
  return hydratedPages.has(page) || test.info().project.use.javaScriptEnabled !== false;
}

/** Waits for the page to load and, when JavaScript runs, to hydrate. */
export async function settle(page: Page) {
  await page.waitForLoadState("load");
  if (runsJavaScript(page)) await page.locator("body[data-hydrated]").waitFor({ timeout: 15_000 });
}

export function uniqueEmail(prefix: string) {
  return `${prefix}-${randomBytes(4).toString("hex")}@example.com`;
}

function stewardEnv() {
  return {
    ...process.env,
    STEWARD_CONFIG: path.join(ROOT, "Leptos.toml"),
    STEWARD_DATA_DIR: path.join(STATE, "data"),
    STEWARD_PUBLIC_URL: BASE_URL,
  };
}

/**
 * A setup link for a new administrator: the first-run link the server printed, the first
 * time it is asked for; after that one made with `steward org create`.
 */
export function setupLink(adminEmail: string): { link: string; firstRun: boolean } {
  const marker = path.join(STATE, "first-run-link-used");
  if (!existsSync(marker)) {
    writeFileSync(marker, "yes");
    const log = readFileSync(path.join(STATE, "server.log"), "utf8");
    const link = log.match(new RegExp(`http://127\\.0\\.0\\.1:${PORT}/setup/\\S+`))?.[0];
    if (!link) throw new Error(`no first-run link in the server log:\n${log}`);
    return { link, firstRun: true };
  }
  const output = execFileSync(
    path.resolve(ROOT, process.env.STEWARD_BIN ?? path.join("target", "release", "steward")),
    ["org", "create", "--name", `Org ${adminEmail.split("@")[0]}`, "--admin-email", adminEmail],
    { env: stewardEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines = output.trim().split("\n");
  return { link: lines[lines.length - 1], firstRun: false };
}

/** Completes a setup link in the browser; ends signed in on the Management Center. */
export async function createAdministrator(page: Page, email: string) {
  const { link, firstRun } = setupLink(email);
  await open(page, link);
  if (firstRun) {
    await expect(page.getByRole("heading", { name: "Create your organisation" })).toBeVisible();
    await page.getByLabel("Organisation name").fill(`Org of ${email}`);
    await page.getByLabel("Your email").fill(email);
  } else {
    await expect(page.getByRole("heading", { name: /^Join / })).toBeVisible();
  }
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Finish set-up" }).click();
  await expect(page.getByRole("heading", { name: "Management Center" })).toBeVisible();
  await settle(page);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await open(page, "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await settle(page);
}

/** Turns on two-factor sign-in for the signed-in user of `page` (needs JavaScript). */
export async function enableTwoFactor(page: Page): Promise<{ secret: string; codes: string[] }> {
  await open(page, "/settings/profile?tab=security");
  await expect(page.getByText("Two-factor sign-in is off")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  await expect(page.locator(".qr svg")).toBeVisible();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Enable two-factor sign-in" }).click();
  const list = page.getByTestId("recovery-codes");
  await expect(list.locator("li")).toHaveCount(10);
  const codes = (await list.locator("li").allInnerTexts()).map((c) => c.trim());
  await page.getByRole("button", { name: "I have saved these codes" }).click();
  await expect(page.getByText("10 of 10 recovery codes left.")).toBeVisible();
  return { secret, codes };
}

/** A JavaScript-enabled page in its own context, watched for errors like the main one. */
export async function hydratedPage(browser: Browser, errors: string[]) {
  const context = await browser.newContext({ javaScriptEnabled: true, baseURL: BASE_URL });
  const page = await context.newPage();
  hydratedPages.add(page);
  watch(page, errors);
  return page;
}

/** RFC 6238 code for a base32 secret, `offset` 30-second steps from now. */
export function totp(secret: string, offset = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

export type Mail = { to: string; subject: string; text: string; links: string[] };

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** Messages the SMTP sink (aiosmtpd, started by scripts/e2e-server.sh) received for `to`. */
export function mailFor(to: string): Mail[] {
  const dir = path.join(STATE, "mail", "new");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, stat: statSync(path.join(dir, name)) }))
    .sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs || a.name.localeCompare(b.name))
    .map(({ name }) => readFileSync(path.join(dir, name), "utf8"))
    .filter((raw) => new RegExp(`^To: .*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(raw))
    .map((raw) => {
      const subject = raw.match(/^Subject: (.*)$/m)?.[1]?.trim() ?? "";
      const text = decodeQuotedPrintable(raw);
      const links = [...text.matchAll(new RegExp(`http://127\\.0\\.0\\.1:${PORT}/[^\\s"<>]+`, "g"))].map((m) => m[0]);
      return { to, subject, text, links: [...new Set(links)] };
    });
}

/** Waits until `to` has received `count` messages; returns the newest. */
export async function waitForMail(to: string, count = 1): Promise<Mail> {
  for (let i = 0; i < 150; i++) {
    const mails = mailFor(to);
    if (mails.length >= count) return mails[mails.length - 1];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail #${count} for ${to} in 30 s`);
}

/** Invites `email` with `role` from the Users page of `admin`; returns the emailed link. */
export async function invite(admin: Page, email: string, role = "CSM"): Promise<string> {
  await open(admin, "/settings/users?tab=pending");
  await admin.getByRole("button", { name: "New users" }).click();
  const dialog = admin.getByRole("dialog", { name: "New users" });
  await dialog.getByLabel("Role").selectOption({ label: role });
  await dialog.getByLabel("Email addresses").fill(email);
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByTestId("invite-results")).toContainText("Invited");
  await dialog.getByRole("button", { name: "Done" }).click();
  const mail = await waitForMail(email);
  return mail.links.find((l) => l.includes("/setup/"))!;
}

/** Finishes set-up from `link` in `page`, which ends signed in. */
export async function join(page: Page, link: string, name: string) {
  await open(page, link);
  await expect(page.getByRole("heading", { name: /^Join / })).toBeVisible();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Finish set-up" }).click();
  await expect(page.getByRole("heading", { name: new RegExp(`Welcome, ${name.split(" ")[0]}`) })).toBeVisible();
  await settle(page);
}

/** Opens the Actions menu of the row for `email` and picks `item`. */
export async function rowAction(page: Page, email: string, item: string) {
  await page.locator("tr", { hasText: email }).getByRole("button", { name: `Actions for ${email}` }).click();
  await page.getByRole("menu", { name: `Actions for ${email}` }).getByRole("menuitem", { name: item, exact: true }).click();
}

/** Creates an Account API key and an event key pair on Source Overview; returns them. */
export async function createApiKeys(page: Page) {
  await open(page, "/settings/it/source-overview");
  await page.getByRole("button", { name: "New key" }).click();
  let dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Kind").selectOption({ label: "Account API key" });
  await dialog.getByLabel("Name").fill("CRM sync");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const account = await dialog.getByTestId("new-api-key").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "New key" }).click();
  dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Kind").selectOption({ label: "Usage Event API key" });
  await dialog.getByLabel("Name").fill("Web app");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const auth = await dialog.getByTestId("new-auth-key").inputValue();
  const api = await dialog.getByTestId("new-api-key").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();
  return { account, auth, api };
}
