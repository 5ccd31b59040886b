import { test, expect, open, settle, uniqueEmail, createAdministrator, signOut, waitForMail, PASSWORD } from "./support";

test("invite a user, who opens the link and finishes set-up", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "the New users dialog needs JavaScript");
  const admin = uniqueEmail("inviter");
  const invitee = uniqueEmail("invitee");
  await createAdministrator(page, admin);
  await open(page, "/settings/users");

  await page.getByRole("button", { name: "New users" }).click();
  const dialog = page.getByRole("dialog", { name: "New users" });
  await dialog.getByLabel("Role").selectOption({ label: "CSM" });
  await dialog.getByLabel("Email addresses").fill(`${invitee}, not-an-address, ${admin}`);
  await dialog.getByRole("button", { name: "Invite" }).click();
  const results = dialog.getByTestId("invite-results");
  await expect(results.locator("li")).toHaveCount(3);
  await expect(results.locator("li").nth(0)).toContainText("Invited");
  await expect(results.locator("li").nth(1)).toContainText("Invalid");
  await expect(results.locator("li").nth(2)).toContainText("Already a user");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("link", { name: /Pending\s+1/ })).toBeVisible();

  // The invitation arrives at the SMTP sink the test server sends to.
  const mail = await waitForMail(invitee);
  expect(mail.subject).toContain("You are invited to");
  const link = mail.links.find((l) => l.includes("/setup/"));
  expect(link, "setup link in the invitation").toBeTruthy();

  await signOut(page);
  await open(page, link!);
  await expect(page.getByRole("heading", { name: /^Join / })).toBeVisible();
  await page.getByLabel("Your name").fill("Ivy Invitee");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Finish set-up" }).click();
  await expect(page.getByRole("heading", { name: /Welcome, Ivy/ })).toBeVisible();
  await settle(page);
});
