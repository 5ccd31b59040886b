// The roles editor, the outbox and the audit log, as an administrator uses them.
import { test, expect, open, uniqueEmail, createAdministrator, invite, signIn, waitForMail } from "./support";

test.beforeEach(async ({}, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the role dialogs need JavaScript");
});

test("create, edit and delete a role; a held role cannot be deleted", async ({ page }) => {
  const admin = uniqueEmail("admin");
  await createAdministrator(page, admin);
  await open(page, "/settings/roles");
  await expect(page.getByRole("heading", { name: "Roles", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "New role" }).click();
  let dialog = page.getByRole("dialog", { name: "New role" });
  await dialog.getByLabel("Name").fill("csm");
  await dialog.getByRole("button", { name: "Save role" }).click();
  await expect(dialog.getByText(/already/)).toBeVisible();
  await dialog.getByLabel("Name").fill("Renewals Lead");
  await dialog.getByLabel("Landing page").selectOption({ label: "My Profile" });
  await dialog.getByLabel("Customer Success Manager Seat").check();
  await dialog.getByLabel("View All Accounts").check();
  await dialog.getByRole("button", { name: "Save role" }).click();
  await expect(page.getByText("Role saved.").last()).toBeVisible();
  const row = page.locator("tr", { hasText: "Renewals Lead" });
  await expect(row).toContainText("View All Accounts");

  // Someone holds it: deleting says who.
  const holder = uniqueEmail("holder");
  await invite(page, holder, "Renewals Lead");
  await open(page, "/settings/roles");
  await page.getByRole("button", { name: "Delete Renewals Lead" }).click();
  dialog = page.getByRole("dialog", { name: "Delete role" });
  await dialog.getByRole("button", { name: "Delete role" }).click();
  await expect(dialog.getByText(holder)).toBeVisible();
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Edit Renewals Lead" }).click();
  dialog = page.getByRole("dialog", { name: "Edit role" });
  await dialog.getByLabel("Name").fill("Renewals");
  await dialog.getByRole("button", { name: "Save role" }).click();
  await expect(page.getByText("Role saved.").last()).toBeVisible();
  await expect(page.locator("tr", { hasText: "Renewals" })).toHaveCount(1);

  // A role nobody holds goes.
  await page.getByRole("button", { name: "New role" }).click();
  dialog = page.getByRole("dialog", { name: "New role" });
  await dialog.getByLabel("Name").fill("Temporary");
  await dialog.getByRole("button", { name: "Save role" }).click();
  await expect(page.getByText("Role saved.").last()).toBeVisible();
  await page.getByRole("button", { name: "Delete Temporary" }).click();
  await page.getByRole("dialog", { name: "Delete role" }).getByRole("button", { name: "Delete role" }).click();
  await expect(page.getByText("Role deleted.")).toBeVisible();
  await expect(page.locator("tr", { hasText: "Temporary" })).toHaveCount(0);

  // Taking Configure Users from the only administrator's role is refused.
  await page.getByRole("button", { name: "Edit CSM Manager" }).click();
  dialog = page.getByRole("dialog", { name: "Edit role" });
  await dialog.getByLabel("Configure Users").uncheck();
  await dialog.getByRole("button", { name: "Save role" }).click();
  await expect(dialog.getByText(/Configure Users/).last()).toBeVisible();
  await expect(dialog.getByRole("alert")).toContainText("no active user could manage users");
  await page.keyboard.press("Escape");

  await open(page, "/settings/audit");
  for (const action of ["Created role", "Edited role", "Deleted role", "Invited user", "Finished setup"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await page.getByLabel("Action").selectOption({ label: "Edited role" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=role_updated/);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr")).toContainText("Renewals");
});

test("the outbox shows each message's delivery and its text", async ({ page }) => {
  const admin = uniqueEmail("admin");
  const invitee = uniqueEmail("outbox");
  await createAdministrator(page, admin);
  await invite(page, invitee);
  await waitForMail(invitee);
  await open(page, "/settings/outbox");
  const row = page.locator("tr", { hasText: invitee });
  await expect(row).toContainText("Sent");
  await row.getByRole("button", { name: `View the message to ${invitee}` }).click();
  const dialog = page.getByRole("dialog", { name: "Message" });
  await expect(dialog).toContainText("/setup/");
});

test("failed sign-ins appear in the audit log", async ({ page, browser }) => {
  const admin = uniqueEmail("admin");
  await createAdministrator(page, admin);
  const other = await browser.newPage();
  await signIn(other, admin, "not the password at all");
  await expect(other.getByText("That email and password do not match an active account.")).toBeVisible();
  await other.close();
  await open(page, `/settings/audit?action=sign_in_failed`);
  await expect(page.locator("tbody tr").first()).toContainText("Failed sign-in");
  await expect(page.locator("tbody tr").first()).toContainText("wrong password");
});
