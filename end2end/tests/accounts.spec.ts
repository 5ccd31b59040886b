// The Accounts pages fed by the public APIs: a key made on Source Overview (or with the
// CLI), accounts and events pushed over HTTP, then found in the list views and on the
// account page (usage after the rollup), and a CSM assigned by hand.
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { test, expect, open, settle, uniqueEmail, createAdministrator, ROOT, STATE, BASE_URL } from "./support";

const DAY = 86_400_000;

/** Creates a key of `kind` on Source Overview; answers [api key] or [auth key, api key]. */
async function createKeyInUi(page: Page, kind: "account" | "event", name: string): Promise<string[]> {
  await open(page, "/settings/it/source-overview");
  await page.getByRole("button", { name: "New key" }).click();
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Kind").selectOption({ label: kind === "account" ? "Account API key" : "Usage Event API key" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create key" }).click();
  const apiKey = await dialog.getByTestId("new-api-key").inputValue();
  const keys = kind === "event" ? [await dialog.getByTestId("new-auth-key").inputValue(), apiKey] : [apiKey];
  await dialog.getByRole("button", { name: "Done" }).click();
  return keys;
}

/** An Account API key made with `steward api-key create` (for runs without JavaScript). */
function createAccountKeyWithCli(org: string): string {
  const output = execFileSync(
    path.join(ROOT, "target", "release", "steward"),
    ["api-key", "create", "--org", org, "--kind", "account", "--name", "e2e accounts"],
    {
      env: {
        ...process.env,
        STEWARD_CONFIG: path.join(ROOT, "Leptos.toml"),
        STEWARD_DATA_DIR: path.join(STATE, "data"),
        STEWARD_PUBLIC_URL: BASE_URL,
      },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines = output.trim().split("\n");
  return lines[lines.length - 1].trim();
}

/** Three accounts: Alpha (assigned to `csm` by the API), Bravo (churned), Charlie (no CSM). */
async function pushAccounts(request: APIRequestContext, key: string, csm: string, prefix: string) {
  const now = Date.now();
  const response = await request.post(`/api/v2/accounts?api_key=${encodeURIComponent(key)}`, {
    data: {
      records: [
        {
          account_id: `${prefix}/Alpha`,
          name: `${prefix} Alpha`,
          join_date: now - 300 * DAY,
          renewal_date: now + 45 * DAY,
          current_mrr: 1250.5,
          current_stage: "Adoption",
          tier: "Gold",
          assigned_csms: [{ email: csm }],
          custom_label_dimensions: [{ key: "plan", value: "Enterprise" }],
        },
        { account_id: `${prefix}/Bravo`, name: `${prefix} Bravo`, join_date: now - 200 * DAY, is_churned: true },
        { account_id: `${prefix}/Charlie`, name: `${prefix} Charlie`, join_date: now - 100 * DAY, current_mrr: 99 },
      ],
    },
  });
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.status_is_ok, JSON.stringify(body)).toBe(true);
  expect(body.failed_results).toEqual([]);
}

test("accounts pushed with keys made on Source Overview show up, with usage and a hand-assigned CSM", async ({
  page,
  request,
}, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the key dialogs need JavaScript");
  test.setTimeout(300_000);
  const email = uniqueEmail("accounts");
  const prefix = `E2E-${Date.now().toString(36)}`;
  await createAdministrator(page, email);

  const [accountKey] = await createKeyInUi(page, "account", "CRM sync");
  const [authKey, eventKey] = await createKeyInUi(page, "event", "Product events");

  await test.step("push accounts, contacts, users, an interaction and events over HTTP", async () => {
    await pushAccounts(request, accountKey, email, prefix);
    const contacts = await request.post(`/api/v2/account_contacts?api_key=${encodeURIComponent(accountKey)}`, {
      data: {
        records: [
          { user_id: "c-1", account_id: `${prefix}/Alpha`, first_name: "Grace", last_name: "Hopper", email: "grace@example.com" },
        ],
      },
    });
    expect((await contacts.json()).failed_results).toEqual([]);
    const users = await request.post(`/api/v2/account_users?api_key=${encodeURIComponent(accountKey)}`, {
      data: {
        records: [
          { user_id: "u-1", account_id: `${prefix}/Alpha`, first_name: "Linus", email: "linus@example.com" },
          { user_id: "u-2", account_id: `${prefix}/Alpha`, first_name: "Ada", email: "ada@example.com" },
        ],
      },
    });
    expect((await users.json()).failed_results).toEqual([]);
    const interactions = await request.post(`/api/v2/interactions?api_key=${encodeURIComponent(accountKey)}`, {
      data: {
        records: [
          {
            interaction_id: "i-1",
            account_id: `${prefix}/Alpha`,
            date: Date.now() - DAY,
            type: "meeting",
            subject: "Quarterly review",
            description: "Went well",
            contact_email: "grace@example.com",
          },
        ],
      },
    });
    expect((await interactions.json()).failed_results).toEqual([]);

    const now = Date.now();
    const lines = [
      { action: "feature", account_id: `${prefix}/Alpha`, user_id: "u-1", created_at: now - 20 * 60_000, module: "reports", feature: "export" },
      { action: "feature", account_id: `${prefix}/Alpha`, user_id: "u-1", created_at: now - 15 * 60_000, module: "reports", feature: "export" },
      { action: "feature", account_id: `${prefix}/Alpha`, user_id: "u-2", created_at: now - 10 * 60_000, module: "search", feature: "find" },
    ].map((event) => JSON.stringify(event));
    const events = await request.post(`/v1/${authKey}/${eventKey}`, {
      data: lines.join("\n"),
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(events.status()).toBe(200);
    expect((await events.json()).accepted).toBe(3);
  });

  await test.step("the list: views, counts, search and sort", async () => {
    await page.getByRole("link", { name: "Accounts", exact: true }).click();
    await expect(page).toHaveURL(/\/accounts$/);
    await settle(page);
    await expect(page.getByRole("heading", { name: "Accounts" })).toBeVisible();
    await expect(page.getByRole("link", { name: /^All\s+3$/ })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Active\s+2$/ })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Churned\s+1$/ })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Unassigned\s+2$/ })).toBeVisible();
    await expect(page.getByRole("link", { name: /^My accounts\s+1$/ })).toBeVisible();
    const alpha = page.getByRole("row").filter({ hasText: `${prefix} Alpha` });
    await expect(alpha).toContainText(`${prefix}/Alpha`);
    await expect(alpha).toContainText("1,250.5");
    await expect(alpha).toContainText("Adoption");
    await expect(alpha).toContainText("Ada Admin");
    await expect(page.getByRole("row").filter({ hasText: `${prefix} Bravo` })).toContainText("Churned");

    await page.getByRole("link", { name: /^Churned/ }).click();
    await expect(page).toHaveURL(/view=churned/);
    await settle(page);
    await expect(page.locator("tbody tr")).toHaveCount(1);
    await expect(page.locator("tbody")).toContainText(`${prefix} Bravo`);

    await page.getByRole("link", { name: /^My accounts/ }).click();
    await expect(page).toHaveURL(/view=mine/);
    await settle(page);
    await expect(page.locator("tbody tr")).toHaveCount(1);
    await expect(page.locator("tbody")).toContainText(`${prefix} Alpha`);

    await page.getByRole("link", { name: /^All/ }).click();
    await settle(page);
    await page.getByLabel("Search").fill("charlie");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/q=charlie/);
    await settle(page);
    await expect(page.locator("tbody tr")).toHaveCount(1);
    await page.getByRole("link", { name: "Clear" }).click();
    await settle(page);

    await page.getByRole("link", { name: /^MRR/ }).click();
    await expect(page).toHaveURL(/sort=mrr/);
    await settle(page);
    await expect(page.getByRole("columnheader", { name: /MRR ↑/ })).toHaveAttribute("aria-sort", "ascending");
    await expect(page.locator("tbody tr").first()).toContainText(`${prefix} Charlie`);
  });

  await test.step("the account page: CSM from the API, fields, people, interactions", async () => {
    await page.getByRole("row").filter({ hasText: `${prefix} Alpha` }).locator("td").nth(2).click();
    await expect(page).toHaveURL(/\/accounts\/\d+$/);
    await settle(page);
    await expect(page.getByRole("heading", { name: `${prefix} Alpha`, level: 1 })).toBeVisible();
    const csms = page.locator("section", { has: page.getByRole("heading", { name: "Assigned CSMs" }) });
    await expect(csms.locator(".csm-item", { hasText: "Ada Admin" })).toContainText("API");

    await page.getByRole("link", { name: "Fields & dimensions" }).click();
    await expect(page).toHaveURL(/tab=details/);
    await settle(page);
    await expect(page.locator("dl.account-fields")).toContainText("Gold");
    await expect(page.getByRole("row").filter({ hasText: "plan" })).toContainText("Enterprise");

    await page.getByRole("link", { name: /Contacts & users/ }).click();
    await settle(page);
    await expect(page.getByRole("row").filter({ hasText: "Grace Hopper" })).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: "linus@example.com" })).toBeVisible();

    await page.getByRole("link", { name: /^Interactions/ }).click();
    await settle(page);
    await expect(page.getByRole("row").filter({ hasText: "Quarterly review" })).toContainText("meeting");
  });

  await test.step("usage appears once the rollup has run", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await settle(page);
    const usage = page.locator("section", { has: page.getByRole("heading", { name: /^Usage/ }) });
    await expect(async () => {
      await page.reload();
      await settle(page);
      await expect(usage.locator(".stats")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 200_000, intervals: [2_000, 5_000, 10_000] });
    await expect(usage.locator(".stat", { hasText: "Active users" })).toContainText("2");
    await expect(usage.locator("svg rect")).toHaveCount(30);
    await expect(usage.locator(".top-features li").first()).toContainText("export");
  });

  await test.step("assign a CSM by hand, then unassign", async () => {
    await open(page, "/accounts?view=unassigned");
    await page.getByRole("link", { name: `${prefix} Charlie` }).click();
    await expect(page).toHaveURL(/\/accounts\/\d+$/);
    await settle(page);
    const csms = page.locator("section", { has: page.getByRole("heading", { name: "Assigned CSMs" }) });
    await expect(csms.getByText("No CSM assigned")).toBeVisible();
    await csms.getByLabel("Assign a CSM").selectOption({ label: `Ada Admin (${email})` });
    await csms.getByRole("button", { name: "Assign" }).click();
    await expect(page.getByText("CSM assigned.")).toBeVisible();
    await expect(csms.locator(".csm-item", { hasText: "Ada Admin" })).toContainText(/Manual \(by Ada Admin, \d{4}-\d{2}-\d{2}\)/);

    await csms.getByRole("button", { name: "Unassign Ada Admin" }).click();
    await expect(page.getByText("CSM unassigned.")).toBeVisible();
    await expect(csms.getByText("No CSM assigned")).toBeVisible();
    await expect(csms).toContainText("Unassigned by hand");

    await open(page, "/settings/audit");
    await expect(page.locator("tbody")).toContainText("Assigned CSM");
    await expect(page.locator("tbody")).toContainText("Unassigned CSM");
  });

  await test.step("the pushes are in API Status, under the keys' names", async () => {
    await open(page, "/settings/it/api-status");
    const accounts = page.locator("tr.api-call", { hasText: "/api/v2/accounts?api_key=[redacted]" });
    await expect(accounts.first()).toContainText("Success");
    await expect(accounts.first()).toContainText("CRM sync");
    const events = page.locator("tr.api-call", { hasText: "Event API" });
    await expect(events).toHaveCount(1);
    await expect(events).toContainText("3 received");
    await expect(events).toContainText("Product events");
  });
});

