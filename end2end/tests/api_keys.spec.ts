// IT Administration → Source Overview: API keys are shown once, then only masked.
import { test, expect, open, uniqueEmail, createAdministrator } from "./support";

test.beforeEach(async ({}, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the key dialogs need JavaScript");
});

test("create an account key and an event key, rotate one and revoke the other", async ({ page }) => {
  await createAdministrator(page, uniqueEmail("admin"));
  await page.getByRole("link", { name: /IT Administration: Source Overview/ }).click();
  await expect(page).toHaveURL(/\/settings\/it\/source-overview$/);
  await expect(page.getByRole("heading", { name: "Source Overview" })).toBeVisible();

  await page.getByRole("button", { name: "New key" }).click();
  let dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByText(/Enter|name/i).first()).toBeVisible();
  await dialog.getByLabel("Kind").selectOption({ label: "Account API key" });
  await dialog.getByLabel("Name").fill("Billing sync");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const accountKey = await dialog.getByTestId("new-api-key").inputValue();
  expect(accountKey).toMatch(/^stw_acct_[A-Za-z0-9_-]{40,}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  const accountRow = page.locator("tr", { hasText: "Billing sync" });
  await expect(accountRow).toContainText(accountKey.slice(-4));
  await expect(page.locator("body")).not.toContainText(accountKey);

  await page.getByRole("button", { name: "New key" }).click();
  dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Kind").selectOption({ label: "Usage Event API key" });
  await dialog.getByLabel("Name").fill("Web app events");
  await dialog.getByRole("button", { name: "Create key" }).click();
  expect(await dialog.getByTestId("new-auth-key").inputValue()).toMatch(/^stw_evauth_/);
  expect(await dialog.getByTestId("new-api-key").inputValue()).toMatch(/^stw_evapi_/);
  await dialog.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Rotate Billing sync" }).click();
  dialog = page.getByRole("dialog", { name: "Rotate API key" });
  await dialog.getByLabel("Overlap (days)").fill("7");
  await dialog.getByRole("button", { name: "Rotate key" }).click();
  const rotated = await dialog.getByTestId("new-api-key").inputValue();
  expect(rotated).not.toEqual(accountKey);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.locator("tr", { hasText: "Billing sync (rotated)" })).toContainText("Active");
  await expect(page.locator("tr", { hasText: accountKey.slice(-4) })).toContainText("Expires");

  await page.getByRole("button", { name: "Revoke Web app events" }).click();
  await page.getByRole("dialog", { name: "Revoke API key" }).getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByText("Key revoked.")).toBeVisible();
  await expect(page.locator("tr", { hasText: "Web app events" })).toContainText("Revoked");

  await open(page, "/settings/audit?target=Billing");
  await expect(page.locator("tbody tr").first()).toBeVisible();
});
