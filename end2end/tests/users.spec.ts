import { test, expect, open, settle, uniqueEmail, createAdministrator } from "./support";

test("the Users page keeps tab, search and sort in the URL", async ({ page }, testInfo) => {
  const email = uniqueEmail(`users-${testInfo.project.name}`);
  await createAdministrator(page, email);

  await test.step("reach it from the Settings menu", async () => {
    await page.locator("summary", { hasText: "Settings" }).click();
    await page.getByRole("menuitem", { name: "Users" }).click();
    await expect(page).toHaveURL(/\/settings\/users/);
    await settle(page);
    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  });

  await test.step("the administrator is the one active user and holds a CSM seat", async () => {
    await expect(page.getByRole("link", { name: /Active\s+1/ })).toBeVisible();
    const row = page.getByRole("row").filter({ hasText: email });
    await expect(row).toContainText("CSM Manager");
    await expect(row).toContainText("CSM seat");
    await expect(row.locator("time")).toHaveAttribute("title", /UTC$/);
    await expect(page.getByText(/1 CSM seat in use/)).toBeVisible();
  });

  await test.step("search narrows the list and lands in the URL", async () => {
    await page.getByLabel("Search").fill("nobody-matches-this");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/q=nobody-matches-this/);
    await settle(page);
    await expect(page.getByText("No users match this search")).toBeVisible();
    // A shared link opens the same view.
    await open(page, page.url());
    await expect(page.getByLabel("Search")).toHaveValue("nobody-matches-this");
    await expect(page.getByText("No users match this search")).toBeVisible();
  });

  await test.step("tabs and sorting are links too", async () => {
    await page.getByRole("link", { name: /Pending/ }).click();
    await expect(page).toHaveURL(/tab=pending/);
    await settle(page);
    await open(page, "/settings/users?tab=active");
    await page.getByRole("link", { name: /^Name/ }).click();
    await expect(page).toHaveURL(/sort=name&dir=desc|dir=desc/);
    await settle(page);
    await expect(page.getByRole("columnheader", { name: /Name ↓/ })).toHaveAttribute("aria-sort", "descending");
  });
});