test("without JavaScript: search, sort, open an account and assign a CSM", async ({ page, request }, testInfo) => {
  test.skip(testInfo.project.name !== "no-javascript", "the hydrated run is the test above");
  const email = uniqueEmail("accounts-nojs");
  const prefix = `NOJS-${Date.now().toString(36)}`;
  await createAdministrator(page, email);
  const org = (await page.locator(".topnav-org").innerText()).trim();
  const key = createAccountKeyWithCli(org);
  await pushAccounts(request, key, email, prefix);

  await open(page, "/accounts");
  await expect(page.getByRole("link", { name: /^All\s+3$/ })).toBeVisible();
  await page.getByLabel("Search").fill("bravo");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=bravo/);
  await expect(page.locator("tbody tr")).toHaveCount(1);

  await open(page, "/accounts?sort=renewal");
  await expect(page.locator("tbody tr").first()).toContainText(`${prefix} Alpha`);

  await page.getByRole("link", { name: `${prefix} Charlie` }).click();
  await expect(page).toHaveURL(/\/accounts\/\d+$/);
  const csms = page.locator("section", { has: page.getByRole("heading", { name: "Assigned CSMs" }) });
  await csms.getByLabel("Assign a CSM").selectOption({ label: `Ada Admin (${email})` });
  await csms.getByRole("button", { name: "Assign" }).click();
  await expect(page).toHaveURL(/\/accounts\/\d+/);
  await expect(csms.locator(".csm-item", { hasText: "Ada Admin" })).toContainText("Manual (by Ada Admin");
});
