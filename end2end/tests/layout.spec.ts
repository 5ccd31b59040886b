// Layout at 1280x800, measured in the browser: every table of the pages with wide tables
// fits its box (nothing to scroll sideways to), the cells of each row line up (no flex
// cells leaving the row), and the Settings menu lists every page the user may open.
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  open,
  uniqueEmail,
  createAdministrator,
  createApiKeys,
  invite,
  join,
  hydratedPage,
} from "./support";

test.beforeEach(async ({}, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the data is made in dialogs (JavaScript)");
});

/** Every table on the page is no wider than the box around it. */
async function expectTablesFit(page: Page, where: string) {
  await expect(page.locator(".table-wrap").first()).toBeVisible();
  const tables = await page.locator(".table-wrap").evaluateAll((wraps) =>
    wraps.map((wrap) => ({
      caption: wrap.querySelector("caption")?.textContent ?? "",
      scrollWidth: wrap.scrollWidth,
      clientWidth: wrap.clientWidth,
    })),
  );
  for (const table of tables) {
    expect(table.scrollWidth, `${where}: "${table.caption}" is wider than its box`).toBeLessThanOrEqual(table.clientWidth);
  }
}

/** Every cell of a row starts at the row's top and is as tall as the row. */
async function expectRowsAligned(page: Page, where: string) {
  const rows = await page.locator(".table tbody tr").evaluateAll((rows) =>
    rows.map((row) => ({
      text: (row.textContent ?? "").trim().slice(0, 40),
      cells: [...row.children].map((cell) => {
        const box = cell.getBoundingClientRect();
        return { top: Math.round(box.top), height: Math.round(box.height) };
      }),
    })),
  );
  expect(rows.length, `${where} has rows`).toBeGreaterThan(0);
  for (const row of rows) {
    for (const cell of row.cells) {
      expect(cell, `${where}: a cell of "${row.text}" leaves its row`).toEqual(row.cells[0]);
    }
  }
}

test("tables fit at 1280x800 and their rows line up", async ({ page, request }) => {
  await createAdministrator(page, uniqueEmail("layout"));
  const keys = await createApiKeys(page);
  // A rotated key: the old one keeps Revoke while the new one has Rotate and Revoke.
  await page.getByRole("button", { name: "Rotate CRM sync" }).click();
  const rotate = page.getByRole("dialog", { name: "Rotate API key" });
  await rotate.getByLabel("Overlap (days)").fill("7");
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  await expect(rotate.getByTestId("new-api-key")).not.toHaveValue("");
  await rotate.getByRole("button", { name: "Done" }).click();
  await expect(page.locator("tr", { hasText: "CRM sync (rotated)" })).toBeVisible();
  await expectTablesFit(page, "Source Overview");
  await expectRowsAligned(page, "Source Overview");

  const upsert = await request.post(`/api/v2/accounts?api_key=${keys.account}`, {
    data: {
      records: [
        { account_id: "layout-acme", name: "Acme", join_date: 1735689600000 },
        { account_id: "layout-broken", name: "No join date" },
      ],
    },
  });
  expect(upsert.status()).toBe(200);
  const events = await request.post(`/v1/${keys.auth}/${keys.api}`, {
    headers: { "Content-Type": "application/json" },
    data: `{"action":"feature","account_id":"layout-acme","user_id":"ada","created_at":${Date.now()},"feature":"Export"}\n`,
  });
  expect(events.status()).toBe(200);

  await open(page, "/settings/it/api-status");
  await expect(page.locator("tr.api-call")).toHaveCount(2);
  await expectTablesFit(page, "API Status");
  // The last columns are on screen, not beyond the right edge.
  for (const heading of ["Records", "Duration", "Key"]) {
    await expect(page.getByRole("columnheader", { name: heading, exact: true })).toBeInViewport();
  }
  await page.locator("tr.api-call", { hasText: "Partial" }).getByRole("button", { name: "Show failures" }).click();
  await expectTablesFit(page, "API Status with a call opened");

  await invite(page, uniqueEmail("pending-one"));
  await invite(page, uniqueEmail("pending-two"), "Guest");
  for (const tab of ["active", "pending"]) {
    await open(page, `/settings/users?tab=${tab}`);
    await expectTablesFit(page, `Users → ${tab}`);
    await expectRowsAligned(page, `Users → ${tab}`);
  }
  await expect(page.getByRole("columnheader", { name: "Invitation" })).toBeInViewport();
  await expect(page.getByRole("columnheader", { name: "Actions" })).toBeInViewport();
  await expect(page.getByRole("columnheader", { name: /Last sign-in/ })).toHaveCount(0);
  await expect(page.getByRole("columnheader", { name: /2FA/ })).toHaveCount(0);

  await open(page, "/settings/outbox");
  await expectTablesFit(page, "Outbox");

  await open(page, "/settings/roles");
  await expectTablesFit(page, "Roles");
  await expectRowsAligned(page, "Roles");

  // Dates stay on one line.
  await open(page, "/settings/users?tab=pending");
  for (const time of await page.locator("tbody time").all()) {
    const box = await time.evaluate((el) => ({ height: el.getBoundingClientRect().height, line: parseFloat(getComputedStyle(el).lineHeight) }));
    expect(box.height, "a date wraps").toBeLessThan(box.line * 1.5);
  }
});

test("the Settings menu lists every page the user may open and closes with Escape", async ({ page, browser, errors }) => {
  const adminEmail = uniqueEmail("menu");
  await createAdministrator(page, adminEmail);
  const settings = page.locator("summary", { hasText: "Settings" });
  const menu = page.getByRole("menu", { name: "Settings" });
  await settings.click();
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("menuitem")).toHaveText([
    "Overview",
    "My Profile",
    "Users",
    "Roles",
    "Audit log",
    "Outbox",
    "Source Overview",
    "Source Mapping",
    "Manage OAuth",
    "Manage Credentials",
    "API Upload",
    "Email Configuration",
    "API Status",
    "Unmatched email",
    "API",
  ]);
  // The same pages as the Management Center's cards.
  await open(page, "/settings");
  const cards = await page.locator(".card-grid a.card-link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  await settings.click();
  const items = await menu.getByRole("menuitem").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  expect(items.filter((href) => href !== "/settings")).toEqual(cards);

  // Keyboard: the arrow keys move through the links; Escape closes and returns the focus.
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: "Overview", exact: true })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: "My Profile" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(settings).toBeFocused();

  await page.getByRole("link", { name: "Ada Admin" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);

  // A CSM sees the pages a CSM may open, and no others.
  const link = await invite(page, uniqueEmail("menu-csm"), "CSM");
  const csm = await hydratedPage(browser, errors);
  await join(csm, link, "Carl Csm");
  await csm.locator("summary", { hasText: "Settings" }).click();
  await expect(csm.getByRole("menu", { name: "Settings" }).getByRole("menuitem")).toHaveText(["Overview", "My Profile"]);
  await csm.context().close();
});
