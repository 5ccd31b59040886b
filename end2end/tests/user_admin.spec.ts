// What administrators do to users on the Users page, with mail read from the SMTP sink.
import {
  test, expect, open, settle, uniqueEmail, createAdministrator, signIn, signOut, enableTwoFactor, hydratedPage,
  invite, join, rowAction, waitForMail, mailFor, PASSWORD,
} from "./support";

const NEW_PASSWORD = "copper harbour winter fig";

test.beforeEach(async ({}, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript" && !testInfo.title.includes("forgot"), "the Users page dialogs need JavaScript");
});

test("resend, copy link and revoke an invitation", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const invitee = uniqueEmail("pending");
  await createAdministrator(page, admin);
  const first = await invite(page, invitee);
  const row = page.locator("tr", { hasText: invitee });
  await expect(row).toContainText("Expires in 7 days");

  await rowAction(page, invitee, "Resend invitation");
  await page.getByRole("dialog").getByRole("button", { name: "Resend" }).click();
  await expect(page.getByText(`A new invitation is on its way to ${invitee}.`)).toBeVisible();
  const resent = (await waitForMail(invitee, 2)).links.find((l) => l.includes("/setup/"))!;
  expect(resent).not.toEqual(first);

  const other = await hydratedPage(browser, errors);
  await open(other, first);
  await expect(other.getByRole("heading", { name: "This link cannot be used" })).toBeVisible();

  await rowAction(page, invitee, "Copy link");
  await page.getByRole("dialog").getByRole("button", { name: "Get link" }).click();
  const copied = await page.getByTestId("invitation-link").inputValue();
  expect(copied).toContain("/setup/");
  await page.getByRole("button", { name: "Copy to clipboard" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  await page.keyboard.press("Escape");
  await open(other, resent);
  await expect(other.getByRole("heading", { name: "This link cannot be used" })).toBeVisible();

  await rowAction(page, invitee, "Revoke");
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText(`The invitation for ${invitee} was revoked.`)).toBeVisible();
  await expect(page.locator("tr", { hasText: invitee })).toHaveCount(0);
  await open(other, copied);
  await expect(other.getByRole("heading", { name: "This link cannot be used" })).toBeVisible();
  await other.context().close();

  // Reactivating someone who never set up sends a fresh invitation that works.
  await open(page, "/settings/users?tab=inactive");
  await rowAction(page, invitee, "Reactivate");
  await page.getByRole("dialog").getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByText(`${invitee} was reactivated.`)).toBeVisible();
  const fresh = (await waitForMail(invitee, 3)).links.find((l) => l.includes("/setup/"))!;
  await signOut(page);
  await join(page, fresh, "Pat Pending");
});

