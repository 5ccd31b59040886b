// Keyboard and accessibility: axe-core (the engine behind most accessibility checkers)
// over every page, failing on serious and critical violations; dialogs take the focus, keep
// it, and give it back; a skip link leads to the main content.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect, open, uniqueEmail, createAdministrator, createApiKeys, invite } from "./support";

/** Runs axe on the page as it is now; fails listing each serious or critical violation. */
async function expectAccessible(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  expect(serious, `accessibility of ${where}`).toEqual([]);
}

test("signed-out pages pass the accessibility check", async ({ page }, testInfo) => {
  // axe runs inside the page, which the no-javascript project forbids (it would hang).
  test.skip(testInfo.project.name === "no-javascript", "axe needs JavaScript in the page");
  // (An expired reset or setup link is left out: in one run its page did not hydrate within
  // 15 s; see the report of issue 10, item 17.)
  for (const path of ["/sign-in", "/sign-in?reset=1", "/sign-in/forgot"]) {
    await test.step(path, async () => {
      await open(page, path);
      await expectAccessible(page, path);
    });
  }
});

test("every signed-in page passes the accessibility check", async ({ page, request }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the data is made in dialogs (JavaScript)");
  await createAdministrator(page, uniqueEmail("a11y"));
  const keys = await createApiKeys(page);
  const upsert = await request.post(`/api/v2/accounts?api_key=${keys.account}`, {
    data: {
      records: [
        { account_id: "a11y-acme", name: "Acme", join_date: 1735689600000, current_mrr: 1200, renewal_date: 1735689600000 },
        { account_id: "a11y-broken", name: "No join date" },
      ],
    },
  });
  expect(upsert.status()).toBe(200);
  await invite(page, uniqueEmail("a11y-invitee"));

  await open(page, "/accounts");
  await page.getByRole("link", { name: "Acme" }).click();
  await expect(page.getByRole("heading", { name: "Acme", level: 1 })).toBeVisible();
  const account = new URL(page.url()).pathname;

  const pages = [
    "/",
    "/accounts",
    account,
    `${account}?tab=details`,
    `${account}?tab=people`,
    `${account}?tab=history`,
    `${account}?tab=interactions`,
    "/settings",
    "/settings/profile",
    "/settings/profile?tab=security",
    "/settings/users",
    "/settings/users?tab=inactive",
    "/settings/users?tab=pending",
    "/settings/roles",
    "/settings/audit",
    "/settings/outbox",
    "/settings/it/source-overview",
    "/settings/it/api-status",
    "/settings/it/api",
  ];
  for (const path of pages) {
    await open(page, path);
    await expectAccessible(page, path);
  }

  // With the Settings menu and a dialog open.
  await page.locator("summary", { hasText: "Settings" }).click();
  await expectAccessible(page, "the Settings menu");
  await page.keyboard.press("Escape");
  await open(page, "/settings/it/source-overview");
  await page.getByRole("button", { name: "New key" }).click();
  await expect(page.getByRole("dialog", { name: "New API key" })).toBeVisible();
  await expectAccessible(page, "the New API key dialog");
});

test("dialogs take the focus, keep it while open and give it back", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "dialogs need JavaScript");
  await createAdministrator(page, uniqueEmail("focus"));
  await open(page, "/settings/it/source-overview");
  const trigger = page.getByRole("button", { name: "New key" });
  await trigger.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await expect(dialog).toBeVisible();
  const focusInDialog = () => dialog.evaluate((el) => el.contains(document.activeElement));
  expect(await focusInDialog(), "the dialog takes the focus").toBe(true);
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    expect(await focusInDialog(), `Tab ${i + 1} stays in the dialog`).toBe(true);
  }
  await page.keyboard.press("Shift+Tab");
  expect(await focusInDialog(), "Shift+Tab stays in the dialog").toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(trigger).toBeFocused();

  // The close button, too, gives the focus back.
  await trigger.click();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();
  await expect(trigger).toBeFocused();
});

test("a skip link leads past the navigation to the main content", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "focus after following an in-page link is checked once");
  await createAdministrator(page, uniqueEmail("skip"));
  await open(page, "/settings");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
  // The next Tab reaches the page's own links, not the navigation.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.querySelector("main")!.contains(document.activeElement))).toBe(true);
});
