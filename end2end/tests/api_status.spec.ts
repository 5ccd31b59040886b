// IT Administration → API Status and API: a key made in the UI, API calls made with it (one
// with a bad record), the Partial row with its failure, filters kept in the URL; the API
// page's examples name this server.
import { test, expect, open, uniqueEmail, createAdministrator, createApiKeys, BASE_URL } from "./support";

test.describe("API Status", () => {
  test.beforeEach(async ({}, testInfo) => {
    test.skip(testInfo.project.name === "no-javascript", "keys are created in a dialog (JavaScript)");
  });

  test("a call with a bad record shows as Partial and opens to its failure", async ({ page, request }) => {
    await createAdministrator(page, uniqueEmail("apistatus"));
    await page.getByRole("link", { name: /IT Administration: API Status/ }).click();
    await expect(page).toHaveURL(/\/settings\/it\/api-status$/);
    await expect(page.getByText("No API calls yet")).toBeVisible();

    const keys = await createApiKeys(page);
    const upsert = await request.post(`/api/v2/accounts?api_key=${keys.account}`, {
      data: {
        records: [
          { account_id: "e2e-acme", name: "Acme", join_date: 1735689600000 },
          { account_id: "e2e-broken", name: "No join date" },
        ],
      },
    });
    expect(upsert.status()).toBe(200);
    const answer = await upsert.json();
    expect(answer.status_is_ok).toBe(true);
    expect(answer.failed_results).toHaveLength(1);

    const now = Date.now();
    const events = await request.post(`/v1/${keys.auth}/${keys.api}`, {
      headers: { "Content-Type": "application/json" },
      data: `{"action":"feature","account_id":"e2e-acme","user_id":"ada","created_at":${now},"feature":"Export"}\n`,
    });
    expect(events.status()).toBe(200);
    const refused = await request.get("/api/v2/accounts?api_key=stw_acct_not-a-real-key");
    expect(refused.status()).toBe(401);

    await open(page, "/settings/it/api-status");
    const partial = page.locator("tr.api-call", { hasText: "Partial" });
    await expect(partial).toHaveCount(1);
    await expect(partial).toContainText("POST");
    await expect(partial).toContainText("/api/v2/accounts?api_key=[redacted]");
    await expect(partial).toContainText("2 received · 1 failed");
    await expect(partial).toContainText("CRM sync");
    const success = page.locator("tr.api-call", { hasText: "Event API" });
    await expect(success).toContainText("Success");
    await expect(success).toContainText("/v1/{authKey}/{apiKey}");
    await expect(page.locator("body")).not.toContainText(keys.account);
    await expect(page.locator("body")).not.toContainText(keys.api);

    const failure = page.getByText("Missing/invalid required field(s) for Accounts insert: 'join_date'");
    await expect(failure).toBeHidden();
    await partial.getByRole("button", { name: "Show failures" }).click();
    await expect(failure).toBeVisible();
    await expect(page.locator("tr.call-detail").getByText("e2e-broken")).toBeVisible();
    await partial.getByRole("button", { name: "Hide failures" }).click();
    await expect(failure).toBeHidden();

    await page.getByLabel("Status").selectOption({ label: "Partial" });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/status=partial/);
    await expect(page.locator("tr.api-call")).toHaveCount(1);
    await page.getByLabel("Endpoint").selectOption("/v1/{authKey}/{apiKey}");
    await page.getByLabel("Status").selectOption({ label: "Any status" });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/endpoint=%2Fv1%2F/);
    await expect(page.locator("tr.api-call")).toHaveCount(1);
    await expect(page.locator("tr.api-call")).toContainText("Event API");

    // The filters live in the URL: reloading keeps them.
    await page.reload();
    await expect(page.getByLabel("Endpoint")).toHaveValue("/v1/{authKey}/{apiKey}");
    await expect(page.locator("tr.api-call")).toHaveCount(1);
  });
});

test("the API page shows this server's addresses and copyable examples", async ({ page }, testInfo) => {
  await createAdministrator(page, uniqueEmail("apidocs"));
  await open(page, "/settings/it/api");
  await expect(page.getByRole("heading", { name: "API", exact: true })).toBeVisible();
  await expect(page.getByText(`${BASE_URL}/api/v2`, { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Create accounts in bulk" })).toBeVisible();
  await expect(page.locator("pre", { hasText: "Content-Encoding: gzip" })).toBeVisible();
  const copies = page.getByRole("button", { name: "Copy to clipboard" });
  await expect(copies).toHaveCount(7);
  const doc = await page.request.get("/api/openapi.json");
  expect(doc.status()).toBe(200);
  const json = await doc.json();
  expect(json.paths["/api/v2/accounts"].post).toBeTruthy();
  if (testInfo.project.name !== "no-javascript") {
    // Once clicked, the button is named "Copied" (and `copies` no longer finds it).
    await copies.first().click();
    await expect(page.getByRole("button", { name: "Copied" })).toHaveCount(1);
    await expect(copies).toHaveCount(6);
  }
});