test("edit a user with a validation error, then save", async ({ page }) => {
  const admin = uniqueEmail("admin");
  const member = uniqueEmail("member");
  await createAdministrator(page, admin);
  await invite(page, member);
  await open(page, "/settings/users?tab=pending");
  await rowAction(page, member, "Edit");
  const dialog = page.getByRole("dialog", { name: "Edit user" });
  await dialog.getByLabel("Username (email)").fill(admin);
  await dialog.getByLabel("Phone").fill("call me maybe");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByText("is already the username of another active user")).toBeVisible();
  await expect(dialog.getByText("is not a phone number")).toBeVisible();
  await dialog.getByLabel("Username (email)").fill(member);
  await dialog.getByLabel("Phone").fill("+1 555 0100");
  await dialog.getByLabel("Title").fill("Account Lead");
  await dialog.getByLabel("Role").selectOption({ label: "Executive" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Saved ${member}.`)).toBeVisible();
  const row = page.locator("tr", { hasText: member });
  await expect(row).toContainText("Account Lead");
  await expect(row).toContainText("Executive");

  await open(page, `/settings/audit?target=${encodeURIComponent(member)}&action=user_updated`);
  await expect(page.getByRole("cell", { name: "Edited user" })).toBeVisible();
  await expect(page.locator("tr", { hasText: "Edited user" })).toContainText("Account Lead");
});

test("delete ends the user's open session; reactivate lets them back in", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const member = uniqueEmail("member");
  await createAdministrator(page, admin);
  const link = await invite(page, member);
  const theirs = await hydratedPage(browser, errors);
  await join(theirs, link, "Dee Leted");

  await open(page, "/settings/users");
  await rowAction(page, member, "Delete");
  const dialog = page.getByRole("dialog", { name: "Delete user" });
  await expect(dialog).toContainText("signed out everywhere");
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText(`${member} was deleted and signed out.`)).toBeVisible();
  await expect(page.getByRole("link", { name: /Inactive\s+1/ })).toBeVisible();

  await open(theirs, "/settings/profile");
  await expect(theirs).toHaveURL(/\/sign-in/);
  await signIn(theirs, member);
  await expect(theirs.getByText("That email and password do not match an active account.")).toBeVisible();

  await open(page, "/settings/users?tab=inactive");
  await rowAction(page, member, "Reactivate");
  await page.getByRole("dialog").getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByText(`${member} was reactivated.`)).toBeVisible();
  await signIn(theirs, member);
  await expect(theirs.getByRole("heading", { name: /Welcome, Dee/ })).toBeVisible();
  await theirs.context().close();
});

test("reset a password by emailed link: the old one works until the new one is set", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const member = uniqueEmail("member");
  await createAdministrator(page, admin);
  const link = await invite(page, member);
  const theirs = await hydratedPage(browser, errors);
  await join(theirs, link, "Reese Reset");

  await open(page, "/settings/users");
  await rowAction(page, member, "Reset password");
  await page.getByRole("dialog").getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText(`A password reset link is on its way to ${member}.`)).toBeVisible();
  const mail = await waitForMail(member, 2);
  expect(mail.subject).toContain("Reset your password");
  const reset = mail.links.find((l) => l.includes("/reset-password/"))!;

  const fresh = await hydratedPage(browser, errors);
  await signIn(fresh, member);
  await expect(fresh.getByRole("heading", { name: /Welcome, Reese/ })).toBeVisible();
  await fresh.context().close();

  const resetting = await hydratedPage(browser, errors);
  await open(resetting, reset);
  await resetting.getByLabel("New password").fill(NEW_PASSWORD);
  await resetting.getByRole("button", { name: "Set new password" }).click();
  await expect(resetting.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();
  await signIn(resetting, member);
  await expect(resetting.getByText("That email and password do not match an active account.")).toBeVisible();
  await signIn(resetting, member, NEW_PASSWORD);
  await expect(resetting.getByRole("heading", { name: /Welcome, Reese/ })).toBeVisible();
  await expect((await waitForMail(member, 3)).subject).toContain("was changed");
  // The session opened before the reset has ended.
  await open(theirs, "/settings/profile");
  await expect(theirs).toHaveURL(/\/sign-in/);
  // The link worked once.
  await open(resetting, reset);
  await expect(resetting.getByRole("heading", { name: "This link cannot be used" })).toBeVisible();
  await resetting.context().close();
  await theirs.context().close();
});

test("forgot password sends a link only to a real user, with the same answer for anyone", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const setup = await hydratedPage(browser, errors);
  await createAdministrator(setup, admin);
  await setup.context().close();

  for (const email of [admin, uniqueEmail("nobody")]) {
    await open(page, "/sign-in");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await settle(page);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByTestId("forgot-sent")).toContainText("If that email belongs to an active account");
  }
  const mail = await waitForMail(admin);
  const reset = mail.links.find((l) => l.includes("/reset-password/"))!;
  await open(page, reset);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1/);
  await signIn(page, admin, NEW_PASSWORD);
  await expect(page.getByRole("heading", { name: "Management Center" })).toBeVisible();
});

test("an administrator turns off a user's 2FA and the user is told", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const member = uniqueEmail("member");
  await createAdministrator(page, admin);
  const link = await invite(page, member);
  const theirs = await hydratedPage(browser, errors);
  await join(theirs, link, "Tess Twofactor");
  await enableTwoFactor(theirs);
  await theirs.context().close();

  await open(page, "/settings/users");
  const row = page.locator("tr", { hasText: member });
  await expect(row).toContainText("On");
  await rowAction(page, member, "Turn off 2FA");
  // The administrator signs in again and says why; a wrong password is refused.
  const dialog = page.getByRole("dialog", { name: "Turn off two-factor sign-in" });
  await dialog.getByLabel("Reason").fill("Lost phone, identity checked by call");
  await dialog.getByLabel("Your password").fill("not my password at all");
  await dialog.getByRole("button", { name: "Turn off 2FA" }).click();
  await expect(dialog.getByText("That is not your current password.")).toBeVisible();
  await expect(row.getByText("On", { exact: true })).toBeVisible();
  await dialog.getByLabel("Your password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Turn off 2FA" }).click();
  await expect(page.getByText(`Two-factor sign-in is off for ${member}.`)).toBeVisible();
  await expect(row.getByText("Off")).toBeVisible();
  expect((await waitForMail(member, 2)).subject).toContain("Two-factor sign-in was turned off");

  const again = await hydratedPage(browser, errors);
  await signIn(again, member);
  await expect(again.getByRole("heading", { name: /Welcome, Tess/ })).toBeVisible();
  await again.context().close();

  await open(page, `/settings/audit?target=${encodeURIComponent(member)}&action=two_factor_disabled`);
  await expect(page.locator("tr", { hasText: member })).toContainText("Lost phone, identity checked by call");
});

test("bulk delete with one failing row, and the guard rails say why", async ({ page }) => {
  const admin = uniqueEmail("admin");
  const a = uniqueEmail("bulk-a");
  const b = uniqueEmail("bulk-b");
  await createAdministrator(page, admin);
  for (const email of [a, b]) await invite(page, email);
  await open(page, "/settings/users?tab=pending");
  await page.getByRole("checkbox", { name: `Select ${a}` }).check();
  await page.getByRole("checkbox", { name: `Select ${b}` }).check();
  await expect(page.getByTestId("bulk-bar")).toContainText("2 selected");
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Resend invitation" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Resend invitation 2" }).click();
  await expect(page.getByTestId("bulk-summary")).toContainText("2 succeeded");
  await page.getByRole("button", { name: "Done" }).click();
  await waitForMail(a, 2);

  // Delete yourself plus someone else: one succeeds, one is refused with its reason.
  await open(page, "/settings/users?tab=pending");
  await page.getByRole("checkbox", { name: `Select ${a}` }).check();
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete 1" }).click();
  await expect(page.getByTestId("bulk-summary")).toContainText("1 succeeded");
  await page.getByRole("button", { name: "Done" }).click();

  await open(page, "/settings/users");
  await page.getByRole("checkbox", { name: `Select ${admin}` }).check();
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete 1" }).click();
  await expect(page.getByTestId("bulk-summary")).toContainText("1 failed");
  await expect(page.getByTestId("bulk-failures")).toContainText("You cannot delete yourself");
  await page.getByRole("button", { name: "Done" }).click();

  // The only administrator cannot take Configure Users away from themselves.
  await rowAction(page, admin, "Edit");
  const dialog = page.getByRole("dialog", { name: "Edit user" });
  await dialog.getByLabel("Role").selectOption({ label: "Guest" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByText("is the last active user who can Configure Users")).toBeVisible();

  await open(page, "/settings/audit?action=user_deactivated");
  await expect(page.locator("tr", { hasText: a })).toContainText("Deleted user");
  expect(mailFor(b).length).toBe(2);
});

test("nobody hands out a role with a permission they do not hold", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const analyst = uniqueEmail("analyst");
  await createAdministrator(page, admin);
  const link = await invite(page, analyst, "Analyst");
  const theirs = await hydratedPage(browser, errors);
  await join(theirs, link, "Ann Analyst");
  // Analysts configure users but hold no CSM seat, so they cannot invite a CSM.
  await open(theirs, "/settings/users");
  await theirs.getByRole("button", { name: "New users" }).click();
  const dialog = theirs.getByRole("dialog", { name: "New users" });
  await dialog.getByLabel("Role").selectOption({ label: "CSM" });
  await dialog.getByLabel("Email addresses").fill(uniqueEmail("csm"));
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByText("You cannot give the CSM role: it grants Customer Success Manager Seat, which you do not have.")).toBeVisible();
  await theirs.context().close();
});

test("New users preselects no role and keeps the chosen one between invitations", async ({ page }) => {
  const admin = uniqueEmail("admin");
  const [first, second] = [uniqueEmail("invitee-a"), uniqueEmail("invitee-b")];
  await createAdministrator(page, admin);
  await open(page, "/settings/users?tab=pending");
  // The test server has a mail relay: no "kept in the Outbox" banner.
  await expect(page.getByTestId("no-relay-banner")).toHaveCount(0);
  await page.getByRole("button", { name: "New users" }).click();
  const dialog = page.getByRole("dialog", { name: "New users" });
  await expect(dialog.getByLabel("Role")).toHaveValue("");
  await expect(dialog.getByRole("button", { name: "Invite" })).toBeDisabled();

  await dialog.getByLabel("Role").selectOption({ label: "Guest" });
  await dialog.getByLabel("Email addresses").fill(first);
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByTestId("invite-results")).toContainText(/Invited\s+as Guest/);
  // The list behind the dialog has refreshed; the role is still the one chosen.
  await expect(page.locator("tr", { hasText: first })).toContainText("Guest");
  await expect(dialog.getByLabel("Role")).toHaveValue(/\d+/);
  await dialog.getByLabel("Email addresses").fill(second);
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByTestId("invite-results")).toContainText(second);
  await expect(dialog.getByTestId("invite-results")).toContainText(/Invited\s+as Guest/);
  await dialog.getByRole("button", { name: "Done" }).click();
  for (const email of [first, second]) await expect(page.locator("tr", { hasText: email })).toContainText("Guest");

  // Bulk Change role preselects nothing either.
  await page.getByRole("checkbox", { name: `Select ${first}` }).check();
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Change role" }).click();
  const bulk = page.getByRole("dialog", { name: "Change role for selected users" });
  await expect(bulk.getByLabel("New role")).toHaveValue("");
  await expect(bulk.getByRole("button", { name: "Change role 1" })).toBeDisabled();
  await bulk.getByLabel("New role").selectOption({ label: "Executive" });
  await bulk.getByRole("button", { name: "Change role 1" }).click();
  await expect(bulk.getByTestId("bulk-summary")).toContainText("1 succeeded");
  await bulk.getByRole("button", { name: "Done" }).click();
  await expect(page.locator("tr", { hasText: first })).toContainText("Executive");
  await expect(page.locator("tr", { hasText: second })).toContainText("Guest");
});

test("every dialog starts clean: a refused Delete after a successful one shows the refusal", async ({ page, browser, errors }) => {
  const admin = uniqueEmail("admin");
  const carl = uniqueEmail("carl");
  await createAdministrator(page, admin);
  const link = await invite(page, carl);
  const theirs = await hydratedPage(browser, errors);
  await join(theirs, link, "Carl Cee");
  await theirs.context().close();

  await open(page, "/settings/users");
  await rowAction(page, carl, "Delete");
  await page.getByRole("dialog", { name: "Delete user" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText(`${carl} was deleted and signed out.`)).toBeVisible();

  await rowAction(page, admin, "Delete");
  const remove = page.getByRole("dialog", { name: "Delete user" });
  await remove.getByRole("button", { name: "Delete" }).click();
  await expect(remove.getByRole("alert")).toContainText("You cannot delete yourself");
  await expect(page.getByText(`${admin} was deleted and signed out.`)).toHaveCount(0);
  // Opened again, the same dialog shows no earlier answer.
  await remove.getByRole("button", { name: "Cancel" }).click();
  await rowAction(page, admin, "Delete");
  await expect(remove.getByRole("button", { name: "Delete" })).toBeEnabled();
  await expect(remove.getByRole("alert")).toHaveCount(0);
  await remove.getByRole("button", { name: "Cancel" }).click();

  // Edit: a refusal, then the dialog opened again is clean.
  for (let i = 0; i < 2; i++) {
    await rowAction(page, admin, "Edit");
    const edit = page.getByRole("dialog", { name: "Edit user" });
    await expect(edit.getByText("is not a phone number")).toHaveCount(0);
    await edit.getByLabel("Phone").fill("call me maybe");
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(edit.getByText("is not a phone number")).toBeVisible();
    await edit.getByRole("button", { name: "Cancel" }).click();
  }

  // New users: the answer of one use is gone at the next.
  for (let i = 0; i < 2; i++) {
    await page.getByRole("button", { name: "New users" }).click();
    const dialog = page.getByRole("dialog", { name: "New users" });
    await expect(dialog.getByTestId("invite-results")).toHaveCount(0);
    await expect(dialog.getByLabel("Role")).toHaveValue("");
    await expect(dialog.getByLabel("Email addresses")).toHaveValue("");
    await dialog.getByLabel("Role").selectOption({ label: "Guest" });
    await dialog.getByLabel("Email addresses").fill("not-an-address");
    await dialog.getByRole("button", { name: "Invite" }).click();
    await expect(dialog.getByTestId("invite-results")).toContainText("Invalid");
    await dialog.getByRole("button", { name: "Done" }).click();
  }

  // Bulk: the summary of one use is gone at the next.
  for (let i = 0; i < 2; i++) {
    await page.getByRole("checkbox", { name: `Select ${admin}` }).check();
    await page.getByTestId("bulk-bar").getByRole("button", { name: "Delete" }).click();
    const bulk = page.getByRole("dialog", { name: "Delete for selected users" });
    await expect(bulk.getByTestId("bulk-summary")).toHaveCount(0);
    await bulk.getByRole("button", { name: "Delete 1" }).click();
    await expect(bulk.getByTestId("bulk-failures")).toContainText("You cannot delete yourself");
    await bulk.getByRole("button", { name: "Done" }).click();
  }
});
