// IT Administration → Manage Credentials and Manage OAuth, against the Salesforce stand-in
// that scripts/e2e-server.sh starts on STEWARD_E2E_SF_PORT (3190).
import { test, expect, open, uniqueEmail, createAdministrator, BASE_URL } from "./support";

const STANDIN = `http://127.0.0.1:${process.env.STEWARD_E2E_SF_PORT ?? "3190"}`;
const CONSUMER_SECRET = "standin-consumer-secret";

/** The raw HTML the server sends for `path` (what "view source" shows). */
async function source(page: import("@playwright/test").Page, path: string) {
  const response = await page.request.get(`${BASE_URL}${path}`);
  expect(response.status()).toBe(200);
  return await response.text();
}

test("credentials: save, only the fingerprint shows, overwrite, delete", async ({ page }) => {
  await createAdministrator(page, uniqueEmail("admin"));
  await open(page, "/settings/it/credentials");
  await expect(page.getByRole("heading", { name: "Manage Credentials" })).toBeVisible();
  const stripe = page.locator("#credentials-stripe");
  await expect(stripe.locator("[data-testid=credential-unset]")).toBeVisible();

  // A refused value: the sentence sits beside the field (needs JavaScript to show in place).
  const first = "rk_test_FIRSTVALUE0000aaaa";
  await stripe.getByLabel("Restricted key").fill("sk_live_notarestrictedkey000");
  await stripe.getByRole("button", { name: "Save" }).click();
  if (test.info().project.name === "hydrated") {
    await expect(stripe.getByText(/starts with rk_live_ or rk_test_/)).toBeVisible();
  }
  await stripe.getByLabel("Restricted key").fill(first);
  await stripe.getByRole("button", { name: "Save" }).click();
  await expect(stripe.locator("[data-testid=credential-set]")).toContainText("…aaaa");
  await expect(stripe.locator("[data-testid=credential-set]")).toContainText("Set by");
  await expect(stripe.getByLabel("Restricted key")).toHaveValue("");
  expect(await page.content()).not.toContain(first);
  expect(await source(page, "/settings/it/credentials")).not.toContain(first);

  const second = "rk_test_SECONDVALUE000bbbb";
  await stripe.getByLabel("Restricted key").fill(second);
  await stripe.getByRole("button", { name: "Overwrite" }).click();
  await expect(stripe.locator("[data-testid=credential-set]")).toContainText("…bbbb");
  const html = await source(page, "/settings/it/credentials");
  expect(html).not.toContain(second);
  expect(html).not.toContain(first);

  // Delete asks first; twice in a row, so nothing of the first answer stays behind.
  for (const value of [second, "rk_test_THIRDVALUE0000cccc"]) {
    if (value !== second) {
      await stripe.getByLabel("Restricted key").fill(value);
      await stripe.getByRole("button", { name: "Save" }).click();
      await expect(stripe.locator("[data-testid=credential-set]")).toContainText("…cccc");
    }
    await expect(stripe.getByRole("button", { name: "Delete credentials" })).toBeHidden();
    await stripe.getByText("Delete Stripe credentials").click();
    await expect(stripe.getByText("They cannot be shown or restored")).toBeVisible();
    await stripe.getByRole("button", { name: "Delete credentials" }).click();
    await expect(stripe.locator("[data-testid=credential-unset]")).toBeVisible();
    await expect(stripe.getByText("Delete Stripe credentials")).toHaveCount(0);
  }
});

test("Manage OAuth: deny, then allow against the stand-in (My Domain on loopback), then disconnect", async ({ page }) => {
  await createAdministrator(page, uniqueEmail("admin"));
  await open(page, "/settings/it/oauth");
  await expect(page.locator("[data-testid=app-missing]")).toBeVisible();
  await expect(page.locator("[data-testid=callback-url]")).toHaveText(`${BASE_URL}/oauth/salesforce/callback`);

  await open(page, "/settings/it/credentials");
  const app = page.locator("#credentials-salesforce_connected_app");
  await app.getByLabel("Consumer key").fill("standin-consumer-key");
  await app.getByLabel("Consumer secret").fill(CONSUMER_SECRET);
  await app.getByRole("button", { name: "Save" }).click();
  await expect(app.locator("[data-testid=credential-set]")).toContainText("…cret");
  expect(await source(page, "/settings/it/credentials")).not.toContain(CONSUMER_SECRET);

  const authorize = async (decision: "Allow" | "Deny") => {
    await open(page, "/settings/it/oauth");
    await expect(page.locator("[data-testid=app-in-use]")).toContainText("Manage Credentials");
    await page.getByLabel("Provider").selectOption({ label: "Salesforce with a My Domain URL" });
    await page.getByLabel("My Domain URL").fill(STANDIN);
    await page.getByRole("button", { name: "Authorize provider" }).click();
    await expect(page).toHaveURL(new RegExp(`^${STANDIN}/services/oauth2/authorize`));
    await page.getByLabel("Username").fill("admin@standin.example");
    await page.getByLabel("Password").fill("standin-password");
    await page.getByRole("button", { name: decision }).click();
    await expect(page).toHaveURL(/\/settings\/it\/oauth\?/);
  };

  await authorize("Deny");
  await expect(page.locator("[data-testid=oauth-error]")).toContainText("access was denied");

  await authorize("Allow");
  await expect(page.getByText("Salesforce is connected.")).toBeVisible();
  await expect(page.locator("[data-testid=sf-username]")).toHaveText("admin@standin.example");
  await expect(page.locator("[data-testid=oauth-connection]")).toContainText("Connected");

  await open(page, "/settings/it/source-overview");
  await expect(page.locator("[data-testid=sources-table]")).toContainText("Salesforce");

  await open(page, "/settings/it/oauth");
  await page.getByRole("button", { name: "Disconnect" }).click();
  if (test.info().project.name === "hydrated") {
    await expect(page.locator("[data-testid=oauth-disconnected]")).toContainText("Salesforce revoked the token");
  }
  await open(page, "/settings/it/oauth");
  await expect(page.locator("[data-testid=oauth-connection]")).toContainText("Revoked");
  await expect(page.getByRole("button", { name: "Disconnect" })).toHaveCount(0);
});
